// npm run errors:sync -- <observed.json> — brings src/lib/operation-errors.json up to date with what a full test run
// answered. The run writes its answers to the file named by OBSERVED_ERRORS_FILE (`OBSERVED_ERRORS_FILE=/tmp/o.json
// npm test`); the contract test (test/contract/error-codes.test.ts) fails while the two disagree. This script adds
// each answered (operation, status, code) the document does not declare yet and, with --prune, drops listed codes
// no test answered (defensive ones stay: they carry a reason). Review the diff like any other change.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bin, root, servedOpenApi } from "./lib/served-openapi.mjs";

const args = process.argv.slice(2);
const source = args.find((arg) => !arg.startsWith("--"));
if (!source) {
  console.error("usage: npm run errors:sync -- <observed.json> [--prune]");
  process.exit(2);
}
const target = path.join(root, "src", "lib", "operation-errors.json");
const listing = JSON.parse(readFileSync(target, "utf8"));
// A HEAD is answered by its GET's route, and the document derives the HEAD from the GET (as the contract test does).
const observed = JSON.parse(readFileSync(source, "utf8")).map((key) =>
  key.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}").replace(/^HEAD /, "GET "),
);
const doc = JSON.parse(await servedOpenApi());

const declared = new Set();
for (const [p, item] of Object.entries(doc.paths))
  for (const [method, op] of Object.entries(item))
    for (const [status, response] of Object.entries(op.responses ?? {}))
      for (const code of response.content?.["application/json"]?.schema?.allOf?.[1]?.properties?.code?.enum ?? [])
        declared.add(`${method.toUpperCase()} ${p} ${status} ${code}`);

let added = 0;
for (const key of observed) {
  if (declared.has(key)) continue;
  const [method, p, status, code] = key.split(" ");
  const op = `${method} ${p}`;
  if (!doc.paths[p]?.[method.toLowerCase()]) {
    console.log(`not an operation of the document: ${key}`);
    continue;
  }
  listing[op] ??= {};
  listing[op].codes ??= {};
  listing[op].codes[status] ??= [];
  const codes = listing[op].codes[status];
  if (!codes.includes(code)) {
    codes.push(code);
    codes.sort();
    added++;
  }
}
let pruned = 0;
if (args.includes("--prune")) {
  const answered = new Set(observed);
  for (const [op, entry] of Object.entries(listing))
    for (const [status, codes] of Object.entries(entry.codes ?? {})) {
      const kept = codes.filter((code) => answered.has(`${op} ${status} ${code}`));
      pruned += codes.length - kept.length;
      if (kept.length > 0) entry.codes[status] = kept;
      else delete entry.codes[status];
    }
  for (const [op, entry] of Object.entries(listing)) {
    if (entry.codes && Object.keys(entry.codes).length === 0) delete entry.codes;
    if (Object.keys(entry).length === 0) delete listing[op];
  }
}
const sorted = Object.fromEntries(
  Object.entries(listing)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, entry]) => [
      op,
      Object.fromEntries(
        Object.entries(entry).map(([kind, byStatus]) => [
          kind,
          Object.fromEntries(Object.entries(byStatus).sort(([a], [b]) => a.localeCompare(b))),
        ]),
      ),
    ]),
);
writeFileSync(target, `${JSON.stringify(sorted, null, 2)}\n`);
execFileSync(bin("biome"), ["format", "--write", target], { cwd: root, stdio: "ignore" });
console.log(`${added} added, ${pruned} pruned: ${path.relative(root, target)}`);
