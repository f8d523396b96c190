/** Sending a request's outbox events to the Queue once it has answered, and the sweep's re-sends. */
import { and, inArray, isNull } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { webhookEvents } from "../db/schema";
import type { Db } from "../db/types";
import type { AppEnv, Bindings } from "../env";
import { MAX_BOUND_PARAMETERS } from "../lib/chunk";

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
