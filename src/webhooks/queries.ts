import { and, asc, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { webhookDeliveries, webhookEvents, webhooks } from "../db/schema";
import type { Db } from "../db/types";
import type { DeliveryStatus, WebhookEventType } from "../domain/vocabulary";
import type { CursorValues } from "../lib/pagination";

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type EventRow = typeof webhookEvents.$inferSelect;

/** A webhook as the API shows it: everything but the secret, which only the create call returns. */
export function toWebhook(row: WebhookRow) {
  // Written only through the create route's enum, so the column holds event types only.
  return { id: row.id, url: row.url, events: row.events as WebhookEventType[], description: row.description, created_at: row.created_at };
}

export function toDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_response_code: row.last_response_code,
    last_error: row.last_error,
    next_retry_at: row.next_retry_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Live webhooks, oldest first, along the (deleted_at, created_at) index. */
export function liveWebhooksPage(db: Db, after: CursorValues | null, limit: number) {
  const [at, id] = (after ?? []) as [string, string];
  return db
    .select()
    .from(webhooks)
    .where(
      and(
        isNull(webhooks.deleted_at),
        after ? or(gt(webhooks.created_at, at), and(eq(webhooks.created_at, at), gt(webhooks.id, id))) : undefined,
      ),
    )
    .orderBy(asc(webhooks.created_at), asc(webhooks.id))
    .limit(limit + 1);
}

/** A webhook, live or deleted (its deliveries stay readable after a delete). */
export const findWebhook = (db: Db, id: string) => db.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.id, id));

/** Stamps deleted_at on a live webhook; answers the id only if this call deleted it. */
export const softDelete = (db: Db, id: string, stamp: string) =>
  db
    .update(webhooks)
    .set({ deleted_at: stamp })
    .where(and(eq(webhooks.id, id), isNull(webhooks.deleted_at)))
    .returning({ id: webhooks.id });

/** A webhook's deliveries, newest first, along the (webhook_id, created_at, id) index. */
export function deliveriesPage(db: Db, webhookId: string, after: CursorValues | null, limit: number) {
  const [at, id] = (after ?? []) as [string, string];
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhook_id, webhookId),
        after
          ? or(lt(webhookDeliveries.created_at, at), and(eq(webhookDeliveries.created_at, at), lt(webhookDeliveries.id, id)))
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.created_at), desc(webhookDeliveries.id))
    .limit(limit + 1);
}

/* ---------------- the queue consumer and the cron ---------------- */

export const findEvent = (db: Db, id: string) => db.select().from(webhookEvents).where(eq(webhookEvents.id, id));

/** Live webhooks subscribed to the event's type, read with the event in the same batch (the type comes from the row). */
export const subscribersOf = (db: Db, eventId: string) =>
  db
    .select()
    .from(webhooks)
    .where(
      and(
        isNull(webhooks.deleted_at),
        sql`EXISTS (SELECT 1 FROM ${webhookEvents} e, json_each(${webhooks.events}) j
                     WHERE e.id = ${eventId} AND j.value = e.type)`,
      ),
    );

export const deliveriesOf = (db: Db, eventId: string) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.event_id, eventId));

export type DeliveryWrite = {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: EventRow["type"];
  status: DeliveryStatus;
  last_response_code: number | null;
  last_error: string | null;
  next_retry_at: string | null;
  at: string;
};

/**
 * One try recorded: the row is created on the first, then counted up. A delivery that already succeeded
 * (a duplicate message raced this one) is never set back to pending or failed.
 */
export const recordDelivery = (db: Db, d: DeliveryWrite) =>
  db
    .insert(webhookDeliveries)
    .values({
      id: d.id,
      webhook_id: d.webhook_id,
      event_id: d.event_id,
      event_type: d.event_type,
      status: d.status,
      attempts: 1,
      last_response_code: d.last_response_code,
      last_error: d.last_error,
      next_retry_at: d.next_retry_at,
      created_at: d.at,
      updated_at: d.at,
    })
    .onConflictDoUpdate({
      target: [webhookDeliveries.webhook_id, webhookDeliveries.event_id],
      set: {
        status: d.status,
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        last_response_code: d.last_response_code,
        last_error: d.last_error,
        next_retry_at: d.next_retry_at,
        updated_at: d.at,
      },
      setWhere: sql`${webhookDeliveries.status} <> 'succeeded'`,
    });

/** Outbox rows whose enqueue never happened (or failed), older than `before`, oldest first, along the partial index. */
export const unsentEvents = (db: Db, before: string, limit: number) =>
  db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.enqueued_at), lt(webhookEvents.created_at, before)))
    .orderBy(asc(webhookEvents.created_at))
    .limit(limit);
