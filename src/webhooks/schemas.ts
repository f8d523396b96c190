import { z } from "@hono/zod-openapi";
import { DELIVERY_ERRORS, DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from "../domain/vocabulary";
import { MAX_WEBHOOK_URL_LENGTH } from "../domain/webhooks";
import { fields, objectId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";

const EventType = z.enum(WEBHOOK_EVENT_TYPES).openapi("WebhookEventType");

/** Never a network library's text (it can name what sits behind the receiver): one of DELIVERY_ERRORS. */
const LastError = z.enum(DELIVERY_ERRORS).nullable().openapi({
  description:
    "Why the last try failed, null after a success: `timeout`, `connection_failed`, `dns_error`, `tls_error`, `redirect` (a 3xx, not followed), `non_2xx` (the status is in `last_response_code`), `url_refused` (the URL is no longer allowed), `webhook_deleted`.",
});

export const CreateWebhookSchema = z
  .object({
    // The scheme and host rules depend on the deployment (ALLOW_LOCAL_WEBHOOKS): checked by the handler.
    url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).openapi({
      format: "uri",
      example: "https://hooks.example.org/lms",
      description:
        "https:// to a public host (http://localhost only in local dev); stored normalised (lowercase host, no trailing dot, no default port)",
    }),
    events: z
      .array(EventType)
      .min(1)
      .max(WEBHOOK_EVENT_TYPES.length)
      .refine((events) => new Set(events).size === events.length, "events must be unique"),
    description: z.string().max(500).nullable().optional(),
  })
  .strict()
  .openapi("CreateWebhook");

export const WebhookSchema = z
  .object({
    id: objectId("id"),
    url: z.string().openapi({ example: "https://hooks.example.org/lms" }),
    events: z.array(EventType),
    description: z.string().nullable(),
    created_at: fields.timestamp(),
  })
  .openapi("Webhook");

export const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().openapi({
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Ts5RcXKwYE=",
    description: "The signing secret (whsec_ + base64 of 32 bytes). Shown only in this response: store it now.",
  }),
}).openapi("CreatedWebhook");

export const DeliverySchema = z
  .object({
    id: objectId("id"),
    event_id: objectId("event_id").openapi({ description: "The event's id, sent as the webhook-id header" }),
    event_type: EventType,
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_response_code: z.number().int().nullable(),
    last_error: LastError,
    next_retry_at: fields.timestamp().nullable(),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
  })
  .openapi("WebhookDelivery");

export const WebhookParams = z.object({ webhook_id: objectId("webhook_id") });
export const ListQuery = z.object({ ...pageQuery });
