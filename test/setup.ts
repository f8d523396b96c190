import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same migration files `wrangler d1 migrations apply` runs, applied to Miniflare's real local D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
