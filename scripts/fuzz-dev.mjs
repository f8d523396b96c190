// npm run test:fuzz-dev — bad requests against `wrangler dev`, checking that every answer is the Worker's.
//
// `wrangler dev` puts a proxy (wrangler's ProxyWorker, in a second workerd) between the client and the Worker.
// When that hop breaks, the client gets the proxy's `500 Error: Network connection lost.` (text, with a stack
// of local paths) or a dropped connection, and the Worker's own answer is lost. This run starts its own
// `wrangler dev`, seeds a course, exam, attempt and requirement table through the API, then sends a bounded,
// seeded set of requests over raw sockets (so the framing is ours): every route and method of /openapi.json
// plus methods it does not declare, with seeded, unknown, malformed and 5,000-character ids, malformed JSON,
// wrong and missing Content-Types, empty bodies, chunked bodies, bodies sent after a pause, large bodies under
// the 1 MB cap, bodies over it (413) sent whole or declared and sent in part, and declared lengths under it,
// sent in part, on requests refused before their body is read (no valid token).
//
// Fails on: a 5xx that is not the Worker's JSON, a dropped or unanswered well-formed request, a Worker 500
// (bad input gets a 4xx), a 4xx that is not the Worker's JSON, and `Error inside ProxyWorker` in the dev log.
// Then sends 10 requests that break HTTP (a body shorter than its Content-Length, a malformed chunk size) and
// prints what they got without counting it: those are wrangler's (docs/upstream-wrangler-dev-body.md).
// Prints `N passed, N failed` like .ci/run.
//
//   FUZZ_DEV_ROUNDS (default 3) rounds of FUZZ_DEV_REQUESTS (default 700) requests, FUZZ_DEV_SEED for the first
//   round's seed (each round adds 1), FUZZ_DEV_PORT (default 8794). FUZZ_DEV_URL=http://127.0.0.1:8787 runs against
//   a server already running (e.g. `npm run dev`, seeding into its data) instead of starting one.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { cleanUpOnExit, devToken, root, startWranglerDev } from "./lib.mjs";

const ROUNDS = Number(process.env.FUZZ_DEV_ROUNDS ?? 3);
const PER_ROUND = Number(process.env.FUZZ_DEV_REQUESTS ?? 700);
const FIRST_SEED = Number(process.env.FUZZ_DEV_SEED ?? 20261);
const PORT = Number(process.env.FUZZ_DEV_PORT ?? 8794);
const external = process.env.FUZZ_DEV_URL;
const api = external ?? `http://127.0.0.1:${PORT}`;
const target = new URL(api);
// Concurrent connections: enough that requests overlap in the proxy, few enough for a 2-core machine.
const CONCURRENCY = 8;
const ANSWER_TIMEOUT_MS = 15_000;
const MAX_JSON_BODY = 1024 * 1024;

const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok });
  console.log(`${ok ? "✓" : "✗"} ${name}${detail ? ` — ${detail}` : ""}`);
}

const children = [];
const running = (child) => child.exitCode === null && child.signalCode === null;
function signalAll(signal) {
  for (const child of children) {
    if (!running(child)) continue;
    try {
      process.kill(-child.pid, signal); // the whole group: wrangler and its workerd processes
    } catch {}
  }
}
const cleanUp = () => signalAll("SIGTERM");
/** Stops wrangler and waits for it (SIGKILL after 5 s), so no dev server outlives the run. */
async function stopAll() {
  signalAll("SIGTERM");
  const exited = children.map((child) => (running(child) ? new Promise((resolve) => child.once("exit", resolve)) : null));
  const timeout = sleep(5000).then(() => "timeout");
  if ((await Promise.race([Promise.all(exited), timeout])) === "timeout") signalAll("SIGKILL");
}
// The run owns its wrangler: it goes when the run ends, however it ends.
cleanUpOnExit(cleanUp);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: the same seed sends the same requests, so a failure can be replayed with FUZZ_DEV_SEED. */
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(next() * list.length)];
  return { next, pick };
}

async function json(method, urlPath, bearer, body) {
  const res = await fetch(`${api}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      "cf-connecting-ip": "10.255.0.1",
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * One request on its own connection. `head` and `body` are written as given (the body after `pauseMs` when set,
 * so the Worker may answer before it arrives); the answer is read until the server closes.
 */
function send({ head, body = [], pauseMs = 0, halfClose = false }) {
  return new Promise((resolve) => {
    const socket = connect(Number(target.port), target.hostname);
    const chunks = [];
    let settled = false;
    const finish = (how) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ how, bytes: Buffer.concat(chunks) });
    };
    const timer = setTimeout(() => finish("timeout"), ANSWER_TIMEOUT_MS);
    socket.on("connect", async () => {
      socket.write(head);
      for (const part of body) {
        if (pauseMs) await sleep(pauseMs);
        if (socket.destroyed) return;
        socket.write(part);
      }
      if (halfClose) socket.end();
    });
    socket.on("data", (d) => chunks.push(d));
    socket.on("end", () => finish("closed"));
    socket.on("close", () => finish("closed"));
    socket.on("error", (e) => finish(`error ${e.code ?? e.message}`));
  });
}

/** Status, headers and (de-chunked) body of an HTTP/1.1 answer, or why it is not a complete one. */
function parseAnswer(bytes, method) {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return { complete: false, why: bytes.length ? "incomplete head" : "no bytes" };
  const lines = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
  if (!status) return { complete: false, why: `bad status line ${JSON.stringify(lines[0].slice(0, 60))}` };
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = bytes.subarray(end + 4);
  if (method === "HEAD" || status === 204 || status === 304) return { complete: true, status, headers, body: "" };
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const parts = [];
    for (;;) {
      const lineEnd = rest.indexOf("\r\n");
      if (lineEnd < 0) return { complete: false, status, headers, why: "chunked body cut short" };
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
      if (Number.isNaN(size)) return { complete: false, status, headers, why: "bad chunk size" };
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size) return { complete: false, status, headers, why: "chunked body cut short" };
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    return { complete: true, status, headers, body: Buffer.concat(parts).toString("utf8") };
  }
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (rest.length < length) return { complete: false, status, headers, why: `body ${rest.length} of ${length} bytes` };
    return { complete: true, status, headers, body: rest.subarray(0, length).toString("utf8") };
  }
  return { complete: true, status, headers, body: rest.toString("utf8") };
}

/** The Worker's error shape: JSON with a `detail` string (and a `code`). */
function isWorkerJson(answer) {
  if (!/^application\/(problem\+)?json/i.test(answer.headers["content-type"] ?? "")) return false;
  if (answer.body === "") return true; // HEAD: the headers are the Worker's, the body is dropped by HTTP
  try {
    const parsed = JSON.parse(answer.body);
    return typeof parsed.detail === "string";
  } catch {
    return false;
  }
}

// ---- What is sent ------------------------------------------------------------------------------------------

const LONG_ID = "a".repeat(5000);
const JUNK_IDS = ["abc", "0".repeat(24), LONG_ID, "%ZZ", "..%2F..", "%00", "%E2%82%AC%20x", "507f1f77bcf86cd7994390zz", "-1"];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const TEXT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/jsonx",
];
const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"];

/** Bodies a JSON route must refuse with a 4xx, or accept: never a 500. */
function jsonBodies(rng) {
  return [
    "{nope",
    '{"name":',
    "[1,2",
    "nul",
    '{"name":"x",}',
    "\u0000\u0001",
    "{}",
    "[]",
    '"text"',
    "123",
    "null",
    '{"name":123,"step_id":[],"questions":"x"}',
    '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
    JSON.stringify({ name: "Fuzz", description: "é€😀\u202e", questions: [{ question_id: "q", question_type: "MCQ" }] }),
    JSON.stringify({ name: "x".repeat(5000), id: LONG_ID }),
    `${"[".repeat(3000)}${"]".repeat(3000)}`,
    JSON.stringify({ rows: Array.from({ length: 50 }, (_, i) => ({ serial_number: i, completed: rng.next() > 0.5 })) }),
    JSON.stringify({
      mcq_answers: [{ question_id: "q1", selected_option_id: "a" }],
      theory_answers: [{ question_id: "q2", answer_text: "x" }],
    }),
  ];
}

const FILE_ROUTE = /^\/materials\/[^/]+\/file$/;

/**
 * How a request's head and body go on the wire. Every framing is well-formed HTTP/1.1: a declared length the
 * client has not finished sending is only used where the Worker answers without reading the body, and the
 * client then waits for that answer, as a client honouring an early refusal does.
 */
function plan(rng, { method, path: urlPath, token, ip }, seedBodies) {
  const head = (extra, bearer = token) =>
    `${method} ${urlPath} HTTP/1.1\r\nHost: ${target.host}\r\n${bearer ? `Authorization: Bearer ${bearer}\r\n` : ""}` +
    `cf-connecting-ip: ${ip}\r\nConnection: close\r\n${extra}\r\n`;
  const roll = rng.next();
  const type = rng.next() < 0.75 ? rng.pick(JSON_TYPES) : rng.pick(TEXT_TYPES);
  if (roll < 0.12) return { kind: "no body", head: head("") };
  if (roll < 0.18) return { kind: "empty body", head: head(`Content-Type: ${type}\r\nContent-Length: 0\r\n`) };
  if (roll < 0.6) {
    // Sometimes after a pause, so the Worker may have answered before the body arrives.
    const body = Buffer.from(rng.pick(seedBodies));
    const pauseMs = rng.next() < 0.5 ? Math.floor(rng.next() * 4) : 0;
    return { kind: "JSON-ish body", head: head(`Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n`), body: [body], pauseMs };
  }
  if (roll < 0.7) {
    const body = Buffer.from(rng.pick(seedBodies));
    const missing = rng.next() < 0.5;
    return {
      kind: "body without a JSON Content-Type",
      head: head(`${missing ? "" : `Content-Type: ${rng.pick(TEXT_TYPES)}\r\n`}Content-Length: ${body.length}\r\n`),
      body: [body],
      pauseMs: 1,
    };
  }
  if (roll < 0.82) {
    // Chunked, in two chunks with pauses between: the Worker may answer before the last one.
    const text = rng.pick(seedBodies);
    const cut = Math.max(1, Math.floor(text.length / 2));
    const pieces = [text.slice(0, cut), text.slice(cut)].filter(Boolean).map((p) => Buffer.from(p));
    const body = [
      ...pieces.map((p) => Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from("\r\n")])),
      Buffer.from("0\r\n\r\n"),
    ];
    return { kind: "chunked body", head: head(`Content-Type: ${type}\r\nTransfer-Encoding: chunked\r\n`), body, pauseMs: 2 };
  }
  if (roll < 0.9) {
    // Large, under the cap: a JSON parse or validation refuses it after reading it, a refusal before reading
    // (401, 404, 415…) leaves all of it unread.
    const size = 32 * 1024 + Math.floor(rng.next() * 256 * 1024);
    const body = Buffer.from(`{"name":"${"x".repeat(size)}"`);
    return { kind: "large body under 1 MB", head: head(`Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n`), body: [body] };
  }
  if (roll < 0.95) {
    // Declared over the cap (the file route's 100 MB one there), sent only in part: 413 from the header alone.
    const cap = FILE_ROUTE.test(urlPath.split("?")[0]) ? 100 * MAX_JSON_BODY : MAX_JSON_BODY;
    const declared = cap + 1 + Math.floor(rng.next() * 50 * MAX_JSON_BODY);
    return {
      kind: "declared over the cap, sent in part",
      head: head(`Content-Type: ${type}\r\nContent-Length: ${declared}\r\n`),
      body: [Buffer.from(`{"name":"${"y".repeat(1000)}`)],
    };
  }
  if (roll < 0.97) {
    // Over the 1 MB cap and sent whole, as a client that does not wait for an early refusal sends it: 413.
    const size = MAX_JSON_BODY + Math.floor(rng.next() * 2 * MAX_JSON_BODY);
    const body = Buffer.from(`{"name":"${"z".repeat(size)}"}`);
    return { kind: "over the cap, sent whole", head: head(`Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n`), body: [body] };
  }
  // Declared under the cap, sent in part, without a valid token: refused (401, or a preflight's answer) before
  // the body is read, so the Worker can answer although the rest never comes.
  const sent = Buffer.from(rng.pick(seedBodies));
  const declared = sent.length + 1 + Math.floor(rng.next() * 64 * 1024);
  return {
    kind: "declared under the cap, sent in part, refused unread",
    head: head(`Content-Type: ${type}\r\nContent-Length: ${declared}\r\n`, rng.next() < 0.5 ? "not.a.token" : null),
    body: [sent],
  };
}

/**
 * Requests that break HTTP, answered (or not) by wrangler's proxy before the Worker's answer can reach the
 * client: reported, not failed on (docs/upstream-wrangler-dev-body.md is the report to file).
 */
function broken(token, ip, i) {
  const head = (extra) =>
    `PUT /forms/${"0".repeat(24)} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${token}\r\n` +
    `cf-connecting-ip: ${ip}\r\nConnection: close\r\nContent-Type: application/json\r\n${extra}\r\n`;
  return i % 2 === 0
    ? {
        kind: "body shorter than its Content-Length, then EOF",
        head: head("Content-Length: 100\r\n"),
        body: [Buffer.from('{"name":"x"')],
        halfClose: true,
      }
    : {
        kind: "malformed chunk size",
        head: head("Transfer-Encoding: chunked\r\n"),
        body: [Buffer.from('zz\r\n{"name":"x"}\r\n0\r\n\r\n')],
      };
}

// ---- The run ------------------------------------------------------------------------------------------------

let devLog = () => "";
try {
  if (!external) {
    const started = await startWranglerDev({
      name: "fuzz-dev",
      port: PORT,
      // The Worker's 5xx lines only: its ~2,100 refusals would otherwise fill the dev log this script reads.
      args: ["--log-level", "warn", "--var", "REQUEST_LOG_LEVEL:error"],
      healthHeaders: { "cf-connecting-ip": "10.255.0.2" },
    });
    children.push(started.dev);
    devLog = started.log;
    console.log(`wrangler dev up in ${started.bootMs} ms`);
  }

  // Seeded through the API, so real ids reach the handlers' deeper paths (lookups, state checks, body reads).
  const runId = Date.now().toString(36);
  const managerToken = (n) => devToken(`fuzz-manager-${runId}-${n}`, "manager", 3600);
  const participantId = `fuzz-participant-${runId}`;
  const participant = devToken(participantId, "participant", 3600);
  const manager = managerToken("seed");
  const course = await json("POST", "/courses", manager, { name: `Fuzz course ${runId}` });
  const step = await json("POST", "/steps", manager, { course_id: course.id, name: "Step 1" });
  const material = await json("POST", `/steps/${step.id}/materials`, manager, {
    material_type: "Video",
    title: "Intro",
    content: { url: "https://youtube.com/watch?v=x" },
  });
  const questions = JSON.parse(readFileSync(path.join(root, "test", "fixtures", "sample-questions.json"), "utf8"));
  const form = await json("POST", "/forms", manager, { name: "Exam", step_id: step.id, duration_minutes: 30, max_attempts: 3, questions });
  const table = await json("POST", "/requirement-tables", manager, {
    name: "Daily",
    step_id: step.id,
    requirements: [{ serial_number: 1, activity: "Chanting", target: 16, unit: "rounds" }],
  });
  await json("POST", `/courses/${course.id}/enroll?participant_id=${encodeURIComponent(participantId)}`, manager);
  await json("POST", `/materials/${material.id}/complete`, participant);
  const attempt = await json("POST", `/steps/${step.id}/exam/start`, participant);
  const tableSubmission = await json("GET", `/requirement-tables/${table.id}/my-submission`, participant);
  const seeded = {
    course_id: course.id,
    step_id: step.id,
    material_id: material.id,
    form_id: form.id,
    table_id: table.id,
    participant_id: participantId,
    serial_number: "1",
  };
  const submissionFor = (p) => (p.startsWith("/requirement-tables/") ? tableSubmission.submission_id : attempt.submission_id);
  console.log(`seeded course ${course.id}, exam ${form.id}, attempt ${attempt.submission_id}, table ${table.id}`);

  const ipRes = await fetch(`${api}/openapi.json`, { headers: { "cf-connecting-ip": "10.255.0.3" } });
  const document = await ipRes.json();
  const operations = [];
  for (const [template, item] of Object.entries(document.paths)) {
    const declared = Object.keys(item).filter((m) => METHODS.includes(m.toUpperCase()));
    for (const method of declared) operations.push({ template, method: method.toUpperCase(), declared: true });
    // Methods the path does not declare: a 404/405-style refusal, never a 500.
    for (const method of METHODS) if (!declared.includes(method.toLowerCase())) operations.push({ template, method, declared: false });
  }
  operations.push({ template: "/no/such/route", method: "PUT", declared: false }, { template: "/health", method: "POST", declared: false });
  console.log(`${operations.length} operations (${operations.filter((o) => o.declared).length} declared in /openapi.json)`);

  const counts = { requests: 0, nonJson5xx: 0, dropped: 0, worker500: 0, nonJson4xx: 0 };
  const failures = [];
  const byKind = {};
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const seed = FIRST_SEED + round;
    const rng = random(seed);
    const bodies = jsonBodies(rng);
    const roundStart = Date.now();
    const before = { ...counts };
    const requests = Array.from({ length: PER_ROUND }, (_, i) => {
      const operation = i < operations.length ? operations[(i + round) % operations.length] : rng.pick(operations);
      const method = rng.next() < 0.85 ? operation.method : rng.pick(METHODS);
      const urlPath = operation.template.replace(/\{(\w+)\}/g, (_, name) => {
        if (rng.next() < 0.45) return rng.pick(JUNK_IDS);
        if (name === "submission_id") return submissionFor(operation.template);
        return seeded[name] ?? rng.pick(JUNK_IDS);
      });
      // Spread over callers and addresses so the rate limits (600/min per caller, 120/min per address) rarely
      // answer first: a 429 is a fine answer, but it would stop the request before the code under test.
      const who = rng.next();
      const token = who < 0.55 ? managerToken(Math.floor(i / 150)) : who < 0.8 ? participant : who < 0.9 ? "not.a.token" : null;
      const ip = `10.${round}.${Math.floor(i / 60)}.${i % 60}`;
      return { method, urlPath, ...plan(rng, { method, path: urlPath, token, ip }, bodies) };
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const request = requests[next++];
          const sentAt = Date.now();
          const raw = await send(request);
          const answer = parseAnswer(raw.bytes, request.method);
          counts.requests++;
          byKind[request.kind] ??= { sent: 0, failed: 0, ms: 0 };
          const kind = byKind[request.kind];
          kind.sent++;
          kind.ms += Date.now() - sentAt;
          let problem = null;
          if (!answer.complete) {
            counts.dropped++;
            problem = `no complete answer (${raw.how}; ${answer.why})`;
          } else if (answer.status >= 500 && !isWorkerJson(answer)) {
            counts.nonJson5xx++;
            problem = `${answer.status} not from the Worker: ${JSON.stringify(answer.body.slice(0, 120))}`;
          } else if (answer.status === 500) {
            counts.worker500++;
            problem = `the Worker answered 500: ${answer.body.slice(0, 160)}`;
          } else if (answer.status >= 400 && answer.status < 500 && !isWorkerJson(answer)) {
            counts.nonJson4xx++;
            problem = `${answer.status} without the Worker's JSON: ${JSON.stringify(answer.body.slice(0, 120))}`;
          }
          if (problem) {
            kind.failed++;
            failures.push(`${request.method} ${request.urlPath.slice(0, 90)} [${request.kind}] → ${problem}`);
          }
        }
      }),
    );
    const bad = (k) => counts[k] - before[k];
    console.log(
      `round ${round + 1} (seed ${seed}): ${PER_ROUND} requests in ${Date.now() - roundStart} ms — ` +
        `${bad("nonJson5xx")} non-JSON 5xx, ${bad("dropped")} dropped, ${bad("worker500")} Worker 500, ${bad("nonJson4xx")} non-JSON 4xx`,
    );
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  for (const failure of failures.slice(0, 40)) console.log(`  ${failure}`);
  if (failures.length > 40) console.log(`  … and ${failures.length - 40} more`);
  console.log(
    `by framing: ${Object.entries(byKind)
      .map(([k, v]) => `${k} ${v.sent} (${Math.round(v.ms / v.sent)} ms each${v.failed ? `, ${v.failed} failed` : ""})`)
      .join(", ")}`,
  );
  const of = `of ${counts.requests} requests in ${ROUNDS} rounds, ${seconds} s`;
  check("every 5xx is the Worker's JSON (none from the dev proxy)", counts.nonJson5xx === 0, `${counts.nonJson5xx} ${of}`);
  check("every well-formed request gets a complete answer (none dropped)", counts.dropped === 0, `${counts.dropped} dropped ${of}`);
  check("bad input never gets the Worker's 500", counts.worker500 === 0, `${counts.worker500} ${of}`);
  check("every 4xx is the Worker's JSON with `detail`", counts.nonJson4xx === 0, `${counts.nonJson4xx} ${of}`);
  const proxyErrors = devLog().match(/Error inside ProxyWorker/g)?.length ?? 0;
  if (!external) check("the dev log has no `Error inside ProxyWorker`", proxyErrors === 0, `${proxyErrors} in the log`);

  // Wrangler's own cases, for the record: what a client that breaks HTTP gets (the Worker answers 400 or 415
  // to what it could read; the proxy's forward has already failed).
  const upstream = {};
  for (let i = 0; i < 10; i++) {
    const request = broken(managerToken("broken"), `10.254.0.${i}`, i);
    const answer = parseAnswer((await send(request)).bytes, "PUT");
    const seen = !answer.complete
      ? "no answer"
      : isWorkerJson(answer)
        ? `${answer.status} from the Worker`
        : `${answer.status} ${JSON.stringify(answer.body.split("\n")[0].slice(0, 40))}`;
    upstream[request.kind] ??= {};
    upstream[request.kind][seen] = (upstream[request.kind][seen] ?? 0) + 1;
  }
  for (const [kind, seen] of Object.entries(upstream))
    console.log(
      `upstream, not counted: ${kind} → ${Object.entries(seen)
        .map(([k, n]) => `${n} × ${k}`)
        .join(", ")}`,
    );
  if (/Reloading local server/.test(devLog())) console.log("note: wrangler reloaded the Worker during the run (a source file changed)");
} catch (error) {
  check("the fuzz run completed", false, String(error?.stack ?? error));
  if (devLog()) console.log(devLog().split("\n").slice(-30).join("\n"));
} finally {
  await stopAll();
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
