import { z } from "@hono/zod-openapi";
import { AUDIT_ACTIONS, AUDIT_ENTITY_TYPES, ROLES } from "../domain/vocabulary";
import { fields } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";

export const AuditQuery = z.object({
  entity_type: z.enum(AUDIT_ENTITY_TYPES).optional().openapi({ description: "Only events about this kind of thing" }),
  entity_id: z.string().min(1).max(200).optional().openapi({
    description:
      "Only events about this thing (a course, step, material, form, table, participant or webhook id; for grants, the staff member's sub)",
  }),
  actor_id: z.string().min(1).max(200).optional().openapi({ description: "Only events by this caller (the token's `sub`)" }),
  action: z.enum(AUDIT_ACTIONS).optional().openapi({ description: "Only events of this action" }),
  since: fields.utcTime().optional().openapi({ description: "Only events at or after this time (ISO 8601, UTC)" }),
  ...pageQuery,
});

/**
 * One field's change: always exactly two JSON values, as `changesBetween` records them. A tuple, so a client
 * reads `[before, after]` by position without checking the length.
 */
export const AuditChangeSchema = z
  .tuple([
    z.unknown().openapi({ description: "The value before (null: the thing was created, or the field had none)" }),
    z.unknown().openapi({ description: "The value after (null: the thing was deleted, or the field has none)" }),
  ])
  .openapi("AuditChange", {
    description:
      "`[before, after]`: the field's JSON value before and after the change, as the API answers that field (a count, text, a list, an object)",
    minItems: 2,
    maxItems: 2,
    // JSON Schema's closed tuple is `items: false`; spelled as the schema nothing matches, which the document's
    // typings and Spectral's array-items rule accept.
    items: { not: {} },
  });

export const AuditEventSchema = z
  .object({
    id: z.string(),
    at: fields.timestamp(),
    actor_id: z.string(),
    actor_role: z.enum(ROLES),
    action: z.enum(AUDIT_ACTIONS),
    entity_type: z.enum(AUDIT_ENTITY_TYPES),
    entity_id: z.string(),
    request_id: z.string().openapi({ description: "The request that made the change, as in its `x-request-id` header" }),
    changes: z.record(z.string(), AuditChangeSchema).openapi({
      description:
        "`{field: [before, after]}` for the fields that changed (created: before null; deleted: after null). Never exam answers, questions or options, file contents or notes.",
      example: { name: ["Old name", "New name"] },
    }),
  })
  .openapi("AuditEvent");
