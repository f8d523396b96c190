// npm run lint:openapi — lints the OpenAPI document the Worker really serves. Builds the Worker bundle
// (wrangler deploy --dry-run), asks it for GET /openapi.json in this Node process (the route needs no database),
// then runs Redocly (recommended) and Spectral (spectral:oas and the OWASP API Security ruleset, as configured in
// .spectral.yaml). Fails on any error; prints every warning.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, root, servedOpenApi } from "./lib/served-openapi.mjs";

const out = mkdtempSync(path.join(tmpdir(), "openapi-lint-"));
try {
  const doc = path.join(out, "openapi.json");
  writeFileSync(doc, await servedOpenApi());

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
  console.log(`Spectral (spectral:oas + OWASP):\n${spectral.text.trim() || "no problems"}`);
  if (!spectral.ok) failed = true;
  if (failed) {
    console.log("OpenAPI lint failed");
    process.exitCode = 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
