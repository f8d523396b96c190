import { describe, expect, it } from "vitest";
import readme from "../docs/api-notes.md?raw";
import { ERROR_CODES } from "../src/lib/errors";
import { call, token, uniqueName } from "./helpers";

describe("error codes are one closed list", () => {
  it("the list, the OpenAPI Error.code enum and the API notes table name the same codes with the same statuses", async () => {
    const doc = (await call("GET", "/openapi.json")).json;
    expect([...doc.components.schemas.Error.properties.code.enum].sort()).toEqual(Object.keys(ERROR_CODES).sort());

    const table = readme.slice(readme.indexOf("<!-- error-codes:start -->"), readme.indexOf("<!-- error-codes:end -->"));
    const fromReadme = new Map<string, number[]>();
    for (const line of table.split("\n")) {
      const m = /^\| (\d{3}) \|[^|]*\| (.*) \|$/.exec(line);
      if (!m) continue;
      for (const code of m[2]!.matchAll(/`([a-z_0-9]+)`/g)) fromReadme.set(code[1]!, [...(fromReadme.get(code[1]!) ?? []), Number(m[1])]);
    }
    expect(Object.fromEntries([...fromReadme].sort())).toEqual(
      Object.fromEntries(
        Object.entries(ERROR_CODES)
          .map(([code, statuses]) => [code, [...statuses]])
          .sort(),
      ),
    );
  });

  it("answers use listed codes with a listed status (a sample across the API)", async () => {
    const participant = await token(uniqueName("participant"), "participant");
    const samples = await Promise.all([
      call("GET", "/courses/507f1f77bcf86cd799439099", { token: participant }),
      call("GET", "/courses/not-an-id", { token: participant }),
      call("POST", "/courses", { token: participant, body: { name: "x" } }),
      call("GET", "/nowhere", { token: participant }),
      call("GET", "/courses"),
      call("POST", "/courses", { token: participant, rawBody: "{", headers: { "content-type": "application/json" } }),
    ]);
    for (const res of samples) {
      const statuses = (ERROR_CODES as Record<string, readonly number[]>)[res.json.code];
      expect(statuses, res.text).toBeDefined();
      expect(statuses).toContain(res.status);
    }
  });
});
