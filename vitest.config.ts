import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// @ts-expect-error — a plain .mjs script without types
import { copyDocsAssets } from "./scripts/copy-docs-assets.mjs";

/** Tests that measure the limiter itself run against wrangler.toml's own limits, in their own workerd. */
const RATE_LIMIT_TESTS = ["test/rate-limits.test.ts"];

export default defineConfig(async () => {
  // /docs serves these as static assets: the Worker's asset directory must hold them before it starts.
  copyDocsAssets();
  const migrations = await readD1Migrations("./migrations");
  const worker = (ratelimits?: Record<string, { namespace_id: string; simple: { limit: number; period: 10 | 60 } }>) =>
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          JWT_SECRET: "test-secret-do-not-use-in-production-0123456789",
          // Configured in tests so that iss/aud checking is exercised; tokens from helpers.token() carry both.
          JWT_ISSUER: "https://auth.lms.test",
          JWT_AUDIENCE: "lms-api",
        },
        ...(ratelimits ? { ratelimits } : {}),
      },
    });
  // Everywhere else a few identities make thousands of requests a minute (the authorization matrix, generated
  // input): those tests measure behaviour, not the limiter, so their limits are out of reach.
  const unreachable = (namespace_id: string) => ({ namespace_id, simple: { limit: 1_000_000_000, period: 60 as const } });
  return {
    test: {
      // The API's one JSON log line per request (lib/observability.ts) would drown the report; tests that check
      // it spy on console.log.
      onConsoleLog: (log: string) => !/^\{"level":"(info|warn)"/.test(log),
      projects: [
        {
          plugins: [worker({ RL_CALLER: unreachable("1001"), RL_EXPENSIVE: unreachable("1002"), RL_ANONYMOUS: unreachable("1003") })],
          // 20 s a test: the heaviest (50 shuffled attempts, generated input) take 3–8 s on a loaded 2-core machine;
          // vitest's 5 s default failed them there without anything being wrong.
          test: {
            name: "api",
            setupFiles: ["./test/setup.ts"],
            include: ["test/**/*.test.ts"],
            exclude: RATE_LIMIT_TESTS,
            testTimeout: 20_000,
          },
        },
        {
          plugins: [worker()],
          test: { name: "rate-limits", setupFiles: ["./test/setup.ts"], include: RATE_LIMIT_TESTS },
        },
      ],
    },
  };
});
