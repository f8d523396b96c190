// Shared by the dev scripts: the local secret, and running wrangler without prompts.
import { spawnSync } from "node:child_process";
import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const devVars = path.join(root, ".dev.vars");

/** The local JWT secret from .dev.vars, created with a random value on first use. */
export function localSecret() {
  if (!existsSync(devVars)) {
    writeFileSync(devVars, `JWT_SECRET=${randomBytes(32).toString("hex")}\n`);
    console.log("created .dev.vars with a random local JWT_SECRET");
  }
  certificateKey();
  const match = /^JWT_SECRET\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(devVars, "utf8"));
  if (!match) throw new Error(".dev.vars has no JWT_SECRET line");
  return match[1].trim();
}

/**
 * A local certificate signing key in .dev.vars (an RSA private JWK, as Open Badges 3.0 verifiers must accept RS256),
 * added on first use; its kid names the day it was made, so a rotated-in key is told apart.
 */
function certificateKey() {
  if (/^CERT_SIGNING_KEY\s*=/m.test(readFileSync(devVars, "utf8"))) return;
  const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const kid = `dev-${new Date().toISOString().slice(0, 10)}`;
  appendFileSync(devVars, `CERT_SIGNING_KEY='${JSON.stringify({ ...jwk, kid })}'\n`);
  console.log("added a local certificate signing key (CERT_SIGNING_KEY) to .dev.vars");
}

/** The project's wrangler. */
export const WRANGLER_BIN = path.join(root, "node_modules", ".bin", "wrangler");

/**
 * The environment wrangler runs in: `defaults` below the caller's own environment, and the Node running this script
 * first on PATH, so wrangler's `#!/usr/bin/env node` runs on it (the project's Node 22 under npm); `forced` on top.
 */
export function wranglerEnv(defaults = {}, forced = {}) {
  return { ...defaults, ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`, ...forced };
}

/**
 * Runs the project's wrangler; throws when it fails. `interactive`: keep wrangler's confirmation prompts when run
 * from a terminal (deploys); otherwise CI=true answers them.
 */
export function wrangler(args, { capture = false, interactive = false } = {}) {
  const result = spawnSync(WRANGLER_BIN, args, {
    cwd: root,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
    env: wranglerEnv({}, { ...(interactive ? {} : { CI: "true" }), WRANGLER_SEND_METRICS: "false" }),
  });
  if (result.status !== 0) {
    if (capture && result.stdout) process.stderr.write(result.stdout);
    throw new Error(`wrangler ${args.join(" ")} failed with exit code ${result.status}`);
  }
  return result.stdout;
}

/** A token the local API accepts, signed with the local secret (HS256); `claims` adds e.g. `name` and `email`. */
export function devToken(sub, role, ttlSeconds = 86400, claims = {}) {
  return devTokenWith(localSecret(), sub, role, claims, ttlSeconds);
}

/** The same, signed with `secret` (a bench's own Worker). */
export function devTokenWith(secret, sub, role, claims = {}, ttlSeconds = 7200) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ ...claims, sub, role, iat: now, exp: now + ttlSeconds })}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/**
 * How `npm run dev` runs wrangler dev (scripts/dev.mjs), besides the address (scripts/dev-server.json, which a test
 * also reads); `bench:examday --dev` starts the same server, so its figures are the README command's.
 * - `--var`s: local CORS origins and webhook receivers, short webhook retries, and the Worker's request line for
 *   4xx/5xx only (docs/operations.md, "Logs under `npm run dev`").
 * - `--log-level warn`: wrangler's proxy otherwise sends its own line for every request to wrangler's Node process,
 *   one HTTP request each; the Worker's warnings and errors (its 4xx/5xx lines included) still show.
 * - `X_LOCAL_OBSERVABILITY=false`: no local traces (wrangler streams every invocation's events to a collector that
 *   stores them on disk, for its local explorer to show). `X_LOCAL_OBSERVABILITY=true npm run dev` has them back: a
 *   variable already set in the environment wins.
 * Each measured in docs/operations.md ("Exam day", through `wrangler dev`).
 */
export const DEV_SERVER = JSON.parse(readFileSync(path.join(root, "scripts", "dev-server.json"), "utf8"));

/** A free TCP port on 127.0.0.1 (for wrangler's inspector, so parallel runs never collide). */
export async function freePort() {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `wrangler dev` for a script's own run: a fresh local D1/R2 under `.wrangler/<name>` (so it neither depends
 * on nor disturbs `npm run dev`'s data) with the migrations applied, in its own process group (stop it with
 * `process.kill(-dev.pid)`), and waits until `/health` answers. `log()` is everything it printed so far; `state` is its folder,
 * `inspectorPort` wrangler's DevTools port (its inspector proxy to the Worker). `env`: variables for wrangler, which
 * the script's own environment overrides (as DEV_SERVER's).
 */
export async function startWranglerDev({ name, port, args = [], env = {}, healthHeaders = {}, timeoutMs = 90_000 }) {
  const { spawn } = await import("node:child_process");
  const { rmSync } = await import("node:fs");
  const state = path.join(root, ".wrangler", name);
  rmSync(state, { recursive: true, force: true });
  localSecret();
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { capture: true });
  const started = Date.now();
  const inspectorPort = await freePort();
  const dev = spawn(
    WRANGLER_BIN,
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", state, ...args],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: wranglerEnv(env, { CI: "true", WRANGLER_SEND_METRICS: "false" }),
    },
  );
  let output = "";
  dev.stdout.on("data", (d) => (output += d));
  dev.stderr.on("data", (d) => (output += d));
  const log = () => output;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`, { headers: healthHeaders })).ok) break;
    } catch {}
    if (dev.exitCode !== null || Date.now() - started > timeoutMs) {
      console.error(output);
      try {
        process.kill(-dev.pid, "SIGTERM");
      } catch {}
      throw new Error(`wrangler dev (${name}) did not answer /health within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { dev, log, state, inspectorPort, bootMs: Date.now() - started };
}

/**
 * A script that starts processes owns them: `cleanUp` runs when the script ends, however it ends (normal exit,
 * Ctrl-C, a CI timeout's SIGTERM), so no wrangler is left holding a port.
 */
export function cleanUpOnExit(cleanUp) {
  process.on("exit", cleanUp);
  for (const signal of ["SIGINT", "SIGTERM"])
    process.on(signal, () => {
      cleanUp();
      process.exit(1);
    });
}

/**
 * For Miniflare's `handleStructuredLogs`: workerd writes structured logs, which Miniflare hands to this handler (its
 * default prints every line). Only errors are shown, so a load generator on the same cores does not spend its time
 * printing the Worker's request lines.
 */
export function printErrorsOnly({ level, message }) {
  if (level === "error" || message.includes('"level":"error"')) console.error(message);
}

/**
 * Miniflare's options for the built Worker (dist/index.js, as `wrangler deploy --dry-run` writes it) named "api", on
 * the local D1 `db` and R2 bucket `files`: what every benchmark serves.
 */
export function builtApiWorker({ db, files, bindings, ratelimits, d1Persist, r2Persist }) {
  return {
    name: "api",
    modules: true,
    scriptPath: path.join(root, "dist", "index.js"),
    compatibilityDate: "2026-11-01",
    d1Databases: { DB: db },
    r2Buckets: { FILES: files },
    bindings,
    ratelimits,
    d1Persist,
    r2Persist,
  };
}

/**
 * The built Worker (dist/, built here) served by Miniflare's workerd on a fresh local D1 and R2, migrations applied,
 * with the benches' own rate limits out of reach — what `npm run bench:examday` and `bench:reports` measure.
 * Only the Worker's error lines are shown (its request log would drown a report). Returns the base URL, Miniflare's
 * D1 binding (set-up only) and the workerd process id (its CPU time is the Worker's, local D1 included).
 */
export async function startBuiltWorker({ name, bindings, cleanUps, inspectorPort, namespaceBase = 9100 }) {
  const { mkdtempSync, readdirSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { execSync } = await import("node:child_process");
  const { convertV4MiniflareOptions, Miniflare } = await import("miniflare");
  console.log("building the Worker (wrangler deploy --dry-run)…");
  wrangler(["deploy", "--dry-run", "--outdir", "dist"], { capture: true });
  const persist = mkdtempSync(path.join(tmpdir(), `lms-${name}-`));
  cleanUps.push(() => rmSync(persist, { recursive: true, force: true }));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      ...(inspectorPort ? { inspectorPort } : {}),
      handleStructuredLogs: printErrorsOnly,
      workers: [
        builtApiWorker({
          db: `${name}-db`,
          files: `${name}-files`,
          bindings,
          ratelimits: Object.fromEntries(
            ["RL_CALLER", "RL_EXPENSIVE", "RL_ANONYMOUS"].map((limit, i) => [
              limit,
              { namespace_id: String(namespaceBase + 1 + i), simple: { limit: 1e9, period: 60 } },
            ]),
          ),
          d1Persist: path.join(persist, "v3", "d1"),
          r2Persist: path.join(persist, "v3", "r2"),
        }),
      ],
    }),
  );
  cleanUps.push(() => void mf.dispose().catch(() => {}));
  const base = (await mf.ready).toString().replace(/\/$/, "");
  let workerdPid = null;
  try {
    workerdPid = Number(execSync(`pgrep -n -P ${process.pid} workerd`).toString().trim()) || null;
  } catch {}
  // The migrations, in order, through Miniflare's own D1 binding (set-up only: the runs go over HTTP).
  const db = await mf.getD1Database("DB");
  const dir = path.join(root, "migrations");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort())
    for (const statement of readFileSync(path.join(dir, file), "utf8").split("--> statement-breakpoint"))
      if (statement.trim()) await db.prepare(statement).run();
  return { mf, base, db, workerdPid };
}

/**
 * Debian's Chromium (CHROMIUM_PATH to point elsewhere), checked before a script starts anything else: the path,
 * or an exit with how to install it. No browser is ever downloaded.
 */
export function chromiumPath() {
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    console.error(`No Chromium at ${chromium}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
    process.exit(1);
  }
  return chromium;
}

/** Headless Chromium as the browser checks run it: no sandbox, GPU, first-run or background traffic; `extra` flags added. */
export async function launchChromium(extra = []) {
  const { default: puppeteer } = await import("puppeteer-core");
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extra,
    ],
  });
}
