/**
 * What every operation shares and the route definitions do not repeat, added to the generated document once:
 * the 413/415 the body middleware answers, 500/503, the response headers clients depend on (`x-d1-bookmark`
 * everywhere, `Link` on lists, `Idempotent-Replayed`, `Retry-After`), the `Idempotency-Key` parameter where a
 * route takes it, and the roles in words. Each fact comes from the running code's own declarations (`x-roles`,
 * `x-idempotent`, a `cursor` parameter), so the document cannot claim what a route does not do. The spec's own
 * request and response examples (`spec-examples.json`, from `npm run spec:examples`) are attached where the
 * operation has that body, and a real answer of the Worker where the spec has none (`operation-examples.json`,
 * from `npm run examples:capture`); the OpenAPI lint validates each one against its schema.
 */
import type {
  HeaderObject,
  HeadersObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from "openapi3-ts/oas31";
import { addDownloadHeads, addIntegerFormats } from "./openapi-derived";
import { describeDocument } from "./openapi-descriptions";
import { declareErrors } from "./openapi-errors";
import OPERATION_EXAMPLES from "./operation-examples.json";
import SPEC_EXAMPLES from "./spec-examples.json";

type Examples = Readonly<Record<string, Readonly<Record<string, unknown>>>>;
/** The spec's examples per operation ("GET /courses"): the request body under `request`, else by status. */
const EXAMPLES: Examples = SPEC_EXAMPLES;
// Real answers of the Worker (`npm run examples:capture`) for what the spec shows no example of; the spec's own win.
const CAPTURED: Examples = OPERATION_EXAMPLES;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
type Method = (typeof METHODS)[number];
const isMethod = (key: string): key is Method => METHODS.some((method) => method === key);
const isReference = (value: object): value is ReferenceObject => "$ref" in value;

const header = (description: string, schema: SchemaObject = { type: "string" }): HeaderObject => ({ description, schema });
// Headers on every response are declared once under components.headers and referenced: a generated client
// would otherwise repeat each of them on every response of every operation.
const SHARED_HEADERS = {
  Bookmark: header("D1 session bookmark: send it back in `x-d1-bookmark` to read your own writes"),
  RetryAfter: header("Seconds to wait before retrying", { type: "integer", minimum: 0 }),
  RequestId: header("This request's id (also `request_id` in error bodies): quote it when reporting a problem"),
  RateLimitPolicy: header('The rate-limit policies this request counted against, e.g. `"caller";q=600;w=60` (IETF draft)'),
  RateLimit: header('The exhausted policy, e.g. `"caller";r=0;t=60` (IETF draft)'),
  CacheControl: header("`private, no-store` on JSON answers (participant and review data are never cached); downloads set their own"),
  NoSniff: header("Always `nosniff`"),
};
const ref = (name: keyof typeof SHARED_HEADERS) => ({ $ref: `#/components/headers/${name}` });

// Request headers every operation reads, declared once under components.parameters so a typed client can pass them.
const SHARED_PARAMETERS: Record<string, ParameterObject> = {
  RequestIdHeader: {
    name: "x-request-id",
    in: "header",
    required: false,
    description:
      "Your own id for this request (`[A-Za-z0-9][A-Za-z0-9._:-]{0,63}`): logged beside the server's as `client_request_id`. The answer's `x-request-id` is always the server's own",
    schema: { type: "string", maxLength: 64 },
  },
  BookmarkHeader: {
    name: "x-d1-bookmark",
    in: "header",
    required: false,
    description: "The last `x-d1-bookmark` this API answered you: reads then see your own writes (empty: none yet)",
    schema: { type: "string", maxLength: 256 },
  },
};
// Conditional and ranged downloads (the file route reads them; media elements send them).
const DOWNLOAD_PARAMETERS: ParameterObject[] = [
  {
    name: "Range",
    in: "header",
    required: false,
    description: "One byte range, `bytes=start-end`, `bytes=start-` or `bytes=-suffix`",
    schema: { type: "string", maxLength: 200 },
  },
  {
    name: "If-None-Match",
    in: "header",
    required: false,
    description: "The file's ETag: 304 when it is unchanged",
    schema: { type: "string", maxLength: 200 },
  },
  {
    name: "If-Range",
    in: "header",
    required: false,
    description: "The file's ETag: the Range applies only while the file is unchanged, else the whole file is sent",
    schema: { type: "string", maxLength: 200 },
  },
];
const BOOKMARK = ref("Bookmark");
const RETRY_AFTER = ref("RetryAfter");
const REQUEST_ID = ref("RequestId");
const RATE_LIMIT_POLICY = ref("RateLimitPolicy");

const TAG_DESCRIPTIONS: Record<string, string> = {
  Courses: "Ordered, chained courses with one default; enrolment",
  Steps: "A course's steps, unlocked in sequence; one exam per step",
  Materials: "Video, BookLink, Document, Audio and RequirementTable materials of a step; completion",
  "Material files": "Files of Video, Document and Audio materials in R2: upload, ranged download, signed links",
  Forms: "Exam forms: MCQ (auto-scored) and THEORY (graded) questions, timing, attempts, pass mark",
  "Exam attempts": "A participant's timed attempts: start or resume, autosave, submit",
  "Submission review": "Managers grade, approve, reject or request a retake",
  "Requirement tables": "Activity trackers shown by RequirementTable materials",
  "Requirement tracking": "Participants fill a table row by row; managers approve rows",
  "Participant progress": "A participant's courses, course progress and step progress",
  "Participant data": "Managers export or erase everything stored about one participant",
  Accommodations: "Per-participant extra time and attempts, applied to every exam they start",
  "Exam overrides": "Per-exam, per-participant duration, attempts and closing time",
  Cohorts: "Sections or groups of a course's participants; course staff grants may be limited to them",
};

export function completeDocument(doc: OpenAPIObject): OpenAPIObject {
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {}))
    for (const method of Object.keys(item)) {
      if (!isMethod(method)) continue;
      const op = item[method];
      if (op) completeOperation(doc, method, path, op, tags);
    }
  // Every tag an operation uses is declared once, in the order first used (generated clients group by them).
  // OAS 3.1 names a license by SPDX identifier (the generator's types predate it).
  const license = doc.info.license;
  if (license && !license.identifier && !license.url) license.identifier = "LicenseRef-Proprietary";
  doc.components = {
    ...doc.components,
    headers: { ...doc.components?.headers, ...SHARED_HEADERS },
    parameters: { ...doc.components?.parameters, ...SHARED_PARAMETERS },
  };
  doc.tags = [...tags].map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  // Last, so they see every operation and schema as completed above.
  describeDocument(doc);
  addDownloadHeads(doc);
  addIntegerFormats(doc);
  return doc;
}

/** One operation; the tags it uses are added to `tags`. */
function completeOperation(doc: OpenAPIObject, method: Method, path: string, op: OperationObject, tags: Set<string>) {
  const roles: unknown = op["x-roles"];
  const capability: unknown = op["x-capability"];
  // Staff act through one capability of their course grant: which one, and how far it reaches.
  const staffLine =
    op["x-staff-scope"] === "organisation"
      ? " Course staff: holding an instructor grant in any live course (otherwise 403 `insufficient_grant`); a staff member changes only what they made."
      : typeof capability === "string"
        ? ` Course staff: with a grant giving \`${capability}\` in the course the path leads to (a grader's or observer's grant that lists cohorts reaches their participants only); elsewhere the resource is 404 for them, and a grant without \`${capability}\` is 403 \`insufficient_grant\`.`
        : "";
  if (Array.isArray(roles)) op.description = [op.description, `**Roles:** ${roles.join(", ")}.${staffLine}`].filter(Boolean).join("\n\n");
  for (const tag of op.tags ?? []) tags.add(tag);
  op.responses ??= {};
  const responses: Record<string, ResponseObject | ReferenceObject> = op.responses;
  if (op["x-signed-link"]) op.security = [...(op.security ?? doc.security ?? []), { FileLink: [] }];
  if (op["x-idempotent"]) {
    const idempotencyKey: ParameterObject = {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: "1–200 visible ASCII characters; a retry with the same key gets the first answer again",
      schema: { type: "string", minLength: 1, maxLength: 200, pattern: "^[\\x21-\\x7e]+$" },
    };
    op.parameters ??= [];
    op.parameters.push(idempotencyKey);
  }
  // Every error answer, by status and code (lib/openapi-errors.ts); then the headers some of them carry.
  declareErrors(method, path, op);
  const limited = responses["429"];
  if (limited && !isReference(limited)) {
    if (op["x-rate-limit"] === "expensive") limited.description += " (this operation is in the tighter `expensive` class)";
    limited.headers = { ...limited.headers, "Retry-After": RETRY_AFTER, RateLimit: ref("RateLimit") };
  }
  const unavailable = responses["503"];
  if (unavailable && !isReference(unavailable)) unavailable.headers = { ...unavailable.headers, "Retry-After": RETRY_AFTER };
  const key = `${method.toUpperCase()} ${path}`;
  const examples = { ...CAPTURED[key], ...EXAMPLES[key] };
  const body = op.requestBody;
  const requestJson = body && !isReference(body) ? body.content["application/json"] : undefined;
  if (examples.request !== undefined && requestJson) requestJson.example = examples.request;
  for (const [status, example] of Object.entries(examples)) {
    const response = responses[status];
    const responseJson = response && !isReference(response) ? response.content?.["application/json"] : undefined;
    if (status !== "request" && responseJson) responseJson.example = example;
  }
  op.parameters = [
    ...(op.parameters ?? []),
    ...Object.keys(SHARED_PARAMETERS).map((name) => ({ $ref: `#/components/parameters/${name}` })),
    ...(op["x-signed-link"] ? DOWNLOAD_PARAMETERS : []),
  ];
  const isList = (op.parameters ?? []).some((p) => !isReference(p) && p.in === "query" && p.name === "cursor");
  for (const [status, response] of Object.entries(responses)) {
    if (isReference(response)) continue;
    const headers: HeadersObject = {
      ...response.headers,
      "x-d1-bookmark": BOOKMARK,
      "x-request-id": REQUEST_ID,
      "RateLimit-Policy": RATE_LIMIT_POLICY,
      "X-Content-Type-Options": ref("NoSniff"),
    };
    // JSON answers are never cached; a file's own answers declare their caching (and its sandbox CSP).
    if (!op["x-signed-link"] || !status.startsWith("2")) headers["Cache-Control"] = ref("CacheControl");
    if (op["x-signed-link"] && (status === "200" || status === "206"))
      headers["Content-Security-Policy"] = header("Always `sandbox`: a file is never a page of the API's origin");
    if (status.startsWith("2") && isList) headers.Link = header('`<…&cursor=…>; rel="next"` while there is a next page');
    if (status.startsWith("2") && op["x-idempotent"])
      headers["Idempotent-Replayed"] = header("`true` when this is a stored answer replayed");
    response.headers = headers;
  }
}
