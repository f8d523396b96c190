/**
 * Browser access from other origins. The app is called directly with CORS variables set, as a browser would
 * send the requests: a preflight (OPTIONS with Access-Control-Request-*), then the request with `Origin`.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { allowedOrigin } from "../src/lib/cors";
import { makeCourse, makeMaterial, makeStep, token, uniqueName } from "./helpers";

const app = createApp();
const FRONTEND = "https://learn.example.org";
const vars = { CORS_ORIGINS: `${FRONTEND}, https://admin.example.org` };

async function send(method: string, path: string, headers: Record<string, string>, extra: Record<string, string> = vars) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://api.test${path}`, { method, headers }), { ...env, ...extra }, ctx);
  await waitOnExecutionContext(ctx);
  await res.arrayBuffer();
  return res;
}

const preflight = (path: string, method: string, origin = FRONTEND, extra?: Record<string, string>) =>
  send(
    "OPTIONS",
    path,
    { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, content-type, idempotency-key" },
    extra,
  );

describe("CORS", () => {
  it("answers a preflight from an allowed origin before authentication: 204, methods, headers, max-age", async () => {
    const res = await preflight("/courses", "POST");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(FRONTEND);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = res.headers.get("access-control-allow-headers")!.split(",");
    for (const h of ["authorization", "content-type", "idempotency-key", "x-d1-bookmark", "range", "if-none-match", "if-range"])
      expect(allowed).toContain(h);
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("answers preflights for file uploads and downloads and for routes that do not exist", async () => {
    for (const [path, method] of [
      ["/materials/507f1f77bcf86cd799439015/file", "PUT"],
      ["/materials/507f1f77bcf86cd799439015/file", "GET"],
      ["/forms/submissions/507f1f77bcf86cd799439020/submit", "POST"],
      ["/nowhere", "GET"],
    ] as const) {
      const res = await preflight(path, method);
      expect([path, res.status]).toEqual([path, 204]);
      expect(res.headers.get("access-control-allow-origin")).toBe(FRONTEND);
    }
  });

  it("an allowed origin can read the answer and the headers clients need, errors included", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    await makeMaterial(manager, (await makeStep(manager, course.id)).id);
    const ok = await send("GET", "/courses?limit=1", { origin: FRONTEND, authorization: `Bearer ${manager}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(FRONTEND);
    expect(ok.headers.get("vary")).toContain("Origin");
    const exposed = ok.headers.get("access-control-expose-headers")!.split(",");
    for (const h of [
      "link",
      "x-d1-bookmark",
      "idempotent-replayed",
      "etag",
      "content-range",
      "accept-ranges",
      "content-disposition",
      "retry-after",
    ])
      expect(exposed).toContain(h);
    const refused = await send("GET", "/courses", { origin: FRONTEND });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(FRONTEND);
  });

  it("another origin gets no CORS headers, and its request is still judged by its token", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const pre = await preflight("/courses", "POST", "https://evil.example");
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const withToken = await send("GET", "/courses", { origin: "https://evil.example", authorization: `Bearer ${manager}` });
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get("access-control-allow-origin")).toBeNull();
    const without = await send("GET", "/courses", { origin: "https://evil.example" });
    expect(without.status).toBe(401);
  });

  it("localhost origins only when CORS_ALLOW_LOCALHOST is on (npm run dev); * only when configured", () => {
    expect(allowedOrigin("http://localhost:5173", {})).toBeNull();
    expect(allowedOrigin("http://localhost:5173", { CORS_ALLOW_LOCALHOST: "true" })).toBe("http://localhost:5173");
    expect(allowedOrigin("http://127.0.0.1:3000", { CORS_ALLOW_LOCALHOST: "true" })).toBe("http://127.0.0.1:3000");
    expect(allowedOrigin("http://localhost.evil.example", { CORS_ALLOW_LOCALHOST: "true" })).toBeNull();
    expect(allowedOrigin("https://localhost:5173", { CORS_ALLOW_LOCALHOST: "true" })).toBeNull();
    expect(allowedOrigin("https://learn.example.org", { CORS_ORIGINS: "https://learn.example.org/" })).toBe("https://learn.example.org");
    expect(allowedOrigin("https://learn.example.org.evil", { CORS_ORIGINS: "https://learn.example.org" })).toBeNull();
    expect(allowedOrigin("https://any.example", { CORS_ORIGINS: "*" })).toBe("*");
    expect(allowedOrigin("", { CORS_ORIGINS: "*" })).toBeNull();
  });
});
