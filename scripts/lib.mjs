// Shared by the dev scripts: the local secret, and running wrangler without prompts.
import { spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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
  const match = /^JWT_SECRET\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(devVars, "utf8"));
  if (!match) throw new Error(".dev.vars has no JWT_SECRET line");
  return match[1].trim();
}

/**
 * Runs the project's wrangler; throws when it fails. `interactive`: keep wrangler's confirmation prompts when run
 * from a terminal (deploys); otherwise CI=true answers them.
 */
export function wrangler(args, { capture = false, interactive = false } = {}) {
  const bin = path.join(root, "node_modules", ".bin", "wrangler");
  const result = spawnSync(bin, args, {
    cwd: root,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
    env: {
      ...process.env,
      // wrangler's `#!/usr/bin/env node` runs on the Node running this script (the project's Node 22 under npm).
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
      ...(interactive ? {} : { CI: "true" }),
      WRANGLER_SEND_METRICS: "false",
    },
  });
  if (result.status !== 0) {
    if (capture && result.stdout) process.stderr.write(result.stdout);
    throw new Error(`wrangler ${args.join(" ")} failed with exit code ${result.status}`);
  }
  return result.stdout;
}

/** A token the local API accepts, signed with the local secret (HS256). */
export function devToken(sub, role, ttlSeconds = 86400) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, role, iat: now, exp: now + ttlSeconds })}`;
  return `${unsigned}.${createHmac("sha256", localSecret()).update(unsigned).digest("base64url")}`;
}
