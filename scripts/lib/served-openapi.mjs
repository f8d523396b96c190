// The OpenAPI document the Worker really serves: builds the bundle (wrangler deploy --dry-run) and asks it for
// GET /openapi.json in this Node process (the route needs no database). Used by lint:openapi and client:generate.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { copyDocsAssets } from "../copy-docs-assets.mjs";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const bin = (name) => path.join(root, "node_modules", ".bin", name);

export async function servedOpenApi() {
  copyDocsAssets(); // the bundle's asset directory must exist
  const out = mkdtempSync(path.join(tmpdir(), "served-openapi-"));
  try {
    execFileSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", out], { cwd: root, stdio: "ignore" });
    const worker = (await import(pathToFileURL(path.join(out, "index.js")).href)).default;
    const noDb = () => {
      throw new Error("GET /openapi.json must not need the database");
    };
    const env = { DB: { withSession: () => ({ getBookmark: () => null, prepare: noDb, batch: noDb }) }, JWT_SECRET: "document" };
    const res = await worker.fetch(new Request("http://localhost/openapi.json"), env, { waitUntil() {}, passThroughOnException() {} });
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    return await res.text();
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
