import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cleanUpOnExit, DEV_SERVER, devToken, freePort, localSecret, startBuiltWorker, startWranglerDev } from "./lib.mjs";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    takers: { type: "string", default: "200" },
    dev: { type: "boolean", default: false },
    seed: { type: "string", default: "2026" },
    "start-window": { type: "string", default: "60" },
    "exam-window": { type: "string", default: "120" },
    profile: { type: "string" },
    // Takers kept aside for the closed-loop cost of each request kind, measured after the run.
    "cost-takers": { type: "string", default: "100" },
  },
});
const N = Math.max(1, Number(args.takers));
const START_WINDOW = Number(args["start-window"]) * 1000;
const EXAM_WINDOW = Number(args["exam-window"]) * 1000;
const SUBMIT_FROM = EXAM_WINDOW - 60_000 > 0 ? EXAM_WINDOW - 60_000 : EXAM_WINDOW / 2;
const AUTOSAVE_EVERY = 15_000;

// A seeded generator: the same N and seed plan the same requests.
let state = Number(args.seed) >>> 0 || 1;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};

/* ------------------------------------------------ the server ------------------------------------------------ */

const SECRET = "examday-secret";
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
let tokenFor = (sub, role) => {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, role, iat: now, exp: now + 7200 })}`;
  return `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
};

let base;
let workerdPid = null;
let devGroup = null; // wrangler dev's process group, when started here
let devPort = null;
let inspectorPort;
const cleanUps = [];
cleanUpOnExit(() => {
  for (const fn of cleanUps.splice(0)) fn();
});

if (args.dev) {
  tokenFor = (sub, role) => devToken(sub, role, 7200);
  if (positionals[0]) base = positionals[0].replace(/\/$/, "");
  else {
    localSecret();
    const port = await freePort();
    // As `npm run dev` runs it (DEV_SERVER), so this is the server the README's command starts.
    const { dev, inspectorPort: devInspector } = await startWranglerDev({ name: "bench-examday", port, ...DEV_SERVER });
    devGroup = dev.pid;
    // wrangler's inspector proxy, which reaches the Worker's isolate (a DevTools client connected there is what it serves).
    if (args.profile) inspectorPort = devInspector;
    devPort = port;
    cleanUps.push(() => {
      try {
        process.kill(-dev.pid, "SIGTERM");
      } catch {}
    });
    base = `http://127.0.0.1:${port}`;
  }
} else {
  inspectorPort = args.profile ? await freePort() : undefined;
  const started = await startBuiltWorker({
    name: "examday",
    bindings: { JWT_SECRET: SECRET, D1_STATS: "true" },
    cleanUps,
    inspectorPort,
  });
  base = started.base;
  workerdPid = started.workerdPid;
}

/** A process's group and its CPU seconds so far (utime + stime, in clock ticks of 1/100 s), from /proc. */
function procStat(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { pgrp: Number(fields[2]), cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** CPU seconds of each process of wrangler dev's group, named by its part: the Worker's workerd, the proxy, wrangler. */
function groupCpu(pgid) {
  const out = {};
  if (!pgid) return out;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = procStat(pid);
      if (stat.pgrp !== pgid) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      const part = /workerd/.test(args)
        ? args.includes(`entry=127.0.0.1:${devPort}`)
          ? "wrangler's proxy (workerd)"
          : "the Worker (workerd)"
        : /wrangler/.test(args)
          ? "wrangler (node)"
          : args.split(" ")[0].split("/").pop();
      out[part] = (out[part] ?? 0) + stat.cpu;
    } catch {}
  }
  return out;
}

function cpuSeconds(pid) {
  if (!pid) return null;
  try {
    return procStat(pid).cpu;
  } catch {
    return null;
  }
}

/** One request to the API: the bearer token and a JSON body when given. */
function request({ method, url, token, body, headers = {} }) {
  return fetch(base + url, {
    method,
    headers: {
      ...headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
}

async function api(method, url, token, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await request({ method, url, token, body });
    if (res.status === 429 && attempt < 30) {
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
      continue;
    }
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }
}

/* ------------------------------------------------ set-up (not measured) ------------------------------------------------ */

const words = (n, seed) =>
  Array.from({ length: n }, (_, i) => ["dharma", "karma", "bhakti", "jnana", "atma", "yoga"][(i + seed) % 6]).join(" ");
const QUESTIONS = Array.from({ length: 20 }, (_, i) =>
  i < 16
    ? {
        question_id: `q${i + 1}`,
        question_type: "MCQ",
        question_text: `Question ${i + 1}: ${words(12, i)}?`,
        options: ["a", "b", "c", "d"].map((id, j) => ({ option_id: id, text: `${words(3, i + j)} (${id})`, is_correct: j === i % 4 })),
        marks: 1,
      }
    : { question_id: `q${i + 1}`, question_type: "THEORY", question_text: `Explain: ${words(14, i)}.`, marks: 5, max_words: 300 },
);
const MCQ = QUESTIONS.filter((q) => q.question_type === "MCQ");
const THEORY = QUESTIONS.filter((q) => q.question_type === "THEORY");
const RIGHT = Object.fromEntries(MCQ.map((q) => [q.question_id, q.options.find((o) => o.is_correct).option_id]));

const setupStarted = Date.now();
const manager = tokenFor("examday-manager", "manager");
const course = await api("POST", "/courses", manager, { name: `Exam day ${new Date().toISOString()}`, is_active: true });
const step = await api("POST", "/steps", manager, { course_id: course.id, name: "The exam" });
const form = await api("POST", "/forms", manager, {
  name: "Exam day",
  step_id: step.id,
  duration_minutes: Math.ceil(EXAM_WINDOW / 60_000) + 2,
  questions: QUESTIONS,
});
const takers = Array.from({ length: N }, (_, i) => ({ sub: `examday-${course.id.slice(-6)}-${i}`, i }));
const COST_N = Math.max(0, Number(args["cost-takers"]));
const costTakers = Array.from({ length: COST_N }, (_, i) => ({ sub: `examday-${course.id.slice(-6)}-cost-${i}`, i: N + i }));
// Enrolled by several managers at once (each its own caller for the rate limits), 20 requests in flight.
const enrollers = Array.from({ length: 10 }, (_, i) => tokenFor(`examday-enroller-${i}`, "manager"));
const everyone = [...takers, ...costTakers];
for (let i = 0; i < everyone.length; i += 20)
  await Promise.all(
    everyone
      .slice(i, i + 20)
      .map((t, k) => api("POST", `/courses/${course.id}/enroll?participant_id=${t.sub}`, enrollers[(i + k) % enrollers.length])),
  );
for (const t of everyone) t.token = tokenFor(t.sub, "participant");
console.log(
  `set up: an exam of ${QUESTIONS.length} questions, ${N} takers enrolled in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s (${base})`,
);

/* ------------------------------------------------ the plan ------------------------------------------------ */

// Each taker: start at s, autosave at s+15 s, s+30 s, … before u, submit at u (u in the last 60 s of the window).
// Its answers grow with every save: MCQs one by one (each taker right on a random half), THEORY texts longer each time.
const plan = [];
for (const t of takers) {
  const s = random() * START_WINDOW;
  const u = Math.max(s + 5_000, SUBMIT_FROM + random() * (EXAM_WINDOW - SUBMIT_FROM));
  t.choices = Object.fromEntries(
    MCQ.map((q) => [q.question_id, random() < 0.5 ? RIGHT[q.question_id] : "abcd"[("abcd".indexOf(RIGHT[q.question_id]) + 1) % 4]]),
  );
  t.saves = [];
  for (let at = s + AUTOSAVE_EVERY; at < u; at += AUTOSAVE_EVERY) t.saves.push(at);
  plan.push({ at: s, kind: "start", t });
  t.saves.forEach((at, k) => plan.push({ at, kind: "autosave", t, k }));
  plan.push({ at: u, kind: "submit", t });
}
for (let at = 0; at <= EXAM_WINDOW + 5_000; at += 1_000) plan.push({ at, kind: "health" });
plan.sort((a, b) => a.at - b.at);

/** The answers a taker holds after `saved` autosaves (the submit sends everything). */
function answersAfter(t, saved, final) {
  const share = final ? 1 : (saved + 1) / (t.saves.length + 1);
  const mcqCount = Math.ceil(MCQ.length * share);
  return {
    mcq_answers: MCQ.slice(0, mcqCount).map((q) => ({ question_id: q.question_id, selected_option_id: t.choices[q.question_id] })),
    theory_answers: THEORY.map((q, j) => ({
      question_id: q.question_id,
      answer_text: words(Math.ceil(60 * share), j + t.i).slice(0, Math.ceil(400 * share)),
    })),
  };
}

/* ------------------------------------------------ the run ------------------------------------------------ */

const results = { start: [], autosave: [], submit: [], health: [] };
const errors = {};
const d1 = { calls: 0, rows_written: 0 };
// What each request kind costs D1, and D1's load per second of the plan (statements and SQLite time by planned second).
const perKind = {};
const perSecond = new Map();
let inFlight = 0;
let maxInFlight = 0;
const pending = [];
const cpuBefore = cpuSeconds(workerdPid);
const groupBefore = groupCpu(devGroup);
const ownBefore = process.cpuUsage();
const profiler = inspectorPort ? await startProfiler(inspectorPort) : null;
const t0 = performance.now() + 500;

/** What taker `t` sends for a request of `kind` (its k-th autosave); `/health` for the probe. The run and the cost phase alike. */
function examRequest(kind, t, k = 0) {
  if (kind === "start") return { method: "POST", url: `/steps/${stepId}/exam/start`, token: t.token };
  if (kind === "autosave")
    return { method: "PUT", url: `/forms/submissions/${t.submission}/answers`, token: t.token, body: answersAfter(t, k, false) };
  if (kind === "submit")
    return { method: "POST", url: `/forms/submissions/${t.submission}/submit`, token: t.token, body: answersAfter(t, 0, true) };
  return { method: "GET", url: "/health" };
}

async function send(item) {
  const { kind, t } = item;
  if ((kind === "autosave" || kind === "submit") && !t.submission) {
    (errors[`${kind}: no attempt`] ??= 0), errors[`${kind}: no attempt`]++;
    return;
  }
  const sent = examRequest(kind, t, item.k);
  const { body } = sent;
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  try {
    const res = await request(sent);
    const text = await res.text();
    const latency = performance.now() - (t0 + item.at);
    results[kind].push(latency);
    const stats = /calls=(\d+); rows_read=(\d+); rows_written=(\d+); statements=(\d+); sql_ms=([\d.]+)/.exec(
      res.headers.get("x-d1-stats") ?? "",
    );
    if (stats && kind !== "health") {
      d1.calls += Number(stats[1]);
      d1.rows_written += Number(stats[3]);
      perKind[kind] ??= { n: 0, calls: 0, statements: 0, rows_written: 0, sql_ms: 0 };
      const k = perKind[kind];
      k.n++;
      k.calls += Number(stats[1]);
      k.statements += Number(stats[4]);
      k.rows_written += Number(stats[3]);
      k.sql_ms += Number(stats[5]);
      const second = Math.floor(item.at / 1000);
      const b = perSecond.get(second) ?? { statements: 0, sql_ms: 0, rows_written: 0 };
      b.statements += Number(stats[4]);
      b.sql_ms += Number(stats[5]);
      b.rows_written += Number(stats[3]);
      perSecond.set(second, b);
    }
    if (res.status >= 400) {
      const key = `${kind} ${res.status} ${/"code":"([^"]+)"/.exec(text)?.[1] ?? ""}`.trim();
      errors[key] = (errors[key] ?? 0) + 1;
      return;
    }
    const json = JSON.parse(text);
    if (kind === "start") t.submission = json.submission_id;
    if (kind === "autosave") t.lastSaved = body;
    if (kind === "submit") {
      t.submitted = json;
      t.lastSaved = body;
    }
  } catch (error) {
    const key = `${kind} ${error.cause?.code ?? error.message}`;
    errors[key] = (errors[key] ?? 0) + 1;
  } finally {
    inFlight--;
  }
}

const stepId = step.id;
console.log(`running: ${plan.length} requests over ${((EXAM_WINDOW + 5_000) / 1000).toFixed(0)} s, open loop…`);
// A taker's requests follow each other (a save never precedes its start): each waits for the taker's previous one.
const lastOf = new Map();
for (const s of plan) {
  const delay = t0 + s.at - performance.now();
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const before = s.t ? lastOf.get(s.t) : undefined;
  const p = before && s.kind !== "start" ? before.then(() => send(s)) : send(s);
  if (s.t) lastOf.set(s.t, p);
  pending.push(p);
}
await Promise.all(pending);
const cpuAfter = cpuSeconds(workerdPid);
const groupAfter = groupCpu(devGroup);
const ownCpu = process.cpuUsage(ownBefore);
if (profiler) await profiler.stop(args.profile);
const wall = (performance.now() - t0) / 1000;

/* ------------------------------------------------ report ------------------------------------------------ */

const pct = (xs, p) => {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const ms = (x) => (x === null ? "–" : `${x.toFixed(0)} ms`);
console.log(`\nexam day, ${N} takers, ${args.dev ? "through wrangler dev" : "workerd directly"}, ${new Date().toISOString()}`);
console.log("| phase | requests | p50 | p95 | p99 | max |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [kind, xs] of Object.entries(results))
  console.log(`| ${kind} | ${xs.length} | ${ms(pct(xs, 50))} | ${ms(pct(xs, 95))} | ${ms(pct(xs, 99))} | ${ms(pct(xs, 100))} |`);
const all = Object.entries(results).flatMap(([k, xs]) => (k === "health" ? [] : xs));
console.log(`exam requests p99 ${ms(pct(all, 99))}; largest number in flight ${maxInFlight}; wall ${wall.toFixed(0)} s`);
console.log(`errors: ${Object.keys(errors).length === 0 ? "none" : JSON.stringify(errors)}`);
if (devGroup) {
  const requests = Object.values(results).reduce((n, xs) => n + xs.length, 0);
  const parts = Object.entries(groupAfter).map(([part, after]) => {
    const used = after - (groupBefore[part] ?? 0);
    return `${part} ${used.toFixed(1)} s (${((used / requests) * 1000).toFixed(2)} ms/request)`;
  });
  parts.push(`this load generator ${((ownCpu.user + ownCpu.system) / 1e6).toFixed(1)} s`);
  console.log(`CPU over the run (${requests} requests, ${wall.toFixed(0)} s): ${parts.join(", ")}`);
}
if (!args.dev) {
  console.log(`D1 per taker: ${(d1.calls / N).toFixed(1)} round trips, ${(d1.rows_written / N).toFixed(1)} rows written`);
  console.log("| request | round trips | statements | rows written | SQLite ms |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [kind, k] of Object.entries(perKind))
    console.log(
      `| ${kind} | ${(k.calls / k.n).toFixed(2)} | ${(k.statements / k.n).toFixed(2)} | ${(k.rows_written / k.n).toFixed(2)} | ${(k.sql_ms / k.n).toFixed(3)} |`,
    );
  // The busiest second of the plan: what one D1 database (a single writer) must absorb at this N.
  const peak = (key) => [...perSecond.values()].reduce((m, b) => Math.max(m, b[key]), 0);
  console.log(
    `D1 busiest planned second: ${peak("statements")} statements, ${peak("rows_written")} rows written, ${peak("sql_ms").toFixed(0)} ms of SQLite time`,
  );
  if (cpuBefore !== null && cpuAfter !== null) {
    const requests = Object.values(results).reduce((n, xs) => n + xs.length, 0);
    console.log(
      `workerd CPU: ${(cpuAfter - cpuBefore).toFixed(1)} s over ${requests} requests (${(((cpuAfter - cpuBefore) / requests) * 1000).toFixed(2)} ms each)`,
    );
  }
}

// Nothing lost: every submit scored as its answers deserve, the pending list holds the N attempts, answers stored.
const failures = [];
for (const t of takers) {
  if (!t.submitted) {
    failures.push(`${t.sub}: no 200 submit`);
    continue;
  }
  const deserved = MCQ.filter((q) => t.choices[q.question_id] === RIGHT[q.question_id]).length;
  if (t.submitted.mcq_score !== deserved) failures.push(`${t.sub}: mcq_score ${t.submitted.mcq_score}, deserved ${deserved}`);
}
const pendingIds = new Set();
let next = `/form-submissions/pending?course_id=${course.id}&limit=200`;
while (next) {
  const res = await request({ method: "GET", url: next, token: manager });
  for (const row of await res.json()) pendingIds.add(row.submission_id);
  const link = /<([^>]+)>; rel="next"/.exec(res.headers.get("link") ?? "")?.[1];
  next = link ? new URL(link).pathname + new URL(link).search : null;
}
if (pendingIds.size !== N) failures.push(`pending list holds ${pendingIds.size} attempts, not ${N}`);
const sample = takers.filter((t) => t.submitted).slice(0, Math.min(N, 200));
for (const t of sample) {
  const detail = await api("GET", `/form-submissions/${t.submission}`, manager);
  const byId = Object.fromEntries(detail.questions.map((q) => [q.question_id, q]));
  for (const a of t.lastSaved.mcq_answers)
    if (byId[a.question_id]?.participant_answer?.selected_option_id !== a.selected_option_id) {
      failures.push(`${t.sub}: stored answer to ${a.question_id} differs`);
      break;
    }
  for (const a of t.lastSaved.theory_answers)
    if (byId[a.question_id]?.participant_answer?.answer_text !== a.answer_text) {
      failures.push(`${t.sub}: stored text for ${a.question_id} differs`);
      break;
    }
}
// The exam's item analytics over the N attempts: the first read computes and stores them, the next ones read them.
for (const label of ["first (computed)", "second (stored)", "third (stored)"]) {
  const t = performance.now();
  const res = await request({ method: "GET", url: `/forms/${form.id}/analytics`, token: manager });
  const body = await res.json();
  const took = performance.now() - t;
  const stats = res.headers.get("x-d1-stats") ?? "";
  const rows = /rows_read=(\d+)/.exec(stats)?.[1] ?? "?";
  const trips = /calls=(\d+)/.exec(stats)?.[1] ?? "?";
  console.log(
    `analytics ${label}: ${res.status}, ${body.attempts} attempts, ${took.toFixed(0)} ms, ${trips} round trips, ${rows} rows read`,
  );
  if (res.status !== 200 || body.attempts !== N) failures.push(`analytics answered ${res.status} with ${body.attempts} attempts`);
}
const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
console.log(
  `nothing lost: ${failures.length === 0 ? `yes (${N} submits scored right, ${pendingIds.size} pending, answers of ${sample.length} attempts checked)` : failures.slice(0, 10).join("; ")}`,
);
const failuresOfCost = [];
if (COST_N > 0) await costPerKind();
if (failuresOfCost.length) console.log(failuresOfCost.join("; "));
const passed = (failures.length === 0 ? 1 : 0) + (errorCount === 0 && failuresOfCost.length === 0 ? 1 : 0);
console.log(`${passed} passed, ${2 - passed} failed`);
for (const fn of cleanUps.splice(0)) fn();
process.exit(passed === 2 ? 0 : 1);

/**
 * The CPU each request kind costs, measured apart from the open-loop run (where kinds overlap): closed loop, 8 in
 * flight, on the takers kept aside — CORS preflights, `GET /health`, then each of them starts, autosaves five times
 * and submits.
 * CPU is read from /proc before and after each kind: the workerd process directly (its local D1 and the rate-limit
 * simulator included), or each process of wrangler dev's group with `--dev`. After the checks above, so the
 * pending list they count holds only the run's attempts.
 */
async function costPerKind() {
  const cpuNow = () => (devGroup ? groupCpu(devGroup) : { "workerd (the Worker, its D1 and rate limiter)": cpuSeconds(workerdPid) ?? 0 });
  const statuses = {};
  const call = async (kind, sent) => {
    const res = await request(sent);
    const text = await res.text();
    const key = `${kind} ${res.status}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
    return res.status < 300 && text ? JSON.parse(text) : null;
  };
  const rows = [];
  const measure = async (kind, jobs) => {
    const before = cpuNow();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < jobs.length) await jobs[next++]();
      }),
    );
    const after = cpuNow();
    const wall = (performance.now() - started) / 1000;
    const parts = Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k] - (before[k] ?? 0)) * 1000) / jobs.length]));
    rows.push({ kind, n: jobs.length, perSecond: jobs.length / wall, parts });
  };
  // A CORS preflight is answered before authentication, D1 and the rate limiter: what any request costs before the
  // API's own work (HTTP, workerd, and under wrangler dev its proxy and its layers in front of the Worker).
  await measure(
    "preflight",
    Array.from(
      { length: 10 * COST_N },
      () => () =>
        call("preflight", {
          method: "OPTIONS",
          url: "/courses",
          headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" },
        }),
    ),
  );
  // Through wrangler dev /health is rate limited like any anonymous caller (120 a minute): fewer, so they answer 200.
  await measure(
    "health",
    Array.from({ length: devGroup ? 60 : 10 * COST_N }, () => () => call("health", examRequest("health"))),
  );
  await measure(
    "start",
    costTakers.map((t) => async () => {
      t.submission = (await call("start", examRequest("start", t)))?.submission_id;
    }),
  );
  // Their answers grow over five saves as a run's taker's do (answersAfter reads `choices` and `saves`).
  for (const t of costTakers) {
    t.choices = Object.fromEntries(MCQ.map((q) => [q.question_id, RIGHT[q.question_id]]));
    t.saves = [0, 1, 2, 3, 4];
  }
  const saves = [];
  for (let k = 0; k < 5; k++) for (const t of costTakers) saves.push(() => call("autosave", examRequest("autosave", t, k)));
  await measure("autosave", saves);
  await measure(
    "submit",
    costTakers.map((t) => () => call("submit", examRequest("submit", t))),
  );
  const names = Object.keys(rows[0].parts);
  console.log(`\nCPU per request kind (closed loop, 8 in flight, ${COST_N} takers kept aside; ms of CPU a request):`);
  console.log(`| request | n | requests/s | ${names.join(" | ")}${names.length > 1 ? " | total" : ""} |`);
  console.log(`| --- | ---: | ---: | ${names.map(() => "---:").join(" | ")}${names.length > 1 ? " | ---:" : ""} |`);
  for (const r of rows) {
    const values = names.map((k) => r.parts[k]);
    const total = values.reduce((a, b) => a + b, 0);
    console.log(
      `| ${r.kind} | ${r.n} | ${r.perSecond.toFixed(0)} | ${values.map((v) => v.toFixed(2)).join(" | ")}${names.length > 1 ? ` | ${total.toFixed(2)}` : ""} |`,
    );
  }
  console.log(`statuses: ${JSON.stringify(statuses)}`);
  const refused = Object.entries(statuses).filter(([k]) => !/ 20[014]$/.test(k));
  if (refused.length) failuresOfCost.push(`cost phase answered ${JSON.stringify(Object.fromEntries(refused))}`);
}

/**
 * `--profile FILE`: a CPU profile of the Worker over the run, through workerd's inspector (the DevTools protocol's
 * Profiler domain), written to FILE (open it in Chrome DevTools) and summarised: the functions with the most self time.
 * With `--dev`, through wrangler's inspector proxy: the Worker wrangler dev runs, its dev bundle included.
 */
async function startProfiler(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => /api/.test(t.title ?? t.id ?? "")) ?? targets[0];
  // wrangler dev's inspector proxy refuses a client without an Origin it knows (undici's WebSocket takes headers).
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const waiting = new Map();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    if (message.id && waiting.has(message.id)) {
      waiting.get(message.id)(message);
      waiting.delete(message.id);
    }
  };
  const command = (method, params = {}) =>
    new Promise((resolve) => {
      id += 1;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await command("Profiler.enable");
  await command("Profiler.setSamplingInterval", { interval: 500 });
  await command("Profiler.start");
  return {
    async stop(file) {
      const { result } = await command("Profiler.stop");
      ws.close();
      const { writeFileSync } = await import("node:fs");
      writeFileSync(file, JSON.stringify(result.profile));
      const { nodes, samples, timeDeltas } = result.profile;
      const byId = new Map(nodes.map((n) => [n.id, n]));
      const self = new Map();
      samples.forEach((sample, i) => {
        const n = byId.get(sample);
        const f = n.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${(f.url || "").split("/").pop()}:${f.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + (timeDeltas[i] ?? 0));
      });
      const total = [...self.values()].reduce((a, b) => a + b, 0);
      console.log(`\nCPU profile (${file}): top self time of ${(total / 1e6).toFixed(1)} s sampled`);
      for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
        console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
    },
  };
}
