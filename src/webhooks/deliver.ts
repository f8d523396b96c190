/**
 * The Queue consumer and the cron sweep: outbox events (`{event_id}` messages) delivered to every live webhook
 * subscribed to their type, signed per Standard Webhooks, each try recorded in `webhook_deliveries`.
 *
 * Per message: load (event, subscribers, deliveries so far: one batch) → send to each webhook that has not yet
 * succeeded → record (one batch) → ack, or retry the message with exponential backoff while any webhook still
 * failed. Messages and webhooks are handled in parallel, but at most MAX_CONCURRENT_DELIVERIES requests are in
 * flight across the whole batch (a Worker gets about six simultaneous outbound connections; a request queued
 * behind them would spend its timeout waiting). At-least-once: a receiver may see an event twice (a duplicate
 * message, a retry after a lost ack) and drops it by `webhook-id`, which is the event id on every try.
 */
import { batch } from "../db/batch";
import type { Db } from "../db/types";
import {
  checkWebhookUrl,
  deliveryStatus,
  failureOf,
  outcomeOf,
  retryBaseSeconds,
  retryDelaySeconds,
  type TryResult,
  WEBHOOK_MAX_ATTEMPTS,
} from "../domain/webhooks";
import type { Bindings } from "../env";
import { enqueue } from "../journal";
import { now as clockNow } from "../lib/clock";
import { openDb } from "../lib/d1";
import { ID_PATTERN, newId } from "../lib/ids";
import {
  deliveriesOf,
  type EventRow,
  failDeletedWebhookDeliveries,
  findEvent,
  purgeSentEvents,
  recordDelivery,
  subscribersOf,
  unsentEvents,
  type WebhookRow,
} from "./queries";
import { sign } from "./signature";

export type WebhookMessage = { event_id: string };

export type DeliverDeps = {
  /** The outbound HTTP client: the runtime's `fetch` in the Worker, a recording receiver in tests. */
  fetch: typeof fetch;
  now?: () => Date;
  /** Per-request timeout (ms): a receiver that hangs must not hold the batch. */
  timeoutMs?: number;
};

const DEFAULT_TIMEOUT_MS = 10_000;

/** Outbound requests in flight at once across a batch: the Workers runtime's simultaneous-connection limit. */
export const MAX_CONCURRENT_DELIVERIES = 6;

type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs tasks at most `max` at a time, in the order they asked; the rest wait for a free slot. */
export function limiter(max: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter (active stays the same), else it is freed.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** The JSON body every subscriber of the event gets: ids and decisions, as written by the handler. */
export function eventBody(event: EventRow): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at, data: event.data });
}

/**
 * One signed POST. Redirects are not followed: a 3xx is an answer (a failure), not a new destination. Called
 * once the limiter gave it a slot, so the timeout (and the signed timestamp) count from the request leaving.
 */
async function post(webhook: WebhookRow, event: EventRow, body: string, deps: DeliverDeps): Promise<TryResult> {
  const timestamp = Math.floor((deps.now ?? clockNow)().getTime() / 1000);
  try {
    const response = await deps.fetch(webhook.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "lms-edge-api-webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await sign(webhook.secret, event.id, timestamp, body),
      },
      body,
    });
    // The body is not read (a receiver's answer is its status), but released so the connection is freed.
    await response.body?.cancel().catch(() => {});
    return { status: response.status };
  } catch (error) {
    const failure = failureOf(error);
    // The runtime's own words go to the operators' log only: they can name what sits behind the receiver.
    console.warn(
      JSON.stringify({
        level: "warn",
        event: "webhook_delivery_failed",
        webhook_id: webhook.id,
        event_id: event.id,
        failure,
        error: String(error).slice(0, 500),
      }),
    );
    return { failure };
  }
}

/** Delivers one event to its subscribers; answers the delay before the next try, or null when nothing is left to do. */
async function deliverOne(
  db: Db,
  env: Bindings,
  eventId: string,
  attempt: number,
  deps: DeliverDeps,
  slot: Limiter,
): Promise<number | null> {
  const loaded = await batch(db, { event: findEvent(db, eventId), webhooks: subscribersOf(db, eventId), done: deliveriesOf(db, eventId) });
  const [event] = loaded.event;
  // No row: the change it reports never landed (its batch failed or its condition matched nothing), or it was
  // purged 30 days after it was sent (a late dead-letter replay).
  if (!event) return null;
  const live = new Set(loaded.webhooks.map((w) => w.id));
  // A pending delivery whose webhook is no longer a subscriber: it was deleted after this event's last try was
  // recorded (a delete racing the consumer; the DELETE handler fails the ones it sees). Nothing would try it again.
  const orphaned = loaded.done.some((d) => d.status === "pending" && !live.has(d.webhook_id));
  if (orphaned) await failDeletedWebhookDeliveries(db, { eventId }, (deps.now ?? clockNow)().toISOString());
  const succeeded = new Set(loaded.done.filter((d) => d.status === "succeeded").map((d) => d.webhook_id));
  const pending = loaded.webhooks.filter((w) => !succeeded.has(w.id));
  if (pending.length === 0) return null;

  const allowLocal = env.ALLOW_LOCAL_WEBHOOKS === "true";
  const body = eventBody(event);
  const delay = retryDelaySeconds(attempt, retryBaseSeconds(env.WEBHOOK_RETRY_BASE_SECONDS));
  const results = await Promise.all(
    pending.map(async (webhook) => {
      // Checked again at delivery: a URL accepted while local webhooks were allowed is not used once they are not.
      const verdict = checkWebhookUrl(webhook.url, allowLocal);
      if (!verdict.ok) {
        console.warn(JSON.stringify({ level: "warn", event: "webhook_url_refused", webhook_id: webhook.id, reason: verdict.reason }));
        return { webhook, refused: true, outcome: outcomeOf({ failure: "url_refused" }) };
      }
      return { webhook, refused: false, outcome: outcomeOf(await slot(() => post(webhook, event, body, deps))) };
    }),
  );

  const at = (deps.now ?? clockNow)().toISOString();
  const nextRetryAt = new Date(Date.parse(at) + delay * 1000).toISOString();
  let retry = false;
  const writes = results.map(({ webhook, refused, outcome }) => {
    // A refused URL will be refused on every try: failed now, not retried.
    const status = refused ? "failed" : deliveryStatus(outcome.ok, attempt, WEBHOOK_MAX_ATTEMPTS);
    // After the last try the message is retried all the same: its retries are spent, so the queue moves it to
    // the dead-letter queue, where an operator can see (and replay) what never arrived.
    if (!outcome.ok && !refused) retry = true;
    return recordDelivery(db, {
      id: newId(),
      webhook_id: webhook.id,
      event_id: event.id,
      event_type: event.type,
      status,
      last_response_code: outcome.code,
      last_error: outcome.error,
      next_retry_at: status === "pending" ? nextRetryAt : null,
      at,
    });
  });
  await batch(db, { writes });
  return retry ? delay : null;
}

/** The `queue` handler's work: every message acked once its event is delivered (or undeliverable), else retried. */
export async function deliverBatch(messages: MessageBatch<unknown>, env: Bindings, deps: DeliverDeps): Promise<void> {
  const db = openDb(env.DB);
  const base = retryBaseSeconds(env.WEBHOOK_RETRY_BASE_SECONDS);
  const slot = limiter(MAX_CONCURRENT_DELIVERIES);
  await Promise.all(
    messages.messages.map(async (message) => {
      const eventId = (message.body as Partial<WebhookMessage> | null)?.event_id;
      if (typeof eventId !== "string" || !ID_PATTERN.test(eventId)) {
        // Not ours to deliver (nothing in this Worker sends it); retrying would not make it one.
        console.warn(JSON.stringify({ level: "warn", event: "webhook_message_invalid", message_id: message.id }));
        message.ack();
        return;
      }
      try {
        const delay = await deliverOne(db, env, eventId, message.attempts, deps, slot);
        if (delay === null) message.ack();
        else message.retry({ delaySeconds: delay });
      } catch (error) {
        // The database (not a receiver) failed: try the whole event again later; nothing was recorded.
        console.warn(JSON.stringify({ level: "warn", event: "webhook_delivery_error", event_id: eventId, error: String(error) }));
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
      }
    }),
  );
}

/**
 * wrangler.toml's every-minute cron: the webhook outbox sweep alone, so an event whose enqueue failed waits at
 * most about two minutes. (Not exported from src/index.ts: workerd takes every export of the main module for a
 * handler.)
 */
export const SWEEP_CRON = "* * * * *";

/** Outbox rows still unsent a minute after they were written: their request's enqueue failed or never ran. */
export const SWEEP_AFTER_MS = 60_000;
export const SWEEP_LIMIT = 100;

/**
 * Cron: re-sends unsent outbox rows older than a minute (bounded; the next run continues). The minute leaves
 * the request's own after-response send time to land, so a healthy event is not sent twice.
 */
export async function sweepOutbox(env: Bindings, now: Date, limit = SWEEP_LIMIT): Promise<number> {
  if (!env.WEBHOOK_QUEUE) return 0;
  const db = openDb(env.DB);
  const rows = await unsentEvents(db, new Date(now.getTime() - SWEEP_AFTER_MS).toISOString(), limit);
  // Selected as unsent: straight to the Queue, without publish's own check.
  await enqueue(
    env,
    db,
    rows.map((r) => r.id),
    now,
  );
  return rows.length;
}

/** Outbox rows are kept this long after they were put on the Queue (a dead-letter replay within it still finds its event). */
export const OUTBOX_RETENTION_DAYS = 30;
export const PURGE_LIMIT = 500;

/**
 * Five-minute cron: deletes outbox rows enqueued more than 30 days ago, at most `limit` a run (the next run
 * continues). Unsent rows stay for the sweep; delivery rows (the record) are kept. A dead-letter replay of a
 * purged event finds no row and is acked.
 */
export async function purgeOutbox(env: Bindings, now: Date, limit = PURGE_LIMIT): Promise<number> {
  const db = openDb(env.DB);
  const before = new Date(now.getTime() - OUTBOX_RETENTION_DAYS * 86_400_000).toISOString();
  return (await purgeSentEvents(db, before, limit)).length;
}
