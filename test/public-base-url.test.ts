import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { makeCourse, makeMaterial, makeStep, token, uniqueName } from "./helpers";

/**
 * PUBLIC_BASE_URL cannot be varied per test through vitest.config.ts, so these tests call the app directly
 * with the test bindings plus the variable, and a Host header an attacker chose.
 */
const app = createApp();

async function callWith(
  base: string | undefined,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: BodyInit; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { host: "evil.example", ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const ctx = createExecutionContext();
  const bindings = base === undefined ? { ...env } : { ...env, PUBLIC_BASE_URL: base };
  const response = await app.fetch(new Request(`http://evil.example${path}`, { method, headers, body }), bindings, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json };
}

const pdf = () => {
  const bytes = new Uint8Array(400);
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  return bytes;
};

async function materialWithFile(base: string | undefined) {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const material = await makeMaterial(manager, step.id, { material_type: "Document", content: { url: "https://example.com/x.pdf" } });
  const bytes = pdf();
  const uploaded = await callWith(base, "PUT", `/materials/${material.id}/file`, {
    token: manager,
    rawBody: bytes,
    headers: { "content-type": "application/pdf", "content-length": String(bytes.byteLength) },
  });
  expect(uploaded.status).toBe(200);
  return { manager, step, material, uploaded };
}

afterEach(() => vi.restoreAllMocks());

describe("PUBLIC_BASE_URL", () => {
  const base = "https://api.example.com";

  it("builds a material's content.url, the file link and the next-page Link from it, not from Host", async () => {
    const { manager, step, material, uploaded } = await materialWithFile(base);
    expect(uploaded.json.content.url).toBe(`${base}/materials/${material.id}/file`);

    const stepView = await callWith(base, "GET", `/steps/${step.id}`, { token: manager });
    expect(stepView.status).toBe(200);
    expect(stepView.json.materials[0].content.url).toBe(`${base}/materials/${material.id}/file`);

    const link = await callWith(base, "POST", `/materials/${material.id}/file-link`, { token: manager });
    expect(link.status).toBe(200);
    expect(link.json.url.startsWith(`${base}/materials/${material.id}/file?token=`)).toBe(true);

    await makeCourse(manager);
    const list = await callWith(base, "GET", "/courses?limit=1", { token: manager });
    expect(list.status).toBe(200);
    const next = /^<([^>]+)>; rel="next"$/.exec(list.headers.get("link") ?? "")?.[1];
    expect(next).toBeDefined();
    expect(next!.startsWith(`${base}/courses?`)).toBe(true);
    expect(new URL(next!).searchParams.get("limit")).toBe("1");
    expect(new URL(next!).searchParams.get("cursor")).toBeTruthy();
  });

  it("keeps a path prefix and drops a trailing slash", async () => {
    const { manager, material, uploaded } = await materialWithFile("https://example.com/lms/api/");
    expect(uploaded.json.content.url).toBe(`https://example.com/lms/api/materials/${material.id}/file`);
    const link = await callWith("https://example.com/lms/api/", "POST", `/materials/${material.id}/file-link`, { token: manager });
    expect(link.json.url.startsWith(`https://example.com/lms/api/materials/${material.id}/file?token=`)).toBe(true);
    await makeCourse(manager);
    const list = await callWith("https://example.com/lms/api", "GET", "/courses?limit=1", { token: manager });
    expect(list.headers.get("link")).toMatch(/^<https:\/\/example\.com\/lms\/api\/courses\?[^>]+>; rel="next"$/);
  });

  it("falls back to the request's origin when unset", async () => {
    const { material, uploaded } = await materialWithFile(undefined);
    expect(uploaded.json.content.url).toBe(`http://evil.example/materials/${material.id}/file`);
  });

  it("falls back to the request's origin, and logs once, when it is not an http(s) URL", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of [
      "javascript:alert(1)",
      "api.example.com",
      "ftp://api.example.com",
      "https://user:pw@api.example.com",
      "https://api.example.com/?x=1",
    ]) {
      const { manager, material, uploaded } = await materialWithFile(bad);
      expect(uploaded.status, bad).toBe(200);
      expect(uploaded.json.content.url, bad).toBe(`http://evil.example/materials/${material.id}/file`);
      const again = await callWith(bad, "GET", `/steps/${material.step_id}`, { token: manager });
      expect(again.status, bad).toBe(200);
      const logged = errors.mock.calls.filter(
        (args) => String(args[0]).includes("PUBLIC_BASE_URL") && args.some((a) => String(a).includes(bad)),
      );
      expect(logged, bad).toHaveLength(1);
    }
  });
});
