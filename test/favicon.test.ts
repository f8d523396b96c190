import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("/favicon.ico", () => {
  // Browsers ask for it on every /docs load, without a token; a 401 there is noise in every log.
  it("answers 404 route_not_found without a token, for GET and HEAD", async () => {
    const res = await call("GET", "/favicon.ico");
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: "route_not_found" });
    expect((await call("HEAD", "/favicon.ico")).status).toBe(404);
  });

  it("still needs a token for other unknown routes (401), so routes cannot be probed", async () => {
    expect((await call("GET", "/favicon.png")).status).toBe(401);
    expect((await call("GET", "/no-such-route")).status).toBe(401);
  });
});
