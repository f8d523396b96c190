import { createRoute, z } from "@hono/zod-openapi";
import { MAX_LIVE_WEBHOOKS } from "../domain/webhooks";
import { jsonBody, jsonResponse, security } from "../lib/openapi";
import { forManagers } from "../lib/policy";
import { CreatedWebhookSchema, CreateWebhookSchema, DeliverySchema, ListQuery, WebhookParams, WebhookSchema } from "./schemas";

const tags = ["Webhooks"];

export const createWebhook = createRoute({
  operationId: "createWebhook",
  ...forManagers,
  method: "post",
  path: "/webhooks",
  tags,
  security,
  summary: "Subscribe a URL to events; the answer carries the signing secret, shown only here",
  description: `At most ${MAX_LIVE_WEBHOOKS} webhooks are live at once (409 \`webhook_limit_reached\`), and no two live webhooks send the same set of events to the same URL (409 \`webhook_duplicate\`; URLs are compared as stored: lowercase host, no trailing dot, no default port).`,
  request: { body: jsonBody(CreateWebhookSchema) },
  responses: { 201: jsonResponse(CreatedWebhookSchema, "Created") },
});

export const listWebhooks = createRoute({
  operationId: "listWebhooks",
  ...forManagers,
  method: "get",
  path: "/webhooks",
  tags,
  security,
  summary: "Live webhooks, oldest first (never their secrets)",
  request: { query: ListQuery },
  responses: { 200: jsonResponse(z.array(WebhookSchema), "Webhooks") },
});

export const deleteWebhook = createRoute({
  operationId: "deleteWebhook",
  ...forManagers,
  method: "delete",
  path: "/webhooks/{webhook_id}",
  tags,
  security,
  summary: "Stop sending events to a webhook; its deliveries stay readable",
  request: { params: WebhookParams },
  responses: { 204: { description: "Deleted" } },
});

export const listDeliveries = createRoute({
  operationId: "listWebhookDeliveries",
  ...forManagers,
  method: "get",
  path: "/webhooks/{webhook_id}/deliveries",
  tags,
  security,
  summary: "A webhook's deliveries, newest first: status, attempts, the receiver's last answer, the next retry",
  request: { params: WebhookParams, query: ListQuery },
  responses: { 200: jsonResponse(z.array(DeliverySchema), "Deliveries") },
});
