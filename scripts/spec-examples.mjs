// npm run spec:examples -- [path/to/lms-api-reference.md] — extracts the spec's request and response examples
// into src/lib/spec-examples.json (committed; the spec lives outside this repository), keyed by "METHOD /path".
// This API answers a superset of the spec's shapes, so each example is completed with the required fields the
// spec's example lacks, from ADDED below (every spec value is kept as written). The Worker attaches them to its
// OpenAPI document, where `npm run lint:openapi` checks each one against its schema.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { servedOpenApi } from "./lib/served-openapi.mjs";
import { root } from "./lib.mjs";

/** Example values of the fields this API adds to the spec's shapes (by field name; a function gets the object). */
const ADDED = {
  step_id: "507f1f77bcf86cd799439012",
  form_id: "507f1f77bcf86cd799439014",
  participant_id: "participant456",
  previous_step_id: null,
  unlock_on_exam_pass: true,
  description: null,
  content: { url: "https://example.com/video.mp4" },
  order_index: 0,
  is_mandatory: true,
  is_locked: false,
  created_at: "2024-01-15T10:30:00Z",
  updated_at: "2024-01-15T10:30:00Z",
  started_at: "2024-01-15T10:30:00Z",
  deadline_at: "2024-01-15T11:00:00Z",
  remaining_seconds: 1800,
  effective_duration_minutes: 30,
  available_from: null,
  available_until: null,
  shuffle_questions: false,
  shuffle_options: false,
  questions_per_attempt: null,
  // A form that draws from no question bank.
  sections: null,
  attempt: { total_marks: 15, passing_marks: 9 },
  answers: { mcq_answers: [], theory_answers: [] },
  max_attempts: 1,
  passing_percentage: 60,
  approved_at: null,
  // A course that issues no certificates (issue #28).
  certificate: null,
  total_score: 5,
  is_late: false,
  auto_submitted: false,
  feedback: null,
  retake_reason: null,
  reviewed_by: null,
  reviewed_at: null,
  next_course_id: null,
  claimed_by: null,
  claim_expires_at: null,
  options: [],
  // A form's own count, when the example shows its questions.
  question_count: (form) => (Array.isArray(form.questions) ? form.questions.length : 10),
  questions_hidden: false,
  webhook_events: 0,
};

function resolve(doc, schema) {
  while (schema?.$ref)
    schema = schema.$ref
      .split("/")
      .slice(1)
      .reduce((node, key) => node[key], doc);
  return schema;
}

/** Adds what the schema requires and the example lacks; keeps every value the example has. */
function complete(doc, schema, value, where) {
  schema = resolve(doc, schema);
  if (!schema || value === null || typeof value !== "object") return value;
  if (schema.allOf) {
    const parts = schema.allOf.map((part) => resolve(doc, part));
    schema = {
      required: parts.flatMap((part) => part.required ?? []),
      properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})),
    };
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    // The variant the example already fits best (fewest required fields missing) is the one it means.
    const missing = (v) => (v.required ?? []).filter((name) => !(name in value)).length;
    const objects = variants.map((v) => resolve(doc, v)).filter((v) => v.type === "object" || v.properties);
    const best = objects.sort((a, b) => missing(a) - missing(b))[0];
    return best && !Array.isArray(value) ? complete(doc, best, value, where) : value;
  }
  if (Array.isArray(value)) return value.map((item, i) => complete(doc, schema.items, item, `${where}[${i}]`));
  const out = { ...value };
  for (const name of schema.required ?? []) {
    if (name in out) continue;
    if (!(name in ADDED)) throw new Error(`${where}: no example value for the added field "${name}" (add it to ADDED)`);
    out[name] = typeof ADDED[name] === "function" ? ADDED[name](out) : ADDED[name];
  }
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    if (name in out) out[name] = complete(doc, child, out[name], `${where}.${name}`);
  return out;
}

const spec = process.argv[2] ?? path.join(root, "..", "shared", "spec", "lms-api-reference.md");
const lines = readFileSync(spec, "utf8").split("\n");
const examples = {};
let endpoint = null;
let label = null;
for (let i = 0; i < lines.length; i++) {
  const line = lines[i];
  if (/^#{1,3} /.test(line)) label = null;
  if (line.trim() === "```http") {
    const [method, target] = lines[i + 1].trim().split(/\s+/);
    endpoint = `${method.toUpperCase()} ${target.split("?")[0]}`;
    continue;
  }
  if (/^\*\*Request Body/.test(line)) label = "request";
  const response = /^\*\*Response:?\*\*:?\s*(?:`(\d{3})[^`]*`)?/.exec(line);
  if (response) label = response[1] ?? "200";
  if (line.trim() === "```json" && endpoint && label) {
    const end = lines.indexOf("```", i + 1);
    const text = lines.slice(i + 1, end).join("\n");
    try {
      const value = JSON.parse(text);
      examples[endpoint] ??= {};
      examples[endpoint][label] ??= value;
    } catch {
      console.warn(`skipped an example of ${endpoint} (${label}) that is not JSON`);
    }
    i = end;
    label = null;
  }
}
const doc = JSON.parse(await servedOpenApi());
for (const [endpoint, byLabel] of Object.entries(examples)) {
  const [method, route] = endpoint.split(" ");
  const operation = doc.paths[route]?.[method.toLowerCase()];
  if (!operation) throw new Error(`the spec's ${endpoint} is not in the document`);
  for (const [label, value] of Object.entries(byLabel)) {
    const media =
      label === "request"
        ? operation.requestBody?.content?.["application/json"]
        : operation.responses[label]?.content?.["application/json"];
    if (!media) {
      console.warn(`${endpoint}: the document has no JSON ${label === "request" ? "request body" : `${label} response`}; example dropped`);
      delete byLabel[label];
      continue;
    }
    byLabel[label] = complete(doc, media.schema, value, `${endpoint} ${label}`);
  }
}
const out = path.join(root, "src", "lib", "spec-examples.json");
writeFileSync(out, `${JSON.stringify(examples, null, 2)}\n`);
console.log(
  `${Object.values(examples).reduce((n, e) => n + Object.keys(e).length, 0)} examples of ${Object.keys(examples).length} operations → ${path.relative(root, out)}`,
);
