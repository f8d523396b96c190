import { createApp } from "./app";
import type { Bindings } from "./env";
import { closeExpiredAttempts, purgeIdempotencyKeys } from "./form-submissions/jobs";
import { now } from "./lib/clock";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env) {
    const closed = await closeExpiredAttempts(env, now());
    await purgeIdempotencyKeys(env, now());
    if (closed > 0) console.log(JSON.stringify({ level: "info", event: "cron", closed_attempts: closed }));
  },
} satisfies ExportedHandler<Bindings>;
