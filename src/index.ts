import { createApp } from "./app";
import type { Bindings } from "./env";
import { closeExpiredAttempts, moveOldAttemptQuestions } from "./form-submissions/jobs";
import { now } from "./lib/clock";
import { purgeIdempotencyKeys } from "./lib/idempotency";
import { deliverBatch, purgeOutbox, SWEEP_CRON, sweepOutbox } from "./webhooks/deliver";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    // The every-minute cron sweeps the webhook outbox only; the five-minute one runs the housekeeping jobs.
    if (controller.cron === SWEEP_CRON) {
      const sent = await sweepOutbox(env, now());
      if (sent > 0) console.log(JSON.stringify({ level: "info", event: "cron", webhook_events_resent: sent }));
      return;
    }
    const closed = await closeExpiredAttempts(env, now());
    await purgeIdempotencyKeys(env, now());
    const purged = await purgeOutbox(env, now());
    const moved = await moveOldAttemptQuestions(env, now());
    if (closed > 0 || purged > 0 || moved > 0)
      console.log(
        JSON.stringify({ level: "info", event: "cron", closed_attempts: closed, webhook_events_purged: purged, attempts_moved: moved }),
      );
  },
  // Webhook events from the outbox, delivered by this same Worker (wrangler.toml [[queues.consumers]]).
  async queue(batch, env) {
    await deliverBatch(batch, env, { fetch: (input, init) => fetch(input, init) });
  },
} satisfies ExportedHandler<Bindings>;
