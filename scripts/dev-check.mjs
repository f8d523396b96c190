// npm run test:dev — `npm run dev`'s server (scripts/dev.mjs) as a developer sees it, on a fresh local D1 of its own:
// it says where it is ready, the Worker's 4xx lines show while wrangler's line for every request does not (it costs
// a request to wrangler's Node process each), and arguments given after `--` win over dev.mjs's own. The Worker's
// line for a 200 is off under `npm run dev` (REQUEST_LOG_LEVEL:warn): test/observability.test.ts checks that.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cleanUpOnExit, freePort, localSecret, root, wrangler } from "./lib.mjs";

const state = mkdtempSync(path.join(tmpdir(), "lms-dev-check-"));
const running = new Set();
cleanUpOnExit(() => {
  for (const child of running)
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  rmSync(state, { recursive: true, force: true });
});
localSecret();
wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { capture: true });

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

/** Runs scripts/dev.mjs with `extra` arguments until its Ready line, then `visit(base)`; everything it printed. */
async function devServer(extra, visit) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, "scripts", "dev.mjs"), "--port", String(port), "--persist-to", state, ...extra], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  running.add(child);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  while (!plain(output).includes(`Ready on ${base}`)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > 90_000) {
      await stop(child);
      throw new Error(`no Ready line:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    await visit(base);
    // A line reaches wrangler's output a moment after its response.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  } finally {
    await stop(child);
  }
  return plain(output);
}

/** Stops the script and everything it started (its process group): SIGTERM, then SIGKILL after 10 s. */
async function stop(child) {
  const exited =
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.on("exit", resolve));
  const group = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {}
  };
  group("SIGTERM");
  const killer = setTimeout(() => group("SIGKILL"), 10_000);
  await exited;
  clearTimeout(killer);
  running.delete(child);
}

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "✓" : "✗"} ${name}`);
  if (!ok && detail) console.log(detail);
}

const visit = async (base) => {
  check("/health answers 200", (await fetch(`${base}/health`)).status === 200);
  check("GET /courses without a token answers 401", (await fetch(`${base}/courses`)).status === 401);
};

try {
  const quiet = await devServer([], visit);
  check("prints one Ready line, with its address", (quiet.match(/Ready on http:\/\/127\.0\.0\.1:\d+ \(docs: /g) ?? []).length === 1, quiet);
  const refused = quiet.split("\n").find((line) => line.includes('"status":401'));
  check("shows the Worker's line for the 401, with its code", refused?.includes('"code":"unauthorized"') === true, quiet);
  check("prints no line of wrangler's for the 200", !/GET \/health 200/.test(quiet), quiet);

  // wrangler's default level and the Worker's line for every request, as docs/operations.md says to ask for them
  // ("Logs under `npm run dev`").
  const verbose = await devServer(["--log-level", "log", "--var", "REQUEST_LOG_LEVEL:info"], visit);
  check("-- --log-level log: wrangler's line for every request", /GET \/health 200 OK/.test(verbose), verbose);
  check("-- --var REQUEST_LOG_LEVEL:info: the Worker's line for the 200", verbose.includes('"status":200'), verbose);
  check("… and one Ready line (wrangler's own)", verbose.split("Ready on").length - 1 === 1, verbose);
} catch (error) {
  check("the dev server ran", false, error instanceof Error ? error.stack : String(error));
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
