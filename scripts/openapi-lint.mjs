// npm run lint:openapi — lints the OpenAPI document the Worker really serves. Builds the Worker bundle
// (wrangler deploy --dry-run), asks it for GET /openapi.json in this Node process (the route needs no database),
// then runs Redocly (recommended) and Spectral (spectral:oas). Fails on any error; prints every warning.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const out = mkdtempSync(path.join(tmpdir(), "openapi-lint-"));
const bin = (name) => path.join(root, "node_modules", ".bin", name);
try {
  execFileSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", out], { cwd: root, stdio: "ignore" });
  const worker = (await import(pathToFileURL(path.join(out, "index.js")).href)).default;
  const noDb = () => {
    throw new Error("GET /openapi.json must not need the database");
  };
  const env = { DB: { withSession: () => ({ getBookmark: () => null, prepare: noDb, batch: noDb }) }, JWT_SECRET: "lint" };
  const res = await worker.fetch(new Request("http://localhost/openapi.json"), env, { waitUntil() {}, passThroughOnException() {} });
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  const doc = path.join(out, "openapi.json");
  writeFileSync(doc, await res.text());

  let failed = false;
  const run = (name, args) => {
    try {
      const text = execFileSync(bin(name), args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      return { ok: true, text };
    } catch (error) {
      return { ok: false, text: `${error.stdout ?? ""}${error.stderr ?? ""}` };
    }
  };
  const redocly = run("redocly", ["lint", doc, "--config", path.join(root, "redocly.yaml"), "--format", "summary"]);
  console.log(
    `Redocly (recommended):\n${redocly.text
      .split("\n")
      .filter((l) => /^(error|warning)|validated|Validation|valid/.test(l.trim()))
      .join("\n")}`,
  );
  if (!redocly.ok) failed = true;
  const spectral = run("spectral", ["lint", doc, "--ruleset", path.join(root, ".spectral.yaml"), "--fail-severity", "error"]);
  console.log(`Spectral (spectral:oas):\n${spectral.text.trim() || "no problems"}`);
  if (!spectral.ok) failed = true;
  if (failed) {
    console.log("OpenAPI lint failed");
    process.exitCode = 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
