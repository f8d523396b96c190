/**
 * Issue #10: integers in query strings and paths are plain decimal digits. `Number()` also reads `1e2`, `0x10`,
 * `+5`, ` 5` and `5.0`, which gave one value several spellings (and let caches and logs disagree on it).
 */
import { describe, expect, it } from "vitest";
import { call, token, uniqueName } from "./helpers";

const spellings = ["1e1", "0x10", "0o7", "0b1", "+5", " 5", "5 ", "5.0", "5.", "05", "-5", "1_0", "Infinity", "NaN", "", "٥"];

describe("decimal integers in queries and paths", () => {
  it.each(spellings)("GET /courses?limit=%j → 400 validation_error", async (limit) => {
    const manager = await token(uniqueName("manager"), "manager");
    const res = await call("GET", `/courses?limit=${encodeURIComponent(limit)}`, { token: manager });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("validation_error");
    expect(res.json.errors?.[0]?.path).toBe("limit");
  });

  it("the document says so on every decimal parameter, since its integer type alone would let a validator read 05 as 5", async () => {
    const doc = (await call("GET", "/openapi.json")).json as {
      paths: Record<string, Record<string, { parameters?: { name: string; schema?: { type?: string }; description?: string }[] }>>;
    };
    const integers = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops))
      .flatMap((op) => op.parameters ?? [])
      .filter((p) => p.schema?.type === "integer");
    expect(integers.length).toBeGreaterThanOrEqual(10);
    for (const p of integers) expect(p.description ?? "", p.name).toMatch(/no sign, leading zero, exponent or fraction/);
  });

  it("plain digits within bounds are still accepted", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    for (const limit of ["1", "5", "10", "200"])
      expect((await call("GET", `/courses?limit=${limit}`, { token: manager })).status, limit).toBe(200);
    expect((await call("GET", "/courses?limit=201", { token: manager })).status).toBe(400);
    expect((await call("GET", "/courses?limit=0", { token: manager })).status).toBe(400);
    expect((await call("GET", `/courses?limit=${"9".repeat(400)}`, { token: manager })).status).toBe(400);
  });

  it.each([
    "/forms",
    "/requirement-tables",
    "/requirement-tables/submissions/pending",
    "/form-submissions/pending",
    "/form-submissions/participant/someone",
    "/participants/me/courses",
  ])("every paged list refuses limit=1e1: %s", async (path) => {
    const manager = await token(uniqueName("manager"), "manager");
    const ok = await call("GET", `${path}?limit=10`, { token: manager });
    expect(ok.status, ok.text).toBe(200);
    const res = await call("GET", `${path}?limit=1e1`, { token: manager });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("validation_error");
  });

  it.each(["1e0", "0x1", "+1", "1.0", "01"])("a row's serial_number %j in the path → 400 validation_error", async (serial) => {
    const manager = await token(uniqueName("manager"), "manager");
    const submission = "5f0000000000000000000001";
    const body = { approved: true };
    const plain = await call("POST", `/requirement-tables/submissions/${submission}/rows/1/approve`, { token: manager, body });
    expect(plain.status).toBe(404); // well-formed: the unknown submission is what is wrong
    const res = await call("POST", `/requirement-tables/submissions/${submission}/rows/${encodeURIComponent(serial)}/approve`, {
      token: manager,
      body,
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("validation_error");
  });

  it("the OpenAPI document still types them as integers", async () => {
    const doc = (await call("GET", "/openapi.json")).json;
    const limit = doc.paths["/courses"].get.parameters.find((p: any) => p.name === "limit");
    expect(limit.in).toBe("query");
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 200 });
    const approve = doc.paths["/requirement-tables/submissions/{submission_id}/rows/{serial_number}/approve"].post;
    const serial = approve.parameters.find((p: any) => p.name === "serial_number");
    expect(serial.in).toBe("path");
    expect(serial.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100000 });
  });
});
