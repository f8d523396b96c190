// npm run test:dev — `npm run dev`'s server (scripts/dev.mjs) as a developer sees it, on a fresh local D1 of its own:
// it says where it is ready, the Worker's 4xx lines show while wrangler's line for every request does not (it costs
// a request to wrangler's Node process each), and arguments given after `--` win over dev.mjs's own.
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
    if (child.exitCode !== null || Date.now() - started > 90_000) throw new Error(`no Ready line:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await visit(base);
  // A line reaches wrangler's output a moment after its response.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  process.kill(-child.pid, "SIGTERM");
  await exited;
  running.delete(child);
  return plain(output);
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

const quiet = await devServer([], visit);
check("prints Ready on its address", /Ready on http:\/\/127\.0\.0\.1:\d+ \(docs: /.test(quiet), quiet);
const refused = quiet.split("\n").find((line) => line.includes('"status":401'));
check("shows the Worker's line for the 401, with its code", refused?.includes('"code":"unauthorized"') === true, quiet);
check(
  "prints no line for the 200 (neither wrangler's nor the Worker's)",
  !/GET \/health 200/.test(quiet) && !quiet.includes('"status":200'),
  quiet,
);

const verbose = await devServer(["--log-level", "info"], visit);
check("npm run dev -- --log-level info: wrangler's line for every request", /GET \/health 200 OK/.test(verbose), verbose);
check("… and one Ready line (wrangler's own)", verbose.split("Ready on").length - 1 === 1, verbose);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
