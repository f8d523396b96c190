/**
 * Generated bad input, driven by each operation's own schema in the OpenAPI document.
 *
 * For every operation (all of them take a body, a query or path parameters), RUNS cases are drawn with
 * fast-check from a seeded arbitrary: a schema-shaped value, then one mutation — wrong types, a missing
 * required field, unknown fields, strings at maxLength and maxLength + 1, arrays above maxItems, NUL and odd
 * Unicode, NaN/±Infinity/huge/negative numbers (as JSON values, strings, or raw tokens such as 1e999),
 * malformed JSON text, a wrong or missing Content-Type, bodies over 1 MB (also chunked), ids of the wrong kind
 * or shape in the path, query or body. Every response must be < 500; every 4xx a JSON {detail, code}; no body
 * may carry a stack trace or SQL; every 2xx must match the operation's documented response schema.
 *
 * Then, for a handful of operations, valid inputs from hand-written arbitraries must be accepted (2xx), match
 * the response schema and round-trip what was sent.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import variedGift from "../fixtures/varied.gift?raw";
import variedMoodleXml from "../fixtures/varied-moodle.xml?raw";
import {
  answersFor,
  buildWorld,
  checkSchema,
  clip,
  deref,
  describeReq,
  jsonBodySchema,
  type Operation,
  openApiDoc,
  operations,
  params,
  pdfBytes,
  printable,
  type Req,
  type Res,
  responseProblems,
  responseSchema,
  send,
  type World,
} from "./lib";

const RUNS = 300;
const VALID_RUNS = 60;
const BATCH = 6;
const SEED = 0x5ec0de;
const ID = "^[0-9a-f]{24}$";

let doc: any;
let w: World;
const ids: Record<string, string[]> = {};
const byKind = new Map<string, Record<string, number>>();
const totals = {
  cases: 0,
  fiveXX: 0,
  twoXX: 0,
  fourXX: 0,
  undocumented: new Map<string, number>(),
  extras: new Set<string>(),
  validCases: 0,
};

beforeAll(async () => {
  doc = await openApiDoc();
  w = await buildWorld();
  ids.course = [w.course.id, w.courseB.id, w.scratchCourse.id, w.reviewCourse.id];
  ids.step = [w.step1.id, w.step2.id, w.stepB.id, w.scratchStep.id, w.reviewStep.id];
  ids.material = [w.video.id, w.doc.id, w.rt.id, w.video2.id, w.videoB.id];
  ids.form = [w.exam1.id, w.exam2.id, w.examB.id, w.reviewForm.id];
  ids.table = [w.table.id];
  ids.formSubmission = [w.open, w.submitted, w.bSubmitted];
  ids.tableSubmission = [w.aTable];
  ids.participant = [w.a.sub, w.b.sub];
  const second = await w.freshBank();
  ids.bank = [w.bank.id, second.bank.id];
  ids.bankQuestion = [w.bankQuestion, second.question];
}, 60_000);

/* ------------------------------------------------ helpers ------------------------------------------------ */

/** The kind of id a parameter or field names, from its name and the operation's path. */
function idKind(name: string | undefined, path: string): string {
  const n = name ?? "";
  if (/course_id$/.test(n)) return "course";
  if (/step_id$/.test(n)) return "step";
  if (n === "material_id") return "material";
  if (n === "form_id") return "form";
  if (n === "table_id" || n === "requirement_table_id") return "table";
  if (n === "submission_id") return path.startsWith("/requirement-tables") ? "tableSubmission" : "formSubmission";
  if (n === "bank_id") return "bank";
  if (n === "question_id" && path.startsWith("/question-banks")) return "bankQuestion";
  return "any";
}

const allIds = () =>
  Object.entries(ids)
    .filter(([k]) => k !== "participant")
    .flatMap(([, v]) => v);
const ownIds = (kind: string) => (kind === "any" ? allIds() : (ids[kind] ?? allIds()));
const otherKindIds = (kind: string) =>
  Object.entries(ids)
    .filter(([k]) => k !== kind && k !== "participant")
    .flatMap(([, v]) => v);

/** encodeURIComponent that survives lone surrogates: they go out as the invalid UTF-8 bytes of a surrogate. */
function encode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "%ED%A0%80";
    else out += encodeURIComponent(s[i]!);
  }
  return out;
}

const ODD_STRINGS = [
  "",
  " ",
  "   \t\n ",
  "\u0000",
  "a\u0000b",
  "\u0000".repeat(50),
  "\uD800",
  "x\uDC00y",
  "\uDBFF\uDFFF",
  "\u202Eevil\u202C",
  "\u200F\u200E\u061C",
  "\u200B\u200C\u200D\uFEFF",
  "😀",
  "👩‍👩‍👧‍👦".repeat(10),
  "𝕳𝖊𝖑𝖑𝖔",
  "e\u0301\u0301\u0301\u0301",
  "Z̸̢̛̖͓̟̫̮͚̩̺̹̗̬̪͚̻̞̱͎͒̿̾̋̓̐̽̄́̑̎̐̀̏̄̊͘̕͜͠͠a̷l̷g̷o̷",
  "ﷺ",
  "\r\n\r\n",
  "'; DROP TABLE courses; --",
  '" OR "1"="1',
  "%00",
  "%s%s%n",
  "${7*7}{{7*7}}",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  "\\",
  "\\u0000",
  "1e999",
  "NaN",
  "-Infinity",
];

const oddString = fc.oneof(
  { arbitrary: fc.constantFrom(...ODD_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.constantFrom("\uD800", "\uDFFF", "a", "\u0000", "\u202E"), maxLength: 20 }), weight: 1 },
);

const ODD_NUMBERS = [
  -1,
  -0,
  0,
  0.5,
  -0.5,
  1.5,
  1e-7,
  5e-324,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e300,
  -1e300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1_000_001,
  100_001,
  10_001,
  1_000_000_001,
  2_000_001,
  1441,
  101,
];
const RAW_NUMBER_TOKENS = [
  "1e999",
  "-1e999",
  "1E400",
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  "01",
  "1.",
  ".5",
  "+1",
  "1e-999",
  "123456789012345678901234567890",
  "-0.0e0",
  "1_000",
];
const WRONG_TYPE_VALUES: unknown[] = [
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  null,
  "",
  "x",
  "NaN",
  "Infinity",
  "1e999",
  "12",
  [],
  [1, 2],
  ["a"],
  {},
  { a: 1 },
  [[[]]],
  { "": null },
];
const EXTRA_KEYS = [
  "id",
  "created_by",
  "created_at",
  "updated_at",
  "archived_at",
  "mcq_score",
  "submission_status",
  "attempt_number",
  "approved",
  "approved_by",
  "participant_id",
  "file_key",
  "is_correct",
  "role",
  "__proto__",
  "constructor",
  "prototype",
  "",
  " ",
  "\u0000",
  "name\u0000",
  "😀",
];

const MALFORMED = [
  "",
  " ",
  "{",
  "}",
  "[",
  '{"a":}',
  "{'name':'x'}",
  '{"name":"x",}',
  '{"name":"x"}{}',
  "\uFEFF{}",
  '{"name":"x" /* comment */}',
  "undefined",
  "NaN",
  '{"name":NaN}',
  '{"name":Infinity}',
  '{"name":"\\uZZZZ"}',
  '{"name":"\\ud800"}',
  '"\\u0000"',
  '{"__proto__":{"role":"manager"}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"name":"x","name":"y"}',
  "\u0000",
  "nul",
  "tru",
  '{"a":1]',
  "[".repeat(100_000) + "]".repeat(100_000),
  '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000),
  "[".repeat(50_000),
  '{"name":"' + "\\".repeat(11) + '"}',
  '{"questions":[' + "{},".repeat(5000) + "{}]}",
];

const CONTENT_TYPES = [
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/xml",
  "application/json-patch+json",
  "application/vnd.api+json",
  "application/jsonx",
  "json",
  "",
  "*/*",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/json;",
  "application/json, text/plain",
  "text/json",
];

const BAD_PATH_IDS = [
  "0",
  "null",
  "undefined",
  "%2e%2e",
  "..",
  "%2F",
  "a%2Fb",
  "%00",
  "%",
  "%zz",
  "%E0%A4%A",
  "%ED%A0%80",
  "%F0%9F%98%80",
  "ABCDEF0123456789ABCDEF01",
  "507f1f77bcf86cd79943901",
  "507f1f77bcf86cd7994390111",
  "507f1f77bcf86cd79943901g",
  "%20507f1f77bcf86cd799439011",
  "507f1f77bcf86cd799439011%00",
  "507f1f77bcf86cd799439011;x",
  "1e999",
  "-1",
  "NaN",
  "__proto__",
  "constructor",
  "a".repeat(5000),
  "' OR 1=1 --",
];

const hex24 = fc.stringMatching(/^[0-9a-f]{24}$/);

/* --------------------------------------- schema-shaped values --------------------------------------- */

/** A value of roughly the schema's shape: right types, lengths within bounds, fixture ids where ids go. */
function shaped(schema: any, name: string | undefined, path: string, depth = 0): fc.Arbitrary<any> {
  const s = deref(doc, schema) ?? {};
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return fc.oneof(...branches.map((b: any) => shaped(b, name, path, depth + 1)));
  if (s.allOf) return shaped(s.allOf[0], name, path, depth + 1);
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ["object"];
  const nonNull = types.filter((t) => t !== "null");
  const core = (t: string): fc.Arbitrary<any> => {
    switch (t) {
      case "string": {
        if (s.enum) return fc.constantFrom(...s.enum);
        if (s.pattern === ID) {
          const kind = idKind(name, path);
          return fc.oneof({ arbitrary: fc.constantFrom(...ownIds(kind)), weight: 4 }, { arbitrary: hex24, weight: 1 });
        }
        if (s.format === "uri")
          return fc.constantFrom("https://example.com/a", "http://example.org/p?q=1#f", "https://cdn.example.com/v.mp4");
        const max = Math.min(s.maxLength ?? 40, 40);
        const min = Math.max(s.minLength ?? 0, 0);
        return fc.oneof(
          { arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,30}$/).map((x) => x.slice(0, max)), weight: 4 },
          { arbitrary: fc.string({ unit: "grapheme", minLength: min, maxLength: max }), weight: 1 },
        );
      }
      case "integer":
        return fc.integer({
          min: Math.ceil(s.minimum ?? (typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : 0)),
          max: Math.floor(Math.min(s.maximum ?? 1000, 1_000_000)),
        });
      case "number": {
        const min = s.minimum ?? (typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 0.01 : 0);
        // A declared step (marks come in quarters): whole multiples of it within the bounds.
        if (typeof s.multipleOf === "number") {
          const step = s.multipleOf;
          return fc.integer({ min: Math.ceil(min / step), max: Math.floor(Math.min(s.maximum ?? 1000, 1000) / step) }).map((k) => k * step);
        }
        return fc.oneof(
          fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(s.maximum ?? 1000, 1000)) }),
          fc.double({ min, max: Math.min(s.maximum ?? 1000, 1000), noNaN: true, noDefaultInfinity: true }),
        );
      }
      case "boolean":
        return fc.boolean();
      case "array": {
        if (depth > 6) return fc.constant([]);
        return fc.array(shaped(s.items ?? {}, name, path, depth + 1), {
          minLength: s.minItems ?? 0,
          maxLength: Math.max(Math.min(s.maxItems ?? 3, 3), s.minItems ?? 0),
        });
      }
      case "object": {
        if (depth > 6 || !s.properties) return fc.constant({});
        const model: Record<string, fc.Arbitrary<any>> = {};
        for (const [k, v] of Object.entries<any>(s.properties)) model[k] = shaped(v, k, path, depth + 1);
        return fc.record(model, { requiredKeys: (s.required ?? []).filter((k: string) => k in model) });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };
  const arbs = nonNull.map(core);
  const main = arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs);
  return types.includes("null") ? fc.oneof({ arbitrary: main, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : main;
}

type Slot = { path: (string | number)[]; schema: any; name?: string };

/** Every location of a value, with the schema that governs it. */
function slots(schema: any, value: any, name?: string, at: (string | number)[] = [], out: Slot[] = []): Slot[] {
  let s = deref(doc, schema) ?? {};
  const branches = s.anyOf ?? s.oneOf;
  if (branches) s = deref(doc, branches.find((b: any) => checkSchema(doc, b, value).length === 0) ?? branches[0]);
  out.push({ path: at, schema: s, name });
  if (Array.isArray(value)) value.forEach((v, i) => slots(s.items ?? {}, v, name, [...at, i], out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) slots(s.properties?.[k] ?? {}, v, k, [...at, k], out);
  return out;
}

function setAt(root: any, path: (string | number)[], value: unknown): any {
  if (path.length === 0) return value;
  let node = root;
  for (const p of path.slice(0, -1)) node = node[p];
  node[path[path.length - 1]!] = value;
  return root;
}

const clone = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

type Mutation =
  | { kind: "none" }
  | { kind: "wrongType"; value: unknown }
  | { kind: "dropRequired" }
  | { kind: "extraField"; key: string; value: unknown }
  | { kind: "stringLimit"; over: boolean; ch: string }
  | { kind: "hugeArray"; factor: number }
  | { kind: "oddString"; value: string }
  | { kind: "oddNumber"; value: number }
  | { kind: "rawNumber"; token: string }
  | { kind: "wrongId"; value: string }
  | { kind: "wholeBody"; value: unknown }
  | { kind: "malformed"; text: string; cut: number }
  | { kind: "contentType"; type: string }
  | { kind: "noContentType" }
  | { kind: "emptyBody" }
  | { kind: "noBody" }
  | { kind: "oversized"; chunked: boolean };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: "none" as const }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant("wrongType" as const), value: fc.constantFrom(...WRONG_TYPE_VALUES) }), weight: 5 },
  { arbitrary: fc.constant({ kind: "dropRequired" as const }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("extraField" as const),
      key: fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 12 })),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("stringLimit" as const),
      over: fc.boolean(),
      ch: fc.constantFrom("a", "é", "😀", "\u0000", "\u202E", " ", "\uD800"),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ kind: fc.constant("hugeArray" as const), factor: fc.constantFrom(1, 1, 2, 20) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("oddString" as const), value: oddString }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constant("oddNumber" as const),
      value: fc.oneof(fc.constantFrom(...ODD_NUMBERS), fc.double(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 })),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant("rawNumber" as const), token: fc.constantFrom(...RAW_NUMBER_TOKENS) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("wrongId" as const),
      value: fc.oneof(fc.constantFrom(...BAD_PATH_IDS.map((x) => decodeURIComponentSafe(x))), hex24, fc.string({ maxLength: 30 })),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("wholeBody" as const),
      value: fc.constantFrom<unknown>(null, [], "str", 0, true, [{}], 1e308),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("malformed" as const), text: fc.constantFrom(...MALFORMED), cut: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("contentType" as const), type: fc.constantFrom(...CONTENT_TYPES) }), weight: 3 },
  { arbitrary: fc.constant({ kind: "noContentType" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "emptyBody" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "noBody" as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("oversized" as const), chunked: fc.boolean() }), weight: 1 },
);

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const RAW_MARK = (i: number) => `\u0001RAW${i}\u0001`;

/** Applies a body mutation; returns the request body parts. */
function mutateBody(
  schema: any,
  value: any,
  m: Mutation,
  pick: number,
  path: string,
): { label: string; json?: unknown; raw?: BodyInit | null; contentType?: string | null } {
  const v = clone(value);
  const all = slots(schema, v);
  const choose = <T>(xs: T[]) => xs[pick % xs.length]!;
  const jsonText = (x: unknown) => JSON.stringify(x);
  switch (m.kind) {
    case "none":
      return { label: "shaped", json: v };
    case "wrongType": {
      const slot = choose(all);
      return { label: `wrongType@${slot.path.join(".") || "$"}`, json: setAt(v, slot.path, clone(m.value)) };
    }
    case "dropRequired": {
      const objs = all.filter((s) => (s.schema.required ?? []).length > 0);
      if (!objs.length) return { label: "dropRequired(none)", json: v };
      const slot = choose(objs);
      const node = slot.path.reduce((n: any, p) => n[p], v);
      const key = choose<string>(slot.schema.required);
      if (node && typeof node === "object") delete node[key];
      return { label: `dropRequired@${[...slot.path, key].join(".")}`, json: v };
    }
    case "extraField": {
      const objs = all.filter((s) => s.schema.type === "object" || s.schema.properties);
      const slot = objs.length ? choose(objs) : { path: [] as (string | number)[] };
      const node = slot.path.reduce((n: any, p) => n?.[p], v);
      if (node && typeof node === "object" && !Array.isArray(node)) {
        Object.defineProperty(node, m.key, { value: clone(m.value) ?? null, enumerable: true, configurable: true, writable: true });
        return { label: `extraField@${[...slot.path, m.key].join(".")}`, json: v };
      }
      return { label: "extraField(root)", raw: `{${JSON.stringify(m.key)}:1}`, contentType: "application/json" };
    }
    case "stringLimit": {
      const strs = all.filter((s) => typeof s.schema.maxLength === "number");
      if (!strs.length) return { label: "stringLimit(none)", json: v };
      const slot = choose(strs);
      const len = slot.schema.maxLength + (m.over ? 1 : 0);
      const unit = m.ch.length;
      const str = m.ch.repeat(Math.floor(len / unit)) + "a".repeat(len % unit);
      return {
        label: `stringLimit(${m.over ? "max+1" : "max"}=${len},${JSON.stringify(m.ch)})@${slot.path.join(".")}`,
        json: setAt(v, slot.path, str),
      };
    }
    case "hugeArray": {
      const arrs = all.filter((s) => s.schema.type === "array" || s.schema.items);
      if (!arrs.length) return { label: "hugeArray(root)", json: new Array(10_000).fill(v ?? 1) };
      const slot = choose(arrs);
      const current = slot.path.reduce((n: any, p) => n?.[p], v);
      const item = Array.isArray(current) && current.length ? current[0] : 1;
      const n = Math.max((slot.schema.maxItems ?? 500) + 1, 1) * m.factor;
      return { label: `hugeArray(${n})@${slot.path.join(".")}`, json: setAt(v, slot.path, new Array(n).fill(item)) };
    }
    case "oddString": {
      const strs = all.filter((s) => s.schema.type === "string" || (Array.isArray(s.schema.type) && s.schema.type.includes("string")));
      const slot = strs.length ? choose(strs) : choose(all);
      return { label: `oddString@${slot.path.join(".") || "$"}`, json: setAt(v, slot.path, m.value) };
    }
    case "oddNumber": {
      const nums = all.filter((s) =>
        ["number", "integer"].some((t) => s.schema.type === t || (Array.isArray(s.schema.type) && s.schema.type.includes(t))),
      );
      const slot = nums.length ? choose(nums) : choose(all);
      return { label: `oddNumber(${m.value})@${slot.path.join(".") || "$"}`, json: setAt(v, slot.path, m.value) };
    }
    case "rawNumber": {
      const nums = all.filter((s) =>
        ["number", "integer"].some((t) => s.schema.type === t || (Array.isArray(s.schema.type) && s.schema.type.includes(t))),
      );
      const slot = nums.length ? choose(nums) : choose(all);
      const marked = setAt(v, slot.path, RAW_MARK(0));
      const text = jsonText(marked).replace(JSON.stringify(RAW_MARK(0)), m.token);
      return { label: `rawNumber(${m.token})@${slot.path.join(".") || "$"}`, raw: text, contentType: "application/json" };
    }
    case "wrongId": {
      const idSlots = all.filter((s) => s.schema.pattern === ID);
      if (!idSlots.length) return { label: "wrongId(none)", json: v };
      const slot = choose(idSlots);
      const others = otherKindIds(idKind(slot.name, path));
      const value = pick % 2 === 0 && others.length ? choose(others) : m.value;
      return { label: `wrongId(${clip(value, 30)})@${slot.path.join(".")}`, json: setAt(v, slot.path, value) };
    }
    case "wholeBody":
      return { label: `wholeBody(${JSON.stringify(m.value)})`, json: m.value };
    case "malformed": {
      if (m.cut % 3 === 0) {
        const text = jsonText(v ?? {});
        return {
          label: `truncated@${m.cut % Math.max(text.length, 1)}`,
          raw: text.slice(0, m.cut % Math.max(text.length, 1)),
          contentType: "application/json",
        };
      }
      return { label: `malformed(${clip(JSON.stringify(m.text), 40)})`, raw: m.text, contentType: "application/json" };
    }
    case "contentType":
      return { label: `contentType(${m.type})`, raw: jsonText(v ?? {}), contentType: m.type };
    case "noContentType":
      return { label: "noContentType", raw: new TextEncoder().encode(jsonText(v ?? {})), contentType: null };
    case "emptyBody":
      return { label: "emptyBody", raw: "", contentType: "application/json" };
    case "noBody":
      return { label: "noBody", raw: null, contentType: null };
    case "oversized": {
      const big = JSON.stringify({ ...(v && typeof v === "object" && !Array.isArray(v) ? v : {}), name: "x".repeat(1024 * 1024 + 10) });
      if (!m.chunked) return { label: "oversized(1MB+)", raw: big, contentType: "application/json" };
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
          controller.close();
        },
      });
      return { label: "oversized(1MB+, chunked)", raw: stream, contentType: "application/json" };
    }
  }
}

/* --------------------------------------- parameters --------------------------------------- */

function pathParamArb(p: any, path: string): fc.Arbitrary<{ value: string; label: string }> {
  const kind = p.name === "participant_id" ? "participant" : p.name === "serial_number" ? "serial" : idKind(p.name, path);
  let good: fc.Arbitrary<string>;
  if (kind === "participant") good = fc.constantFrom(...ids.participant!).map(encode);
  else if (kind === "serial") good = fc.constantFrom("1", "2");
  else good = fc.constantFrom(...ownIds(kind));
  const bad = fc.oneof(
    { arbitrary: fc.constantFrom(...BAD_PATH_IDS), weight: 3 },
    { arbitrary: fc.constantFrom(...(kind === "participant" || kind === "serial" ? allIds() : otherKindIds(kind))), weight: 2 },
    { arbitrary: hex24, weight: 1 },
    { arbitrary: oddString.filter((x) => x.length > 0).map(encode), weight: 2 },
    { arbitrary: fc.constantFrom("0", "-1", "1.5", "1e3", "99999999999999999999", "0x1", "Infinity"), weight: kind === "serial" ? 3 : 0 },
    { arbitrary: fc.constantFrom("a".repeat(201), "%F0%9F%98%80".repeat(60)), weight: kind === "participant" ? 2 : 0 },
  );
  return fc.oneof(
    { arbitrary: good.map((value) => ({ value, label: "" })), weight: 3 },
    { arbitrary: bad.map((value) => ({ value, label: `path:${p.name}=${clip(value, 30)}` })), weight: 1 },
  );
}

function queryArb(qs: any[], path: string): fc.Arbitrary<{ text: string; label: string }> {
  const extras = fc.constantFrom(
    "unknown=1",
    "%zz=1",
    "a[]=1&a[]=2",
    "&",
    "=x",
    "&&&=",
    "participant_id=someone-else",
    "manager_id=someone-else",
    "is_admin=true",
    "token=",
  );
  if (!qs.length)
    return fc.oneof(
      { arbitrary: fc.constant({ text: "", label: "" }), weight: 4 },
      { arbitrary: extras.map((t) => ({ text: t, label: `query:extra:${t}` })), weight: 1 },
    );
  // Schema-shaped values for every parameter (optional ones sometimes left out), then at most one mutation.
  const goods = qs.map((p) => {
    const s = deref(doc, p.schema);
    const good: fc.Arbitrary<string> =
      p.name === "participant_id"
        ? fc.constantFrom(...ids.participant!)
        : p.name === "manager_id"
          ? fc.constant(w.managerSub)
          : p.name === "token"
            ? fc.string({ maxLength: 20 })
            : shaped(s, p.name, path).map(String);
    return p.required ? good.map((v) => v as string | null) : fc.option(good, { nil: null, freq: 2 });
  });
  const bad: fc.Arbitrary<string> = fc.oneof(
    fc.constantFrom("", "TRUE", "1", "yes", "null", "undefined", "[]", "a".repeat(201), "a".repeat(10_000)),
    oddString,
    fc.constantFrom(...allIds(), ...ids.participant!),
    hex24,
  );
  const mutation = fc.oneof(
    { arbitrary: fc.constant({ mode: "none" as const }), weight: 3 },
    { arbitrary: fc.record({ mode: fc.constantFrom("bad" as const, "dup" as const), which: fc.nat(), value: bad }), weight: 4 },
    {
      arbitrary: fc.record({
        mode: fc.constant("rawpct" as const),
        which: fc.nat(),
        value: fc.constantFrom("%", "%zz", "%E0%A4%A", "%ED%A0%80", "%00", "%FF%FE", "+%2B+", "a%26b%3Dc"),
      }),
      weight: 2,
    },
    { arbitrary: fc.constant({ mode: "omitRequired" as const }), weight: qs.some((p) => p.required) ? 1 : 0 },
    { arbitrary: fc.record({ mode: fc.constant("extra" as const), value: extras }), weight: 2 },
  );
  return fc.tuple(fc.tuple(...goods), mutation).map(([values, m]) => {
    const parts = qs.map((p, i) => ({
      name: p.name as string,
      required: !!p.required,
      value: values[i] as string | null,
      raw: null as string | null,
    }));
    let label = "";
    if (m.mode === "bad" || m.mode === "dup" || m.mode === "rawpct") {
      const target = parts[m.which % parts.length]!;
      if (m.mode === "bad") target.value = m.value;
      else if (m.mode === "dup")
        target.raw = `${encode(target.name)}=${encode(target.value ?? "x")}&${encode(target.name)}=${encode(m.value)}`;
      else target.raw = `${encode(target.name)}=${m.value}`;
      label = `query:${m.mode}:${target.name}=${clip(JSON.stringify(m.value), 30)}`;
    } else if (m.mode === "omitRequired") {
      for (const p of parts) if (p.required) p.value = null;
      label = "query:omitRequired";
    }
    const text = parts.map((p) => p.raw ?? (p.value === null ? "" : `${encode(p.name)}=${encode(p.value)}`)).filter(Boolean);
    if (m.mode === "extra") {
      text.push(m.value);
      label = `query:extra:${m.value}`;
    }
    return { text: text.join("&"), label };
  });
}

/* --------------------------------------- import files --------------------------------------- */

const GIFT_ITEM = "::Q:: What is {=right ~wrong ~other}\n\n";
const XML_ITEM =
  '<question type="multichoice"><name><text>Q</text></name><questiontext format="html"><text>What?</text></questiontext>' +
  '<single>true</single><answer fraction="100"><text>right</text></answer><answer fraction="0"><text>wrong</text></answer></question>\n';
const xmlQuiz = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n${inner}</quiz>\n`;

/** Whole files that try the parsers' bounds: entity expansion, external entities, nesting, item counts, sizes. */
const HOSTILE_FILES: string[] = [
  // Billion laughs and external entities: no DTD is ever expanded or fetched.
  `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ""};`.repeat(10)}">`).join("")}]>` +
    xmlQuiz('<question type="essay"><questiontext><text>&lol9;</text></questiontext></question>'),
  `<?xml version="1.0"?><!DOCTYPE q [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${xmlQuiz('<question type="essay"><questiontext><text>&xxe;</text></questiontext></question>')}`,
  `<?xml version="1.0"?><!DOCTYPE q [<!ENTITY % p SYSTEM "http://169.254.169.254/latest/meta-data/">%p;]><quiz/>`,
  xmlQuiz(`${"<a>".repeat(20_000)}${"</a>".repeat(20_000)}`),
  xmlQuiz(`<question type="essay">${"<questiontext>".repeat(5000)}</question>`),
  xmlQuiz(XML_ITEM.repeat(501)),
  xmlQuiz(XML_ITEM.repeat(1001)),
  xmlQuiz(
    `<question type="multichoice"><questiontext><text>x</text></questiontext>${'<answer fraction="100"><text>a</text></answer>'.repeat(5000)}</question>`,
  ),
  xmlQuiz(`<question type="essay"><questiontext><text>${"x".repeat(999_000)}</text></questiontext></question>`),
  xmlQuiz(`<question type="essay"><questiontext><text><![CDATA[${"]]]]><![CDATA[>".repeat(2000)}]]></text></questiontext></question>`),
  xmlQuiz('<question type="category"><category><text>$course$/top/' + "a/".repeat(20_000) + "</text></category></question>"),
  xmlQuiz(`<question type="essay"><questiontext><text>&#0;&#xD800;&#x110000;&#99999999999;&amp</text></questiontext></question>`),
  xmlQuiz(
    `<question type="essay"><defaultgrade>1e999</defaultgrade><questiontext><text>x</text></questiontext><maxwordlimit>-1e308</maxwordlimit></question>`,
  ),
  xmlQuiz(`<question type="__proto__"><questiontext><text>x</text></questiontext></question><question type="constructor"/>`),
  `<quiz>${"<question>".repeat(3000)}`,
  "<?xml version='1.0' encoding='UTF-16'?><quiz/>",
  '\uFEFF<?xml version="1.0"?><quiz></quiz>',
  GIFT_ITEM.repeat(501),
  GIFT_ITEM.repeat(1001),
  `::Q:: ${"{".repeat(50_000)}`,
  `::Q:: What? {${"~a ".repeat(5000)}=b}`,
  `$CATEGORY: ${"x/".repeat(50_000)}\n\n${GIFT_ITEM}`,
  `// [tag:a] `.repeat(20_000) + GIFT_ITEM,
  `::${"n".repeat(10_000)}:: What? {=a ~b}`,
  `What? {${"#".repeat(10_000)}}`,
  `What? {#${"9".repeat(400)}:${"9".repeat(400)}}`,
  `// [marks:1e999] [max_words:-5]\nEssay? {}`,
  `// [marks:NaN]\nWhat? {T}`,
  "\\".repeat(100_000),
  "::".repeat(100_000),
  `${"\n".repeat(200_000)}What? {=a ~b}`,
  "x".repeat(1_000_001),
  "é".repeat(600_000),
];

/** Characters that mean something to GIFT or XML, to splice into valid files. */
const SPECIAL = [
  "{",
  "}",
  "=",
  "~",
  "#",
  ":",
  "::",
  "\\",
  "<",
  ">",
  "&",
  "]]>",
  "<![CDATA[",
  "%",
  "$CATEGORY:",
  "\u0000",
  "\uD800",
  "\r",
  "\n\n",
];

/** A GIFT or Moodle XML file: a valid one, one cut or spliced with special characters, or a hostile one. */
const importFileArb: fc.Arbitrary<{ text: string; label: string }> = fc.oneof(
  {
    arbitrary: fc.constantFrom(variedGift, variedMoodleXml, GIFT_ITEM, xmlQuiz(XML_ITEM)).map((text) => ({ text, label: "file:valid" })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({
        base: fc.constantFrom(variedGift, variedMoodleXml),
        at: fc.nat(),
        cut: fc.boolean(),
        insert: fc.oneof(fc.constantFrom(...SPECIAL), oddString),
      })
      .map(({ base, at, cut, insert }) => {
        const i = at % base.length;
        return cut
          ? { text: base.slice(0, i), label: `file:cut@${i}` }
          : { text: base.slice(0, i) + insert + base.slice(i), label: `file:splice(${clip(JSON.stringify(insert), 20)})@${i}` };
      }),
    weight: 5,
  },
  { arbitrary: fc.constantFrom(...HOSTILE_FILES.keys()).map((i) => ({ text: HOSTILE_FILES[i]!, label: `file:hostile#${i}` })), weight: 3 },
  { arbitrary: fc.oneof(oddString, fc.string({ unit: "binary", maxLength: 400 })).map((text) => ({ text, label: "file:odd" })), weight: 1 },
);

const IMPORT_TYPES = [
  "text/plain",
  "text/plain; charset=utf-8",
  "application/xml",
  "text/xml",
  "application/xml; charset=iso-8859-1",
  "TEXT/PLAIN",
  "application/json",
  "text/html",
  "application/octet-stream",
  "",
];

/** A request body for the import: a file, sent as either format (or neither), as text or as bytes (some not UTF-8). */
const importBodyArb = fc.record({
  file: importFileArb,
  type: fc.oneof(
    { arbitrary: fc.constantFrom("text/plain", "application/xml"), weight: 4 },
    { arbitrary: fc.constantFrom(...IMPORT_TYPES), weight: 2 },
  ),
  bytes: fc.oneof(
    { arbitrary: fc.constant<"text" | "latin1" | "bom16">("text"), weight: 8 },
    { arbitrary: fc.constantFrom<"text" | "latin1" | "bom16">("latin1", "bom16"), weight: 1 },
  ),
});

function importBody(b: { file: { text: string; label: string }; type: string; bytes: "text" | "latin1" | "bom16" }) {
  let raw: BodyInit = b.file.text;
  if (b.bytes === "latin1") raw = Uint8Array.from(b.file.text.slice(0, 5000), (c) => c.charCodeAt(0) & 0xff);
  else if (b.bytes === "bom16") {
    const t = b.file.text.slice(0, 5000);
    const out = new Uint8Array(2 + t.length * 2);
    out.set([0xff, 0xfe]);
    for (let i = 0; i < t.length; i++) (out[2 + 2 * i] = t.charCodeAt(i) & 0xff), (out[3 + 2 * i] = t.charCodeAt(i) >> 8);
    raw = out;
  }
  return { raw, label: `${b.file.label} as ${b.type || "(no type)"}${b.bytes === "text" ? "" : ` ${b.bytes}`}` };
}

/* --------------------------------------- one operation's cases --------------------------------------- */

type Case = { req: Req; label: string; kinds: string[] };

function caseArb(o: Operation): fc.Arbitrary<Case> {
  const pathParams = params(o.op, "path");
  const queryParams = params(o.op, "query");
  const bodySchema = jsonBodySchema(doc, o.op);
  // A file of questions (GIFT or Moodle XML): its own generator, not the material upload's.
  const isImport = !bodySchema && ["text/plain", "application/xml"].some((t) => o.op.requestBody?.content?.[t]);
  const isUpload = o.op.requestBody && !bodySchema && !isImport;
  const tokenArb = fc.constantFrom(w.manager, w.manager, w.a.token);
  const pathArb: fc.Arbitrary<{ value: string; label: string }[]> = fc.tuple(...pathParams.map((p: any) => pathParamArb(p, o.path))) as any;
  const bodyValueArb: fc.Arbitrary<any> = bodySchema ? shaped(bodySchema, undefined, o.path) : fc.constant(undefined);
  const uploadArb = fc.record({
    type: fc.constantFrom(
      ...Object.keys(o.op.requestBody?.content ?? { "application/pdf": 1 }),
      "text/html",
      "application/json",
      "",
      "image/svg+xml",
    ),
    bytes: fc.oneof(
      fc.constant(pdfBytes(600)),
      fc.uint8Array({ maxLength: 300 }),
      fc.constant(new TextEncoder().encode("<html><script>x</script></html>")),
    ),
    length: fc.constantFrom<"right" | "none" | "short" | "long" | "garbage" | "huge">(
      "right",
      "right",
      "none",
      "short",
      "long",
      "garbage",
      "huge",
    ),
  });
  return fc
    .record({
      token: tokenArb,
      pathValues: pathArb,
      query: queryArb(queryParams, o.path),
      body: bodyValueArb,
      mutation: mutationArb,
      pick: fc.nat(),
      upload: uploadArb,
      file: isImport ? importBodyArb : fc.constant(undefined),
    })
    .map(({ token, pathValues, query, body, mutation, pick, upload, file }) => {
      let path = o.path;
      pathParams.forEach((p: any, i: number) => (path = path.replace(`{${p.name}}`, pathValues[i]!.value)));
      if (query.text) path += `?${query.text}`;
      const labels = [...pathValues.map((x) => x.label), query.label].filter(Boolean);
      const kinds: string[] = [];
      if (pathValues.some((x) => x.label)) kinds.push("bad path id");
      if (query.label) kinds.push(query.label.replace(/^(query:[a-zA-Z]+).*$/, "$1"));
      const req: Req = { method: o.method, path, token, headers: {} };
      if (file) {
        const b = importBody(file);
        req.raw = b.raw;
        if (file.type) req.headers!["content-type"] = file.type;
        labels.push(b.label);
        kinds.push(`import ${file.file.label.replace(/[(@#].*$/, "")}`);
        return { req, label: labels.join(" "), kinds };
      }
      if (isUpload) {
        const len = {
          right: upload.bytes.byteLength,
          none: undefined,
          short: Math.max(upload.bytes.byteLength - 7, 0),
          long: upload.bytes.byteLength + 100,
          garbage: "12abc",
          huge: "999999999999",
        }[upload.length];
        req.raw = upload.bytes;
        if (upload.type) req.headers!["content-type"] = upload.type;
        if (len !== undefined) req.headers!["content-length"] = String(len);
        labels.push(`upload(${upload.type},${upload.bytes.byteLength}B,length=${upload.length})`);
        // A declared length that does not match cannot be built by the client: fall back to none.
        kinds.push(`upload content-length ${upload.length}`);
        return { req, label: labels.join(" ") || "upload", kinds };
      }
      if (bodySchema) {
        const b = mutateBody(bodySchema, body, mutation, pick, o.path);
        labels.push(b.label);
        kinds.push(`body ${mutation.kind}`);
        if (b.json !== undefined) req.json = b.json;
        else if (b.raw !== undefined) req.raw = b.raw;
        if (b.contentType === null) delete req.headers!["content-type"];
        else if (b.contentType !== undefined) req.headers!["content-type"] = b.contentType;
        if (b.raw instanceof Uint8Array && b.contentType === null) req.headers = {};
      } else if (o.method !== "GET" && o.method !== "HEAD" && mutation.kind !== "none" && pick % 4 === 0) {
        // A body where none is expected: unknown JSON, or a body of another type.
        if (mutation.kind === "contentType") {
          req.raw = "name=x&role=manager";
          req.headers!["content-type"] = mutation.type;
          labels.push(`unexpected body (${mutation.type})`);
          kinds.push("unexpected body");
        } else {
          req.json = { participant_id: "someone-else", role: "manager", approved: true };
          labels.push("unexpected JSON body");
          kinds.push("unexpected body");
        }
      }
      if (!kinds.length) kinds.push("schema-shaped");
      return { req, label: labels.join(" ") || "valid-ish", kinds };
    });
}

/* --------------------------------------- running and checking --------------------------------------- */

function check(o: Operation, res: Res): string[] {
  const problems = responseProblems(res);
  if (res.status >= 200 && res.status < 300) {
    const schema = responseSchema(o.op, res.status);
    if (!o.op.responses?.[String(res.status)]) problems.push(`undocumented success status ${res.status}`);
    else if (schema && /json/i.test(res.contentType)) {
      const extras: string[] = [];
      const errors = checkSchema(doc, schema, res.json, "$", extras);
      if (errors.length) problems.push(`response does not match its schema: ${errors.slice(0, 5).join("; ")}`);
      for (const e of extras) totals.extras.add(`${o.key} ${e.replace(/\[\d+\]/g, "[]")}`);
    }
  }
  // `..` and `%2e%2e` as an id are dot segments: URL normalisation removes them, the request names another path, and
  // its 404 `route_not_found` belongs to no operation (the document reserves them as participant ids).
  const reachedNoOperation = res.status === 404 && res.json?.code === "route_not_found";
  if (!o.op.responses?.[String(res.status)] && !reachedNoOperation) {
    const k = `${o.key} → ${res.status}`;
    totals.undocumented.set(k, (totals.undocumented.get(k) ?? 0) + 1);
  }
  return problems;
}

async function runCases(o: Operation, cases: Case[]) {
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < cases.length; i += BATCH) {
    await Promise.all(
      cases.slice(i, i + BATCH).map(async (c) => {
        let res: Res;
        try {
          res = await send(c.req);
        } catch (error) {
          failures.push(`[${c.label}] ${describeReq(c.req)} → threw ${String(error)}`);
          return;
        }
        totals.cases++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) totals.fiveXX++;
        else if (res.status >= 400) totals.fourXX++;
        else if (res.status < 300) totals.twoXX++;
        for (const kind of c.kinds) {
          const k = byKind.get(kind) ?? {};
          const cls = `${Math.floor(res.status / 100)}xx`;
          k[cls] = (k[cls] ?? 0) + 1;
          byKind.set(kind, k);
        }
        const problems = check(o, res);
        if (problems.length) failures.push(`[${c.label}] ${describeReq(c.req)} → ${problems.join("; ")}`);
      }),
    );
  }
  return { failures, statuses };
}

const seedOf = (key: string) => [...key].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, SEED);

// Writes that destroy fixtures run last, so the other operations meet live resources.
const order = (o: Operation) => (o.method === "DELETE" ? 1 : 0);

describe("the checkers themselves", () => {
  it("checkSchema refuses what the document's schemas refuse", () => {
    const course = { $ref: "#/components/schemas/Course" };
    const good = {
      id: "507f1f77bcf86cd799439011",
      name: "n",
      description: null,
      image_url: null,
      previous_course_id: null,
      next_course_id: null,
      default_step_id: null,
      order_index: 0,
      is_active: true,
      is_default: false,
      created_at: "2024-01-15T10:30:00Z",
      updated_at: "2024-01-15T10:30:00.123Z",
      created_by: "m",
      certificate: null,
    };
    expect(checkSchema(doc, course, good)).toEqual([]);
    const { name: _drop, ...missing } = good;
    expect(checkSchema(doc, course, missing).join()).toMatch(/missing required 'name'/);
    expect(checkSchema(doc, course, { ...good, order_index: 1.5 }).join()).toMatch(/expected integer/);
    expect(checkSchema(doc, course, { ...good, description: 3 }).join()).toMatch(/expected string\|null/);
    expect(checkSchema(doc, course, { ...good, name: null }).join()).toMatch(/expected string/);
    expect(checkSchema(doc, course, { ...good, created_at: "yesterday" }).join()).toMatch(/date-time/);
    expect(checkSchema(doc, course, { ...good, id: "XYZ" }).join()).toMatch(/does not match/);
    expect(checkSchema(doc, { $ref: "#/components/schemas/StepProgress" }, null)).toEqual([]);
    expect(
      checkSchema(
        doc,
        { $ref: "#/components/schemas/SubmitResult" },
        {
          submission_id: "x",
          mcq_score: 1,
          theory_score: null,
          submission_status: "Approved",
          submitted_at: "2024-01-15T10:30:00Z",
          is_late: false,
        },
      ).join(),
    ).toMatch(/not in enum/);
    expect(checkSchema(doc, { type: "array", items: { $ref: "#/components/schemas/Message" } }, [{ message: 1 }]).join()).toMatch(
      /\$\[0\]\.message/,
    );
    expect(checkSchema(doc, { $ref: "#/components/schemas/MaterialContent" }, { url: "https://x", extra: 1 }).join()).toMatch(
      /matches none/,
    );
  });

  it("responseProblems flags 5xx, 4xx without a JSON detail, stack traces and SQL", () => {
    const res = (status: number, text: string, contentType = "application/json"): Res => ({
      status,
      text,
      contentType,
      headers: new Headers(),
      json: (() => {
        try {
          return JSON.parse(text);
        } catch {
          return undefined;
        }
      })(),
    });
    expect(responseProblems(res(200, "{}"))).toEqual([]);
    expect(responseProblems(res(400, '{"detail":"x","code":"y"}'))).toEqual([]);
    expect(responseProblems(res(500, '{"detail":"x","code":"y"}')).length).toBe(1);
    expect(responseProblems(res(404, "Not Found", "text/plain")).length).toBe(2);
    expect(responseProblems(res(400, '{"detail":"x"}')).length).toBe(1);
    expect(responseProblems(res(400, '{"detail":"at handler (src/courses/handlers.ts:12:3)","code":"y"}')).join()).toMatch(/stack trace/);
    expect(responseProblems(res(409, '{"detail":"D1_ERROR: UNIQUE constraint failed","code":"y"}')).join()).toMatch(/D1_/);
    expect(responseProblems(res(400, '{"detail":"near SELECT * FROM x","code":"y"}')).join()).toMatch(/SELECT/);
  });
});

describe("generated bad input, per operation", () => {
  it("every operation of the document takes parameters or a body, so every one is generated for", async () => {
    const ops = operations(doc);
    const bare = ops.filter((o) => !o.op.requestBody && !(o.op.parameters ?? []).length);
    expect(bare.map((o) => o.key)).toEqual([]);
    expect(ops.length).toBeGreaterThan(40);
  });

  // The operation list is read from the document at run time; one test drives them all, reporting per operation.
  it(`≥ ${RUNS} cases per operation: no 5xx, JSON errors, no internals, 2xx match the schema`, { timeout: 600_000 }, async () => {
    const ops = [...operations(doc)].sort((a, b) => order(a) - order(b));
    const report: string[] = [];
    const failed: string[] = [];
    for (const o of ops) {
      const cases = fc.sample(caseArb(o), { numRuns: RUNS, seed: seedOf(o.key) });
      expect(cases.length).toBeGreaterThanOrEqual(RUNS);
      const { failures, statuses } = await runCases(o, cases);
      report.push(`${o.key}: ${cases.length} cases ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
      if (failures.length)
        failed.push(
          `${o.key}: ${failures.length} failing cases, e.g.\n  ${failures
            .slice(0, 4)
            .map((f) => clip(f, 900))
            .join("\n  ")}`,
        );
    }
    console.log(
      `generated input: ${totals.cases} cases over ${ops.length} operations (seed ${SEED}); 5xx: ${totals.fiveXX}; 4xx: ${totals.fourXX}; 2xx: ${totals.twoXX}\n${report.join("\n")}`,
    );
    console.log(`outcomes by mutation: ${[...byKind].map(([k, v]) => `${k} ${JSON.stringify(v)}`).join("; ")}`);
    if (totals.undocumented.size) {
      const byStatus = new Map<string, string[]>();
      for (const [k, n] of totals.undocumented) {
        const [op, status] = k.split(" → ") as [string, string];
        byStatus.set(status, [...(byStatus.get(status) ?? []), `${op} ×${n}`]);
      }
      console.log(
        `statuses the operation does not document: ${[...byStatus].map(([st, ops]) => `${st} on ${ops.length} operation(s)${ops.length <= 3 ? ` (${ops.join(", ")})` : ""}`).join("; ")}`,
      );
    }
    if (totals.extras.size) console.log(`response properties the schema does not name:\n  ${[...totals.extras].join("\n  ")}`);
    expect(failed, failed.join("\n\n")).toEqual([]);
  });
});

/* --------------------------------------- generated credentials and headers --------------------------------------- */

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const b64url = (json: unknown) => btoa(JSON.stringify(json)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Authorization headers no valid token can come out of: random segments, forged headers and claims, odd schemes. */
const badAuthorization = fc.oneof(
  // 1–4 segments of base64url text of any length (lengths ≡ 1 mod 4 are not decodable at all).
  fc
    .array(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 60 }), { minLength: 1, maxLength: 4 })
    .map((parts) => `Bearer ${parts.join(".")}`),
  // Well-formed JSON header and claims, with a random signature.
  fc
    .record({
      alg: fc.constantFrom("HS256", "none", "None", "HS512", "RS256", "hs256", "", null),
      claims: fc.record(
        {
          sub: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          role: fc.constantFrom("manager", "participant", "admin", "Manager", null),
          exp: fc.oneof(fc.integer(), fc.constant("9999999999"), fc.double()),
        },
        { requiredKeys: [] },
      ),
      sig: fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 50 }),
    })
    .map(({ alg, claims, sig }) => `Bearer ${b64url({ alg, typ: "JWT" })}.${b64url(claims)}.${sig}`),
  // Headers and claims that are not JSON objects.
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 })).map(([h, c]) => `Bearer ${b64url(h)}.${b64url(c)}.`),
  // Other schemes and spacing.
  fc
    .tuple(
      fc.constantFrom("Basic", "Digest", "Token", "JWT", "bearer", "BEARER", "Bearer", ""),
      fc.string({ unit: "grapheme-ascii", maxLength: 80 }),
    )
    .map(([scheme, rest]) => `${scheme} ${rest}`.trim()),
);

describe("generated credentials and request headers", () => {
  it(`${RUNS * 2} generated Authorization headers on routes drawn from the document: every one is a 401 with a JSON detail`, async () => {
    // A public operation (`security: []`, i.e. GET /health) does not read Authorization at all.
    const ops = operations(doc).filter((o) => o.method !== "DELETE" && !(Array.isArray(o.op.security) && o.op.security.length === 0));
    const arb = fc.record({ auth: badAuthorization, op: fc.constantFrom(...ops) });
    const cases = fc.sample(arb, { numRuns: RUNS * 2, seed: SEED + 100 });
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += BATCH)
      await Promise.all(
        cases.slice(i, i + BATCH).map(async ({ auth, op }) => {
          const path = op.path.replace(/\{[^}]+\}/g, "507f1f77bcf86cd799439011");
          const req: Req = { method: op.method, path, headers: { authorization: auth } };
          let res: Res;
          try {
            res = await send(req);
          } catch (error) {
            // A header value the client cannot send (e.g. a control character) is not a server answer.
            if (error instanceof TypeError && /header/i.test(String(error))) return;
            failures.push(`${JSON.stringify(auth)} ${describeReq(req)} → threw ${String(error)}`);
            return;
          }
          totals.cases++;
          if (res.status >= 500) totals.fiveXX++;
          const problems = responseProblems(res);
          if (res.status !== 401) problems.unshift(`expected 401, got ${res.status}`);
          if (problems.length) failures.push(`${clip(JSON.stringify(auth), 120)} ${describeReq(req)} → ${problems.join("; ")}`);
        }),
      );
    expect(failures.length, `${failures.length} of ${cases.length} failed, e.g.\n${failures.slice(0, 6).join("\n")}`).toBe(0);
  });

  it(`${RUNS} generated Range / If-None-Match headers on a file download: no 5xx, only 200/206/304/416`, async () => {
    const arb = fc.record({
      range: fc.option(
        fc.oneof(
          fc
            .tuple(fc.option(fc.nat({ max: 5000 }), { nil: undefined }), fc.option(fc.nat({ max: 5000 }), { nil: undefined }))
            .map(([a, b]) => `bytes=${a ?? ""}-${b ?? ""}`),
          fc.constantFrom(
            "bytes=0-0,5-9",
            "bytes=99999999999999999999-",
            "bytes=-99999999999999999999",
            "bytes=--1",
            "bytes=1-2-3",
            "items=0-1",
            "bytes=0x10-",
            "bytes= 0-1",
            "bytes=",
            "BYTES=0-1",
            "bytes=1e3-",
          ),
          fc.string({ maxLength: 30 }),
        ),
        { nil: undefined },
      ),
      inm: fc.option(fc.oneof(fc.constantFrom("*", "W/*", '""', '"x", W/"y"', ","), fc.string({ maxLength: 40 })), { nil: undefined }),
      who: fc.constantFrom(w.manager, w.a.token),
    });
    const cases = fc.sample(arb, { numRuns: RUNS, seed: SEED + 101 });
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += BATCH)
      await Promise.all(
        cases.slice(i, i + BATCH).map(async ({ range, inm, who }) => {
          const headers: Record<string, string> = {};
          if (range !== undefined) headers.range = range;
          if (inm !== undefined) headers["if-none-match"] = inm;
          const req: Req = { method: "GET", path: `/materials/${w.doc.id}/file`, token: who, headers };
          let res: Res;
          try {
            res = await send(req);
          } catch (error) {
            if (error instanceof TypeError && /header/i.test(String(error))) return;
            failures.push(`${describeReq(req)} ${JSON.stringify(headers)} → threw ${String(error)}`);
            return;
          }
          totals.cases++;
          if (res.status >= 500) totals.fiveXX++;
          const problems = [...responseProblems(res)];
          if (![200, 206, 304, 416, 404].includes(res.status)) problems.push(`status ${res.status}`);
          if (res.status === 206 && !/^bytes \d+-\d+\/\d+$/.test(res.headers.get("content-range") ?? ""))
            problems.push(`206 with content-range ${res.headers.get("content-range")}`);
          if (problems.length) failures.push(`${clip(JSON.stringify(headers), 120)} → ${problems.join("; ")}`);
        }),
      );
    expect(failures.length, `${failures.length} failed, e.g.\n${failures.slice(0, 6).join("\n")}`).toBe(0);
  });

  it(`${RUNS} generated Idempotency-Key headers on exam submits and review decisions: no 5xx, JSON errors`, async () => {
    const ops = operations(doc).filter((o) =>
      /^POST \/(forms\/submissions\/\{submission_id\}\/submit|form-submissions\/\{submission_id\}\/(grade|approve|reject|request-retake))$/.test(
        o.key,
      ),
    );
    expect(ops.length).toBe(5);
    const arb = fc.record({
      op: fc.constantFrom(...ops),
      key: fc.oneof(
        fc.constantFrom("k1", "k1", "k2", "", " ", "a".repeat(200), "a".repeat(201), "\u007f", "key with space", "\t"),
        fc.string({ unit: "binary-ascii", maxLength: 30 }),
      ),
      who: fc.constantFrom(w.manager, w.a.token, w.b.token),
      submission: fc.constantFrom(w.open, w.submitted, w.bSubmitted),
      body: fc.constantFrom<unknown>(
        {},
        { theory_grades: [{ question_id: "q2", marks_awarded: 1 }] },
        answersFor(),
        { feedback: "x" },
        { reason: "r" },
      ),
    });
    const cases = fc.sample(arb, { numRuns: RUNS, seed: SEED + 102 });
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += BATCH)
      await Promise.all(
        cases.slice(i, i + BATCH).map(async ({ op, key, who, submission, body }) => {
          const req: Req = {
            method: "POST",
            path: op.path.replace("{submission_id}", submission),
            token: who,
            json: body,
            headers: { "idempotency-key": key },
          };
          let res: Res;
          try {
            res = await send(req);
          } catch (error) {
            if (error instanceof TypeError && /header/i.test(String(error))) return;
            failures.push(`${describeReq(req)} key=${JSON.stringify(key)} → threw ${String(error)}`);
            return;
          }
          totals.cases++;
          if (res.status >= 500) totals.fiveXX++;
          const problems = responseProblems(res);
          if (problems.length) failures.push(`key=${clip(JSON.stringify(key), 40)} ${describeReq(req)} → ${problems.join("; ")}`);
        }),
      );
    expect(failures.length, `${failures.length} failed, e.g.\n${failures.slice(0, 6).join("\n")}`).toBe(0);
  });
});

/* --------------------------------------- valid input --------------------------------------- */

const safeText = (min: number, max: number) =>
  fc
    .oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.!?'-]*$/), fc.string({ unit: "grapheme", minLength: min, maxLength: max }))
    .filter((s) => s.length >= min && s.length <= max && s.trim().length >= Math.min(min, 1) && s === s.trim());

async function expectValid(key: string, req: Req, expectStatus: number[], also?: (res: Res) => string[]) {
  const o = operations(doc).find((x) => x.key === key);
  if (!o) throw new Error(`${key} not in the document`);
  const res = await send(req);
  totals.validCases++;
  totals.cases++;
  const problems: string[] = [];
  if (!expectStatus.includes(res.status)) problems.push(`valid input refused: ${res.status} ${clip(res.text, 300)}`);
  problems.push(...check(o, res));
  if (also && res.status < 300) problems.push(...also(res));
  if (problems.length) throw new Error(`${describeReq(req)} → ${problems.join("; ")}`);
}

/** What an export keeps of a bank question (option ids are the importer's a, b, c, …). */
const comparable = (q: any) => ({
  name: q.name ?? null,
  question_type: q.question_type,
  question_text: q.question_text,
  options: (q.options ?? []).map((o: any) => ({ text: o.text, is_correct: o.is_correct })),
  marks: q.marks,
  max_words: q.question_type === "THEORY" ? (q.max_words ?? null) : null,
  tags: q.tags ?? [],
});

const eq = (what: string, a: unknown, b: unknown) =>
  JSON.stringify(a) === JSON.stringify(b) ? [] : [`${what}: sent ${clip(JSON.stringify(b), 80)}, got ${clip(JSON.stringify(a), 80)}`];

describe("valid generated input is accepted and answers with the documented shape", () => {
  // A world of its own: the bad-input run above deletes and rewires the first one.
  let v: World;
  beforeAll(async () => {
    v = await buildWorld();
  }, 60_000);

  const courseBody = fc.record(
    {
      name: safeText(1, 200),
      description: fc.option(safeText(0, 5000), { nil: null }),
      image_url: fc.option(fc.constantFrom("https://example.com/i.png", "http://img.example.org/a/b.jpg?x=1"), { nil: null }),
      is_active: fc.boolean(),
      order_index: fc.integer({ min: 0, max: 1_000_000 }),
    },
    { requiredKeys: ["name"] },
  );

  it("POST /courses", async () => {
    await fc.assert(
      fc.asyncProperty(courseBody, async (body) => {
        await expectValid("POST /courses", { method: "POST", path: "/courses", token: v.manager, json: body }, [201], (res) => [
          ...eq("name", res.json.name, body.name),
          ...(body.description !== undefined ? eq("description", res.json.description, body.description) : []),
          ...eq("created_by", res.json.created_by, v.managerSub),
        ]);
      }),
      { numRuns: VALID_RUNS, seed: SEED },
    );
  });

  it("PUT /courses/{course_id}", async () => {
    const target = await v.freshCourse();
    await fc.assert(
      fc.asyncProperty(
        courseBody.map((b) => ({ ...b, name: b.name })),
        fc.boolean(),
        async (body, dropName) => {
          const sent: Record<string, unknown> = { ...body };
          if (dropName) delete sent.name;
          await expectValid(
            "PUT /courses/{course_id}",
            { method: "PUT", path: `/courses/${target.id}`, token: v.manager, json: sent },
            [200],
            (res) => [...(sent.name !== undefined ? eq("name", res.json.name, sent.name) : []), ...eq("id", res.json.id, target.id)],
          );
        },
      ),
      { numRuns: VALID_RUNS, seed: SEED + 1 },
    );
  });

  const requirements = fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 8 }).chain((serials) =>
    fc.tuple(
      ...serials.map((serial_number) =>
        fc.record({
          serial_number: fc.constant(serial_number),
          activity: safeText(1, 500),
          target: fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.double({ min: 0, max: 1e9, noNaN: true })),
          unit: safeText(1, 50),
        }),
      ),
    ),
  );

  it("POST /requirement-tables", async () => {
    await fc.assert(
      fc.asyncProperty(
        safeText(1, 200),
        fc.option(fc.constantFrom(v.step1.id, v.step2.id, v.scratchStep.id), { nil: null }),
        requirements,
        async (name, step_id, reqs) => {
          const body = { name, step_id, requirements: reqs };
          await expectValid(
            "POST /requirement-tables",
            { method: "POST", path: "/requirement-tables", token: v.manager, json: body },
            [201],
            (res) => [
              ...eq("name", res.json.name, name),
              ...eq(
                "requirements",
                [...res.json.requirements].sort((a: any, b: any) => a.serial_number - b.serial_number),
                [...reqs].sort((a, b) => a.serial_number - b.serial_number),
              ),
            ],
          );
        },
      ),
      { numRuns: VALID_RUNS, seed: SEED + 2 },
    );
  });

  it("PUT /requirement-tables/{table_id}", async () => {
    const target = await v.freshTable();
    await fc.assert(
      fc.asyncProperty(fc.option(safeText(1, 200), { nil: undefined }), requirements, async (name, reqs) => {
        const body: Record<string, unknown> = { requirements: reqs };
        if (name !== undefined) body.name = name;
        await expectValid(
          "PUT /requirement-tables/{table_id}",
          { method: "PUT", path: `/requirement-tables/${target.id}`, token: v.manager, json: body },
          [200],
        );
      }),
      { numRuns: VALID_RUNS, seed: SEED + 3 },
    );
  });

  it("POST /steps", async () => {
    const course = await v.freshCourse();
    await fc.assert(
      fc.asyncProperty(
        safeText(1, 200),
        fc.option(safeText(0, 5000), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
        fc.boolean(),
        async (name, description, order_index, unlock) => {
          const body: Record<string, unknown> = { course_id: course.id, name, unlock_on_exam_pass: unlock };
          if (description !== undefined) body.description = description;
          if (order_index !== undefined) body.order_index = order_index;
          await expectValid("POST /steps", { method: "POST", path: "/steps", token: v.manager, json: body }, [201], (res) => [
            ...eq("name", res.json.name, name),
            ...eq("course_id", res.json.course_id, course.id),
          ]);
        },
      ),
      { numRuns: VALID_RUNS, seed: SEED + 4 },
    );
  });

  it("POST /forms", async () => {
    const option = (id: string) => fc.record({ option_id: fc.constant(id), text: safeText(1, 1000), is_correct: fc.boolean() });
    const mcq = (qid: string) =>
      fc.record({
        question_id: fc.constant(qid),
        question_type: fc.constant("MCQ"),
        question_text: safeText(1, 5000),
        marks: fc.integer({ min: 1, max: 100 }),
        options: fc
          .integer({ min: 2, max: 6 })
          .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => option(`o${i}`))))
          .map((opts) => {
            if (!opts.some((x) => x.is_correct)) opts[0]!.is_correct = true;
            return opts;
          }),
      });
    const theory = (qid: string) =>
      fc.record(
        {
          question_id: fc.constant(qid),
          question_type: fc.constantFrom("THEORY", "Theory"),
          question_text: safeText(1, 5000),
          marks: fc.integer({ min: 1, max: 100 }),
          max_words: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
        },
        { requiredKeys: ["question_id", "question_type", "question_text", "marks"] },
      );
    const questions = fc
      .integer({ min: 1, max: 6 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.oneof(mcq(`q${i}`), theory(`q${i}`)))));
    await fc.assert(
      fc.asyncProperty(
        safeText(1, 200),
        fc.integer({ min: 1, max: 1440 }),
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        questions,
        async (name, duration, attempts, pct, qs) => {
          const body: Record<string, unknown> = { name, duration_minutes: duration, max_attempts: attempts, questions: qs };
          if (pct !== undefined) body.passing_percentage = pct;
          await expectValid("POST /forms", { method: "POST", path: "/forms", token: v.manager, json: body }, [201], (res) => {
            const total = qs.reduce((s, q) => s + q.marks, 0);
            return [
              ...eq("total_marks", res.json.total_marks, total),
              ...eq(
                "question types",
                res.json.questions.map((q: any) => q.question_type),
                qs.map((q) => (q.question_type === "MCQ" ? "MCQ" : "THEORY")),
              ),
            ];
          });
        },
      ),
      { numRuns: VALID_RUNS, seed: SEED + 5 },
    );
  });

  it("POST /steps/{step_id}/materials", async () => {
    const step = await v.freshStep();
    const material = fc.oneof(
      fc.record({
        material_type: fc.constantFrom("Video", "Document", "Audio"),
        content: fc.record({ url: fc.constantFrom("https://example.com/a.mp4", "http://x.example/doc.pdf") }),
      }),
      fc.record({
        material_type: fc.constant("BookLink"),
        content: fc.record({ url: fc.constant("https://books.example/g"), title: safeText(1, 200) }),
      }),
      fc.record({ material_type: fc.constant("RequirementTable"), content: fc.record({ requirement_table_id: fc.constant(v.table.id) }) }),
    );
    await fc.assert(
      fc.asyncProperty(material, safeText(1, 200), fc.boolean(), async (m, title, mandatory) => {
        const body = { ...m, title, is_mandatory: mandatory };
        await expectValid(
          "POST /steps/{step_id}/materials",
          { method: "POST", path: `/steps/${step.id}/materials`, token: v.manager, json: body },
          [201],
          (res) => [...eq("title", res.json.title, title), ...eq("material_type", res.json.material_type, m.material_type)],
        );
      }),
      { numRuns: VALID_RUNS, seed: SEED + 6 },
    );
  });

  it("POST /requirement-tables/submissions/{submission_id}/rows", async () => {
    const mine = await send({ method: "GET", path: `/requirement-tables/${v.table.id}/my-submission`, token: v.b.token });
    expect(mine.status).toBe(200);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2),
        fc.boolean(),
        fc.option(fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.double({ min: 0, max: 1e9, noNaN: true })), { nil: null }),
        fc.option(safeText(0, 1000), { nil: null }),
        async (serial, completed, value, remarks) => {
          const body = { serial_number: serial, completed, completed_value: value, remarks };
          await expectValid(
            "POST /requirement-tables/submissions/{submission_id}/rows",
            { method: "POST", path: `/requirement-tables/submissions/${mine.json.submission_id}/rows`, token: v.b.token, json: body },
            [200],
          );
          const back = await send({ method: "GET", path: `/requirement-tables/${v.table.id}/my-submission`, token: v.b.token });
          const row = back.json.row_statuses.find((r: any) => r.serial_number === serial);
          const problems = [
            ...eq("completed", row.completed, completed),
            ...eq("completed_value", row.completed_value, value),
            ...eq("remarks", row.remarks, remarks),
          ];
          if (problems.length) throw new Error(problems.join("; "));
        },
      ),
      { numRuns: VALID_RUNS, seed: SEED + 7 },
    );
  });

  // Texts with what GIFT and XML must escape (`~ = # { } :`, `\\`, `< > &`, `]]>`), across lines and in several scripts.
  const bankText = (min: number, max: number) =>
    fc
      .string({
        unit: fc.constantFrom(..."abcXYZ019 .,?!-'\"~=#{}:\\<>&/[]%$@éßдक😀"),
        minLength: min,
        maxLength: max,
      })
      .map((x) => x.replace(/\s+/g, " ").trim())
      .filter((x) => x.length >= min);
  const tagArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,20}$/).map((x) => x.trim());
  const bankQuestion = fc.oneof(
    fc.record({
      question_type: fc.constant("MCQ" as const),
      question_text: bankText(1, 300),
      options: fc
        .uniqueArray(bankText(1, 60), { minLength: 2, maxLength: 6, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() })
        .chain((texts) =>
          fc
            .integer({ min: 0, max: texts.length - 1 })
            .map((right) => texts.map((text, i) => ({ option_id: `o${i}`, text, is_correct: i === right }))),
        ),
      marks: fc.integer({ min: 1, max: 400 }).map((k) => k / 4),
      name: fc.option(bankText(1, 80), { nil: null }),
      tags: fc.array(
        tagArb.filter((t) => t.length > 0),
        { maxLength: 4 },
      ),
    }),
    fc.record({
      question_type: fc.constant("THEORY" as const),
      question_text: bankText(1, 300),
      marks: fc.integer({ min: 1, max: 400 }).map((k) => k / 4),
      max_words: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
      name: fc.option(bankText(1, 80), { nil: null }),
      tags: fc.array(
        tagArb.filter((t) => t.length > 0),
        { maxLength: 4 },
      ),
    }),
  );

  it("POST /question-banks/{bank_id}/questions, then GET …/export and POST …/import?dry_run=true: each format reads back to the same questions", {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(bankQuestion, { minLength: 1, maxLength: 4 }), async (questions) => {
        const { bank } = await v.freshBank();
        for (const q of questions)
          await expectValid(
            "POST /question-banks/{bank_id}/questions",
            { method: "POST", path: `/question-banks/${bank.id}/questions`, token: v.manager, json: q },
            [201],
            (res) => {
              return [
                ...eq("question_text", res.json.question_text, q.question_text),
                ...eq("tags", res.json.tags, [...new Set(q.tags.map((t) => t.toLowerCase().replace(/\s+/g, "-")))]),
              ];
            },
          );
        // The bank's questions (freshBank's two, then these), by id: the export's order.
        const listed = await send({ method: "GET", path: `/question-banks/${bank.id}/questions?limit=100`, token: v.manager });
        const expected = listed.json.map(comparable);
        for (const [format, type] of [
          ["gift", "text/plain"],
          ["moodle-xml", "application/xml"],
        ] as const) {
          const file = await send({ method: "GET", path: `/question-banks/${bank.id}/export?format=${format}`, token: v.manager });
          totals.cases++;
          if (file.status !== 200) throw new Error(`export ${format}: ${file.status} ${clip(file.text, 300)}`);
          await expectValid(
            "POST /question-banks/{bank_id}/import",
            {
              method: "POST",
              path: `/question-banks/${bank.id}/import?dry_run=true`,
              token: v.manager,
              raw: file.text,
              headers: { "content-type": type },
            },
            [200],
            (res) => [
              ...eq(`${format}: skipped`, res.json.skipped, []),
              ...eq(`${format}: questions read back`, res.json.preview.map(comparable), expected),
              ...(JSON.stringify(res.json.preview.map(comparable)) === JSON.stringify(expected) ? [] : [`file: ${clip(file.text, 600)}`]),
            ],
          );
        }
      }),
      { numRuns: VALID_RUNS, seed: SEED + 8 },
    );
  });

  it("odd Unicode and NUL in text fields are stored and returned exactly, or refused with 400", async () => {
    const problems: string[] = [];
    const wellFormed = (x: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(x);
    for (const odd of ODD_STRINGS) {
      const name = `n${odd}`.slice(0, 200);
      const description = odd;
      const res = await send({ method: "POST", path: "/courses", token: v.manager, json: { name, description } });
      totals.cases++;
      problems.push(...responseProblems(res).map((p) => `${JSON.stringify(odd)}: ${p}`));
      if (res.status === 201) {
        const back = await send({ method: "GET", path: `/courses/${res.json.id}`, token: v.manager });
        if (wellFormed(odd)) {
          problems.push(
            ...eq(`name ${JSON.stringify(odd)}`, back.json.name, name.trim()),
            ...eq(`description ${JSON.stringify(odd)}`, back.json.description, description),
          );
        } else if (typeof back.json?.name !== "string") problems.push(`${JSON.stringify(odd)}: name not returned`);
      } else if (res.status !== 400) problems.push(`${JSON.stringify(odd)}: ${res.status}`);
    }
    expect(problems.map(printable)).toEqual([]);
  });

  it("reports the figures", () => {
    console.log(`generated input total: ${totals.cases} cases (${totals.validCases} valid), 5xx seen: ${totals.fiveXX}`);
    expect(totals.fiveXX).toBe(0);
  });
});
