// node scripts/openapi-described.mjs [--list]: how much of the served document says what its fields mean —
// "N of M schema properties described" over components.schemas (nested objects, items and unions included), and
// the operations whose description is only the roles line. `--list` names each undescribed property.
import { servedOpenApi } from "./lib/served-openapi.mjs";

const doc = JSON.parse(await servedOpenApi());
const missing = [];
let total = 0;
const walk = (schema, at) => {
  if (!schema || typeof schema !== "object") return;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    total++;
    if (!property.description) missing.push(`${at}.${key}`);
    walk(property, `${at}.${key}`);
  }
  if (typeof schema.items === "object") walk(schema.items, `${at}[]`);
  for (const key of ["anyOf", "oneOf", "allOf"]) for (const [i, child] of (schema[key] ?? []).entries()) walk(child, `${at}|${i}`);
};
for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) walk(schema, name);
const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
const rolesOnly = operations.filter((op) => !(op.description ?? "").replace(/\*\*Roles:\*\*.*$/s, "").trim());
console.log(`${total - missing.length} of ${total} schema properties described`);
console.log(`${operations.length} operations, ${rolesOnly.length} described by their roles line alone`);
if (process.argv.includes("--list")) console.log(missing.join("\n"));
