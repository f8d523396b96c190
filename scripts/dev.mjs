// `npm run dev` (after scripts/dev-setup.mjs): wrangler dev on 127.0.0.1:8787 as DEV_SERVER in lib.mjs describes it.
// Arguments after `--` go to wrangler and win: `npm run dev -- --port 9000`, `npm run dev -- --log-level info` (every
// request's line from wrangler, as its default level prints them).
// wrangler prints its "Ready on" line at a level `warn` hides, so this script prints it then, once /health answers.
import { spawn } from "node:child_process";
import path from "node:path";
import { DEV_SERVER, root } from "./lib.mjs";

const given = process.argv.slice(2);
/** The value of `--name` among wrangler's arguments (`--name v` or `--name=v`, the last one), or undefined. */
function option(args, name) {
  let value;
  for (const [i, arg] of args.entries()) {
    if (arg === `--${name}`) value = args[i + 1];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  }
  return value;
}
// Only what the caller did not set: wrangler refuses an option given twice.
const defaults = { ip: "127.0.0.1", port: "8787", "log-level": option(DEV_SERVER.args, "log-level") };
const args = ["dev", ...DEV_SERVER.args.filter((arg, i, all) => arg !== "--log-level" && all[i - 1] !== "--log-level")];
for (const [name, value] of Object.entries(defaults)) if (option(given, name) === undefined) args.push(`--${name}`, value);
args.push(...given);

const wrangler = spawn(path.join(root, "node_modules", ".bin", "wrangler"), args, {
  cwd: root,
  stdio: "inherit",
  env: { ...DEV_SERVER.env, ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` },
});
// A signal sent to this script alone (npm forwards its own) is passed on; this script ends when wrangler has.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Only when wrangler's own "Ready on" line is below its log level.
const level = option(args, "log-level");
if (["warn", "error", "none"].includes(level)) {
  const host = option(args, "ip") === "0.0.0.0" ? "127.0.0.1" : option(args, "ip");
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${option(args, "port")}`;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    try {
      // Any answer from the Worker will do (a 429 included): the server is up.
      if ((await fetch(`${url}/health`)).headers.has("x-request-id")) break;
    } catch {}
  }
  console.log(`Ready on ${url} (docs: ${url}/docs)`);
  console.log(
    `wrangler logs at "${level}": warnings, errors and the Worker's 4xx/5xx lines; every request: npm run dev -- --log-level info`,
  );
}
