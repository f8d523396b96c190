/**
 * Issue #26: a token verified once is remembered by the isolate (src/lib/jwt.ts), so a session's later requests
 * skip the signature check. What a remembered token may do must not grow: the clock still ends it, a different
 * secret still refuses it, and a refused token is never remembered as good.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { setClock } from "../src/lib/clock";
import { verifyJwt } from "../src/lib/jwt";
import { call, token, uniqueName } from "./helpers";

afterEach(() => setClock(null));

async function callWith(bindings: Partial<typeof env>, bearer: string) {
  const res = await createApp().fetch(
    new Request("http://api.test/courses", { headers: { authorization: `Bearer ${bearer}` } }),
    { ...env, ...bindings },
    createExecutionContext(),
  );
  return { status: res.status, json: (await res.json()) as { code?: string; detail?: string } };
}

describe("remembered tokens", () => {
  it("a token used for many requests is still refused once it expires", async () => {
    const at = new Date();
    setClock(() => at);
    const t = await token(uniqueName("p"), "participant", { exp: Math.floor(at.getTime() / 1000) + 120 });
    for (let i = 0; i < 3; i++) expect((await call("GET", "/courses", { token: t })).status).toBe(200);
    // Inside the 30 s leeway after exp: still good; past it: refused in the words a fresh check uses.
    setClock(() => new Date(at.getTime() + 140_000));
    expect((await call("GET", "/courses", { token: t })).status).toBe(200);
    setClock(() => new Date(at.getTime() + 151_000));
    const refused = await call("GET", "/courses", { token: t });
    expect(refused.status).toBe(401);
    expect(refused.json.detail).toContain("expired");
  });

  it("a token remembered under one secret is refused by a Worker holding another", async () => {
    const t = await token(uniqueName("p"), "participant");
    expect((await callWith({}, t)).status).toBe(200);
    expect((await callWith({ JWT_SECRET: "another-secret-of-at-least-32-characters!" }, t)).status).toBe(401);
    expect((await callWith({}, t)).status).toBe(200);
  });

  it("a token refused for its signature is refused every time, and its good twin still passes", async () => {
    const good = await token(uniqueName("p"), "participant");
    const [head, body, sig] = good.split(".") as [string, string, string];
    const forged = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith("AA") ? "BA" : "AA"}`;
    for (let i = 0; i < 2; i++) expect((await call("GET", "/courses", { token: forged })).status).toBe(401);
    expect((await call("GET", "/courses", { token: good })).status).toBe(200);
    expect((await call("GET", "/courses", { token: forged })).status).toBe(401);
  });

  it("a token verified before its not-before time was never accepted, and is accepted once it starts", async () => {
    const at = new Date();
    setClock(() => at);
    const start = Math.floor(at.getTime() / 1000) + 120;
    const t = await token(uniqueName("p"), "participant", { nbf: start, iat: start, exp: start + 600 });
    const options = { secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, now: at };
    await expect(verifyJwt(t, options)).rejects.toThrow();
    const later = new Date((start + 1) * 1000);
    expect(await verifyJwt(t, { ...options, now: later })).toMatchObject({ role: "participant" });
    // Remembered now; moved back before nbf (a clock the caller does not control, but the rule is the rule).
    await expect(verifyJwt(t, { ...options, now: at })).rejects.toThrow();
  });
});
