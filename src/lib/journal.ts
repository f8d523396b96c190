/**
 * Audit events and webhook events from a request: the actor, time and request id come from the context, the
 * insert goes into the handler's own write batch (see db/journal.ts for the `when` rule), and event ids are
 * kept on the context so that, after the response, they are put on the Queue (`publishEvents`).
 */
import { and, inArray, isNull, type SQL } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { auditInsert, eventInsert, type Changes } from "../db/journal";
import { webhookEvents } from "../db/schema";
import type { Db } from "../db/types";
import type { AuditAction, AuditEntityType, WebhookEventType } from "../domain/vocabulary";
import type { AppContext, AppEnv, Bindings } from "../env";
import { MAX_BOUND_PARAMETERS } from "./chunk";
import { newId } from "./ids";

export function audit(
  c: AppContext,
  action: AuditAction,
  entity: { type: AuditEntityType; id: string },
  changes: Changes | SQL,
  when?: SQL,
) {
  const caller = c.get("caller");
  const now = c.get("now");
  return auditInsert(
    c.get("db"),
    {
      id: newId(now),
      at: now.toISOString(),
      actor_id: caller.id,
      actor_role: caller.role,
      action,
      entity_type: entity.type,
      entity_id: entity.id,
      request_id: c.get("requestId"),
      changes,
    },
    when,
  );
}

/** A webhook event for the outbox; its id is published after the response. `data` holds ids and decisions only. */
export function emit(c: AppContext, type: WebhookEventType, data: Record<string, unknown> | SQL, when?: SQL) {
  const now = c.get("now");
  const id = newId(now);
  c.set("events", [...(c.get("events") ?? []), id]);
  return eventInsert(c.get("db"), { id, type, data, created_at: now.toISOString() }, when);
}

/** `emit` bound to a request, for code that takes an emitter (progress milestones). */
export const emitter = (c: AppContext) => (type: WebhookEventType, data: Record<string, unknown> | SQL, when?: SQL) =>
  emit(c, type, data, when);

/** D1 binds at most 100 parameters (the ids and the stamp); a Queue batch holds at most 100 messages. */
const SLICE = MAX_BOUND_PARAMETERS - 1;

const slices = (ids: readonly string[]) =>
  Array.from({ length: Math.ceil(ids.length / SLICE) }, (_, i) => ids.slice(i * SLICE, (i + 1) * SLICE));

/** Puts outbox rows known to be unsent on the Queue and stamps them sent (the cron sweep, which selected them). */
export async function enqueue(env: Bindings, db: Db, ids: readonly string[], now: Date) {
  if (!env.WEBHOOK_QUEUE) return;
  for (const slice of slices(ids)) {
    await env.WEBHOOK_QUEUE.sendBatch(slice.map((event_id) => ({ body: { event_id }, contentType: "json" as const })));
    await db
      .update(webhookEvents)
      .set({ enqueued_at: now.toISOString() })
      .where(and(inArray(webhookEvents.id, slice), isNull(webhookEvents.enqueued_at)));
  }
}

/**
 * Sends a request's outbox events. Only rows that exist and are unsent go: an id whose change did not land, or
 * whose type no webhook subscribes to, was never written — most requests that could announce something find
 * nothing here and send nothing.
 */
export async function publish(env: Bindings, db: Db, ids: readonly string[], now: Date) {
  if (!env.WEBHOOK_QUEUE) return;
  for (const slice of slices(ids)) {
    const unsent = await db
      .select({ id: webhookEvents.id })
      .from(webhookEvents)
      .where(and(inArray(webhookEvents.id, slice), isNull(webhookEvents.enqueued_at)));
    if (unsent.length > 0)
      await enqueue(
        env,
        db,
        unsent.map((r) => r.id),
        now,
      );
  }
}

/**
 * After the response: the request's events go to the Queue without delaying it. A failure here loses nothing —
 * the row stays unsent and the cron sweep sends it a minute later.
 */
export const publishEvents: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const ids = c.get("events");
  if (!ids?.length) return;
  // Absent only when the app is called without one (app.request in a script): then it is sent inline.
  let ctx: { waitUntil(promise: Promise<unknown>): void } | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  const sending = publish(c.env, c.get("db"), ids, c.get("now")).catch((error: unknown) =>
    console.warn(JSON.stringify({ level: "warn", event: "webhook_enqueue_failed", events: ids.length, error: String(error) })),
  );
  if (ctx) ctx.waitUntil(sending);
  else await sending;
};
