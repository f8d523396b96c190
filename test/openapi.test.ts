import { describe, expect, it } from "vitest";
import CAPTURED from "../src/lib/operation-examples.json";
import { call, token, uniqueName } from "./helpers";

// Every authoring path of the spec, as the OpenAPI document must list it (method + path template).
const authoring: [string, string][] = [
  ["get", "/courses"],
  ["get", "/courses/{course_id}"],
  ["post", "/courses"],
  ["put", "/courses/{course_id}"],
  ["delete", "/courses/{course_id}"],
  ["put", "/courses/{course_id}/set-default"],
  ["post", "/courses/{course_id}/steps/reorder"],
  ["get", "/steps/{step_id}"],
  ["post", "/steps"],
  ["put", "/steps/{step_id}"],
  ["delete", "/steps/{step_id}"],
  ["put", "/steps/{step_id}/exam"],
  ["post", "/steps/{step_id}/materials"],
  ["put", "/materials/{material_id}"],
  ["delete", "/materials/{material_id}"],
  ["get", "/forms"],
  ["get", "/forms/{form_id}"],
  ["post", "/forms"],
  ["put", "/forms/{form_id}"],
  ["delete", "/forms/{form_id}"],
  ["get", "/requirement-tables"],
  ["get", "/requirement-tables/{table_id}"],
  ["post", "/requirement-tables"],
  ["put", "/requirement-tables/{table_id}"],
  ["delete", "/requirement-tables/{table_id}"],
];

// The participant journey, review, requirement tracking and progress paths of the spec.
const journey: [string, string][] = [
  ["post", "/courses/enroll-default"],
  ["post", "/steps/{step_id}/materials-complete"],
  ["post", "/steps/{step_id}/exam/start"],
  ["post", "/materials/{material_id}/complete"],
  ["post", "/forms/submissions/{submission_id}/submit"],
  ["get", "/form-submissions/pending"],
  ["get", "/form-submissions/{submission_id}"],
  ["post", "/form-submissions/{submission_id}/grade"],
  ["post", "/form-submissions/{submission_id}/approve"],
  ["post", "/form-submissions/{submission_id}/reject"],
  ["post", "/form-submissions/{submission_id}/request-retake"],
  ["get", "/form-submissions/participant/{participant_id}"],
  ["get", "/requirement-tables/{table_id}/my-submission"],
  ["post", "/requirement-tables/submissions/{submission_id}/rows"],
  ["post", "/requirement-tables/submissions/{submission_id}/submit"],
  ["get", "/requirement-tables/submissions/pending"],
  ["post", "/requirement-tables/submissions/{submission_id}/rows/{serial_number}/approve"],
  ["post", "/requirement-tables/submissions/{submission_id}/approve"],
  ["get", "/participants/me/courses"],
  ["get", "/participants/me/progress/{course_id}"],
  ["get", "/participants/me/step/{step_id}/progress"],
  // additions beyond the spec (docs/api-notes.md)
  ["post", "/courses/{course_id}/enroll"],
  ["put", "/forms/submissions/{submission_id}/answers"],
];

describe("OpenAPI document", () => {
  it.each([...authoring, ...journey])("lists %s %s with a bearer requirement and a JSON error response", async (method, path) => {
    const doc = (await call("GET", "/openapi.json")).json;
    const op = doc.paths[path]?.[method];
    expect(op, `${method.toUpperCase()} ${path}`).toBeTruthy();
    expect(op.security).toEqual([{ Bearer: [] }]);
    // The Error schema, its code narrowed to what this operation answers (lib/openapi-errors.ts).
    const schema = op.responses["401"].content["application/json"].schema;
    expect(schema.allOf[0]).toEqual({ $ref: "#/components/schemas/Error" });
    expect(schema.allOf[1].properties.code.enum).toContain("unauthorized");
  });

  it("every write operation declares a JSON body with a named schema (required except review decisions)", async () => {
    const doc = (await call("GET", "/openapi.json")).json;
    // A decision needs no fields, so clients may send no body at all.
    const optional = new Set([
      ...["approve", "reject", "request-retake"].map((a) => `post /form-submissions/{submission_id}/${a}`),
      "post /requirement-tables/submissions/{submission_id}/approve",
    ]);
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        // The file upload's body is the file itself; so is a question bank import's (GIFT or Moodle XML text).
        if (!op.requestBody || `${method} ${path}` === "put /materials/{material_id}/file") continue;
        if (`${method} ${path}` === "post /question-banks/{bank_id}/import") {
          expect(op.requestBody.required).toBe(true);
          expect(Object.keys(op.requestBody.content).sort()).toEqual(["application/xml", "text/plain"]);
          continue;
        }
        expect(op.requestBody.required, `${method} ${path}`).toBe(!optional.has(`${method} ${path}`));
        expect(op.requestBody.content["application/json"].schema.$ref, `${method} ${path}`).toMatch(/^#\/components\/schemas\//);
      }
    }
    expect(doc.components.securitySchemes.Bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });
});

describe("OpenAPI examples", () => {
  it("carries the spec's examples, every value as the spec wrote it, on the operations the spec shows", async () => {
    const doc = (await call("GET", "/openapi.json")).json;
    const examples: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(item)) {
        if (op.requestBody?.content?.["application/json"]?.example) examples.push(`${method} ${path} request`);
        for (const [status, response] of Object.entries<any>(op.responses ?? {}))
          if (response.content?.["application/json"]?.example) examples.push(`${method} ${path} ${status}`);
      }
    // 42 from the spec; the rest are the Worker's own answers where the spec shows none (openapi-examples.test.ts).
    const captured = Object.values(CAPTURED).reduce((n, entry) => n + Object.keys(entry).length, 0);
    expect(examples).toHaveLength(42 + captured);
    const create = doc.paths["/courses"].post;
    expect(create.requestBody.content["application/json"].example).toEqual({
      name: "Bhakti Shastri Course",
      description: "In-depth study of Bhagavad-gita",
      image_url: "https://example.com/image.jpg",
      is_default: false,
      previous_course_id: null,
      order_index: 0,
    });
    expect(create.responses["201"].content["application/json"].example).toMatchObject({
      id: "507f1f77bcf86cd799439011",
      created_by: "manager123",
    });
    // Fields the API adds to the spec's shapes are filled in, so each example validates against its schema.
    const start = doc.paths["/steps/{step_id}/exam/start"].post.responses["200"].content["application/json"].example;
    expect(start).toMatchObject({ deadline_at: expect.any(String), remaining_seconds: expect.any(Number) });
  });
});

describe("headers a client sends or reads are in the document", () => {
  type Param = { name?: string; in?: string; $ref?: string };
  type Op = { operationId: string; parameters?: Param[]; responses: Record<string, { headers?: Record<string, unknown> }> };
  const operationsOf = async () => {
    const doc = (await call("GET", "/openapi.json")).json as {
      paths: Record<string, Record<string, Op>>;
      components: { parameters: Record<string, Param> };
    };
    const names = (op: Op) =>
      (op.parameters ?? []).map((p) => {
        const resolved = p.$ref ? doc.components.parameters[p.$ref.split("/").at(-1) ?? ""] : p;
        return `${resolved?.in}:${resolved?.name?.toLowerCase()}`;
      });
    return Object.values(doc.paths)
      .flatMap((item) => Object.values(item))
      .map((op) => ({ op, names: names(op) }));
  };

  it("every operation takes x-request-id and x-d1-bookmark, and every answer declares nosniff", async () => {
    const ops = await operationsOf();
    expect(ops.length).toBeGreaterThanOrEqual(70);
    for (const { op, names } of ops) {
      expect(names, op.operationId).toEqual(expect.arrayContaining(["header:x-request-id", "header:x-d1-bookmark"]));
      for (const [status, response] of Object.entries(op.responses))
        expect(Object.keys(response.headers ?? {}), `${op.operationId} ${status}`).toContain("X-Content-Type-Options");
    }
  });

  it("downloads take Range, If-None-Match and If-Range, and declare their sandbox CSP", async () => {
    const download = (await operationsOf()).find(({ op }) => op.operationId === "downloadFile");
    expect(download?.names).toEqual(expect.arrayContaining(["header:range", "header:if-none-match", "header:if-range"]));
    for (const status of ["200", "206"])
      expect(Object.keys(download?.op.responses[status]?.headers ?? {})).toContain("Content-Security-Policy");
  });
});

describe("the rules a client needs are in the document", () => {
  type Schema = { type?: string | string[]; format?: string; [key: string]: unknown };
  const documentOf = async () => (await call("GET", "/openapi.json")).json as any;

  it("info.description and the Bearer scheme say the rules (written once, in src/lib/openapi-descriptions.ts)", async () => {
    const doc = await documentOf();
    for (const word of ["Bearer", "x-roles", "`code`", "24 lowercase hex", "cursor", "x-d1-bookmark", "Idempotency-Key", "429"])
      expect(doc.info.description, word).toContain(word);
    expect(doc.info.description).not.toMatch(/See README/i);
    const bearer = doc.components.securitySchemes.Bearer.description;
    for (const word of [
      "`sub`",
      "`role`",
      "`manager`",
      "`participant`",
      "HS256",
      "RS256/ES256",
      "JWT_MAX_LIFETIME_SECONDS",
      "86400",
      "`me`",
    ])
      expect(bearer, word).toContain(word);
  });

  it("GET /health and the certificate reads are the public operations; HEAD of the download takes the GET's parameters and has no body", async () => {
    const doc = await documentOf();
    const health = doc.paths["/health"].get;
    expect(health.security).toEqual([]);
    expect(health["x-roles"]).toBeUndefined();
    expect(health.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Health" });
    const publicOps = Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item).filter((op) => op.security?.length === 0));
    // Issue #28: what a verifier of a certificate needs, and nothing else, is readable without a token.
    expect(publicOps.map((op) => op.operationId).sort()).toEqual(
      [
        "health",
        "getCertificate",
        "getCertificateBadge",
        "getStatusList",
        "getDidDocument",
        "getDidDocumentAtBase",
        "getCertificateJwks",
      ].sort(),
    );
    for (const op of publicOps) expect(op["x-roles"], op.operationId).toBeUndefined();
    const file = doc.paths["/materials/{material_id}/file"];
    expect(file.head.parameters).toEqual(file.get.parameters);
    expect(file.head.security).toEqual(file.get.security);
    expect(file.head["x-roles"]).toEqual(file.get["x-roles"]);
    expect(Object.keys(file.head.responses)).toEqual(Object.keys(file.get.responses));
    for (const response of Object.values<any>(file.head.responses)) expect(response.content).toBeUndefined();
  });

  it("GET /health answers its declared 400 for a bookmark this API did not answer", async () => {
    const res = await call("GET", "/health", { headers: { "x-d1-bookmark": "not a bookmark" } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "invalid_bookmark" });
  });

  it("answers HEAD on the download as its GET, without the body", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const unknown = await call("HEAD", "/materials/507f1f77bcf86cd799439099/file", { token: manager });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe("");
  });

  it("every integer says its width (int32 within 32-bit bounds, else int64)", async () => {
    const doc = await documentOf();
    const untyped: string[] = [];
    const visit = (node: unknown, at: string) => {
      if (Array.isArray(node)) node.forEach((child, i) => visit(child, `${at}/${i}`));
      else if (node && typeof node === "object") {
        const schema = node as Schema;
        const isInteger = schema.type === "integer" || (Array.isArray(schema.type) && schema.type.includes("integer"));
        if (isInteger && schema.format !== "int32" && schema.format !== "int64") untyped.push(at);
        for (const [key, child] of Object.entries(schema)) if (key !== "example" && key !== "examples") visit(child, `${at}/${key}`);
      }
    };
    visit(doc, "#");
    expect(untyped).toEqual([]);
  });
});
