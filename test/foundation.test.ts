import { describe, expect, it } from "vitest";
import { call, token } from "./helpers";

describe("health and documents", () => {
  it("GET /health answers ok without a token", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
  });

  it("unknown routes are JSON 404s for an authenticated caller", async () => {
    const res = await call("GET", "/nope", { token: await token("m", "manager") });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: "route_not_found" });
    expect(res.json.detail).toContain("/nope");
  });
});
