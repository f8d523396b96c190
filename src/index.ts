import { createApp } from "./app";
import type { Bindings } from "./env";
import { closeExpiredAttempts, purgeIdempotencyKeys } from "./form-submissions/jobs";
import { now } from "./lib/clock";
import { deliverBatch, sweepOutbox } from "./webhooks/deliver";

const app = createApp();

/**
 * wrangler.toml's every-minute cron: the webhook outbox sweep alone, so an event whose enqueue failed waits at
 * most about two minutes. Every other cron (every five minutes) runs the housekeeping jobs.
 */
export const SWEEP_CRON = "* * * * *";

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    if (controller.cron === SWEEP_CRON) {
      const sent = await sweepOutbox(env, now());
      if (sent > 0) console.log(JSON.stringify({ level: "info", event: "cron", webhook_events_resent: sent }));
      return;
    }
    const closed = await closeExpiredAttempts(env, now());
    await purgeIdempotencyKeys(env, now());
    if (closed > 0) console.log(JSON.stringify({ level: "info", event: "cron", closed_attempts: closed }));
  },
  // Webhook events from the outbox, delivered by this same Worker (wrangler.toml [[queues.consumers]]).
  async queue(batch, env) {
    await deliverBatch(batch, env, { fetch: (input, init) => fetch(input, init) });
  },
} satisfies ExportedHandler<Bindings>;
