/**
 * What every operation shares and the route definitions do not repeat, added to the generated document once:
 * the 413/415 the body middleware answers, 500/503, the response headers clients depend on (`x-d1-bookmark`
 * everywhere, `Link` on lists, `Idempotent-Replayed`, `Retry-After`), the `Idempotency-Key` parameter where a
 * route takes it, and the roles in words. Each fact comes from the running code's own declarations (`x-roles`,
 * `x-idempotent`, a `cursor` parameter), so the document cannot claim what a route does not do. The spec's own
 * request and response examples (`spec-examples.json`, from `npm run spec:examples`) are attached where the
 * operation has that body; the OpenAPI lint validates each one against its schema.
 */
import SPEC_EXAMPLES from "./spec-examples.json";

type Json = Record<string, any>;

const ERROR = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
const header = (description: string, schema: Json = { type: "string" }) => ({ description, schema });
// Headers on every response are declared once under components.headers and referenced: a generated client
// would otherwise repeat each of them on every response of every operation.
const SHARED_HEADERS = {
  Bookmark: header("D1 session bookmark: send it back in `x-d1-bookmark` to read your own writes"),
  RetryAfter: header("Seconds to wait before retrying", { type: "integer", minimum: 0 }),
  RequestId: header("This request's id (also `request_id` in error bodies): quote it when reporting a problem"),
  RateLimitPolicy: header('The rate-limit policies this request counted against, e.g. `"caller";q=600;w=60` (IETF draft)'),
  RateLimit: header('The exhausted policy, e.g. `"caller";r=0;t=60` (IETF draft)'),
};
const ref = (name: keyof typeof SHARED_HEADERS) => ({ $ref: `#/components/headers/${name}` });
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
};

export function completeDocument(doc: Json): Json {
  const tags = new Set<string>();
  for (const [path, operations] of Object.entries<Json>(doc.paths ?? {}))
    for (const [method, op] of Object.entries<Json>(operations)) {
      const roles: string[] | undefined = op["x-roles"];
      if (roles) op.description = [op.description, `**Roles:** ${roles.join(", ")}.`].filter(Boolean).join("\n\n");
      for (const tag of op.tags ?? []) tags.add(tag);
      op.responses ??= {};
      if (op["x-signed-link"]) op.security = [...(op.security ?? doc.security ?? []), { FileLink: [] }];
      // Any write may be sent a body: the middleware answers 413/415 before the route sees it.
      if (["post", "put", "patch"].includes(method)) {
        op.responses["413"] ??= { description: "Body too large", content: ERROR };
        op.responses["415"] ??= { description: "Body is not of an accepted content type", content: ERROR };
      }
      op.responses["429"] ??= {
        description: `\`rate_limited\`: too many requests from this caller (or address)${op["x-rate-limit"] === "expensive" ? "; this operation is in the tighter `expensive` class" : ""}`,
        content: ERROR,
        headers: {
          "Retry-After": RETRY_AFTER,
          RateLimit: ref("RateLimit"),
        },
      };
      op.responses["500"] ??= { description: "A fault on the server's side (no detail is leaked)", content: ERROR };
      op.responses["503"] ??= {
        description: "Database overloaded or token keys unavailable; retry",
        content: ERROR,
        headers: { "Retry-After": RETRY_AFTER },
      };
      if (op["x-idempotent"]) {
        op.parameters ??= [];
        op.parameters.push({
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description: "1–200 visible ASCII characters; a retry with the same key gets the first answer again",
          schema: { type: "string", minLength: 1, maxLength: 200, pattern: "^[\\x21-\\x7e]+$" },
        });
        op.responses["409"] ??= { description: "State conflict", content: ERROR };
        op.responses["409"].description += " (also `idempotency_in_progress`: the first request with this key is still running)";
        op.responses["422"] ??= { description: "`idempotency_key_reused`: the key was used with another request", content: ERROR };
      }
      const examples: Json | undefined = (SPEC_EXAMPLES as Json)[`${method.toUpperCase()} ${path}`];
      const requestJson = op.requestBody?.content?.["application/json"];
      if (examples?.request !== undefined && requestJson) requestJson.example = examples.request;
      for (const [status, example] of Object.entries(examples ?? {})) {
        const responseJson = op.responses[status]?.content?.["application/json"];
        if (status !== "request" && responseJson) responseJson.example = example;
      }
      const isList = (op.parameters ?? []).some((p: Json) => p.in === "query" && p.name === "cursor");
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        if (response.$ref) continue;
        response.headers = {
          ...response.headers,
          "x-d1-bookmark": BOOKMARK,
          "x-request-id": REQUEST_ID,
          "RateLimit-Policy": RATE_LIMIT_POLICY,
        };
        if (status.startsWith("2") && isList) response.headers.Link = header('`<…&cursor=…>; rel="next"` while there is a next page');
        if (status.startsWith("2") && op["x-idempotent"])
          response.headers["Idempotent-Replayed"] = header("`true` when this is a stored answer replayed");
      }
    }
  // Every tag an operation uses is declared once, in the order first used (generated clients group by them).
  // OAS 3.1 names a license by SPDX identifier (the generator's types predate it).
  if (doc.info?.license && !doc.info.license.identifier && !doc.info.license.url) doc.info.license.identifier = "LicenseRef-Proprietary";
  doc.components = { ...doc.components, headers: { ...doc.components?.headers, ...SHARED_HEADERS } };
  doc.tags = [...tags].map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  return doc;
}
