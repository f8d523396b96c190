/**
 * Webhook events for the outbox, written in the batch of the change they report (see record.ts for the `when`
 * rule). A request's events are kept on its context so that, after the response, they are put on the Queue
 * (publish.ts); the cron writes with `outboxWriter`, and its rows go out with the every-minute sweep.
 */
import { is, SQL, sql } from "drizzle-orm";
import { whenRun } from "../db/batch";
import { webhookEvents } from "../db/schema";
import type { Db } from "../db/types";
import type { WebhookEventType } from "../domain/vocabulary";
import type { AppContext } from "../env";
import { newId } from "../lib/ids";
import { LAST_WRITE_LANDED } from "./record";

/** `data` may be SQL (a `json_object(…)`) when part of it is only known in the database, e.g. the course a default enrolment chose. */
export type EventRecord = { id: string; type: WebhookEventType; data: Record<string, unknown> | SQL; created_at: string };

/**
 * An outbox row, written only when some live webhook subscribes to its type: an event nobody listens to costs
 * no storage and no delivery work.
 */
export function eventInsert(db: Db, e: EventRecord, when: SQL = LAST_WRITE_LANDED) {
  return db
    .insert(webhookEvents)
    .select(
      sql`SELECT ${e.id}, ${e.type}, ${is(e.data, SQL) ? sql`json(${e.data})` : JSON.stringify(e.data)}, ${e.created_at}, NULL
          WHERE ${when}
            AND EXISTS (SELECT 1 FROM webhooks w WHERE w.deleted_at IS NULL
                          AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE json_each.value = ${e.type}))`,
    )
    .returning({ id: webhookEvents.id });
}

/**
 * A webhook event for the outbox; its id is published after the response. `data` holds ids and decisions only.
 * When the request's batch shows the row was not written (nobody subscribes to the type, or the change did not
 * land), the id is dropped, so the response is not followed by a read that would find nothing to send.
 */
export function emit(c: AppContext, type: WebhookEventType, data: Record<string, unknown> | SQL, when?: SQL) {
  const now = c.get("now");
  const id = newId(now);
  c.set("events", [...(c.get("events") ?? []), id]);
  return whenRun(eventInsert(c.get("db"), { id, type, data, created_at: now.toISOString() }, when), (result) => {
    if (Array.isArray(result) && result.length === 0)
      c.set(
        "events",
        (c.get("events") ?? []).filter((e) => e !== id),
      );
  });
}

/** `emit` bound to a request, for code that takes an emitter (progress milestones). */
export const emitter = (c: AppContext) => (type: WebhookEventType, data: Record<string, unknown> | SQL, when?: SQL) =>
  emit(c, type, data, when);

/** Writes a webhook event into the outbox: a request's `emitter` (published after its response) or the cron's. */
export type EventWriter = (type: WebhookEventType, data: Record<string, unknown> | SQL, when?: SQL) => ReturnType<typeof eventInsert>;

/** The cron's writer, with no request to publish after: its rows go out with the every-minute sweep. */
export const outboxWriter =
  (db: Db, now: Date): EventWriter =>
  (type, data, when) =>
    eventInsert(db, { id: newId(now), type, data, created_at: now.toISOString() }, when);
