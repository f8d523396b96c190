import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { setD1FaultInjector } from "../src/lib/d1";
import { logError } from "../src/lib/observability";
import { call, makeCourse, token, uniqueName } from "./helpers";

afterEach(() => {
  setD1FaultInjector(null);
  vi.restoreAllMocks();
});

/** The JSON lines the API logged while `run` ran, each with the console method that wrote it. */
async function logged(run: () => Promise<unknown>) {
  const lines: Record<string, unknown>[] = [];
  const spies = (["info", "log", "warn", "error"] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      if (typeof line !== "string" || !line.startsWith("{")) return;
      const parsed = JSON.parse(line);
      writtenBy.set(parsed, method);
      lines.push(parsed);
    }),
  );
  await run();
  for (const spy of spies) spy.mockRestore();
  return lines;
}
/** The console method each logged line was written with, kept beside the line (not in what is compared as it). */
const writtenBy = new WeakMap<object, string>();
const methodOf = (line: object | undefined) => (line ? writtenBy.get(line) : undefined);
const requestLines = (lines: Record<string, unknown>[]) => lines.filter((l) => "status" in l);

describe("request ids", () => {
  it("every answer carries x-request-id, and every error body names the same id", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const ok = await call("GET", "/courses", { token: manager });
    expect(ok.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    for (const res of [
      await call("GET", "/courses"),
      await call("GET", "/courses/not-an-id", { token: manager }),
      await call("GET", "/courses/507f1f77bcf86cd799439099", { token: manager }),
      await call("GET", "/nowhere", { token: manager }),
      await call("POST", "/courses", { token: manager, body: { name: "" } }),
      await call("POST", "/courses", { token: manager, rawBody: "{", headers: { "content-type": "application/json" } }),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      const id = res.headers.get("x-request-id");
      expect(id).toBeTruthy();
      expect(res.json.request_id).toBe(id);
    }
    const preflight = await call("OPTIONS", "/courses", {
      headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" },
    });
    expect(preflight.headers.get("x-request-id")).toBeTruthy();
  });

  it("the id is always the server's own; a client's safe id is logged beside it as client_request_id", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    let mine: Awaited<ReturnType<typeof call>> | undefined;
    const lines = await logged(async () => {
      mine = await call("GET", "/courses", {
        token: manager,
        headers: { "x-request-id": "web-7f3a.42:retry-1", "cf-ray": "8a1b2c3d4e5f6a7b-AMS" },
      });
    });
    expect(mine?.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[0]).toMatchObject({
      request_id: mine?.headers.get("x-request-id"),
      client_request_id: "web-7f3a.42:retry-1",
      cf_ray: "8a1b2c3d4e5f6a7b-AMS",
    });
    // Two requests sending the same id still get two ids of their own.
    const again = await call("GET", "/courses", { token: manager, headers: { "x-request-id": "web-7f3a.42:retry-1" } });
    expect(again.headers.get("x-request-id")).not.toBe(mine?.headers.get("x-request-id"));
    for (const unsafe of ["has space", "x".repeat(65), "<script>", "-leading-dash"]) {
      const unsafeLines = await logged(() => call("GET", "/courses", { token: manager, headers: { "x-request-id": unsafe } }));
      expect(unsafeLines[0]?.client_request_id).toBeUndefined();
      expect(JSON.stringify(unsafeLines[0])).not.toContain(unsafe);
    }
  });

  it("a browser on an allowed origin can read x-request-id and the rate-limit headers", async () => {
    const res = await call("GET", "/health", { headers: { origin: "http://localhost:5173" } });
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["x-request-id", "ratelimit", "ratelimit-policy", "retry-after"]));
  });
});

describe("one log line per request", () => {
  it("names method, route pattern, status, duration, D1 round trips, request id and role — never the token or ids", async () => {
    const sub = uniqueName("manager");
    const manager = await token(sub, "manager");
    const course = await makeCourse(manager);
    let res: Awaited<ReturnType<typeof call>> | undefined;
    const lines = await logged(async () => {
      res = await call("GET", `/courses/${course.id}`, { token: manager });
    });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toEqual({
      level: "info",
      request_id: res?.headers.get("x-request-id"),
      method: "GET",
      route: "/courses/:course_id",
      status: 200,
      duration_ms: expect.any(Number),
      d1_calls: expect.any(Number),
      role: "manager",
    });
    expect(line?.d1_calls).toBeGreaterThanOrEqual(1);
    expect(methodOf(line)).toBe("info");
    const text = JSON.stringify(line);
    for (const secret of [manager, sub, course.id, course.name]) expect(text).not.toContain(secret);
  });

  it("an error is logged with its code; an unexpected one with its stack, which the client never sees", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const warn = await logged(() => call("GET", "/courses/507f1f77bcf86cd799439099", { token: manager }));
    expect(warn[0]).toMatchObject({ level: "warn", status: 404, code: "course_not_found", route: "/courses/:course_id" });
    // Written with console.warn: Workers Logs file it as a warning, and `npm run dev` (wrangler at warn) shows it.
    expect(methodOf(warn[0])).toBe("warn");
    const refused = await logged(() => call("GET", "/courses/507f1f77bcf86cd799439099"));
    expect(refused[0]).toMatchObject({ status: 401, code: "unauthorized", route: "/courses/:course_id", role: null });
    const unknown = await logged(() => call("GET", "/no/such/route", { token: manager }));
    expect(unknown[0]).toMatchObject({ status: 404, code: "route_not_found", route: "unmatched" });
    // A literal route beside a templated one that also matches: the line names the one that answered.
    const participant = await token(uniqueName("participant"), "participant");
    const own = await logged(() => call("GET", "/participants/me/accommodations", { token: participant }));
    expect(own[0]).toMatchObject({ status: 200, route: "/participants/me/accommodations" });
    const pending = await logged(() => call("GET", "/form-submissions/pending", { token: participant }));
    expect(pending[0]).toMatchObject({ status: 403, code: "manager_only", route: "/form-submissions/pending" });

    setD1FaultInjector(() => new Error("disk on fire at /var/lib/d1"));
    let res: Awaited<ReturnType<typeof call>> | undefined;
    const lines = await logged(async () => {
      res = await call("GET", "/courses", { token: manager });
    });
    expect(res?.status).toBe(500);
    expect(res?.json).toEqual({ detail: "Internal server error", code: "internal_error", request_id: res?.headers.get("x-request-id") });
    expect(res?.text).not.toContain("disk on fire");
    expect(requestLines(lines)[0]).toMatchObject({ level: "error", status: 500, code: "internal_error" });
    expect(methodOf(requestLines(lines)[0])).toBe("error");
    const logged500 = lines.find((l) => l.event === "unhandled_error");
    expect(logged500).toMatchObject({ request_id: res?.headers.get("x-request-id"), cause: expect.stringContaining("disk on fire") });
    expect(methodOf(logged500)).toBe("error");
    expect(logged500?.stack).toContain("Error");
  });
});

describe("REQUEST_LOG_LEVEL", () => {
  // `npm run dev` sets "warn" (scripts/dev-server.json).
  it('"warn" writes 4xx and 5xx lines only, "error" 5xx only; unset or unknown writes every request', async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const app = createApp();
    const statuses = async (level: string | undefined) => {
      const lines = await logged(async () => {
        const bindings = { ...env, REQUEST_LOG_LEVEL: level };
        const headers = { authorization: `Bearer ${manager}` };
        expect((await app.fetch(new Request("https://api.test/courses", { headers }), bindings)).status).toBe(200);
        expect((await app.fetch(new Request("https://api.test/courses/507f1f77bcf86cd799439099", { headers }), bindings)).status).toBe(404);
        setD1FaultInjector(() => new Error("disk on fire"));
        expect((await app.fetch(new Request("https://api.test/courses", { headers }), bindings)).status).toBe(500);
        setD1FaultInjector(null);
      });
      return requestLines(lines).map((l) => l.status);
    };
    expect(await statuses(undefined)).toEqual([200, 404, 500]);
    expect(await statuses("info")).toEqual([200, 404, 500]);
    expect(await statuses("warn")).toEqual([404, 500]);
    expect(await statuses("error")).toEqual([500]);
    expect(await statuses("WARN ")).toEqual([200, 404, 500]);
  });

  it("npm run dev sets it to warn", async () => {
    const { default: dev } = await import("../scripts/dev-server.json");
    expect(dev.args.join(" ")).toContain("--var REQUEST_LOG_LEVEL:warn");
  });
});

describe("response hygiene", () => {
  it("authenticated JSON is private and never stored; every answer says nosniff", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    for (const res of [
      await call("GET", "/courses", { token: manager }),
      await call("GET", "/participants/me/courses", { token: await token(uniqueName("participant"), "participant") }),
      await call("GET", "/courses/507f1f77bcf86cd799439099", { token: manager }),
      await call("GET", "/courses"),
    ]) {
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const docs = await call("GET", "/docs");
    expect(docs.headers.get("x-content-type-options")).toBe("nosniff");
    // Development and tests: no HSTS (it would pin localhost to https in a developer's browser).
    expect(docs.headers.get("strict-transport-security")).toBeNull();
  });

  it("production answers carry Strict-Transport-Security", async () => {
    const app = createApp();
    const res = await app.fetch(new Request("https://api.test/health"), { ...env, ENVIRONMENT: "production" });
    expect(res.status).toBe(200);
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("error logs never carry bound values", () => {
  it("drizzle's failed-query text keeps its SQL and loses its params", () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const failed = new Error(
      'Failed query: insert into "webhooks" ("id", "url", "secret") values (?, ?, ?)\nparams: 1,https://x.example/h,whsec_c2VjcmV0',
    );
    logError("req-1", failed);
    spy.mockRestore();
    const [line] = errors;
    expect(line).toContain('insert into \\"webhooks\\"');
    expect(line).toContain("params: [redacted]");
    expect(line).not.toMatch(/whsec_|x\.example/);
  });

  // Creating a webhook is one batch (the insert and its audit event): a failed batch logs what went wrong, and
  // none of the statements' values.
  it("a failed create of a webhook logs neither the signing secret nor any other bound value", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    setD1FaultInjector((sql) => (sql.includes('into "webhooks"') ? new Error("D1_ERROR: Network connection lost.") : null));
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const url = `https://receiver.example/${uniqueName("hook")}`;
    const res = await call("POST", "/webhooks", { token: manager, body: { url, events: ["submission.approved"] } });
    spy.mockRestore();
    expect(res.status).toBe(500);
    const line = errors.find((l) => l.includes("unhandled_error"));
    expect(line, errors.join("\n")).toBeDefined();
    expect(line).toContain("Network connection lost");
    expect(line).not.toMatch(/whsec_/);
    expect(line).not.toContain(url);
  });
});
