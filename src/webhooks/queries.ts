import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { webhookDeliveries, webhookEvents, webhooks } from "../db/schema";
import type { Db } from "../db/types";
import { WEBHOOK_FIELDS } from "../domain/audit";
import type { DeliveryError, DeliveryStatus, WebhookEventType } from "../domain/vocabulary";
import { eventsKey, MAX_LIVE_WEBHOOKS, storedDeliveryError } from "../domain/webhooks";
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
    last_error: storedDeliveryError(row.last_error),
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

/**
 * A live webhook (alias `w`) with this normalised URL and the same event set, in any order: as many events,
 * none of the given ones missing (events are unique within a webhook, as the create schema requires). Compared
 * as sets rather than as sorted text so it needs no ordered aggregate (SQLite 3.44+).
 */
const sameLive = (url: string, events: readonly string[]) => {
  const key = eventsKey(events);
  return sql`SELECT w.id FROM webhooks w
              WHERE w.deleted_at IS NULL AND w.url = ${url}
                AND json_array_length(w.events) = json_array_length(${key})
                AND NOT EXISTS (SELECT 1 FROM json_each(${key}) given
                                 WHERE NOT EXISTS (SELECT 1 FROM json_each(w.events) held WHERE held.value = given.value))`;
};

/**
 * Inserts a webhook only while fewer than MAX_LIVE_WEBHOOKS are live and none has the same URL and event set;
 * answers its id only if it was inserted. One statement, so the count and the duplicate check see the table
 * as the insert leaves it: D1 runs statements one at a time, and two simultaneous creates cannot both pass.
 */
export function insertWebhook(db: Db, row: WebhookRow) {
  // Columns in the table's order (drizzle lists them so for INSERT … SELECT).
  return db
    .insert(webhooks)
    .select(
      sql`SELECT ${row.id}, ${row.url}, ${JSON.stringify(row.events)}, ${row.description}, ${row.secret}, ${row.created_by}, ${row.created_at}, NULL
           WHERE (SELECT COUNT(*) FROM webhooks w WHERE w.deleted_at IS NULL) < ${MAX_LIVE_WEBHOOKS}
             AND NOT EXISTS (${sameLive(row.url, row.events)})`,
    )
    .returning({ id: webhooks.id });
}

/** The live webhook a refused insert duplicates, if that is why it was refused (read after it, in its batch). */
export const duplicateOf = (db: Db, url: string, events: readonly string[]) =>
  db.select({ id: sql<string>`id` }).from(sql`(${sameLive(url, events)} LIMIT 1)`);

/**
 * A deleted webhook's audit diff, `{field: [value, null]}` for the recorded fields that hold a value, read from
 * the row in the deleting batch (a webhook never changes but for its deletion, so the row is what was live).
 */
export function deletedChanges(id: string): SQL {
  const pairs = WEBHOOK_FIELDS.map((field) => {
    const value = field === "events" ? sql.raw("json(w.events)") : sql.raw(`w.${field}`);
    return sql`CASE WHEN w.${sql.raw(field)} IS NULL THEN json('{}') ELSE json_object(${field}, json_array(${value}, NULL)) END`;
  });
  const merged = pairs.reduce((all, pair) => sql`json_patch(${all}, ${pair})`);
  return sql`(SELECT ${merged} FROM webhooks w WHERE w.id = ${id})`;
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

/** An event's deliveries so far, along the (event_id) index. */
export const deliveriesOf = (db: Db, eventId: string) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.event_id, eventId));

export type DeliveryWrite = {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: EventRow["type"];
  status: DeliveryStatus;
  last_response_code: number | null;
  last_error: DeliveryError | null;
  next_retry_at: string | null;
  at: string;
};

/**
 * One try recorded: the row is created on the first, then counted up. `succeeded` is final: a delivery that
 * already succeeded (a duplicate message raced this one) is never touched again. `failed` is final but for a
 * success: a later try (a duplicate message, a dead-letter replay) is counted and its answer kept, but only a
 * success changes the status; a failed delivery never goes back to `pending`.
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
        status: sql`CASE WHEN ${webhookDeliveries.status} = 'failed' AND ${d.status} <> 'succeeded' THEN 'failed' ELSE ${d.status} END`,
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        last_response_code: d.last_response_code,
        last_error: d.last_error,
        next_retry_at: sql`CASE WHEN ${webhookDeliveries.status} = 'failed' THEN NULL ELSE ${d.next_retry_at} END`,
        updated_at: d.at,
      },
      setWhere: sql`${webhookDeliveries.status} <> 'succeeded'`,
    });

export const WEBHOOK_DELETED_ERROR: DeliveryError = "webhook_deleted";

/**
 * Pending deliveries of a deleted webhook marked `failed` (nothing will try them again: the consumer reads live
 * webhooks only). `deletedAt` names the delete that must have landed (the DELETE handler's own stamp, in its
 * batch); without it, any delete. `eventId` narrows it to one event (the consumer, for a delete that raced it).
 */
export const failDeletedWebhookDeliveries = (db: Db, where: { webhookId?: string; eventId?: string; deletedAt?: string }, at: string) =>
  db
    .update(webhookDeliveries)
    .set({ status: "failed", last_error: WEBHOOK_DELETED_ERROR, next_retry_at: null, updated_at: at })
    .where(
      and(
        where.webhookId ? eq(webhookDeliveries.webhook_id, where.webhookId) : undefined,
        where.eventId ? eq(webhookDeliveries.event_id, where.eventId) : undefined,
        eq(webhookDeliveries.status, "pending"),
        sql`EXISTS (SELECT 1 FROM ${webhooks} w WHERE w.id = ${webhookDeliveries.webhook_id} AND ${
          where.deletedAt ? sql`w.deleted_at = ${where.deletedAt}` : sql`w.deleted_at IS NOT NULL`
        })`,
      ),
    );

/** Outbox rows whose enqueue never happened (or failed), older than `before`, oldest first, along the partial index. */
export const unsentEvents = (db: Db, before: string, limit: number) =>
  db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.enqueued_at), lt(webhookEvents.created_at, before)))
    .orderBy(asc(webhookEvents.created_at))
    .limit(limit);

/**
 * Deletes outbox rows enqueued before `before`, oldest first, at most `limit` (along the partial enqueued_at
 * index); answers how many went. Unsent rows are never purged: the sweep still owes them a send.
 */
export const purgeSentEvents = (db: Db, before: string, limit: number) =>
  db
    .delete(webhookEvents)
    .where(
      inArray(
        webhookEvents.id,
        db
          .select({ id: webhookEvents.id })
          .from(webhookEvents)
          .where(and(isNotNull(webhookEvents.enqueued_at), lt(webhookEvents.enqueued_at, before)))
          .orderBy(asc(webhookEvents.enqueued_at))
          .limit(limit),
      ),
    )
    .returning({ id: webhookEvents.id });
