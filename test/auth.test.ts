import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base64UrlEncode } from "../src/lib/jwt";
import { call, token } from "./helpers";
import { signJwt } from "./sign-jwt";

const now = () => Math.floor(Date.now() / 1000);

async function hs512(claims: Record<string, unknown>) {
  const head = base64UrlEncode(JSON.stringify({ alg: "HS512", typ: "JWT" }));
  const body = base64UrlEncode(JSON.stringify(claims));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.JWT_SECRET), { name: "HMAC", hash: "SHA-512" }, false, [
    "sign",
  ]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${head}.${body}`));
  return `${head}.${body}.${base64UrlEncode(new Uint8Array(sig))}`;
}

const cases: [string, () => Promise<Record<string, string>>][] = [
  ["no Authorization header", async () => ({})],
  ["Basic scheme", async () => ({ authorization: "Basic YWxpY2U6c2VjcmV0" })],
  ["empty bearer", async () => ({ authorization: "Bearer " })],
  ["garbage token", async () => ({ authorization: "Bearer not.a.jwt" })],
  [
    "bad signature",
    async () => ({ authorization: `Bearer ${await signJwt({ sub: "a", role: "manager", exp: now() + 60 }, "another-secret")}` }),
  ],
  [
    "alg none",
    async () => ({
      authorization: `Bearer ${base64UrlEncode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64UrlEncode(JSON.stringify({ sub: "a", role: "manager", exp: now() + 60 }))}.`,
    }),
  ],
  ["HS512 instead of HS256", async () => ({ authorization: `Bearer ${await hs512({ sub: "a", role: "manager", exp: now() + 60 })}` })],
  ["expired", async () => ({ authorization: `Bearer ${await token("a", "manager", { exp: now() - 120 })}` })],
  ["missing exp", async () => ({ authorization: `Bearer ${await token("a", "manager", { exp: undefined })}` })],
  ["nbf in the future", async () => ({ authorization: `Bearer ${await token("a", "manager", { nbf: now() + 600 })}` })],
  ["wrong iss", async () => ({ authorization: `Bearer ${await token("a", "manager", { iss: "https://evil.example" })}` })],
  ["missing iss", async () => ({ authorization: `Bearer ${await token("a", "manager", { iss: undefined })}` })],
  ["wrong aud", async () => ({ authorization: `Bearer ${await token("a", "manager", { aud: "another-api" })}` })],
  ["missing sub", async () => ({ authorization: `Bearer ${await token("", "manager", { sub: undefined })}` })],
  ["unknown role", async () => ({ authorization: `Bearer ${await token("a", "manager", { role: "admin" })}` })],
];

describe("authentication", () => {
  it.each(cases)("%s → 401 JSON with detail", async (_name, headers) => {
    const res = await call("GET", "/courses", { headers: await headers() });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("unauthorized");
    expect(typeof res.json.detail).toBe("string");
  });

  it("an unknown route without a token is 401, so routes cannot be probed", async () => {
    const res = await call("GET", "/admin/secrets");
    expect(res.status).toBe(401);
  });

  it("an audience list containing ours is accepted", async () => {
    const res = await call("GET", "/courses", { token: await token("a", "participant", { aud: ["other", env.JWT_AUDIENCE] }) });
    expect(res.status).toBe(200);
  });

  it("a valid token within the clock leeway is accepted", async () => {
    const res = await call("GET", "/courses", { token: await token("a", "participant", { exp: now() - 5 }) });
    expect(res.status).toBe(200);
  });

  it("OpenAPI document and docs page need no token", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe("3.1.0");
    const docs = await call("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.text).toContain("/docs/init.js");
  });

  // The Worker runs first for every path (wrangler.toml run_worker_first) and hands Swagger UI's files to ASSETS.
  it("Swagger UI's files are served without a token and without counting; an unknown one is the API's 404", async () => {
    const css = await call("GET", "/docs/vendor/swagger-ui.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    expect(css.text).toContain(".swagger-ui");
    expect(css.headers.get("x-request-id")).toBeTruthy();
    expect(css.headers.get("ratelimit-policy")).toBeNull();
    const init = await call("GET", "/docs/init.js");
    expect(init.status).toBe(200);
    expect(init.headers.get("content-type")).toMatch(/javascript/);
    expect(init.text).toContain("/openapi.json");
    const head = await call("HEAD", "/docs/vendor/swagger-ui-bundle.js");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    for (const path of ["/docs/vendor/nothing.js", "/docs/elsewhere/x.js", "/docs/vendor/"]) {
      const missing = await call("GET", path);
      expect(missing.status, path).toBe(404);
      expect(missing.json).toMatchObject({ code: "route_not_found" });
    }
    // A way out of the folder is normalised away by the URL: an unknown route, refused without a token.
    const out = await call("GET", "/docs/vendor/../../wrangler.toml");
    expect(out.status).toBe(401);
    expect(out.text).not.toContain("compatibility_date");
    // The document still counts against the caller's address, as before.
    expect((await call("GET", "/docs")).headers.get("ratelimit-policy")).toContain('"anonymous"');
  });
});
