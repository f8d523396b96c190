import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse, security } from "../lib/openapi";
import { forManagers } from "../lib/policy";
import { AuditEventSchema, AuditQuery } from "./schemas";

export const listAuditEvents = createRoute({
  operationId: "listAuditEvents",
  ...forManagers,
  method: "get",
  path: "/audit-events",
  tags: ["Audit log"],
  security,
  summary: "Who changed what, when: the append-only audit log, oldest first (keyset-paginated)",
  request: { query: AuditQuery },
  responses: { 200: jsonResponse(z.array(AuditEventSchema), "Audit events") },
});
