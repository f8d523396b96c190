/**
 * The error answers of each operation, by status and code, for the OpenAPI document: a client learns that
 * `POST /steps/{step_id}/exam/start` answers 409 `materials_incomplete`, `exam_already_approved` or `exam_not_open`
 * — an enum narrowed to those codes, and an example of each.
 *
 * Two sources, and a test that keeps them true (test/contract/error-codes.test.ts): the whole suite's answers are
 * collected as (operation, status, code) and each must be declared here; each declared one must be produced by
 * some test, unless it is marked defensive.
 * - Codes the shared middleware answers follow from what the operation is (secured, for one role, takes input,
 *   a write, a list, idempotent): RULES below.
 * - Codes of the operation's own rules are listed per operation in operation-errors.json, with the defensive
 *   ones (a race or a storage fault no test can make happen on purpose) given a reason each.
 */
import type { OperationObject, ParameterObject, ReferenceObject, ResponseObject, SchemaObject } from "openapi3-ts/oas31";
import { ERROR_EXAMPLES } from "./error-examples";
import { ERROR_CODES, type ErrorCode } from "./errors";
import OPERATION_ERRORS from "./operation-errors.json";

type Declared = { codes?: Record<string, string[]>; defensive?: Record<string, Record<string, string>> };
const PER_OPERATION: Readonly<Record<string, Declared>> = OPERATION_ERRORS;

const isCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);
const isReference = (value: object): value is ReferenceObject => "$ref" in value;

/** What an operation is, as far as the shared middleware's answers go. */
type Shape = {
  secured: boolean;
  roles: readonly string[];
  write: boolean;
  jsonBody: boolean;
  inputs: boolean;
  list: boolean;
  idempotent: boolean;
  signedLink: boolean;
};

/**
 * `asserted`: every operation of the kind answers it in the suite (the authorization matrix sends each one no token
 * and the wrong role; generated input sends each one bad values). `defensive`: the mechanism is shared and tested
 * on some operations (test/contract checks each is produced somewhere), but not on every one of them.
 */
export const RULES: { status: number; code: ErrorCode; when: (shape: Shape) => boolean; defensive: boolean }[] = [
  { status: 401, code: "unauthorized", when: (s) => s.secured && !s.signedLink, defensive: false },
  { status: 403, code: "manager_only", when: (s) => s.roles.length === 1 && s.roles[0] === "manager", defensive: false },
  { status: 403, code: "participants_only", when: (s) => s.roles.length === 1 && s.roles[0] === "participant", defensive: false },
  // A staff token on a route for managers and participants (lib/auth.ts managersAndParticipants); a route that
  // also lists staff reads their grant instead.
  {
    status: 403,
    code: "insufficient_grant",
    when: (s) => s.roles.includes("manager") && s.roles.includes("participant") && !s.roles.includes("staff"),
    defensive: false,
  },
  // A participant on a route for managers and course staff (lib/auth.ts managersAndStaff).
  {
    status: 403,
    code: "manager_only",
    when: (s) => s.roles.includes("manager") && s.roles.includes("staff") && !s.roles.includes("participant"),
    defensive: false,
  },
  { status: 403, code: "staff_only", when: (s) => s.roles.length === 1 && s.roles[0] === "staff", defensive: false },
  { status: 400, code: "validation_error", when: (s) => s.inputs, defensive: false },
  { status: 400, code: "malformed_json", when: (s) => s.jsonBody, defensive: true },
  // The bookmark is read before any route, so the public GET /health answers it too.
  { status: 400, code: "invalid_bookmark", when: () => true, defensive: true },
  { status: 400, code: "invalid_cursor", when: (s) => s.list, defensive: true },
  { status: 400, code: "invalid_idempotency_key", when: (s) => s.idempotent, defensive: true },
  { status: 409, code: "idempotency_in_progress", when: (s) => s.idempotent, defensive: true },
  { status: 422, code: "idempotency_key_reused", when: (s) => s.idempotent, defensive: true },
  // Any write may be sent a body: the body middleware answers before the route sees it.
  { status: 413, code: "body_too_large", when: (s) => s.write, defensive: true },
  { status: 415, code: "unsupported_media_type", when: (s) => s.write, defensive: true },
  { status: 429, code: "rate_limited", when: () => true, defensive: true },
  { status: 500, code: "internal_error", when: () => true, defensive: true },
  { status: 503, code: "database_overloaded", when: (s) => s.secured, defensive: true },
  { status: 503, code: "auth_unavailable", when: (s) => s.secured, defensive: true },
];

const STATUS_TEXT: Record<number, string> = {
  400: "The request is wrong",
  401: "No valid token",
  403: "Role or ownership forbids it",
  404: "No such thing for this caller",
  409: "The current state does not allow it",
  411: "Upload without Content-Length",
  413: "Body or file too large",
  415: "Body or file of a type not accepted",
  416: "Range not satisfiable",
  422: "Idempotency-Key reused for another request",
  429: "Too many requests from this caller or address",
  500: "A fault on the server's side (no detail is leaked)",
  503: "Retry later",
};

const REQUEST_ID_EXAMPLE = "0b6f3c1e-8d2a-4f57-9c41-2e7a5d9b8f60";

function shapeOf(method: string, op: OperationObject): Shape {
  const own = (op.parameters ?? []).filter((p): p is ParameterObject => !isReference(p));
  const roles: unknown = op["x-roles"];
  const body = op.requestBody && !isReference(op.requestBody) ? op.requestBody : undefined;
  return {
    secured: (op.security ?? []).length > 0,
    roles: Array.isArray(roles) ? roles.map(String) : [],
    write: method === "post" || method === "put" || method === "patch",
    jsonBody: body?.content["application/json"] !== undefined,
    inputs: body !== undefined || own.some((p) => p.in === "path" || p.in === "query"),
    list: own.some((p) => p.in === "query" && p.name === "cursor"),
    idempotent: op["x-idempotent"] === true,
    signedLink: op["x-signed-link"] === true,
  };
}

/** The codes an operation answers, per status, each marked defensive or not. */
export function errorCodesOf(method: string, path: string, op: OperationObject): Map<number, Map<ErrorCode, string | null>> {
  const byStatus = new Map<number, Map<ErrorCode, string | null>>();
  const add = (status: number, code: string, defensive: string | null) => {
    if (!isCode(code)) throw new Error(`operation-errors.json: '${code}' (${method.toUpperCase()} ${path}) is not an error code`);
    const codes = byStatus.get(status) ?? new Map<ErrorCode, string | null>();
    // Observed somewhere wins over defensive: a rule's default never hides an operation's own listing.
    if (!codes.has(code) || defensive === null) codes.set(code, defensive);
    byStatus.set(status, codes);
  };
  const shape = shapeOf(method, op);
  for (const rule of RULES) if (rule.when(shape)) add(rule.status, rule.code, rule.defensive ? "shared middleware" : null);
  const declared = PER_OPERATION[`${method.toUpperCase()} ${path}`];
  for (const [status, codes] of Object.entries(declared?.codes ?? {})) for (const code of codes) add(Number(status), code, null);
  for (const [status, codes] of Object.entries(declared?.defensive ?? {}))
    for (const [code, reason] of Object.entries(codes)) add(Number(status), code, reason);
  return byStatus;
}

/**
 * Replaces the operation's error responses with one per status it can answer: `code` narrowed to that status's
 * codes, an example of each, and `x-defensive-codes` naming those no test produces on purpose. Headers a route
 * declared on an error response (e.g. 416's Content-Range) are kept.
 */
export function declareErrors(method: string, path: string, op: OperationObject) {
  const byStatus = errorCodesOf(method, path, op);
  const responses: Record<string, ResponseObject | ReferenceObject> = op.responses ?? {};
  for (const status of Object.keys(responses)) if (Number(status) >= 400 && !byStatus.has(Number(status))) delete responses[status];
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const previous = responses[String(status)];
    const list = [...codes.keys()].sort();
    const schema: SchemaObject = {
      allOf: [{ $ref: "#/components/schemas/Error" }, { type: "object", properties: { code: { type: "string", enum: list } } }],
    };
    const examples = Object.fromEntries(
      list.map((code) => {
        const value: Record<string, unknown> = { detail: ERROR_EXAMPLES[code], code, request_id: REQUEST_ID_EXAMPLE };
        if (code === "validation_error") value.errors = [{ path: "name", message: "Too small: expected string to have >=1 characters" }];
        return [code, { summary: code, value }];
      }),
    );
    const defensive = list.filter((code) => codes.get(code) !== null);
    const response: ResponseObject = {
      description: `${STATUS_TEXT[status] ?? "Error"}: ${list.map((code) => `\`${code}\``).join(", ")}`,
      content: { "application/json": { schema, examples } },
    };
    if (previous && !isReference(previous) && previous.headers) response.headers = previous.headers;
    if (defensive.length > 0) response["x-defensive-codes"] = defensive;
    responses[String(status)] = response;
  }
  op.responses = responses;
}
