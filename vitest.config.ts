import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// @ts-expect-error — a plain .mjs script without types
import { copyDocsAssets } from "./scripts/copy-docs-assets.mjs";

/** Tests that measure the limiter itself run against wrangler.toml's own limits, in their own workerd. */
const RATE_LIMIT_TESTS = ["test/rate-limits.test.ts"];
/** Checks of what the whole suite observed; they run in Node after every workerd test has finished. */
const CONTRACT_TESTS = ["test/contract/**/*.test.ts"];

/**
 * Every (method, route, status, code) the Worker answered during this run, read from its own request log line
 * (lib/observability.ts): the contract test compares them with the error codes the OpenAPI document declares per
 * operation. The file is this run's own, so runs side by side do not mix.
 */
const observedErrorsFile = process.env.OBSERVED_ERRORS_FILE ?? path.join(tmpdir(), `lms-observed-errors-${process.pid}-${Date.now()}.json`);
const observedErrors = new Set<string>();
function observeErrorLine(log: string) {
  let line: { method?: unknown; route?: unknown; status?: unknown; code?: unknown };
  try {
    line = JSON.parse(log);
  } catch {
    return;
  }
  if (typeof line.code !== "string" || typeof line.route !== "string" || line.route === "unmatched") return;
  const key = `${line.method} ${line.route} ${line.status} ${line.code}`;
  if (observedErrors.has(key)) return;
  observedErrors.add(key);
  writeFileSync(observedErrorsFile, JSON.stringify([...observedErrors]));
}
/** File filters or a name filter on the command line: then only part of the suite ran, and produced part of the codes. */
const partialRun = process.argv.slice(process.argv.indexOf("run") + 1).some((arg) => !arg.startsWith("-"));

export default defineConfig(async () => {
  // /docs serves these as static assets: the Worker's asset directory must hold them before it starts.
  copyDocsAssets();
  const migrations = await readD1Migrations("./migrations");
  // A fresh RSA key per run, as `npm run dev` makes one per machine: certificates are signed with it.
  const certificateKey = JSON.stringify({
    ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
    kid: "test-key",
  });
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
          CERT_SIGNING_KEY: certificateKey,
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
      // it spy on the console method of its level (info, warn, error).
      onConsoleLog: (log: string) => {
        if (!log.startsWith('{"level":')) return true;
        observeErrorLine(log);
        return !/^\{"level":"(info|warn)"/.test(log);
      },
      projects: [
        {
          plugins: [worker({ RL_CALLER: unreachable("1001"), RL_EXPENSIVE: unreachable("1002"), RL_ANONYMOUS: unreachable("1003") })],
          // 20 s a test: the heaviest (50 shuffled attempts, generated input) take 3–8 s on a loaded 2-core machine;
          // vitest's 5 s default failed them there without anything being wrong.
          test: {
            name: "api",
            setupFiles: ["./test/setup.ts"],
            include: ["test/**/*.test.ts"],
            exclude: [...RATE_LIMIT_TESTS, ...CONTRACT_TESTS],
            testTimeout: 20_000,
            // Numbered groups run in order; vitest runs a default-order group (0) last when one worker is all there is.
            sequence: { groupOrder: 1 },
          },
        },
        {
          plugins: [worker()],
          test: { name: "rate-limits", setupFiles: ["./test/setup.ts"], include: RATE_LIMIT_TESTS, sequence: { groupOrder: 1 } },
        },
        {
          test: {
            name: "contract",
            environment: "node",
            include: CONTRACT_TESTS,
            // After both workerd projects: the codes they produced are all in the file by then.
            sequence: { groupOrder: 2 },
            provide: { observedErrorsFile, partialRun },
            testTimeout: 120_000,
          },
        },
      ],
    },
  };
});
