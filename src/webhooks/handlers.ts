import { batch } from "../db/batch";
import { changesBetween, WEBHOOK_FIELDS } from "../domain/audit";
import { checkWebhookUrl, MAX_LIVE_WEBHOOKS } from "../domain/webhooks";
import { audit } from "../journal";
import { badRequest, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import {
  deletedChanges,
  deliveriesPage,
  duplicateOf,
  failDeletedWebhookDeliveries,
  findWebhook,
  insertWebhook,
  liveWebhooksPage,
  softDelete,
  toDelivery,
  toWebhook,
} from "./queries";
import type * as routes from "./routes";
import { newSecret } from "./signature";

export const createWebhook: Handler<typeof routes.createWebhook> = async (c) => {
  const body = c.req.valid("json");
  const verdict = checkWebhookUrl(body.url, c.env.ALLOW_LOCAL_WEBHOOKS === "true");
  if (!verdict.ok) throw badRequest("invalid_webhook_url", verdict.reason, [{ path: "url", message: verdict.reason }]);
  const now = c.get("now");
  const row = {
    id: newId(now),
    url: verdict.url,
    events: body.events,
    description: body.description ?? null,
    secret: newSecret(),
    created_by: c.get("caller").id,
    created_at: now.toISOString(),
    deleted_at: null,
  };
  const db = c.get("db");
  // A manager routing participants' events to a receiver is recorded, with the insert or not at all. The
  // duplicate read follows the insert, so a refusal is explained by the table as the insert saw it.
  const { inserted, duplicate } = await batch(db, {
    inserted: insertWebhook(db, row),
    created: audit(
      c,
      "webhook.created",
      { type: "webhook", id: row.id },
      changesBetween<Record<string, unknown>>(null, row, WEBHOOK_FIELDS),
    ),
    duplicate: duplicateOf(db, row.url, row.events),
  });
  if (inserted.length === 0) {
    const [same] = duplicate;
    if (same) throw conflict("webhook_duplicate", `Webhook '${same.id}' already sends these events to this URL`);
    throw conflict("webhook_limit_reached", `At most ${MAX_LIVE_WEBHOOKS} webhooks may be live at once: delete one first`);
  }
  // The only time the secret leaves the database: the manager stores it with the receiver.
  return c.json({ ...toWebhook(row), secret: row.secret }, 201);
};

export const listWebhooks: Handler<typeof routes.listWebhooks> = async (c) => {
  const { limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const rows = await liveWebhooksPage(c.get("db"), decodeCursor(cursor, ["string", "string"]), limit);
  return c.json(page(c, rows, limit, (r) => [r.created_at, r.id]).map(toWebhook), 200);
};

export const deleteWebhook: Handler<typeof routes.deleteWebhook> = async (c) => {
  const { webhook_id } = c.req.valid("param");
  // Soft: the consumer stops delivering to it (it reads live webhooks only) and its deliveries stay listed.
  // Its pending deliveries will never be tried again: failed in the same batch, only if this call deleted it.
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const { deleted } = await batch(db, {
    deleted: softDelete(db, webhook_id, stamp),
    // Right after the delete: recorded only if this call deleted it (not on a 404, nor on a second delete).
    audited: audit(c, "webhook.deleted", { type: "webhook", id: webhook_id }, deletedChanges(webhook_id)),
    failed: failDeletedWebhookDeliveries(db, { webhookId: webhook_id, deletedAt: stamp }, stamp),
  });
  if (deleted.length === 0) throw notFound("Webhook", webhook_id);
  return c.body(null, 204);
};

export const listDeliveries: Handler<typeof routes.listDeliveries> = async (c) => {
  const { webhook_id } = c.req.valid("param");
  const { limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const db = c.get("db");
  const { webhook, rows } = await batch(db, {
    webhook: findWebhook(db, webhook_id),
    rows: deliveriesPage(db, webhook_id, decodeCursor(cursor, ["string", "string"]), limit),
  });
  if (webhook.length === 0) throw notFound("Webhook", webhook_id);
  return c.json(page(c, rows, limit, (r) => [r.created_at, r.id]).map(toDelivery), 200);
};
