// `npm run dev` (after scripts/dev-setup.mjs): wrangler dev on 127.0.0.1:8787 as DEV_SERVER in lib.mjs describes it.
// Arguments after `--` go to wrangler and win: `npm run dev -- --port 9000`, `npm run dev -- --log-level log`
// (wrangler's own default level: its line for every request, and every line the Worker writes), and so does a
// WRANGLER_LOG set in the environment.
// wrangler prints its "Ready on" line at a level `warn` hides, so this script prints it then, once /health answers.
import { spawn } from "node:child_process";
import { DEV_SERVER, root, WRANGLER_BIN, wranglerEnv } from "./lib.mjs";

const given = process.argv.slice(2);
/** The value of an option among wrangler's arguments (`--name v` or `--name=v`, any of its spellings, the last one). */
function option(args, ...names) {
  let value;
  for (const [i, arg] of args.entries())
    for (const name of names) {
      if (arg === `--${name}`) value = args[i + 1];
      else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    }
  return value;
}
const LOG_LEVEL = ["log-level", "logLevel"];
const callerLevel = option(given, ...LOG_LEVEL) ?? process.env.WRANGLER_LOG;
// Only what the caller did not set: wrangler refuses an option given twice.
const args = ["dev", ...DEV_SERVER.args.filter((arg, i, all) => arg !== "--log-level" && all[i - 1] !== "--log-level")];
const defaults = { ip: "127.0.0.1", port: "8787" };
for (const [name, value] of Object.entries(defaults)) if (option(given, name) === undefined) args.push(`--${name}`, value);
if (callerLevel === undefined) args.push("--log-level", option(DEV_SERVER.args, "log-level"));
args.push(...given);
const level = callerLevel ?? option(DEV_SERVER.args, "log-level");

const wrangler = spawn(WRANGLER_BIN, args, { cwd: root, stdio: "inherit", env: wranglerEnv(DEV_SERVER.env) });
wrangler.on("error", (error) => {
  console.error(`could not start wrangler (${error.message}): run npm install first`);
  process.exit(1);
});
// A signal sent to this script alone (npm forwards its own) is passed on; this script ends as wrangler did.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code, signal) => {
  if (code !== null) process.exit(code);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});

if (["warn", "error", "none"].includes(level)) {
  // Where a browser on this machine reaches it: wrangler's own rule for the addresses that mean "every interface".
  const ip = option(args, "ip") ?? "127.0.0.1";
  const host = ["0.0.0.0", "::", "*"].includes(ip) ? "127.0.0.1" : ip.includes(":") ? `[${ip}]` : ip;
  const origin = `${option(args, "local-protocol") === "https" ? "https" : "http"}://${host}:${option(args, "port")}`;
  const started = Date.now();
  let warned = false;
  while (!(await answers(`${origin}/health`))) {
    if (!warned && Date.now() - started > 120_000) {
      console.error(`${origin}/health has not answered for 2 minutes (still waiting); wrangler's messages are above`);
      warned = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log(`Ready on ${origin} (docs: ${origin}/docs)`);
  const shown = { warn: "warnings, errors and the Worker's 4xx/5xx lines", error: "errors and the Worker's 5xx lines", none: "nothing" };
  console.log(`wrangler logs at "${level}": ${shown[level]}; every request: npm run dev -- --log-level log`);
}

/** Whether the Worker answers at all (any status, a 429 included; wrangler's local https certificate is its own). */
async function answers(url) {
  const { get } = await import(url.startsWith("https:") ? "node:https" : "node:http");
  return new Promise((resolve) => {
    const request = get(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.headers["x-request-id"] !== undefined);
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
  });
}
