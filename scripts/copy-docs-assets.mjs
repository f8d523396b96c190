// Copies the pinned swagger-ui-dist files that /docs loads into public/docs/vendor/ (served as Workers static
// assets; generated, not committed). Run by npm run dev, build, deploy and the test config.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
export function copyDocsAssets() {
  const from = path.join(root, "node_modules", "swagger-ui-dist");
  const to = path.join(root, "public", "docs", "vendor");
  mkdirSync(to, { recursive: true });
  for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"])
    copyFileSync(path.join(from, file), path.join(to, file));
}
if (import.meta.url === `file://${process.argv[1]}`) copyDocsAssets();
