import { describe, expect, it } from "vitest";
import CAPTURED from "../src/lib/operation-examples.json";
import SPEC from "../src/lib/spec-examples.json";
import { call } from "./helpers";

type Media = { example?: unknown };
type Operation = {
  operationId: string;
  requestBody?: { content?: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
};
type Slots = Readonly<Record<string, unknown>>;
const spec: Readonly<Record<string, Slots>> = SPEC;
const captured: Readonly<Record<string, Slots>> = CAPTURED;

/**
 * Every example slot the document has: each JSON success answer by status, and each JSON request body as
 * `request`. Answers and bodies that are not JSON need none: 204s and other empty answers, the file download's
 * bytes (and its HEAD, which has no body), the upload's file body.
 */
async function slots() {
  const doc = (await call("GET", "/openapi.json")).json as { paths: Record<string, Record<string, Operation>> };
  const found: { key: string; slot: string; operationId: string; example: unknown }[] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const key = `${method.toUpperCase()} ${path}`;
      const body = op.requestBody?.content?.["application/json"];
      if (body) found.push({ key, slot: "request", operationId: op.operationId, example: body.example });
      for (const [status, response] of Object.entries(op.responses)) {
        const json = response.content?.["application/json"];
        if (status.startsWith("2") && json) found.push({ key, slot: status, operationId: op.operationId, example: json.example });
      }
    }
  return found;
}

describe("OpenAPI examples: every operation", () => {
  it("has an example of each JSON success answer and of its JSON request body", async () => {
    const found = await slots();
    // 61 success answers and 23 request bodies when this test was written: a new operation adds slots.
    expect(found.filter((s) => s.slot !== "request").length).toBeGreaterThanOrEqual(61);
    expect(found.filter((s) => s.slot === "request").length).toBeGreaterThanOrEqual(23);
    const missing = found.filter((s) => s.example === undefined).map((s) => `${s.operationId} (${s.key}) ${s.slot}`);
    expect(missing, "run `npm run examples:capture` (and extend its journey for a new operation)").toEqual([]);
  });

  it("shows the spec's own example where the spec has one, and the Worker's captured answer only where it has none", async () => {
    const found = await slots();
    for (const { key, slot, example } of found) {
      const fromSpec = spec[key]?.[slot];
      if (fromSpec !== undefined) expect(example, `${key} ${slot}`).toEqual(fromSpec);
      else expect(example, `${key} ${slot}`).toEqual(captured[key]?.[slot]);
    }
  });

  it("captures nothing the document does not use (no stale or shadowed entry)", async () => {
    const used = new Set((await slots()).map((s) => `${s.key} ${s.slot}`));
    for (const [key, entry] of Object.entries(captured))
      for (const slot of Object.keys(entry)) {
        expect(used.has(`${key} ${slot}`), `${key} ${slot} is not an example slot of the document`).toBe(true);
        expect(spec[key]?.[slot], `${key} ${slot} is the spec's`).toBeUndefined();
      }
  });
});
