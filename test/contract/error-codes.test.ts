/**
 * The error codes the OpenAPI document declares per operation are the ones the server answers, both ways.
 *
 * Runs in Node after every workerd test of the run (vitest.config.ts): the Worker's request log lines of the whole
 * suite were collected as (method, route, status, code). Each of them must be declared on its operation and status;
 * each declared code must be answered by some test unless the document marks it defensive (`x-defensive-codes`),
 * and each defensive rule of the shared middleware must still be answered somewhere.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, inject, it } from "vitest";
// @ts-expect-error — a plain .mjs script without types
import { servedOpenApi } from "../../scripts/lib/served-openapi.mjs";
import { RULES } from "../../src/lib/openapi-errors";

type ErrorResponse = {
  content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] } }>;
  "x-defensive-codes"?: string[];
};
type Document = { paths: Record<string, Record<string, { responses?: Record<string, ErrorResponse> }>> };

const observedFile = inject("observedErrorsFile");
const partial = inject("partialRun");
/**
 * "GET /courses/{course_id} 404 course_not_found" for each answer of the run. A HEAD is answered by its GET's route
 * without a body (its document declares no content), so its codes are held to the GET's declaration.
 */
const observed: string[] = existsSync(observedFile)
  ? JSON.parse(readFileSync(observedFile, "utf8")).map((key: string) =>
      key.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}").replace(/^HEAD /, "GET "),
    )
  : [];

/**
 * Served on purpose but outside the document, not API operations: a browser's automatic request, and Swagger UI's
 * own files (an unknown one is a 404 route_not_found).
 */
const UNDOCUMENTED_ROUTES = new Set(["GET /favicon.ico", "HEAD /favicon.ico", "GET /docs/*"]);
const operationOf = (key: string) => key.split(" ").slice(0, 2).join(" ");

/** Each declared (operation, status, code), with whether it is marked defensive. */
const declared = new Map<string, boolean>();

beforeAll(async () => {
  const doc: Document = JSON.parse(await servedOpenApi());
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (Number(status) < 400) continue;
        const codes = response.content?.["application/json"]?.schema?.allOf?.[1]?.properties?.code?.enum ?? [];
        for (const code of codes)
          declared.set(`${method.toUpperCase()} ${path} ${status} ${code}`, response["x-defensive-codes"]?.includes(code) ?? false);
      }
}, 120_000);

describe("error codes per operation: the document and the suite's answers agree", () => {
  it("every error response declares its codes (an enum narrowed to the operation)", () => {
    expect(declared.size).toBeGreaterThan(0);
  });

  it("every (operation, status, code) the suite produced is declared by the document", () => {
    const undeclared = observed.filter((key) => !declared.has(key) && !UNDOCUMENTED_ROUTES.has(operationOf(key)));
    expect(undeclared).toEqual([]);
  });

  it.skipIf(partial)("every declared code is produced by some test, unless marked defensive", () => {
    expect(observed.length, "the run's answers were collected").toBeGreaterThan(300);
    const produced = new Set(observed);
    const unproduced = [...declared].filter(([key, defensive]) => !defensive && !produced.has(key)).map(([key]) => key);
    expect(unproduced).toEqual([]);
  });

  it.skipIf(partial)("each defensive code of the shared middleware is produced on some operation", () => {
    const produced = new Set(observed.map((key) => key.split(" ").slice(2).join(" ")));
    const never = RULES.filter((rule) => rule.defensive && !produced.has(`${rule.status} ${rule.code}`)).map(
      (rule) => `${rule.status} ${rule.code}`,
    );
    expect(never).toEqual([]);
  });
});
