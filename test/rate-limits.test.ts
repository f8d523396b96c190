/**
 * Runs in its own workerd with wrangler.toml's own [[ratelimits]] (vitest.config.ts: project "rate-limits").
 * Miniflare's limiter, like Cloudflare's, counts in windows of `period` seconds aligned to the clock.
 */
import { describe, expect, it } from "vitest";
import { RATE_LIMITS } from "../src/lib/rate-limit";
import wranglerToml from "../wrangler.toml?raw";
import { call, enrolled, token, twoStepCourse, uniqueName } from "./helpers";

/** Starts a burst early in a window, so that the window cannot roll over half-way through it. */
async function freshWindow(periodSeconds: number) {
  const into = Date.now() % (periodSeconds * 1000);
  if (into > periodSeconds * 1000 - 12_000) await new Promise((r) => setTimeout(r, periodSeconds * 1000 - into + 200));
}

async function burst(n: number, send: () => Promise<{ status: number }>) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await send()).status);
  return statuses;
}

describe("rate limits", { timeout: 90_000 }, () => {
  it("the figures the API publishes are wrangler.toml's", () => {
    for (const { binding, limit, period } of Object.values(RATE_LIMITS)) {
      const block = new RegExp(`name = "${binding}"\\s+namespace_id = "\\d+"\\s+simple = \\{ limit = (\\d+), period = (\\d+) \\}`).exec(
        wranglerToml,
      );
      expect(block, binding).not.toBeNull();
      expect([Number(block?.[1]), Number(block?.[2])]).toEqual([limit, period]);
    }
  });

  it("expensive writes: the caller past the limit gets 429 with Retry-After and RateLimit headers; others are unaffected", async () => {
    const { limit, period } = RATE_LIMITS.expensive;
    const manager = await token(uniqueName("manager"), "manager");
    const { course, step1 } = await twoStepCourse(manager);
    const a = await enrolled(manager, course.id);
    const b = await enrolled(manager, course.id);
    for (const who of [a, b]) await call("POST", `/steps/${step1.id}/materials-complete`, { token: who.participant });

    await freshWindow(period);
    // Starting an exam again resumes it: the same cheap answer each time, but every call is an expensive one.
    const first = await call("POST", `/steps/${step1.id}/exam/start`, { token: a.participant });
    expect(first.status).toBe(201);
    const attempt = (first.json as { submission_id: string }).submission_id;
    const statuses = await burst(limit - 1, () => call("POST", `/steps/${step1.id}/exam/start`, { token: a.participant }));
    expect(statuses.filter((s) => s === 200)).toHaveLength(limit - 1);
    const refused = await call("POST", `/steps/${step1.id}/exam/start`, { token: a.participant });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: "rate_limited", request_id: refused.headers.get("x-request-id") });
    expect(refused.headers.get("retry-after")).toBe(String(period));
    expect(refused.headers.get("ratelimit")).toBe(`"expensive";r=0;t=${period}`);
    expect(refused.headers.get("ratelimit-policy")).toBe(`"caller";q=600;w=60, "expensive";q=${limit};w=${period}`);

    // Another participant is not affected, and the first can still read (the caller class has room).
    expect((await call("POST", `/steps/${step1.id}/exam/start`, { token: b.participant })).status).toBe(201);
    const read = await call("GET", `/steps/${step1.id}`, { token: a.participant });
    expect(read.status).toBe(200);
    expect(read.headers.get("ratelimit-policy")).toBe(`"caller";q=600;w=60`);

    // Submitting is not an expensive call (its attempt was opened by one): past the expensive limit, the open attempt
    // can still be handed in, counted against the caller class only.
    expect((await call("POST", `/steps/${step1.id}/exam/start`, { token: a.participant })).status).toBe(429);
    const submitted = await call("POST", `/forms/submissions/${attempt}/submit`, {
      token: a.participant,
      body: { mcq_answers: [], theory_answers: [] },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.json).toMatchObject({ submission_id: attempt, submission_status: "Submitted" });
    expect(submitted.headers.get("ratelimit-policy")).toBe(`"caller";q=600;w=60`);
  });

  it("every authenticated request: one caller past the limit gets 429, another caller is unaffected", async () => {
    const { limit, period } = RATE_LIMITS.caller;
    const busy = await token(uniqueName("manager"), "manager");
    const calm = await token(uniqueName("manager"), "manager");
    await freshWindow(period);
    const statuses = await burst(limit, () => call("GET", "/courses?limit=1", { token: busy }));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await call("GET", "/courses?limit=1", { token: busy });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit")).toBe(`"caller";r=0;t=${period}`);
    expect((await call("GET", "/courses?limit=1", { token: calm })).status).toBe(200);
  });

  it("without a valid token: counted per client address, bad tokens included", async () => {
    const { limit, period } = RATE_LIMITS.anonymous;
    const from = (ip: string) => ({ headers: { "cf-connecting-ip": ip } });
    await freshWindow(period);
    const half = Math.floor(limit / 2);
    const publicCalls = await burst(half, () => call("GET", "/health", from("203.0.113.7")));
    const badTokens = await burst(limit - half, () => call("GET", "/courses", { token: "not-a-token", ...from("203.0.113.7") }));
    expect(publicCalls.every((s) => s === 200)).toBe(true);
    expect(badTokens.every((s) => s === 401)).toBe(true);
    const refused = await call("GET", "/courses", { token: "still-not-a-token", ...from("203.0.113.7") });
    expect(refused.status).toBe(429);
    expect(refused.json.code).toBe("rate_limited");
    expect((await call("GET", "/health", from("203.0.113.7"))).status).toBe(429);
    // The certificate reads a verifier makes are public the same way: counted against the address, refused past it.
    expect((await call("GET", "/.well-known/jwks.json", from("203.0.113.7"))).status).toBe(429);
    expect((await call("GET", "/certificates/0123456789abcdef01234567", from("203.0.113.7"))).status).toBe(429);
    expect((await call("GET", "/health", from("198.51.100.20"))).status).toBe(200);
    // A preflight is never counted: browsers send one per URL.
    const preflight = await call("OPTIONS", "/courses", {
      headers: { origin: "http://localhost:5173", "access-control-request-method": "GET", "cf-connecting-ip": "203.0.113.7" },
    });
    expect(preflight.status).toBe(204);
  });

  it("refused signed file links count against their address, however many different link strings are tried", async () => {
    const { limit, period } = RATE_LIMITS.anonymous;
    const from = { "cf-connecting-ip": "192.0.2.55" };
    await freshWindow(period);
    const material = "507f1f77bcf86cd799439011";
    const guesses = await burst(limit + 10, () =>
      call("GET", `/materials/${material}/file?token=${crypto.randomUUID()}.${crypto.randomUUID()}`, { headers: from }),
    );
    expect(guesses.slice(0, limit).every((s) => s === 401)).toBe(true);
    expect(guesses.slice(limit)).toEqual(Array(10).fill(429));
    // Another address still gets its own answer.
    expect((await call("GET", `/materials/${material}/file?token=x.y`, { headers: { "cf-connecting-ip": "192.0.2.56" } })).status).toBe(
      401,
    );
  });
});
