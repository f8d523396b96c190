// npm run test:webhooks — webhooks end to end in `wrangler dev` with its local Queue, D1 and cron trigger.
//
// Receivers on 127.0.0.1 (node:http) subscribe to submission.approved; a real approval is driven through the API
// (course → step → exam → enrolment → start → submit → approve). Checked and measured:
//   1. a receiver gets the approval event, signed per Standard Webhooks (verified here with node:crypto), within
//      seconds of the approve response;
//   2. a receiver answering 503 twice gets it on the third try (retries with backoff; the delivery log says so);
//   3. an outbox row whose enqueue failed (inserted straight into the local D1, 2 minutes old) is delivered once
//      the every-minute cron runs (`--test-scheduled`, GET /__scheduled?cron=* * * * *).
// Prints the delivery times and `N passed, N failed` like .ci/run.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { devToken, root, startWranglerDev, wrangler } from "./lib.mjs";

const API_PORT = Number(process.env.WEBHOOKS_E2E_API_PORT ?? 8792);
const api = `http://127.0.0.1:${API_PORT}`;
// Short so the fail-twice receiver is done in a few seconds: tries at 0, +1 s, +2 s (base doubled per attempt).
const RETRY_BASE_SECONDS = 1;
const DEADLINE_MS = 20_000;

const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok });
  console.log(`${ok ? "✓" : "✗"} ${name}${detail ? ` — ${detail}` : ""}`);
}

const children = [];
let receiverServer;
function cleanUp() {
  receiverServer?.close();
  for (const child of children) if (child.exitCode === null) process.kill(-child.pid, "SIGTERM");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, predicate, timeoutMs = DEADLINE_MS) {
  const start = Date.now();
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

async function json(method, urlPath, bearer, body) {
  const res = await fetch(`${api}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A receiver's check, as docs/webhooks.md's example does it: HMAC over "id.timestamp.body", constant-time, ±5 min. */
function verified(secret, headers, body) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((s) => {
    const [version, value] = s.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

try {
  // Receivers: /ok answers 200; /flaky answers 503 twice, then 200; /sweep answers 200.
  const received = { ok: [], flaky: [], sweep: [] };
  receiverServer = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const name = req.url.slice(1);
      const list = received[name];
      if (!list || req.method !== "POST") return res.writeHead(404).end();
      list.push({ at: Date.now(), headers: req.headers, body });
      const status = name === "flaky" && list.length <= 2 ? 503 : 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "try later");
    });
  });
  await new Promise((resolve) => receiverServer.listen(0, "127.0.0.1", resolve));
  const receiverUrl = `http://127.0.0.1:${receiverServer.address().port}`;

  const started = await startWranglerDev({
    name: "webhooks-e2e",
    port: API_PORT,
    args: ["--test-scheduled", "--var", "ALLOW_LOCAL_WEBHOOKS:true", "--var", `WEBHOOK_RETRY_BASE_SECONDS:${RETRY_BASE_SECONDS}`],
  });
  children.push(started.dev);
  console.log(`wrangler dev up in ${started.bootMs} ms`);

  const runId = Date.now().toString(36);
  const manager = devToken(`webhooks-manager-${runId}`, "manager", 3600);
  const participantId = `webhooks-participant-${runId}`;
  const participant = devToken(participantId, "participant", 3600);

  const ok = await json("POST", "/webhooks", manager, { url: `${receiverUrl}/ok`, events: ["submission.approved"], description: "e2e" });
  const flaky = await json("POST", "/webhooks", manager, { url: `${receiverUrl}/flaky`, events: ["submission.approved"] });
  const sweep = await json("POST", "/webhooks", manager, { url: `${receiverUrl}/sweep`, events: ["requirement_submission.approved"] });
  check("POST /webhooks answers 201 with a whsec_ secret", /^whsec_[A-Za-z0-9+/]{43}=$/.test(ok.secret));
  const listed = await json("GET", "/webhooks", manager);
  check("GET /webhooks lists them without secrets", listed.length === 3 && !JSON.stringify(listed).includes("whsec_"));

  // A real approval: course → step → exam (one MCQ) → enrolment → start → submit → approve.
  const course = await json("POST", "/courses", manager, { name: `Webhooks course ${runId}` });
  const step = await json("POST", "/steps", manager, { course_id: course.id, name: "Step 1" });
  const mcq = JSON.parse(readFileSync(path.join(root, "test", "fixtures", "sample-questions.json"), "utf8")).filter(
    (q) => q.question_type === "MCQ",
  );
  await json("POST", "/forms", manager, { name: "Exam", step_id: step.id, duration_minutes: 30, questions: mcq });
  await json("POST", `/courses/${course.id}/enroll?participant_id=${encodeURIComponent(participantId)}`, manager);
  const attempt = await json("POST", `/steps/${step.id}/exam/start`, participant);
  const answers = { mcq_answers: [{ question_id: mcq[0].question_id, selected_option_id: "a" }] };
  await json("POST", `/forms/submissions/${attempt.submission_id}/submit`, participant, answers);
  await json("POST", `/form-submissions/${attempt.submission_id}/approve`, manager, { feedback: "well done" });
  const approvedAt = Date.now();

  // 1. The approval event, signed.
  const first = await until("the approval event at /ok", () => received.ok[0]);
  const firstMs = first.at - approvedAt;
  const event = JSON.parse(first.body);
  check(
    "the receiver gets submission.approved for this submission",
    event.type === "submission.approved" && JSON.stringify(event.data).includes(attempt.submission_id),
    `data ${JSON.stringify(event.data)}`,
  );
  check("its signature verifies (HMAC-SHA256, whsec_ key, ±5 min)", verified(ok.secret, first.headers, first.body));
  check("webhook-id is the event id", first.headers["webhook-id"] === event.id);
  check("another webhook's secret does not verify it", !verified(flaky.secret, first.headers, first.body));
  check("the body carries no answers or is_correct", !/answers|is_correct|selected_option_id/.test(first.body));
  check(`delivered within seconds of the approve response`, firstMs < 5000, `${firstMs} ms`);

  // 2. The fail-twice receiver: three tries, the same webhook-id, then the delivery log says succeeded.
  await until("three tries at /flaky", () => received.flaky.length >= 3);
  const flakyTimes = received.flaky.map((r) => r.at - approvedAt);
  check(
    "a receiver answering 503 twice gets it on the third try",
    received.flaky.length === 3 && received.flaky.every((r) => r.headers["webhook-id"] === event.id),
    `tries at ${flakyTimes.map((t) => `${t} ms`).join(", ")} after the approve response`,
  );
  const gaps = flakyTimes.slice(1).map((t, i) => t - flakyTimes[i]);
  check("each retry waited longer than the one before (backoff)", gaps[1] > gaps[0], `gaps ${gaps.join(" ms, ")} ms`);
  check(
    "every try is signed",
    received.flaky.every((r) => verified(flaky.secret, r.headers, r.body)),
  );
  const flakyLog = await until("the delivery log of /flaky", async () => {
    const rows = await json("GET", `/webhooks/${flaky.id}/deliveries`, manager);
    return rows[0]?.status === "succeeded" ? rows : null;
  });
  check(
    "GET /webhooks/{id}/deliveries: succeeded after 3 attempts, last answer 200",
    flakyLog.length === 1 && flakyLog[0].attempts === 3 && flakyLog[0].last_response_code === 200,
    JSON.stringify(flakyLog[0]),
  );
  check("the /ok receiver was not called again by the retries", received.ok.length === 1);

  // 3. An outbox row whose enqueue failed: written straight into the local D1, two minutes old, never sent.
  const eventId =
    Math.floor(Date.now() / 1000)
      .toString(16)
      .padStart(8, "0") + randomBytes(8).toString("hex");
  const createdAt = new Date(Date.now() - 120_000).toISOString();
  const data = JSON.stringify({ submission_id: "0".repeat(24), participant_id: participantId, approved: true });
  wrangler(
    [
      "d1",
      "execute",
      "DB",
      "--local",
      "--persist-to",
      started.state,
      "--command",
      `INSERT INTO webhook_events (id, type, data, created_at, enqueued_at) VALUES ('${eventId}', 'requirement_submission.approved', '${data}', '${createdAt}', NULL)`,
    ],
    { capture: true },
  );
  await sleep(1500);
  check("nothing delivers the unsent row before the cron runs", received.sweep.length === 0);
  const cronAt = Date.now();
  const cron = await fetch(`${api}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
  await cron.text();
  const swept = await until("the swept event at /sweep", () => received.sweep[0]);
  const sweepMs = swept.at - cronAt;
  check(
    "the cron sweep sends it and the receiver gets it, signed",
    cron.ok && swept.headers["webhook-id"] === eventId && verified(sweep.secret, swept.headers, swept.body),
    `${sweepMs} ms after the cron trigger`,
  );

  // A deleted webhook gets nothing more.
  const deleted = await fetch(`${api}/webhooks/${ok.id}`, { method: "DELETE", headers: { authorization: `Bearer ${manager}` } });
  check(
    "DELETE /webhooks/{id} answers 204 and its deliveries stay readable",
    deleted.status === 204 && (await json("GET", `/webhooks/${ok.id}/deliveries`, manager)).length === 1,
  );

  console.log("");
  console.log("webhook delivery times (wrangler dev, local Queue):");
  console.log(`  first delivery: ${firstMs} ms after the approve response`);
  console.log(`  fail twice then succeed: tries at ${flakyTimes.map((t) => `${t} ms`).join(", ")} (retry base ${RETRY_BASE_SECONDS} s)`);
  console.log(`  cron sweep: ${sweepMs} ms from GET /__scheduled to receipt`);
} catch (error) {
  check("the webhooks end-to-end run completed", false, String(error?.stack ?? error));
} finally {
  cleanUp();
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
