/**
 * Webhooks: the management routes, the Queue consumer and the cron sweep, against the real local D1 and Queue.
 *
 * The receiver is the one external system: the consumer is handed a `fetch` that records each request and
 * answers as a receiver would (scripted statuses). Messages are built with `createMessageBatch` and the ack /
 * retry outcome read with `getQueueResult`, so every retry's delay is visible. Test webhooks point at
 * https://receiver.example/… (a reserved name that never resolves) so that the Worker's own consumer, which
 * Miniflare runs for messages the API or the sweep put on the queue, fails fast instead of reaching anyone.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DELIVERY_ERRORS, WEBHOOK_EVENT_TYPES } from "../src/domain/vocabulary";
import { checkWebhookUrl, MAX_LIVE_WEBHOOKS, WEBHOOK_MAX_ATTEMPTS } from "../src/domain/webhooks";
import type { Bindings } from "../src/env";
import { newId } from "../src/lib/ids";
import { deliverBatch, MAX_CONCURRENT_DELIVERIES, OUTBOX_RETENTION_DAYS, purgeOutbox } from "../src/webhooks/deliver";
import { deliveriesOf as deliveriesOfQuery, purgeSentEvents } from "../src/webhooks/queries";
import { sign, verify } from "../src/webhooks/signature";
import { actors, call, enrolled, examAnswers, makeCourse, makeForm, makeStep, token, uniqueName } from "./helpers";

const bindings = env as unknown as Bindings;
const manager = await token(uniqueName("webhook-manager"), "manager");
const created: string[] = [];

afterEach(async () => {
  // Each test's webhooks are deleted after it, so the next test's events reach only its own.
  for (const id of created.splice(0)) await call("DELETE", `/webhooks/${id}`, { token: manager });
});

const hookUrl = (name: string) => `https://receiver.example/${uniqueName(name)}`;

async function createWebhook(body: Record<string, unknown>) {
  const res = await call("POST", "/webhooks", { token: manager, body });
  if (res.status === 201) created.push(res.json.id);
  return res;
}

type Received = { url: string; headers: Headers; body: string; at: number };

/** A receiver: records what reaches `url` and answers the scripted statuses in turn (the last one repeats). */
function receiver(url: string, statuses: number[] = [200]) {
  const received: Received[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    // Another test's leftover or a concurrent subscriber: answered, not recorded.
    if (request.url !== url) return new Response(null, { status: 200 });
    received.push({ url: request.url, headers: request.headers, body, at: Date.now() });
    const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
    return new Response(status === 200 ? "ok" : "no", { status });
  };
  return { fetch: fetcher, received };
}

/** An outbox row as a handler's batch writes it; `enqueued_at` set unless the test wants it unsent. */
async function insertEvent(type: string, data: Record<string, unknown>, options: { createdAt?: Date; enqueued?: boolean } = {}) {
  const id = newId();
  const createdAt = (options.createdAt ?? new Date()).toISOString();
  await env.DB.prepare("INSERT INTO webhook_events (id, type, data, created_at, enqueued_at) VALUES (?, ?, ?, ?, ?)")
    .bind(id, type, JSON.stringify(data), createdAt, options.enqueued === false ? null : createdAt)
    .run();
  return id;
}

let messageCounter = 0;

/**
 * Runs the consumer over one `{event_id}` message on its `attempts`-th delivery; answers the queue's verdict
 * (acked or retried) and the delay each retry asked for (`getQueueResult` reports the retry, not its delay).
 */
async function consume(
  eventId: unknown,
  attempts: number,
  fetcher: typeof fetch,
  options: { env?: Partial<Bindings>; timeoutMs?: number } = {},
) {
  const batch = createMessageBatch("lms-webhooks", [
    { id: `msg-${++messageCounter}`, timestamp: new Date(), attempts, body: { event_id: eventId } },
  ]);
  const delays: (number | undefined)[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (retryOptions) => {
      delays.push(retryOptions?.delaySeconds);
      retry(retryOptions);
    };
  }
  const ctx = createExecutionContext();
  await deliverBatch(batch, { ...bindings, ...options.env }, { fetch: fetcher, timeoutMs: options.timeoutMs });
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks.length === 1, retried: result.retryMessages.length === 1, delays };
}

/** Runs the consumer over one batch of first-try messages, one per event; answers how many were acked. */
async function consumeMany(eventIds: string[], fetcher: typeof fetch) {
  const batch = createMessageBatch(
    "lms-webhooks",
    eventIds.map((event_id) => ({ id: `msg-${++messageCounter}`, timestamp: new Date(), attempts: 1, body: { event_id } })),
  );
  const ctx = createExecutionContext();
  await deliverBatch(batch, bindings, { fetch: fetcher });
  return (await getQueueResult(batch, ctx)).explicitAcks.length;
}

const deliveriesOf = async (webhookId: string) => {
  const res = await call("GET", `/webhooks/${webhookId}/deliveries`, { token: manager });
  expect(res.status).toBe(200);
  return res.json as any[];
};

/** An independent Standard Webhooks verifier (Web Crypto directly, not src/webhooks/signature.ts). */
async function independentlyVerified(secret: string, r: Received): Promise<boolean> {
  const key = Uint8Array.from(atob(secret.slice("whsec_".length)), (ch) => ch.charCodeAt(0));
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const content = `${r.headers.get("webhook-id")}.${r.headers.get("webhook-timestamp")}.${r.body}`;
  const [version, signature] = r.headers.get("webhook-signature")!.split(",");
  if (version !== "v1") return false;
  const bytes = Uint8Array.from(atob(signature!), (ch) => ch.charCodeAt(0));
  return crypto.subtle.verify("HMAC", cryptoKey, bytes, new TextEncoder().encode(content));
}

describe("managing webhooks", () => {
  it("create answers 201 with a whsec_ secret of 32 bytes; list and deliveries never show it again", async () => {
    const url = hookUrl("create");
    const res = await createWebhook({ url, events: ["submission.approved", "course.completed"], description: "CRM" });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ url, events: ["submission.approved", "course.completed"], description: "CRM" });
    expect(res.json.id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(atob(res.json.secret.slice(6)).length).toBe(32);

    const list = await call("GET", "/webhooks?limit=200", { token: manager });
    expect(list.status).toBe(200);
    const mine = (list.json as any[]).find((w) => w.id === res.json.id);
    expect(mine).toEqual({
      id: res.json.id,
      url,
      events: ["submission.approved", "course.completed"],
      description: "CRM",
      created_at: mine.created_at,
    });
    expect(list.text).not.toContain(res.json.secret);
    expect(list.text).not.toContain("secret");

    const second = await createWebhook({ url, events: ["submission.approved"] });
    expect(second.json.secret).not.toBe(res.json.secret);
    expect(second.json.description).toBeNull();
  });

  it("the list is keyset-paginated with a Link to the next page", async () => {
    for (let i = 0; i < 3; i++) await createWebhook({ url: hookUrl("page"), events: ["course.completed"] });
    const seen = new Set<string>();
    let path: string | null = "/webhooks?limit=2";
    let pages = 0;
    while (path) {
      const res: { status: number; json: unknown; headers: Headers } = await call("GET", path, { token: manager });
      expect(res.status).toBe(200);
      for (const w of res.json as any[]) seen.add(w.id);
      pages++;
      const link: string | null = res.headers.get("link");
      const next = link ? new URL(/<([^>]+)>/.exec(link)![1]!) : null;
      path = next ? next.pathname + next.search : null;
    }
    for (const id of created) expect(seen.has(id)).toBe(true);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it("delete is soft: 204, gone from the list, deliveries still readable; a second delete or an unknown id is 404", async () => {
    const res = await createWebhook({ url: hookUrl("delete"), events: ["submission.graded"] });
    const id = res.json.id;
    const eventId = await insertEvent("submission.graded", { submission_id: newId() });
    const { fetch } = receiver(res.json.url);
    await consume(eventId, 1, fetch);

    expect((await call("DELETE", `/webhooks/${id}`, { token: manager })).status).toBe(204);
    created.splice(created.indexOf(id), 1);
    const list = await call("GET", "/webhooks?limit=200", { token: manager });
    expect((list.json as any[]).some((w) => w.id === id)).toBe(false);
    expect(await deliveriesOf(id)).toHaveLength(1);

    const again = await call("DELETE", `/webhooks/${id}`, { token: manager });
    expect(again.status).toBe(404);
    expect(again.json.code).toBe("webhook_not_found");
    const unknown = await call("GET", `/webhooks/${newId()}/deliveries`, { token: manager });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("webhook_not_found");

    // A deleted webhook gets nothing more.
    const later = await insertEvent("submission.graded", { submission_id: newId() });
    const after = receiver(res.json.url);
    expect((await consume(later, 1, after.fetch)).acked).toBe(true);
    expect(after.received).toHaveLength(0);
  });

  it("delete fails the webhook's pending deliveries in the same batch; succeeded ones stay as they were", async () => {
    const hook = await createWebhook({ url: hookUrl("delete-pending"), events: ["submission.graded"] });
    const flaky = await insertEvent("submission.graded", { submission_id: newId() });
    const fine = await insertEvent("submission.graded", { submission_id: newId() });
    expect((await consume(flaky, 1, receiver(hook.json.url, [503]).fetch)).retried).toBe(true);
    expect((await consume(fine, 1, receiver(hook.json.url).fetch)).acked).toBe(true);
    const byEvent = async () => new Map((await deliveriesOf(hook.json.id)).map((d) => [d.event_id, d]));
    expect((await byEvent()).get(flaky)).toMatchObject({ status: "pending", next_retry_at: expect.any(String) });

    expect((await call("DELETE", `/webhooks/${hook.json.id}`, { token: manager })).status).toBe(204);
    created.splice(created.indexOf(hook.json.id), 1);
    const after = await byEvent();
    expect(after.get(flaky)).toMatchObject({ status: "failed", attempts: 1, last_error: "webhook_deleted", next_retry_at: null });
    expect(after.get(fine)).toMatchObject({ status: "succeeded", attempts: 1, last_error: null });

    // The message's retry finds no live subscriber: acked, the receiver not called, the record unchanged.
    const r = receiver(hook.json.url);
    expect((await consume(flaky, 2, r.fetch)).acked).toBe(true);
    expect(r.received).toHaveLength(0);
    expect((await byEvent()).get(flaky)).toMatchObject({ status: "failed", attempts: 1, last_error: "webhook_deleted" });
  });

  it("a delete that did not land (404) fails nothing; a delete that raced the consumer is cleaned up by the message's next try", async () => {
    const hook = await createWebhook({ url: hookUrl("delete-race"), events: ["submission.graded"] });
    const eventId = await insertEvent("submission.graded", { submission_id: newId() });
    expect((await consume(eventId, 1, receiver(hook.json.url, [503]).fetch)).retried).toBe(true);
    // Deleted by someone else, earlier (another stamp), after the consumer had read it live: the row is left pending.
    await env.DB.prepare("UPDATE webhooks SET deleted_at = ? WHERE id = ?").bind("2026-01-01T00:00:00.000Z", hook.json.id).run();
    created.splice(created.indexOf(hook.json.id), 1);
    expect((await call("DELETE", `/webhooks/${hook.json.id}`, { token: manager })).status).toBe(404);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ status: "pending" });

    const r = receiver(hook.json.url);
    expect((await consume(eventId, 2, r.fetch)).acked).toBe(true);
    expect(r.received).toHaveLength(0);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      last_error: "webhook_deleted",
      next_retry_at: null,
    });
  });

  it("participants may not manage webhooks", async () => {
    const { participant } = await actors();
    expect((await call("GET", "/webhooks", { token: participant })).status).toBe(403);
    expect(
      (await call("POST", "/webhooks", { token: participant, body: { url: hookUrl("p"), events: ["course.completed"] } })).status,
    ).toBe(403);
  });

  it.each([
    ["http://hooks.example.org/x", "invalid_webhook_url"],
    ["http://localhost:9999/x", "invalid_webhook_url"],
    ["http://127.0.0.1:9999/x", "invalid_webhook_url"],
    ["https://127.0.0.1:9/x", "invalid_webhook_url"],
    ["https://localhost/x", "invalid_webhook_url"],
    ["https://[::1]/x", "invalid_webhook_url"],
    ["https://10.0.0.1/x", "invalid_webhook_url"],
    ["https://169.254.169.254/latest/meta-data/", "invalid_webhook_url"],
    ["https://[::ffff:127.0.0.1]/x", "invalid_webhook_url"],
    ["https://metadata.google.internal/x", "invalid_webhook_url"],
    ["https://user:pw@hooks.example.org/x", "invalid_webhook_url"],
    ["ftp://hooks.example.org/x", "invalid_webhook_url"],
    ["not a url", "invalid_webhook_url"],
    ["https://169.254.169.254../latest/meta-data/", "invalid_webhook_url"],
    ["https://localhost../x", "invalid_webhook_url"],
    ["https://[::ffff:0:7f00:1]/x", "invalid_webhook_url"],
    ["https://[2002:7f00:1::]/x", "invalid_webhook_url"],
    ["https://[64:ff9b:1::a00:1]/x", "invalid_webhook_url"],
    ["https://[64:ff9b::a9fe:a9fe]/x", "invalid_webhook_url"],
    ["https://[100::1]/x", "invalid_webhook_url"],
    ["https://192.0.0.1/x", "invalid_webhook_url"],
    ["https://198.18.0.1/x", "invalid_webhook_url"],
    ["https://192.0.2.1/x", "invalid_webhook_url"],
    ["https://hooks.example.org/a b", "invalid_webhook_url"],
    ["https://hooks.example.org/x\t", "invalid_webhook_url"],
    ["https://hooks.exa\nmple.org/x", "invalid_webhook_url"],
    [`https://hooks.example.org/${"a".repeat(2048)}`, "validation_error"],
  ])("refuses %# with %s (local webhooks are off here)", async (url, code) => {
    const res = await createWebhook({ url, events: ["course.completed"] });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe(code);
  });

  it("stores and shows the URL as normalised: lowercase host, no trailing dot, no default port", async () => {
    const path = uniqueName("normalised");
    const res = await createWebhook({ url: `https://Receiver.EXAMPLE.:443/${path}?Q=1`, events: ["course.completed"] });
    expect(res.status, res.text).toBe(201);
    expect(res.json.url).toBe(`https://receiver.example/${path}?Q=1`);
    const list = await call("GET", "/webhooks?limit=200", { token: manager });
    expect((list.json as any[]).find((w) => w.id === res.json.id).url).toBe(`https://receiver.example/${path}?Q=1`);
  });

  it("the URL rule with local webhooks allowed (npm run dev) and without", () => {
    for (const url of ["http://localhost:8788/hook", "http://127.0.0.1:8788/hook"]) {
      expect(checkWebhookUrl(url, true).ok).toBe(true);
      expect(checkWebhookUrl(url, false).ok).toBe(false);
    }
    expect(checkWebhookUrl("https://hooks.example.org/x", false).ok).toBe(true);
    expect(checkWebhookUrl("http://hooks.example.org/x", true).ok).toBe(false);
  });

  it.each([
    [{ url: "https://h.example.org", events: [] }],
    [{ url: "https://h.example.org", events: ["course.completed", "course.completed"] }],
    [{ url: "https://h.example.org", events: ["course.deleted"] }],
    [{ url: "https://h.example.org", events: [...WEBHOOK_EVENT_TYPES, "course.completed"] }],
    [{ url: "https://h.example.org", events: ["course.completed"], description: "x".repeat(501) }],
    [{ url: "https://h.example.org", events: ["course.completed"], secret: "whsec_mine" }],
    [{ events: ["course.completed"] }],
  ])("refuses body %# with validation_error", async (body) => {
    const res = await createWebhook(body);
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("validation_error");
  });
});

describe(`limits: at most ${MAX_LIVE_WEBHOOKS} live webhooks, no two with the same URL and event set`, () => {
  const liveCount = async () =>
    (await env.DB.prepare("SELECT COUNT(*) AS n FROM webhooks WHERE deleted_at IS NULL").first<{ n: number }>())!.n;

  it("a URL and event set already live → 409 webhook_duplicate, whatever the events' order or the host's spelling", async () => {
    const url = hookUrl("same");
    const events = ["submission.approved", "course.completed"];
    const first = await createWebhook({ url, events });
    expect(first.status, first.text).toBe(201);
    const host = "https://receiver.example/";
    for (const again of [
      { url, events },
      { url, events: [...events].reverse(), description: "another description" },
      { url: url.replace(host, "https://RECEIVER.example./"), events },
      { url: url.replace(host, "https://receiver.example:443/"), events },
    ]) {
      const res = await createWebhook(again);
      expect(res.status, res.text).toBe(409);
      expect(res.json).toMatchObject({ code: "webhook_duplicate", detail: expect.stringContaining(first.json.id) });
    }
    // Another event set or another URL is another webhook.
    expect((await createWebhook({ url, events: ["course.completed"] })).status).toBe(201);
    expect((await createWebhook({ url: `${url}/other`, events })).status).toBe(201);
    // A deleted webhook is no duplicate: the same one may be created again.
    expect((await call("DELETE", `/webhooks/${first.json.id}`, { token: manager })).status).toBe(204);
    expect((await createWebhook({ url, events })).status).toBe(201);
  });

  it("ten identical creates at once: exactly one lands, nine are 409 webhook_duplicate", async () => {
    const body = { url: hookUrl("same-race"), events: ["enrollment.created", "course.completed"] };
    const results = await Promise.all(Array.from({ length: 10 }, () => createWebhook(body)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect([r.status, r.json.code]).toEqual([409, "webhook_duplicate"]);
  });

  it(`30 creates at once with ${MAX_LIVE_WEBHOOKS - 3} live: exactly 3 land, 27 are 409 webhook_limit_reached`, async () => {
    // The database is shared with the other test files: fill it up to three short of the limit, whatever they left.
    const prefix = hookUrl("fill");
    const stamp = new Date().toISOString();
    const fill = MAX_LIVE_WEBHOOKS - 3 - (await liveCount());
    expect(fill).toBeGreaterThanOrEqual(0);
    const insert = env.DB.prepare(
      "INSERT INTO webhooks (id, url, events, description, secret, created_by, created_at, deleted_at) VALUES (?, ?, ?, NULL, ?, 'test', ?, NULL)",
    );
    try {
      if (fill > 0)
        await env.DB.batch(
          Array.from({ length: fill }, (_, i) => insert.bind(newId(), `${prefix}/${i}`, '["course.completed"]', "whsec_AAAA", stamp)),
        );
      expect(await liveCount()).toBe(MAX_LIVE_WEBHOOKS - 3);

      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => createWebhook({ url: `${prefix}/race-${i}`, events: ["course.completed"] })),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      for (const r of results.filter((x) => x.status !== 201)) {
        expect(r.status, r.text).toBe(409);
        expect(r.json).toMatchObject({ code: "webhook_limit_reached", detail: expect.stringContaining(String(MAX_LIVE_WEBHOOKS)) });
      }
      expect(await liveCount()).toBe(MAX_LIVE_WEBHOOKS);

      // Deleted webhooks do not count: one delete makes room for exactly one more.
      const one = results.find((r) => r.status === 201)!.json.id;
      expect((await call("DELETE", `/webhooks/${one}`, { token: manager })).status).toBe(204);
      expect((await createWebhook({ url: `${prefix}/after-delete`, events: ["course.completed"] })).status).toBe(201);
      const full = await createWebhook({ url: `${prefix}/one-too-many`, events: ["course.completed"] });
      expect([full.status, full.json.code]).toEqual([409, "webhook_limit_reached"]);
    } finally {
      await env.DB.prepare("UPDATE webhooks SET deleted_at = ? WHERE url LIKE ? AND deleted_at IS NULL").bind(stamp, `${prefix}/%`).run();
    }
  });
});

describe("delivering events (the Queue consumer)", () => {
  it("POSTs the event signed per Standard Webhooks; an independent verifier accepts it; the delivery is recorded", async () => {
    const hook = await createWebhook({ url: hookUrl("signed"), events: ["submission.approved"] });
    const data = { submission_id: newId(), participant_id: "p-1", submission_status: "Approved", total_score: 15 };
    const eventId = await insertEvent("submission.approved", data);
    const r = receiver(hook.json.url);
    expect(await consume(eventId, 1, r.fetch)).toEqual({ acked: true, retried: false, delays: [] });

    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    expect(got.headers.get("content-type")).toBe("application/json");
    expect(got.headers.get("webhook-id")).toBe(eventId);
    expect(Math.abs(Number(got.headers.get("webhook-timestamp")) - Date.now() / 1000)).toBeLessThan(30);
    expect(got.headers.get("webhook-signature")).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    const body = JSON.parse(got.body);
    expect(Object.keys(body).sort()).toEqual(["created_at", "data", "id", "type"]);
    expect(body).toMatchObject({ id: eventId, type: "submission.approved", data });

    expect(await independentlyVerified(hook.json.secret, got)).toBe(true);
    const headers = { id: eventId, timestamp: got.headers.get("webhook-timestamp"), signature: got.headers.get("webhook-signature") };
    expect(await verify(hook.json.secret, headers, got.body)).toBe(true);
    // Any change to the body, the id or the time breaks it; so does another webhook's secret; so does staleness.
    expect(await verify(hook.json.secret, headers, got.body.replace("15", "16"))).toBe(false);
    expect(await verify(hook.json.secret, { ...headers, id: newId() }, got.body)).toBe(false);
    expect(await verify(hook.json.secret, { ...headers, timestamp: String(Number(headers.timestamp) + 1) }, got.body)).toBe(false);
    const other = await createWebhook({ url: hookUrl("other"), events: ["course.completed"] });
    expect(await verify(other.json.secret, headers, got.body)).toBe(false);
    expect(await verify(hook.json.secret, headers, got.body, new Date(Date.now() + 6 * 60_000))).toBe(false);
    // A known answer for the signing itself, computed with Node's crypto.createHmac outside the Worker.
    expect(
      await sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Ts5RcXKwYE=", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'),
    ).toBe("v1,FVo353ZQFOOBJksr6WtIPhFEKa295UFHzjYmEAM6r9g=");

    const [delivery] = await deliveriesOf(hook.json.id);
    expect(delivery).toMatchObject({
      event_id: eventId,
      event_type: "submission.approved",
      status: "succeeded",
      attempts: 1,
      last_response_code: 200,
      last_error: null,
      next_retry_at: null,
    });
    expect(JSON.stringify(await deliveriesOf(hook.json.id))).not.toContain(hook.json.secret);
  });

  it("a receiver failing twice then succeeding: retried with growing delays, then acked; one delivery row, 3 attempts", async () => {
    const hook = await createWebhook({ url: hookUrl("flaky"), events: ["submission.rejected"] });
    const eventId = await insertEvent("submission.rejected", { submission_id: newId(), submission_status: "Rejected" });
    const r = receiver(hook.json.url, [503, 503, 200]);

    expect(await consume(eventId, 1, r.fetch)).toEqual({ acked: false, retried: true, delays: [10] });
    let [row] = await deliveriesOf(hook.json.id);
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_response_code: 503, last_error: "non_2xx" });
    expect(Date.parse(row.next_retry_at) - Date.parse(row.updated_at)).toBe(10_000);

    expect(await consume(eventId, 2, r.fetch)).toEqual({ acked: false, retried: true, delays: [20] });
    [row] = await deliveriesOf(hook.json.id);
    expect(row).toMatchObject({ status: "pending", attempts: 2 });

    expect(await consume(eventId, 3, r.fetch)).toEqual({ acked: true, retried: false, delays: [] });
    const rows = await deliveriesOf(hook.json.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "succeeded", attempts: 3, last_response_code: 200, last_error: null, next_retry_at: null });

    // Every try carried the same webhook-id, so a receiver can drop duplicates.
    expect(r.received.map((x) => x.headers.get("webhook-id"))).toEqual([eventId, eventId, eventId]);
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
  });

  it("a duplicate message for a delivered event does not call the receiver again", async () => {
    const hook = await createWebhook({ url: hookUrl("dup"), events: ["submission.graded"] });
    const eventId = await insertEvent("submission.graded", { submission_id: newId() });
    const r = receiver(hook.json.url);
    await consume(eventId, 1, r.fetch);
    expect((await consume(eventId, 1, r.fetch)).acked).toBe(true);
    expect(r.received).toHaveLength(1);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("two subscribers, one failing: only the failing one is tried again", async () => {
    const good = await createWebhook({ url: hookUrl("good"), events: ["enrollment.created"] });
    const bad = await createWebhook({ url: hookUrl("bad"), events: ["enrollment.created"] });
    const unsubscribed = await createWebhook({ url: hookUrl("unsubscribed"), events: ["course.completed"] });
    const eventId = await insertEvent("enrollment.created", { participant_id: "p", course_id: newId() });
    const goodR = receiver(good.json.url);
    const badR = receiver(bad.json.url, [500, 200]);
    const otherR = receiver(unsubscribed.json.url);
    const both: typeof fetch = async (input, init) => {
      const url = new Request(input, init).url;
      const target = url === good.json.url ? goodR : url === bad.json.url ? badR : otherR;
      return target.fetch(input, init);
    };
    expect((await consume(eventId, 1, both)).retried).toBe(true);
    expect((await consume(eventId, 2, both)).acked).toBe(true);
    expect(goodR.received).toHaveLength(1);
    expect(badR.received).toHaveLength(2);
    expect(otherR.received).toHaveLength(0);
  });

  it("network errors, timeouts and redirects are failures; the last attempt marks the delivery failed (then the DLQ)", async () => {
    const hook = await createWebhook({ url: hookUrl("down"), events: ["course.completed"] });
    const eventId = await insertEvent("course.completed", { participant_id: "p", course_id: newId() });
    const down: typeof fetch = async () => {
      throw new TypeError("connect ECONNREFUSED 10.9.8.7:443 (internal-gateway.corp)");
    };
    expect((await consume(eventId, 1, down)).delays).toEqual([10]);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ status: "pending", last_response_code: null });
    // The receiver's own words stay out of what managers read: a word of the fixed vocabulary instead.
    expect((await deliveriesOf(hook.json.id))[0].last_error).toBe("connection_failed");

    let redirected: RequestInit | undefined;
    const redirect: typeof fetch = async (_input, init) => {
      redirected = init;
      return new Response(null, { status: 302, headers: { location: "https://elsewhere.example.org/" } });
    };
    await consume(eventId, 2, redirect);
    expect(redirected?.redirect).toBe("manual");
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ last_response_code: 302, last_error: "redirect" });

    const slow: typeof fetch = async (_input, init) => {
      await new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
      return new Response(null);
    };
    expect((await consume(eventId, 3, slow, { timeoutMs: 50 })).delays).toEqual([40]);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ attempts: 3, last_error: "timeout" });

    expect(JSON.stringify(await deliveriesOf(hook.json.id))).not.toMatch(/10\.9\.8\.7|internal-gateway|ECONNREFUSED/);

    // Retried as ever: the queue's own max_retries is spent, so it goes to the dead-letter queue instead.
    expect((await consume(eventId, WEBHOOK_MAX_ATTEMPTS, down)).retried).toBe(true);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ status: "failed", attempts: 4, next_retry_at: null });
  });

  it("last_error is a word of the fixed vocabulary, also for rows recorded before it (free text then)", async () => {
    const hook = await createWebhook({ url: hookUrl("legacy-error"), events: ["course.completed"] });
    const legacy = [
      ["network error: Error: connect ECONNREFUSED 10.9.8.7:443", "connection_failed"],
      ["network error: Error: getaddrinfo ENOTFOUND db.corp", "dns_error"],
      ["non-2xx response: HTTP 503", "non_2xx"],
      ["url refused: url must not name a local or private host", "url_refused"],
      ["timed out", "timeout"],
    ];
    const at = Date.now();
    for (const [i, [text]] of legacy.entries()) {
      const stamp = new Date(at - i * 1000).toISOString();
      await env.DB.prepare(
        "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, last_response_code, last_error, next_retry_at, created_at, updated_at) VALUES (?, ?, ?, 'course.completed', 'failed', 1, NULL, ?, NULL, ?, ?)",
      )
        .bind(newId(), hook.json.id, newId(), text, stamp, stamp)
        .run();
    }
    const rows = await deliveriesOf(hook.json.id);
    expect(rows.map((d) => d.last_error)).toEqual(legacy.map(([, shown]) => shown));
    for (const row of rows) expect(DELIVERY_ERRORS).toContain(row.last_error);

    // The document says so: last_error is that closed list (or null).
    const doc = (await call("GET", "/openapi.json")).json as any;
    expect(doc.components.schemas.WebhookDelivery.properties.last_error.enum).toEqual([...DELIVERY_ERRORS, null]);
  });

  it("the delivery log is newest first and keyset-paginated", async () => {
    const hook = await createWebhook({ url: hookUrl("log"), events: ["submission.submitted"] });
    const r = receiver(hook.json.url);
    const events: string[] = [];
    for (let i = 0; i < 3; i++) {
      events.push(await insertEvent("submission.submitted", { submission_id: newId() }));
      await consume(events[i], 1, r.fetch);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct created_at
    }
    const first = await call("GET", `/webhooks/${hook.json.id}/deliveries?limit=2`, { token: manager });
    expect((first.json as any[]).map((d) => d.event_id)).toEqual([events[2], events[1]]);
    const next = new URL(/<([^>]+)>/.exec(first.headers.get("link")!)![1]!);
    const second = await call("GET", `${next.pathname}${next.search}` as "/webhooks/{webhook_id}/deliveries", { token: manager });
    expect((second.json as any[]).map((d) => d.event_id)).toEqual([events[0]]);
    expect(second.headers.get("link")).toBeNull();
    const bad = await call("GET", `/webhooks/${hook.json.id}/deliveries?cursor=not-a-cursor`, { token: manager });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("invalid_cursor");
  });

  it("acks a message whose event never landed, and a message that is not {event_id}", async () => {
    const r = receiver("https://receiver.example/none");
    expect((await consume(newId(), 1, r.fetch)).acked).toBe(true);
    expect((await consume("not an id", 1, r.fetch)).acked).toBe(true);
    expect((await consume(undefined, 1, r.fetch)).acked).toBe(true);
    expect(r.received).toHaveLength(0);
  });

  it("re-checks the URL at delivery: an http://localhost webhook stored while allowed is not called once it is not", async () => {
    const hook = await createWebhook({ url: hookUrl("local"), events: ["submission.submitted"] });
    const local = "http://127.0.0.1:8788/hook";
    await env.DB.prepare("UPDATE webhooks SET url = ? WHERE id = ?").bind(local, hook.json.id).run();
    const eventId = await insertEvent("submission.submitted", { submission_id: newId() });
    const r = receiver(local);
    expect((await consume(eventId, 1, r.fetch)).acked).toBe(true);
    expect(r.received).toHaveLength(0);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect((await deliveriesOf(hook.json.id))[0].last_error).toBe("url_refused");
    // With local webhooks allowed (npm run dev) it is delivered.
    expect((await consume(eventId, 2, r.fetch, { env: { ALLOW_LOCAL_WEBHOOKS: "true" } })).acked).toBe(true);
    expect(r.received).toHaveLength(1);
  });

  it("a failed delivery never goes back to pending: a later failing try is counted, only a success changes it", async () => {
    const hook = await createWebhook({ url: hookUrl("failed-final"), events: ["course.completed"] });
    const eventId = await insertEvent("course.completed", { participant_id: "p", course_id: newId() });
    expect((await consume(eventId, WEBHOOK_MAX_ATTEMPTS, receiver(hook.json.url, [500]).fetch)).retried).toBe(true);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({ status: "failed", attempts: 1, next_retry_at: null });

    // A duplicate message (or a dead-letter replay) on an early attempt fails again: still failed, no next retry.
    expect((await consume(eventId, 1, receiver(hook.json.url, [503]).fetch)).retried).toBe(true);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({
      status: "failed",
      attempts: 2,
      last_response_code: 503,
      last_error: "non_2xx",
      next_retry_at: null,
    });

    // A success does land.
    expect((await consume(eventId, 2, receiver(hook.json.url).fetch)).acked).toBe(true);
    expect((await deliveriesOf(hook.json.id))[0]).toMatchObject({
      status: "succeeded",
      attempts: 3,
      last_response_code: 200,
      last_error: null,
    });
  });

  it(`at most ${MAX_CONCURRENT_DELIVERIES} requests are in flight across a batch of 10 messages`, async () => {
    const first = await createWebhook({ url: hookUrl("parallel-a"), events: ["submission.submitted"] });
    const second = await createWebhook({ url: hookUrl("parallel-b"), events: ["submission.submitted"] });
    const events: string[] = [];
    for (let i = 0; i < 10; i++) events.push(await insertEvent("submission.submitted", { submission_id: newId() }));
    let inFlight = 0;
    let maxInFlight = 0;
    const mine: string[] = [];
    // Every request counts (another test file's live subscriber too): the cap is on the Worker's connections.
    const slowReceiver: typeof fetch = async (input, init) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const url = new Request(input, init).url;
        if (url === first.json.url || url === second.json.url) mine.push(url);
        await new Promise((resolve) => setTimeout(resolve, 40));
        return new Response(null, { status: 204 });
      } finally {
        inFlight--;
      }
    };
    expect(await consumeMany(events, slowReceiver)).toBe(10);
    expect(mine).toHaveLength(20);
    expect(maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENT_DELIVERIES);
    expect(maxInFlight).toBeGreaterThan(1); // still in parallel
    for (const hook of [first, second]) expect((await deliveriesOf(hook.json.id)).every((d) => d.status === "succeeded")).toBe(true);
  });

  it("WEBHOOK_RETRY_BASE_SECONDS sets the first delay", async () => {
    const hook = await createWebhook({ url: hookUrl("base"), events: ["requirement_submission.approved"] });
    const eventId = await insertEvent("requirement_submission.approved", { submission_id: newId() });
    const r = receiver(hook.json.url, [500]);
    expect(await consume(eventId, 2, r.fetch, { env: { WEBHOOK_RETRY_BASE_SECONDS: "2" } })).toEqual({
      acked: false,
      retried: true,
      delays: [4],
    });
  });
});

describe("events from real changes", () => {
  it("an exam approved through the API: outbox rows carry ids and decisions, never answers or is_correct", async () => {
    const hook = await createWebhook({ url: hookUrl("journey"), events: [...WEBHOOK_EVENT_TYPES] });
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    await makeForm(manager, { step_id: step.id });
    const { participant, pid } = await enrolled(manager, course.id);
    const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
    expect(start.status).toBe(201);
    const submissionId = start.json.submission_id;
    expect((await call("POST", `/forms/submissions/${submissionId}/submit`, { token: participant, body: examAnswers() })).status).toBe(200);
    const graded = await call("POST", `/form-submissions/${submissionId}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] },
    });
    expect(graded.status).toBe(200);
    expect((await call("POST", `/form-submissions/${submissionId}/approve`, { token: manager, body: { feedback: "good" } })).status).toBe(
      200,
    );

    const rows = (
      await env.DB.prepare("SELECT id, type, data, created_at FROM webhook_events WHERE data LIKE ? OR data LIKE ? ORDER BY created_at, id")
        .bind(`%${submissionId}%`, `%${pid}%`)
        .all<{ id: string; type: string; data: string; created_at: string }>()
    ).results;
    const types = rows.map((row) => row.type);
    expect(types).toContain("submission.submitted");
    for (const row of rows) {
      expect(row.data).not.toMatch(/answers|is_correct|selected_option_id|answer_text|Chanting purifies/);
      expect(JSON.parse(row.data)).not.toHaveProperty("answers");
    }

    // And what a receiver gets is that row, signed.
    const r = receiver(hook.json.url);
    for (const row of rows) await consume(row.id, 1, r.fetch);
    expect(r.received.length).toBe(rows.length);
    for (const got of r.received) {
      expect(got.body).not.toMatch(/answers|is_correct|selected_option_id|answer_text/);
      expect(await independentlyVerified(hook.json.secret, got)).toBe(true);
    }
    console.log(`webhook events from one exam journey: ${types.join(", ")}`);
  });
});

describe("the cron sweep", () => {
  it("re-sends an outbox row whose enqueue failed once it is a minute old, not a fresh one; the real queue delivers it", async () => {
    const hook = await createWebhook({ url: hookUrl("sweep"), events: ["course.completed"] });
    const stale = await insertEvent(
      "course.completed",
      { course_id: newId(), participant_id: "p" },
      {
        createdAt: new Date(Date.now() - 2 * 60_000),
        enqueued: false,
      },
    );
    const fresh = await insertEvent("course.completed", { course_id: newId(), participant_id: "q" }, { enqueued: false });
    const worker = exports.default as unknown as { scheduled: (options: { scheduledTime: Date; cron: string }) => Promise<unknown> };

    // The five-minute housekeeping cron does not sweep; the every-minute one does.
    await worker.scheduled({ scheduledTime: new Date(), cron: "*/5 * * * *" });
    const enqueuedAt = async (id: string) =>
      (await env.DB.prepare("SELECT enqueued_at FROM webhook_events WHERE id = ?").bind(id).first<{ enqueued_at: string | null }>())!
        .enqueued_at;
    expect(await enqueuedAt(stale)).toBeNull();
    await worker.scheduled({ scheduledTime: new Date(), cron: "* * * * *" });
    expect(await enqueuedAt(stale)).not.toBeNull();
    expect(await enqueuedAt(fresh)).toBeNull();

    // Miniflare's queue hands the message to this Worker's own consumer, which tries the (unreachable) receiver
    // and records the try: proof that the sweep put it on the real queue. (Retries of earlier tests' events
    // that went through the real queue may reach this subscriber too; the fresh row never does.)
    await vi.waitFor(
      async () => {
        const rows = await deliveriesOf(hook.json.id);
        expect(rows.map((d) => d.event_id)).toContain(stale);
      },
      { timeout: 15_000, interval: 200 },
    );
    const rows = await deliveriesOf(hook.json.id);
    expect(rows.find((d) => d.event_id === stale)).toMatchObject({ status: "pending", attempts: 1, last_response_code: null });
    expect(rows.map((d) => d.event_id)).not.toContain(fresh);
  }, 30_000);
});

describe("the outbox purge (five-minute cron)", () => {
  const day = 86_400_000;
  const exists = async (id: string) => (await env.DB.prepare("SELECT 1 FROM webhook_events WHERE id = ?").bind(id).first()) !== null;

  it(`deletes rows enqueued more than ${OUTBOX_RETENTION_DAYS} days ago; newer and unsent rows stay; delivery rows are kept`, async () => {
    const hook = await createWebhook({ url: hookUrl("purge"), events: ["course.completed"] });
    const old = await insertEvent("course.completed", { course_id: newId() }, { createdAt: new Date(Date.now() - 31 * day) });
    const recent = await insertEvent("course.completed", { course_id: newId() }, { createdAt: new Date(Date.now() - 29 * day) });
    const unsent = await insertEvent(
      "course.completed",
      { course_id: newId() },
      { createdAt: new Date(Date.now() - 40 * day), enqueued: false },
    );
    expect((await consume(old, 1, receiver(hook.json.url).fetch)).acked).toBe(true);

    const worker = exports.default as unknown as { scheduled: (options: { scheduledTime: Date; cron: string }) => Promise<unknown> };
    await worker.scheduled({ scheduledTime: new Date(), cron: "*/5 * * * *" });
    expect(await exists(old)).toBe(false);
    expect(await exists(recent)).toBe(true);
    expect(await exists(unsent)).toBe(true);
    expect((await deliveriesOf(hook.json.id)).map((d) => d.event_id)).toEqual([old]);

    // A dead-letter replay of the purged event finds no row: acked, nobody called.
    const r = receiver(hook.json.url);
    expect((await consume(old, 1, r.fetch)).acked).toBe(true);
    expect(r.received).toHaveLength(0);
    // Not left for the every-minute sweep of the tests that follow.
    await env.DB.prepare("DELETE FROM webhook_events WHERE id = ?").bind(unsent).run();
  });

  it("is bounded per run; the next run continues", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(await insertEvent("course.completed", { course_id: newId() }, { createdAt: new Date(Date.now() - 60 * day) }));
    expect(await purgeOutbox(bindings, new Date(), 2)).toBe(2);
    expect(await purgeOutbox(bindings, new Date(), 2)).toBe(1);
    expect(await purgeOutbox(bindings, new Date(), 2)).toBe(0);
    for (const id of ids) expect(await exists(id)).toBe(false);
  });
});

describe("indexes the consumer and the cron read along", () => {
  const db = drizzle(env.DB);
  const plan = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql, params } = query.toSQL();
    const rows = (
      await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>()
    ).results;
    return rows.map((r) => r.detail).join(" | ");
  };

  it("an event's deliveries so far: by the (event_id) index, not a scan", async () => {
    const detail = await plan(deliveriesOfQuery(db, newId()));
    expect(detail).toMatch(/USING INDEX webhook_deliveries_by_event/);
    expect(detail).not.toMatch(/SCAN webhook_deliveries/);
  });

  it("the purge: by the partial enqueued_at index", async () => {
    const detail = await plan(purgeSentEvents(db, new Date().toISOString(), 500));
    expect(detail).toMatch(/webhook_events_enqueued/);
  });
});
