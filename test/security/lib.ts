/**
 * Shared machinery of the security suites: a raw client, the OpenAPI document and a small JSON-schema checker,
 * the bad tokens, response scanners and the fixture world the suites act on. Nothing here is a test.
 */
import { env, exports } from "cloudflare:workers";
import type { GrantRole } from "../../src/domain/vocabulary";
import { base64UrlEncode } from "../../src/lib/jwt";
import { call, makeCourse, makeForm, makeMaterial, makeStep, makeTable, sampleQuestions, token, uniqueName } from "../helpers";
import { signJwt } from "../sign-jwt";

/* ------------------------------------------------ raw client ------------------------------------------------ */

export type Req = {
  method: string;
  path: string;
  token?: string;
  headers?: Record<string, string>;
  /** Serialised with JSON.stringify and sent as application/json unless a content-type is given. */
  json?: unknown;
  /** Sent as is (text, bytes or a stream). */
  raw?: BodyInit | null;
};

/** `method` is the request's: a HEAD answer has no body, so what a body must hold cannot be asked of it. */
export type Res = { status: number; headers: Headers; text: string; json: any; contentType: string; method?: string };

/** Calls the Worker through its fetch handler, exactly as a client would. */
export async function send(req: Req): Promise<Res> {
  const headers = new Headers(req.headers ?? {});
  if (req.token !== undefined) headers.set("authorization", `Bearer ${req.token}`);
  let body: BodyInit | null | undefined = req.raw;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const request = new Request(`http://api.test${req.path}`, { method: req.method, headers, body });
  const response = await exports.default.fetch(request);
  const contentType = response.headers.get("content-type") ?? "";
  const text = new TextDecoder().decode(await response.arrayBuffer());
  let json: any;
  if (text && /json/i.test(contentType)) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, headers: response.headers, text, json, contentType, method: req.method };
}

export const describeReq = (req: Req) =>
  printable(
    `${req.method} ${req.path.length > 300 ? `${req.path.slice(0, 300)}…(${req.path.length})` : req.path}` +
      (req.headers?.["content-type"] !== undefined ? ` [content-type: ${req.headers["content-type"]}]` : "") +
      (req.json !== undefined ? ` json=${clip(safeStringify(req.json), 400)}` : "") +
      (typeof req.raw === "string"
        ? ` raw=${clip(JSON.stringify(req.raw), 400)}`
        : req.raw
          ? ` raw=<${Object.prototype.toString.call(req.raw)}>`
          : ""),
  );

/** Lone surrogates written out as escapes: test output travels as UTF-8 and must stay well-formed. */
export const printable = (s: string) =>
  s.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

export const clip = (s: string, n: number) => printable(s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/* ------------------------------------------------ OpenAPI ------------------------------------------------ */

export type Operation = { method: string; path: string; key: string; op: any };

let docCache: any;
export async function openApiDoc(): Promise<any> {
  if (!docCache) {
    const res = await send({ method: "GET", path: "/openapi.json" });
    if (res.status !== 200) throw new Error(`GET /openapi.json: ${res.status}`);
    docCache = res.json;
  }
  return docCache;
}

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** Every (method, path) of the document, keyed `METHOD /path/{param}`. */
export function operations(doc: any): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {}))
    for (const method of HTTP_METHODS)
      if (item[method]) out.push({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}`, op: item[method] });
  return out;
}

export function resolveRef(doc: any, ref: string): any {
  if (!ref.startsWith("#/")) throw new Error(`external $ref ${ref}`);
  let node = doc;
  for (const part of ref.slice(2).split("/")) node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node;
}

/** Follows $ref chains to a schema node. */
export function deref(doc: any, schema: any): any {
  let s = schema;
  for (let i = 0; s?.$ref && i < 20; i++) s = resolveRef(doc, s.$ref);
  return s;
}

export const jsonBodySchema = (doc: any, op: any) => {
  const schema = op.requestBody?.content?.["application/json"]?.schema;
  return schema ? deref(doc, schema) : undefined;
};

export const params = (op: any, where: "path" | "query") => (op.parameters ?? []).filter((p: any) => p.in === where);

/* --------------------------------------- JSON schema (subset) checker --------------------------------------- */

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = typeOf(value);
  if (type === "number") return actual === "number" || actual === "integer";
  return actual === type;
}

/**
 * Validates `value` against the subset of JSON Schema the document uses: $ref, allOf, anyOf, oneOf, type
 * (also as a list, for nullable), nullable, enum, properties, required, additionalProperties, items,
 * min/maxItems, min/maxLength, pattern, minimum/maximum/exclusiveMinimum, format date-time.
 * Returns the violations; `extras` collects properties a response carries that the schema does not name.
 */
export function checkSchema(doc: any, schema: any, value: unknown, at = "$", extras: string[] = []): string[] {
  const errors: string[] = [];
  if (schema === undefined || schema === true || (schema && Object.keys(schema).length === 0)) return errors;
  if (schema === false) return [`${at}: no value allowed`];
  if (schema.$ref) return checkSchema(doc, resolveRef(doc, schema.$ref), value, at, extras);
  if (schema.allOf) {
    for (const part of schema.allOf) errors.push(...checkSchema(doc, part, value, at, []));
    // Properties named by any part of an allOf are documented.
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const named = new Set<string>();
      for (const part of schema.allOf) for (const k of Object.keys(deref(doc, part)?.properties ?? {})) named.add(k);
      for (const k of Object.keys(value)) if (!named.has(k)) extras.push(`${at}.${k}`);
      for (const part of schema.allOf) {
        const p = deref(doc, part);
        for (const [k, sub] of Object.entries<any>(p?.properties ?? {}))
          if (k in (value as any)) checkSchema(doc, sub, (value as any)[k], `${at}.${k}`, extras);
      }
    }
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const matching = branches.filter((b: any) => checkSchema(doc, b, value, at, []).length === 0);
    if (matching.length === 0) errors.push(`${at}: matches none of ${branches.length} alternatives (${clip(safeStringify(value), 120)})`);
    else if (schema.oneOf && matching.length > 1) errors.push(`${at}: matches ${matching.length} oneOf alternatives`);
  }
  if (value === null && schema.nullable === true) return errors;
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, value))) {
      errors.push(`${at}: expected ${types.join("|")}, got ${typeOf(value)} ${clip(safeStringify(value), 80)}`);
      return errors;
    }
  }
  if (schema.enum && !schema.enum.some((e: unknown) => e === value))
    errors.push(`${at}: ${safeStringify(value)} not in enum ${safeStringify(schema.enum)}`);
  if (schema.const !== undefined && schema.const !== value) errors.push(`${at}: expected const ${safeStringify(schema.const)}`);
  if (value === null) return errors;
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(value))
      errors.push(`${at}: ${clip(value, 60)} does not match ${schema.pattern}`);
    if (schema.format === "date-time" && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))))
      errors.push(`${at}: ${clip(value, 60)} is not a date-time`);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) errors.push(`${at}: not finite`);
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: above maximum ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum)
      errors.push(`${at}: not above ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum)
      errors.push(`${at}: not below ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => errors.push(...checkSchema(doc, schema.items, item, `${at}[${i}]`, extras)));
  } else if (value && typeof value === "object" && !schema.allOf) {
    const props = schema.properties ?? {};
    for (const req of schema.required ?? []) if (!(req in value)) errors.push(`${at}: missing required '${req}'`);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) errors.push(...checkSchema(doc, props[k], v, `${at}.${k}`, extras));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property '${k}'`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object")
        errors.push(...checkSchema(doc, schema.additionalProperties, v, `${at}.${k}`, extras));
      else if (schema.properties && !branches) extras.push(`${at}.${k}`);
    }
  } else if (value && typeof value === "object" && schema.allOf) {
    for (const req of schema.required ?? []) if (!(req in value)) errors.push(`${at}: missing required '${req}'`);
  }
  return errors;
}

/** The response schema an operation documents for a status, if it documents a JSON body. */
export function responseSchema(op: any, status: number): any {
  const response = op.responses?.[String(status)];
  return response?.content?.["application/json"]?.schema;
}

/* ------------------------------------------------ scanners ------------------------------------------------ */

export const INTERNALS: [string, RegExp][] = [
  ["stack trace", /\bat [^\n"]{0,200}\.(ts|js|mjs|cjs):\d+/],
  ["SQLITE", /SQLITE/],
  ["D1_", /D1_/],
  ["SELECT ", /SELECT /],
  ["INSERT ", /INSERT /],
  ["UPDATE ", /UPDATE /],
  ["constraint", /constraint/i],
];

/** What is wrong with a response whatever the request: a 5xx, a 4xx without a JSON error, internals in text. */
export function responseProblems(res: Res): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`status ${res.status}: ${clip(res.text, 300)}`);
  if (res.method === "HEAD") {
    if (res.text !== "") problems.push(`HEAD answered with a body: ${clip(res.text, 200)}`);
    return problems;
  }
  if (res.status >= 400 && res.status < 500) {
    if (!/application\/json/i.test(res.contentType)) problems.push(`${res.status} with content-type '${res.contentType}'`);
    if (!res.json || typeof res.json.detail !== "string" || typeof res.json.code !== "string")
      problems.push(`${res.status} without JSON {detail, code}: ${clip(res.text, 200)}`);
  }
  const textual = res.contentType === "" || /json|text/i.test(res.contentType);
  if (textual) for (const [name, re] of INTERNALS) if (re.test(res.text)) problems.push(`body contains ${name}: ${clip(res.text, 300)}`);
  return problems;
}

/** Paths (in a JSON value) of keys named `key`, at any depth. */
export function keyPaths(value: unknown, key: string, at = "$", out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => keyPaths(v, key, `${at}[${i}]`, out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if (k === key) out.push(`${at}.${k}`);
      keyPaths(v, key, `${at}.${k}`, out);
    }
  return out;
}

/* ------------------------------------------------ bad tokens ------------------------------------------------ */

const unix = () => Math.floor(Date.now() / 1000);

async function hs512(claims: Record<string, unknown>) {
  const head = base64UrlEncode(JSON.stringify({ alg: "HS512", typ: "JWT" }));
  const body = base64UrlEncode(JSON.stringify(claims));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.JWT_SECRET), { name: "HMAC", hash: "SHA-512" }, false, [
    "sign",
  ]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${head}.${body}`));
  return `${head}.${body}.${base64UrlEncode(new Uint8Array(sig))}`;
}

/**
 * The nine ways a request can fail authentication. Each would carry a manager's claims if it were accepted,
 * so a token the API wrongly honoured would show as a 2xx, not hide behind a 403.
 */
export const BAD_AUTH: [string, (sub: string) => Promise<Record<string, string>>][] = [
  ["no token", async () => ({})],
  ["Basic scheme", async () => ({ authorization: "Basic YWxpY2U6c2VjcmV0" })],
  ["empty bearer", async () => ({ authorization: "Bearer " })],
  [
    "bad signature",
    async (sub) => ({
      authorization: `Bearer ${await signJwt({ sub, role: "manager", exp: unix() + 600 }, "another-secret-entirely-0123456789")}`,
    }),
  ],
  [
    "alg none",
    async (sub) => ({
      authorization: `Bearer ${base64UrlEncode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64UrlEncode(JSON.stringify({ sub, role: "manager", exp: unix() + 600 }))}.`,
    }),
  ],
  ["HS512", async (sub) => ({ authorization: `Bearer ${await hs512({ sub, role: "manager", exp: unix() + 600 })}` })],
  ["expired", async (sub) => ({ authorization: `Bearer ${await token(sub, "manager", { exp: unix() - 3600, iat: unix() - 7200 })}` })],
  ["missing exp", async (sub) => ({ authorization: `Bearer ${await token(sub, "manager", { exp: undefined })}` })],
  ["nbf in the future", async (sub) => ({ authorization: `Bearer ${await token(sub, "manager", { nbf: unix() + 3600 })}` })],
];

const b64 = (value: unknown) => base64UrlEncode(typeof value === "string" ? value : JSON.stringify(value));

/** A token with any header and claims, signed (HS256) with the right secret: only its content is wrong. */
export async function signedWith(header: unknown, claims: unknown, secret = env.JWT_SECRET): Promise<string> {
  const head = b64(header);
  const body = b64(claims);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${head}.${body}`));
  return `${head}.${body}.${base64UrlEncode(new Uint8Array(sig))}`;
}

/**
 * More ways to fail authentication, beyond the nine of the matrix: malformed token text, and tokens signed with
 * the right secret whose content is wrong. Every one must be a 401 with a JSON detail.
 */
export const MORE_BAD_AUTH: [string, (sub: string) => Promise<Record<string, string>>][] = [
  ["segments of base64url length 1 (a.b.c)", async () => ({ authorization: "Bearer a.b.c" })],
  ["segments of base64url length 5", async () => ({ authorization: "Bearer abcde.abcde.abcde" })],
  ["two segments", async (sub) => ({ authorization: `Bearer ${(await token(sub, "manager")).split(".").slice(0, 2).join(".")}` })],
  ["four segments", async (sub) => ({ authorization: `Bearer ${await token(sub, "manager")}.AAAA` })],
  ["base64 with + and /", async () => ({ authorization: "Bearer ab+c.de/f.gh==" })],
  ["two tokens", async (sub) => ({ authorization: `Bearer ${await token(sub, "manager")} ${await token(sub, "manager")}` })],
  ["Bearer with no space", async (sub) => ({ authorization: `Bearer${await token(sub, "manager")}` })],
  ["Token scheme", async (sub) => ({ authorization: `Token ${await token(sub, "manager")}` })],
  [
    "header not JSON",
    async (sub) => ({ authorization: `Bearer ${await signedWith("not json", { sub, role: "manager", exp: unix() + 600 })}` }),
  ],
  [
    "header alg hs256 (lower case)",
    async (sub) => ({ authorization: `Bearer ${await signedWith({ alg: "hs256" }, { sub, role: "manager", exp: unix() + 600 })}` }),
  ],
  [
    "header alg missing",
    async (sub) => ({ authorization: `Bearer ${await signedWith({ typ: "JWT" }, { sub, role: "manager", exp: unix() + 600 })}` }),
  ],
  ["payload an array", async () => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, [{ sub: "x", role: "manager" }])}` })],
  ["payload not JSON", async () => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, "{sub:x}")}` })],
  [
    "role Manager (case)",
    async (sub) => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub, role: "Manager", exp: unix() + 600 })}` }),
  ],
  [
    "role as a list",
    async (sub) => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub, role: ["manager"], exp: unix() + 600 })}` }),
  ],
  ["role missing", async (sub) => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub, exp: unix() + 600 })}` })],
  [
    "sub empty",
    async () => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub: "", role: "manager", exp: unix() + 600 })}` }),
  ],
  [
    "sub a number",
    async () => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub: 42, role: "manager", exp: unix() + 600 })}` }),
  ],
  [
    "sub 201 characters",
    async () => ({
      authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub: "s".repeat(201), role: "manager", exp: unix() + 600 })}`,
    }),
  ],
  [
    "exp a string",
    async (sub) => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub, role: "manager", exp: String(unix() + 600) })}` }),
  ],
  [
    "nbf a string",
    async (sub) => ({
      authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub, role: "manager", exp: unix() + 600, nbf: "0" })}`,
    }),
  ],
  [
    "iat in the future",
    async (sub) => ({
      authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub, role: "manager", exp: unix() + 7200, iat: unix() + 3600 })}`,
    }),
  ],
  [
    "signed with a one-byte secret",
    async (sub) => ({ authorization: `Bearer ${await signedWith({ alg: "HS256" }, { sub, role: "manager", exp: unix() + 600 }, "x")}` }),
  ],
  ["signature stripped", async (sub) => ({ authorization: `Bearer ${(await token(sub, "manager")).replace(/\.[^.]+$/, ".")}` })],
];

/* ------------------------------------------------ fixtures ------------------------------------------------ */

export const pdfBytes = (size = 2048) => {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  for (let i = 9; i < size; i++) bytes[i] = 0x20 + (i % 90);
  return bytes;
};

export type Person = { sub: string; token: string };

async function ok(res: { status: number; text: string }, what: string, ...expected: number[]) {
  if (!expected.includes(res.status)) throw new Error(`fixture ${what}: ${res.status} ${res.text}`);
}

export async function person(prefix = "participant"): Promise<Person> {
  const sub = uniqueName(prefix);
  return { sub, token: await token(sub, "participant") };
}

export async function uploadPdf(manager: string, materialId: string, bytes = pdfBytes()) {
  return call("PUT", `/materials/${materialId}/file`, {
    token: manager,
    rawBody: bytes,
    headers: { "content-type": "application/pdf", "content-length": String(bytes.byteLength) },
  });
}

export const answersFor = (mcq = "a", text = "Chanting purifies the heart") => ({
  mcq_answers: [{ question_id: "q1", selected_option_id: mcq }],
  theory_answers: [{ question_id: "q2", answer_text: text }],
});

/** The course-staff identities the suites play, named by what their grant reaches. */
export const STAFF_IDS = ["instructor-a", "instructor-b", "grader-a-c1", "grader-a-c3", "observer-a"] as const;
export type StaffId = (typeof STAFF_IDS)[number];

/**
 * Each staff identity's one grant: its role, the course it is in (A: the course participant A takes; B: course
 * B), the cohorts it is limited to, and whether it reaches participant A (and the fresh participants of course A,
 * who join cohorts 1 and 2 as A does).
 */
export const STAFF_GRANTS: Readonly<
  Record<StaffId, { role: GrantRole; course: "A" | "B"; cohorts?: readonly ("c1" | "c3")[]; reachesA: boolean }>
> = {
  "instructor-a": { role: "instructor", course: "A", reachesA: true },
  "instructor-b": { role: "instructor", course: "B", reachesA: false },
  "grader-a-c1": { role: "grader", course: "A", cohorts: ["c1"], reachesA: true },
  "grader-a-c3": { role: "grader", course: "A", cohorts: ["c3"], reachesA: false },
  "observer-a": { role: "observer", course: "A", reachesA: true },
};

/** Distinctive text of the bank questions the fixtures make: no participant response may ever carry it. */
export const BANK_TEXT = "Bank-only question text";

/** A small GIFT file (one MCQ, tagged by its category), for import requests. */
export const GIFT_SAMPLE = `$CATEGORY: chapter-2

::Gita 2.47:: ${BANK_TEXT}: to what has one a right? {=To the work ~To its fruits ~To neither}
`;

/** A question bank made by `by` (a manager's or an instructor's token), with an MCQ tagged `chapter-2` and a THEORY question. */
export async function makeBank(by: string, prefix: string): Promise<{ bank: { id: string; name: string }; question: string }> {
  const b = await call("POST", "/question-banks", { token: by, body: { name: uniqueName(prefix), description: "security suite bank" } });
  await ok(b, "bank", 201);
  const bank = b.json as { id: string; name: string };
  const mcq = await call("POST", `/question-banks/${bank.id}/questions`, {
    token: by,
    body: {
      question_type: "MCQ",
      question_text: `${BANK_TEXT} (MCQ)`,
      options: [
        { option_id: "a", text: "Right", is_correct: true },
        { option_id: "b", text: "Wrong", is_correct: false },
      ],
      marks: 2,
      tags: ["Chapter 2"],
    },
  });
  await ok(mcq, "bank MCQ", 201);
  await call("POST", `/question-banks/${bank.id}/questions`, {
    token: by,
    body: { question_type: "THEORY", question_text: `${BANK_TEXT} (THEORY)`, marks: 3, max_words: 100, tags: ["chapter-2"] },
  }).then((r) => ok(r, "bank THEORY", 201));
  return { bank, question: (mcq.json as { question_id: string }).question_id };
}

/**
 * The world the suites act on:
 * - course C: step1 with a video, a Document with an uploaded PDF, an optional RequirementTable material and
 *   exam1; step2 (unlock_on_exam_pass false: it opens once step 1's materials are done) with a video and exam2;
 * - requirement table T (2 rows) attached to step1;
 * - participant A enrolled in C: step1 materials done, exam1 submitted (attempt S1), exam2 open (attempt O2),
 *   A's submission of T filled and submitted;
 * - participant B enrolled in course CB only (its own step, video and exam, with B's own submitted attempt);
 * - a review course RC whose single step has an exam and no materials, for fresh attempts to decide on;
 * - a scratch course SC with a step SS for manager writes that must not disturb A's state;
 * - cohorts 1, 2 and 3 of course C, A a member of 1 and 2; a step 3 of C ("draft", after step 2, which A cannot
 *   reach) for writes in C that must not disturb A's state;
 * - course staff (STAFF_GRANTS): instructors of C and of CB, graders of C limited to cohort 1 and to cohort 3, an
 *   observer of C; and factories of fresh state inside C for the rows they act on;
 * - a question bank of the manager's (in no course: banks are the organisation's) with two questions.
 */
export async function buildWorld() {
  const managerSub = uniqueName("manager");
  const manager = await token(managerSub, "manager");
  const table = await makeTable(manager);
  const course = await makeCourse(manager, { description: "security suite course" });
  const step1 = await makeStep(manager, course.id, { name: "Step 1" });
  const step2 = await makeStep(manager, course.id, { name: "Step 2", unlock_on_exam_pass: false });
  await call("PUT", `/requirement-tables/${table.id}`, { token: manager, body: { step_id: step1.id } }).then((r) =>
    ok(r, "table step", 200),
  );
  const video = await makeMaterial(manager, step1.id);
  const doc = await makeMaterial(manager, step1.id, {
    material_type: "Document",
    title: "Reading",
    content: { url: "https://example.com/r.pdf" },
  });
  await uploadPdf(manager, doc.id).then((r) => ok(r, "upload pdf", 200));
  const rt = await makeMaterial(manager, step1.id, {
    material_type: "RequirementTable",
    title: "Sadhana",
    content: { requirement_table_id: table.id },
    is_mandatory: false,
  });
  const video2 = await makeMaterial(manager, step2.id);
  const exam1 = await makeForm(manager, { step_id: step1.id, max_attempts: 3 });
  const exam2 = await makeForm(manager, { step_id: step2.id, max_attempts: 3 });

  const a = await person("pa");
  await call("POST", `/courses/${course.id}/enroll?participant_id=${a.sub}`, { token: manager }).then((r) => ok(r, "enrol A", 200));
  await call("POST", `/steps/${step1.id}/materials-complete`, { token: a.token }).then((r) => ok(r, "A step1 materials", 200));
  const s1 = await call("POST", `/steps/${step1.id}/exam/start`, { token: a.token });
  await ok(s1, "A start exam1", 201);
  await call("POST", `/forms/submissions/${s1.json.submission_id}/submit`, { token: a.token, body: answersFor("b") }).then((r) =>
    ok(r, "A submit exam1", 200),
  );
  await call("POST", `/steps/${step2.id}/materials-complete`, { token: a.token }).then((r) => ok(r, "A step2 materials", 200));
  const o2 = await call("POST", `/steps/${step2.id}/exam/start`, { token: a.token });
  await ok(o2, "A start exam2", 201);
  const aTable = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: a.token });
  await ok(aTable, "A my-submission", 200);
  for (const [serial, value] of [
    [1, 16],
    [2, 30],
  ] as const)
    await call("POST", `/requirement-tables/submissions/${aTable.json.submission_id}/rows`, {
      token: a.token,
      body: { serial_number: serial, completed: true, completed_value: value },
    }).then((r) => ok(r, "A row", 200));
  await call("POST", `/requirement-tables/submissions/${aTable.json.submission_id}/submit`, { token: a.token }).then((r) =>
    ok(r, "A submit table", 200),
  );

  const courseB = await makeCourse(manager, { name: uniqueName("course-b") });
  const stepB = await makeStep(manager, courseB.id);
  const videoB = await makeMaterial(manager, stepB.id);
  const examB = await makeForm(manager, { step_id: stepB.id });
  const b = await person("pb");
  await call("POST", `/courses/${courseB.id}/enroll?participant_id=${b.sub}`, { token: manager }).then((r) => ok(r, "enrol B", 200));
  await call("POST", `/steps/${stepB.id}/materials-complete`, { token: b.token }).then((r) => ok(r, "B materials", 200));
  const sb = await call("POST", `/steps/${stepB.id}/exam/start`, { token: b.token });
  await ok(sb, "B start", 201);
  const bAnswerText = `Only in course B ${uniqueName("answer")}`;
  await call("POST", `/forms/submissions/${sb.json.submission_id}/submit`, { token: b.token, body: answersFor("a", bAnswerText) }).then(
    (r) => ok(r, "B submit", 200),
  );

  const reviewCourse = await makeCourse(manager, { name: uniqueName("review") });
  const reviewStep = await makeStep(manager, reviewCourse.id);
  const reviewForm = await makeForm(manager, { step_id: reviewStep.id, max_attempts: 5 });
  const scratchCourse = await makeCourse(manager, { name: uniqueName("scratch") });
  const scratchStep = await makeStep(manager, scratchCourse.id);

  // Cohorts of C: A in 1 and 2, nobody in 3.
  const cohortIds = {} as Record<"c1" | "c2" | "c3", string>;
  for (const name of ["c1", "c2", "c3"] as const) {
    const r = await call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name: uniqueName(`cohort-${name}`) } });
    await ok(r, `cohort ${name}`, 201);
    cohortIds[name] = (r.json as { id: string }).id;
  }
  const joinCohorts = async (sub: string) => {
    for (const name of ["c1", "c2"] as const)
      await call("PUT", `/cohorts/${cohortIds[name]}/members/${sub}`, { token: manager }).then((r) => ok(r, `join ${name}`, 200));
  };
  await joinCohorts(a.sub);
  const draftStep = await makeStep(manager, course.id, { name: "Step 3 (draft)" });

  // A question bank of the manager's (banks are the organisation's, in no course), with an MCQ and a THEORY question.
  const { bank, question: bankQuestion } = await makeBank(manager, "bank");

  // Course staff, one grant each.
  const staff = {} as Record<StaffId, Person>;
  for (const id of STAFF_IDS) {
    const grant = STAFF_GRANTS[id];
    const sub = uniqueName(id);
    const body: Record<string, unknown> = { role: grant.role };
    if (grant.cohorts) body.cohort_ids = grant.cohorts.map((c) => cohortIds[c]);
    const courseId = grant.course === "A" ? course.id : courseB.id;
    await call("PUT", `/courses/${courseId}/staff/${sub}`, { token: manager, body }).then((r) => ok(r, `grant ${id}`, 200));
    staff[id] = { sub, token: await token(sub, "staff") };
  }

  /** A new participant enrolled in C and a member of cohorts 1 and 2, as A is. */
  const freshMemberOfA = async (prefix = "pm"): Promise<Person> => {
    const p = await person(prefix);
    await call("POST", `/courses/${course.id}/enroll?participant_id=${p.sub}`, { token: manager }).then((r) => ok(r, "enrol member", 200));
    await joinCohorts(p.sub);
    return p;
  };

  /** A course issuing certificates, one step with one video: completing it gives a participant a certificate. */
  const certificateCourse = await makeCourse(manager, { name: uniqueName("certified"), certificate: { enabled: true } });
  const certificateVideo = await makeMaterial(manager, (await makeStep(manager, certificateCourse.id)).id);
  /** `p` completes the certificate course; its certificate, signed (read once), and its status list. */
  async function certify(p: Person): Promise<{ id: string; list: string }> {
    await call("POST", `/courses/${certificateCourse.id}/enroll?participant_id=${p.sub}`, { token: manager }).then((r) =>
      ok(r, "enrol in the certificate course", 200),
    );
    await call("POST", `/materials/${certificateVideo.id}/complete`, { token: p.token }).then((r) => ok(r, "certificate course done", 200));
    const mine = await call("GET", "/participants/me/certificates", { token: p.token });
    await ok(mine, "my certificates", 200);
    const id = (mine.json as { id: string }[])[0]?.id as string;
    const shown = await call("GET", `/certificates/${id}`);
    await ok(shown, "certificate", 200);
    const list = new URL((shown.json as any).credential.payload.credentialStatus.statusListCredential).pathname.split("/").pop() as string;
    return { id, list };
  }
  const certificate = await certify(a);

  const world = {
    manager,
    managerSub,
    a,
    b,
    certificate,
    certify,
    /** A new participant's fresh certificate (for rows that revoke one). */
    freshCertificate: async () => certify(await person("pc")),
    table,
    course,
    step1,
    step2,
    video,
    doc,
    rt,
    video2,
    exam1,
    exam2,
    submitted: s1.json.submission_id as string,
    open: o2.json.submission_id as string,
    aTable: aTable.json.submission_id as string,
    courseB,
    stepB,
    videoB,
    examB,
    bSubmitted: sb.json.submission_id as string,
    bAnswerText,
    reviewCourse,
    reviewStep,
    reviewForm,
    scratchCourse,
    scratchStep,
    cohorts: cohortIds,
    draftStep,
    staff,
    freshMemberOfA,
    bank,
    bankQuestion,
    /** A new bank made by `by` (default: the manager), with an MCQ (tagged) and a THEORY question. */
    freshBank: (by = manager) => makeBank(by, "fresh-bank"),

    /** A new participant with an open attempt on the review course's exam. */
    async freshOpen(): Promise<Person & { submission: string }> {
      const p = await person("po");
      await call("POST", `/courses/${reviewCourse.id}/enroll?participant_id=${p.sub}`, { token: manager }).then((r) =>
        ok(r, "enrol fresh", 200),
      );
      const start = await call("POST", `/steps/${reviewStep.id}/exam/start`, { token: p.token });
      await ok(start, "fresh start", 201);
      return { ...p, submission: start.json.submission_id };
    },
    /** A new participant with a submitted (ungraded) attempt on the review course's exam. */
    async freshSubmitted(): Promise<Person & { submission: string }> {
      const p = await world.freshOpen();
      await call("POST", `/forms/submissions/${p.submission}/submit`, { token: p.token, body: answersFor() }).then((r) =>
        ok(r, "fresh submit", 200),
      );
      return p;
    },
    /** A new participant whose submission of T has every row completed and is submitted. */
    async freshTableSubmission(): Promise<Person & { submission: string }> {
      const p = await person("pt");
      const mine = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: p.token });
      await ok(mine, "fresh my-submission", 200);
      for (const serial of [1, 2])
        await call("POST", `/requirement-tables/submissions/${mine.json.submission_id}/rows`, {
          token: p.token,
          body: { serial_number: serial, completed: true, completed_value: 1 },
        }).then((r) => ok(r, "fresh row", 200));
      await call("POST", `/requirement-tables/submissions/${mine.json.submission_id}/submit`, { token: p.token }).then((r) =>
        ok(r, "fresh table submit", 200),
      );
      return { ...p, submission: mine.json.submission_id };
    },
    freshCourse: () => makeCourse(manager, { name: uniqueName("throwaway") }),
    freshStep: () => makeStep(manager, scratchCourse.id),
    freshMaterial: () => makeMaterial(manager, scratchStep.id),
    async freshDocumentWithFile() {
      const m = await makeMaterial(manager, scratchStep.id, { material_type: "Document", content: { url: "https://example.com/x.pdf" } });
      await uploadPdf(manager, m.id).then((r) => ok(r, "fresh upload", 200));
      return m;
    },
    freshForm: () => makeForm(manager, { questions: sampleQuestions() }),
    freshTable: () => makeTable(manager),

    /* Fresh state inside C, for rows that course staff act on too (each its own, so one's write spares another's). */
    /** A new step of C, after the draft step. */
    freshStepA: () => makeStep(manager, course.id),
    freshMaterialA: () => makeMaterial(manager, draftStep.id),
    async freshDocumentWithFileA() {
      const m = await makeMaterial(manager, draftStep.id, { material_type: "Document", content: { url: "https://example.com/x.pdf" } });
      await uploadPdf(manager, m.id).then((r) => ok(r, "fresh upload", 200));
      return m;
    },
    /** An exam on a new step of C. */
    async freshFormA() {
      return makeForm(manager, { questions: sampleQuestions(), step_id: (await makeStep(manager, course.id)).id });
    },
    /** A requirement table on a new step of C. */
    async freshTableA() {
      return makeTable(manager, { step_id: (await makeStep(manager, course.id)).id });
    },
    /** A new member of C (cohorts 1 and 2) with a submitted (ungraded) attempt on exam1. */
    async freshSubmittedA(): Promise<Person & { submission: string }> {
      const p = await freshMemberOfA("ps");
      await call("POST", `/steps/${step1.id}/materials-complete`, { token: p.token }).then((r) => ok(r, "fresh materials", 200));
      const start = await call("POST", `/steps/${step1.id}/exam/start`, { token: p.token });
      await ok(start, "fresh start", 201);
      const submission = (start.json as { submission_id: string }).submission_id;
      await call("POST", `/forms/submissions/${submission}/submit`, { token: p.token, body: answersFor() }).then((r) =>
        ok(r, "fresh submit", 200),
      );
      return { ...p, submission };
    },
    /** A new member of C (cohorts 1 and 2) whose submission of T has every row completed and is submitted. */
    async freshTableSubmissionA(): Promise<Person & { submission: string }> {
      const p = await freshMemberOfA("pt");
      const mine = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: p.token });
      await ok(mine, "fresh my-submission", 200);
      const submission = (mine.json as { submission_id: string }).submission_id;
      for (const serial of [1, 2])
        await call("POST", `/requirement-tables/submissions/${submission}/rows`, {
          token: p.token,
          body: { serial_number: serial, completed: true, completed_value: 1 },
        }).then((r) => ok(r, "fresh row", 200));
      await call("POST", `/requirement-tables/submissions/${submission}/submit`, { token: p.token }).then((r) =>
        ok(r, "fresh table submit", 200),
      );
      return { ...p, submission };
    },
  };
  return world;
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

/** Every row of every application table, for "nothing changed" comparisons. */
export async function snapshotDatabase(): Promise<Record<string, unknown[]>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name",
  ).all<{ name: string }>();
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all();
    out[name] = rows.results;
  }
  return out;
}
