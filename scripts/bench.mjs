// npm run bench [-- --scale 0.1] [-- --duration 5] [-- --skip-load]
//
// Seeds a realistic data set into Miniflare's local D1 (batched inserts within D1's 100-parameter limit),
// serves the built Worker from workerd directly (not through `wrangler dev`'s proxy), and prints:
//  1. per endpoint of the spec: D1 round trips, rows read, rows returned, and whether every query on a large
//     table uses an index (EXPLAIN QUERY PLAN) — from the Worker's own x-d1-stats / x-d1-sql (D1_STATS=sql);
//  2. the N+1 check: round trips for a step with 1 vs 50 materials, and an exam of 1 vs 50 questions;
//  3. load ratios (autocannon) against GET /health in the same run (each endpoint's to the /health runs just before
//     and after it), with the Worker as deployed (no D1_STATS, request lines not printed), and 200 simultaneous
//     exam starts.
//
// SQL (migrations, seed batches, EXPLAIN, counts) goes over plain HTTP to a second, bench-only worker in the same
// workerd ("bench-sql", same local D1): every call is asynchronous and bounded, and a failure has a real response
// (Miniflare's binding proxy makes synchronous calls per statement that no timeout can interrupt).
// On a busy machine: before migrating it waits (≤ 60 s, with backoff) for GET /health to answer; every
// migration file, seed batch, EXPLAIN and measured GET that fails at the connection level (ECONNREFUSED,
// ECONNRESET, UND_ERR_SOCKET, "fetch failed", no answer within 120 s, 503) is retried up to 5 times with backoff,
// after waiting for the server to answer again (Miniflare restarts a crashed workerd on the same ports); other
// measured requests are repeated only when the connection was refused (never sent), so no write is applied twice. Seed inserts are
// `ON CONFLICT DO NOTHING` and each migration file records itself in its own batch, so a batch that landed but
// whose reply was lost is harmless to repeat; the seeded row counts are checked afterwards. Any other failure
// (4xx, an SQL error) stops at once. A failed run names the step (e.g. "seeding form_submissions batch
// 412/2000"), the error's causes and the last response, and exits 1.
// Self-test: BENCH_FAULT_EVERY=N makes the first try of every Nth migration/seed batch fail, alternately before
// it is sent (ECONNREFUSED) and after it landed (reply lost, ECONNRESET).
import { createHmac } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

const BENCH_LIMIT = 1_000_000_000;
const BENCH_RATE_LIMITS = Object.fromEntries(
  ["RL_CALLER", "RL_EXPENSIVE", "RL_ANONYMOUS"].map((name, i) => [
    name,
    { namespace_id: String(9001 + i), simple: { limit: BENCH_LIMIT, period: 60 } },
  ]),
);

import {
  clip,
  describeError,
  HttpError,
  isConnectionError,
  isNotDelivered,
  lastResponseOf,
  StepFailed,
  waitForServer,
  withRetry,
} from "./bench-retry.mjs";
import { builtApiWorker, printErrorsOnly, root, wrangler } from "./lib.mjs";

const startedAt = Date.now();
const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    "skip-load": { type: "boolean", default: false },
    duration: { type: "string", default: "5" },
  },
});
const scale = Math.max(0.001, Number(args.scale));
const SIZES = {
  courses: Math.max(2, Math.round(200 * scale)),
  stepsPerCourse: 20,
  materialsPerStep: 5,
  questions: 30,
  participants: Math.max(10, Math.round(20_000 * scale)),
  submissions: Math.round(200_000 * scale),
  requirementSubmissions: Math.round(50_000 * scale),
};
const LARGE_TABLES = [
  "steps",
  "materials",
  "forms",
  "enrollments",
  "material_completions",
  "form_submissions",
  "requirement_submissions",
  "requirement_rows",
];
const SECRET = "bench-secret";

/* ------------------------------------------------ helpers ------------------------------------------------ */

// Seeded ids are ObjectId-shaped like the API's (4-byte seconds + 8 bytes), stamped a day in the past: they sort
// before every id the API creates during the run, as older history would, however fast seeding went. (A stamp in
// the future made rows_read of a few endpoints depend on how soon after seeding they were measured.)
const ID_PREFIX = (Math.floor(Date.now() / 1000) - 86_400).toString(16).padStart(8, "0");
let seq = 0;
const id = () => ID_PREFIX + (seq++).toString(16).padStart(16, "0");
const iso = (ms = Date.now()) => new Date(ms).toISOString();
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
function tokenFor(sub, role) {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, role, iat: now, exp: now + 7200 })}`;
  return `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
}

/* ------------------------------------------------ the server, retries, failures ------------------------ */

// The Miniflare instance, the API's URL and the bench-sql worker's URL. reconnect() waits for the server after a
// connection-level failure and re-reads both URLs (Miniflare restarts a crashed workerd on the same ports).
const server = { mf: undefined, url: undefined, sqlUrl: undefined, persist: undefined, reconnects: 0 };
const WAIT_MS = 60_000; // for the server to answer GET /health, before seeding and before each retry
const CALL_MS = 120_000; // for one asynchronous call (a batch, an HTTP request); a timeout counts as connection-level

/** Rejects (code ETIMEDOUT, so it is retried) if `promise` has not settled within `ms`. */
function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not finish within ${ms / 1000} s`), { code: "ETIMEDOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The API and the bench-sql worker on one local D1. `stats`: the API reports each request's D1 cost (D1_STATS=sql,
 * for the per-endpoint table); the load runs go without it, as production does, since collecting and encoding the
 * SQL of every request costs the Worker more the more statements an endpoint runs.
 */
function miniflareOptions({ stats }) {
  return convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    handleStructuredLogs: printErrorsOnly,
    workers: [
      // The first worker answers the entry URL: the API under test.
      builtApiWorker({
        db: "bench-db",
        files: "bench-files",
        bindings: { JWT_SECRET: SECRET, EXAM_GRACE_SECONDS: "120", ...(stats ? { D1_STATS: "sql" } : {}) },
        // The bench measures the API, not the limiter: its own limits, out of reach (the API's are in wrangler.toml).
        ratelimits: BENCH_RATE_LIMITS,
        d1Persist: server.persist,
        r2Persist: server.persist,
      }),
      {
        name: SQL_WORKER,
        modules: true,
        script: SQL_WORKER_SCRIPT,
        compatibilityDate: "2026-11-01",
        d1Databases: { DB: "bench-db" },
        d1Persist: server.persist,
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  });
}

async function reconnect() {
  server.reconnects++;
  await waitForServer(`${server.url}/health`, { totalMs: WAIT_MS });
  await locate(WAIT_MS);
}

async function locate(ms) {
  server.url = (await bounded(server.mf.ready, ms, "Miniflare#ready")).toString().replace(/\/$/, "");
  server.sqlUrl = (await bounded(server.mf.unsafeGetDirectURL(SQL_WORKER), ms, "locating the bench-sql worker")).toString();
}

// The bench-only worker: POST {statements: [{sql, params}]} runs them as one D1 batch (one transaction) and answers
// [{results, changes}]; an SQL error answers 400 {error}, a lost connection inside workerd 503 {error}.
const SQL_WORKER = "bench-sql";
const SQL_WORKER_SCRIPT = `export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("bench-sql: POST {statements: [{sql, params}]}\\n");
    let statements;
    try {
      ({ statements } = await request.json());
    } catch (e) {
      return Response.json({ error: "request body is not JSON: " + e.message }, { status: 400 });
    }
    try {
      const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...(s.params ?? []))));
      return Response.json(results.map((r) => ({ results: r.results ?? [], changes: r.meta?.changes ?? 0 })));
    } catch (e) {
      const error = String(e?.message ?? e);
      const status = /Network connection lost|connection reset|socket closed/i.test(error) ? 503 : /^D1_|SQLITE/.test(error) ? 400 : 500;
      return Response.json({ error }, { status });
    }
  },
};`;

/** Runs statements ({sql, params}) as one D1 batch through bench-sql; resolves [{results, changes}] per statement. */
async function sql(statements) {
  const res = await fetch(server.sqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ statements }),
    signal: AbortSignal.timeout(CALL_MS),
  });
  const text = await res.text();
  if (!res.ok) {
    let detail = "";
    try {
      detail = JSON.parse(text).error ?? "";
    } catch {}
    throw new HttpError("POST", `bench-sql (${statements.length} statements)`, res.status, text, detail);
  }
  return JSON.parse(text);
}

/** withRetry for a step against the server: before retrying a connection-level failure, wait for the server to answer. */
const retrying = (what, fn, options = {}) => withRetry(fn, { what, beforeRetry: reconnect, ...options });

// Self-test hook (BENCH_FAULT_EVERY=N, see the top of this file): fails the first try of every Nth batch.
const FAULT_EVERY = Math.max(0, Math.floor(Number(process.env.BENCH_FAULT_EVERY ?? 0))) || 0;
let faultCounter = 0;
const faults = { refused: 0, lost: 0 };
async function send(run, attempt) {
  if (FAULT_EVERY > 0 && attempt === 1 && ++faultCounter % FAULT_EVERY === 0) {
    const lost = (faultCounter / FAULT_EVERY) % 2 === 0;
    if (lost) await run(); // the batch lands; its reply is "lost"
    faults[lost ? "lost" : "refused"]++;
    const code = lost ? "ECONNRESET" : "ECONNREFUSED";
    throw new TypeError("fetch failed", { cause: Object.assign(new Error(`${code} injected by BENCH_FAULT_EVERY`), { code }) });
  }
  return run();
}

// What the bench is doing (named in a failure report), and the time spent per group of steps (in the summary).
let phase = "starting";
const phases = [];
function enter(name, group = name) {
  const now = Date.now();
  if (phases.length > 0) phases.at(-1).ms = now - phases.at(-1).at;
  phases.push({ name, group, at: now });
  phase = name;
}
function timeByGroup() {
  const total = new Map();
  for (const p of phases) if (p.ms !== undefined) total.set(p.group, (total.get(p.group) ?? 0) + p.ms);
  return [...total].map(([group, ms]) => `${group} ${seconds(ms)}`).join(", ");
}
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Prints what failed (never a bare stack unless BENCH_VERBOSE=1), cleans up, and exits 1. */
async function fail(error) {
  const lines = [`\nbench FAILED after ${seconds(Date.now() - startedAt)} while ${phase}`];
  if (typeof error === "string") lines.push(`  ${error}`);
  else if (error instanceof StepFailed) {
    lines.push(`  step:          ${error.what}`);
    const how = !error.retryable
      ? "not retryable: stopped at once"
      : error.then
        ? "connection-level failure; the server stopped answering before the next try"
        : "connection-level failure, retried with backoff";
    lines.push(`  tries:         ${error.attempts} (${how})`);
    lines.push(`  cause:         ${describeError(error.cause)}`);
    if (error.then) lines.push(`  then:          ${error.then}`);
    lines.push(`  last response: ${error.lastResponse ?? "none (no HTTP reply reached the bench)"}`);
  } else {
    lines.push(`  cause:         ${describeError(error)}`);
    const response = error?.lastResponse ?? lastResponseOf(error);
    if (response) lines.push(`  last response: ${response}`);
  }
  if (server.url)
    lines.push(
      `  server:        ${server.url}${server.reconnects ? ` (waited for it to answer again before ${server.reconnects} ${server.reconnects === 1 ? "retry" : "retries"})` : ""}`,
    );
  if (error instanceof Error && process.env.BENCH_VERBOSE) lines.push(error.stack);
  else if (error instanceof Error) lines.push("  (BENCH_VERBOSE=1 prints the stack)");
  console.error(lines.join("\n"));
  await cleanup();
  process.exit(1);
}

async function cleanup() {
  const mf = server.mf;
  server.mf = undefined;
  if (mf)
    await bounded(mf.dispose(), 15_000, "disposing Miniflare").catch((e) => {
      // A workerd that never finished starting (or hangs) is not killed by dispose(): kill our own child by pid.
      const killed = killChildWorkerd();
      console.error(`  (cleanup: ${describeError(e)}${killed.length ? `; killed workerd ${killed.join(", ")}` : ""})`);
    });
  if (server.persist) rmSync(server.persist, { recursive: true, force: true });
}

/** SIGKILLs this process's own workerd children (Linux /proc; elsewhere nothing). Returns their pids. */
function killChildWorkerd() {
  const killed = [];
  let entries = [];
  try {
    entries = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return killed;
  }
  for (const pid of entries) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      if (/^PPid:\s*(\d+)/m.exec(status)?.[1] !== String(process.pid) || !/^Name:\s*workerd/m.test(status)) continue;
      process.kill(Number(pid), "SIGKILL");
      killed.push(Number(pid));
    } catch {}
  }
  return killed;
}

/* ------------------------------------------------ inserting ---------------------------------------------- */

/**
 * Inserts rows with multi-row statements of at most 100 bound parameters, in batches of up to 50 statements and
 * ~256 KB of values, so no single call to the local runtime is huge. `ON CONFLICT DO NOTHING`: a retried batch
 * that had landed inserts nothing (unlike OR IGNORE, NOT NULL and CHECK violations still fail).
 */
async function insertAll(table, rows) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const perStatement = Math.max(1, Math.floor(100 / columns.length));
  const ranges = [];
  let from = 0,
    statements = 0,
    bytes = 0;
  for (let i = 0; i < rows.length; i += perStatement) {
    const end = Math.min(rows.length, i + perStatement);
    for (let r = i; r < end; r++) for (const c of columns) bytes += typeof rows[r][c] === "string" ? rows[r][c].length : 8;
    if (++statements >= 50 || bytes > 256 * 1024) {
      ranges.push([from, end]);
      from = end;
      statements = 0;
      bytes = 0;
    }
  }
  if (from < rows.length) ranges.push([from, rows.length]);
  const sqlFor = (n) =>
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${Array.from({ length: n }, () => `(${columns.map(() => "?").join(", ")})`).join(", ")} ON CONFLICT DO NOTHING`;
  const t0 = Date.now();
  for (let b = 0; b < ranges.length; b++) {
    const [start, end] = ranges[b];
    const batch = [];
    for (let i = start; i < end; i += perStatement) {
      const chunk = rows.slice(i, Math.min(end, i + perStatement));
      batch.push({ sql: sqlFor(chunk.length), params: chunk.flatMap((r) => columns.map((c) => r[c])) });
    }
    await retrying(`seeding ${table} batch ${b + 1}/${ranges.length}`, (attempt) => send(() => sql(batch), attempt));
  }
  console.log(`  ${table}: ${rows.length} rows in ${ranges.length} batches, ${seconds(Date.now() - t0)}`);
}

/** Each migration file is one batch (one transaction) that also records its name, so a retry knows it landed. */
async function migrate() {
  await retrying("migrating: creating bench_migrations", () =>
    sql([{ sql: "CREATE TABLE IF NOT EXISTS bench_migrations (name TEXT PRIMARY KEY NOT NULL)" }]),
  );
  const dir = path.join(root, "migrations");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  for (const [n, file] of files.entries()) {
    const statements = readFileSync(path.join(dir, file), "utf8")
      .split("--> statement-breakpoint")
      .filter((s) => s.trim());
    await retrying(`migrating ${file} (${n + 1}/${files.length})`, async (attempt) => {
      const [done] = await sql([{ sql: "SELECT name FROM bench_migrations WHERE name = ?", params: [file] }]);
      if (done.results.length > 0) return; // an earlier try landed; its reply was lost
      await send(
        () => sql([...statements.map((s) => ({ sql: s })), { sql: "INSERT INTO bench_migrations (name) VALUES (?)", params: [file] }]),
        attempt,
      );
    });
  }
}

/** The seeded tables must hold exactly the generated rows (ON CONFLICT DO NOTHING must not have hidden a clash). */
async function checkCounts(counts) {
  const tables = Object.keys(counts);
  const results = await retrying("checking the seeded row counts", () =>
    sql(tables.map((t) => ({ sql: `SELECT COUNT(*) AS n FROM ${t}` }))),
  );
  const wrong = tables.map((t, i) => ({ t, n: results[i].results[0].n })).filter(({ t, n }) => n !== counts[t]);
  if (wrong.length > 0)
    throw new Error(`seeded row counts differ from the generated rows: ${wrong.map(({ t, n }) => `${t} ${n} of ${counts[t]}`).join(", ")}`);
}

/* ------------------------------------------------ seeding ------------------------------------------------ */

function questionsOf(n) {
  return Array.from({ length: n }, (_, q) =>
    q % 3 === 2
      ? { question_id: `q${q}`, question_type: "THEORY", question_text: `Explain ${q}`, options: [], marks: 5, max_words: 200 }
      : {
          question_id: `q${q}`,
          question_type: "MCQ",
          question_text: `Question ${q}?`,
          marks: 2,
          max_words: null,
          options: ["a", "b", "c", "d"].map((o, k) => ({ option_id: o, text: `Option ${o}`, is_correct: k === 0 })),
        },
  );
}

/** A scored attempt's snapshot, answers (varied per attempt) and THEORY grades, for the analytics row. */
function analyticsAttempt(form, k) {
  const qs = JSON.parse(form.questions);
  const mcq = qs.filter((q) => q.question_type === "MCQ");
  const theory = qs.filter((q) => q.question_type === "THEORY");
  return {
    questions_snapshot: form.questions,
    answers: JSON.stringify({
      mcq_answers: mcq.map((q, i) => ({ question_id: q.question_id, selected_option_id: "abcd"[(k * (i + 1)) % 4] })),
      theory_answers: theory.map((q) => ({ question_id: q.question_id, answer_text: "Seeded answer" })),
    }),
    theory_grades: JSON.stringify(Object.fromEntries(theory.map((q, i) => [q.question_id, (k + i) % (q.marks + 1)]))),
  };
}

async function seed() {
  const t0 = Date.now();
  const now = iso();
  const by = "bench-manager";
  const stamps = { created_at: now, updated_at: now, created_by: by };
  const courses = [],
    steps = [],
    materials = [],
    forms = [],
    tables = [];
  const requirements = [1, 2, 3, 4, 5].map((n) => ({ serial_number: n, activity: `Activity ${n}`, target: 10 * n, unit: "minutes" }));
  for (let c = 0; c < SIZES.courses; c++) {
    const course = {
      id: id(),
      name: `Course ${c}`,
      description: "Seeded",
      image_url: null,
      previous_course_id: null,
      next_course_id: null,
      default_step_id: null,
      order_index: c,
      is_active: 1,
      is_default: c === 0 ? 1 : 0,
      ...stamps,
      archived_at: null,
    };
    courses.push(course);
    const form = {
      id: id(),
      name: `Exam ${c}`,
      description: null,
      step_id: null,
      duration_minutes: 30,
      total_marks: 0,
      passing_marks: 0,
      max_attempts: 10,
      passing_percentage: 60,
      questions: null,
      question_count: SIZES.questions,
      ...stamps,
      archived_at: null,
    };
    const qs = questionsOf(SIZES.questions);
    form.total_marks = qs.reduce((s, q) => s + q.marks, 0);
    form.passing_marks = Math.round(form.total_marks * 0.6);
    form.questions = JSON.stringify(qs);
    const table = {
      id: id(),
      name: `Tracker ${c}`,
      description: null,
      step_id: null,
      requirements: JSON.stringify(requirements),
      requirement_count: 5,
      ...stamps,
      archived_at: null,
    };
    for (let s = 0; s < SIZES.stepsPerCourse; s++) {
      const step = {
        id: id(),
        course_id: course.id,
        name: `Step ${s}`,
        description: null,
        order_index: s,
        previous_step_id: null,
        unlock_on_exam_pass: 1,
        exam_id: s === 0 ? form.id : null,
        ...stamps,
        archived_at: null,
      };
      steps.push(step);
      if (s === 0) {
        form.step_id = step.id;
        table.step_id = step.id;
      }
      for (let m = 0; m < SIZES.materialsPerStep; m++) {
        const isTable = s === 1 && m === 0;
        materials.push({
          id: id(),
          step_id: step.id,
          material_type: isTable ? "RequirementTable" : "Video",
          title: `Material ${s}.${m}`,
          description: null,
          content: JSON.stringify(isTable ? { requirement_table_id: table.id } : { url: `https://example.com/${c}/${s}/${m}` }),
          requirement_table_id: isTable ? table.id : null,
          order_index: m,
          is_mandatory: 1,
          ...stamps,
          archived_at: null,
        });
      }
    }
    forms.push(form);
    tables.push(table);
  }
  await insertAll("courses", courses);
  await insertAll("steps", steps);
  await insertAll("materials", materials);
  await insertAll("forms", forms);
  await insertAll("requirement_tables", tables);

  // Participants enrol in a few courses each; their history fills the large tables.
  const enrollments = [],
    completions = [],
    submissions = [],
    reqSubs = [],
    reqRows = [];
  const perParticipant = Math.max(1, Math.round(SIZES.requirementSubmissions / SIZES.participants));
  const attemptsPerEnrollment = Math.max(1, Math.round(SIZES.submissions / (SIZES.participants * perParticipant)));
  const statuses = ["Rejected", "Rejected", "Submitted", "Approved"];
  const enrolled = new Set();
  for (let p = 0; p < SIZES.participants; p++) {
    const pid = `p${String(p).padStart(6, "0")}`;
    for (let k = 0; k < perParticipant; k++) {
      const c = (p * 7 + k * 13) % courses.length;
      const course = courses[c];
      if (enrolled.has(`${pid}/${course.id}`)) continue;
      enrolled.add(`${pid}/${course.id}`);
      const firstStep = steps[c * SIZES.stepsPerCourse];
      enrollments.push({
        id: id(),
        participant_id: pid,
        course_id: course.id,
        start_step_id: firstStep.id,
        enrolled_at: now,
        completed_at: null,
      });
      for (let m = 0; m < SIZES.materialsPerStep; m++)
        completions.push({
          participant_id: pid,
          material_id: materials[c * SIZES.stepsPerCourse * SIZES.materialsPerStep + m].id,
          step_id: firstStep.id,
          completed_at: now,
        });
      for (let a = 1; a <= attemptsPerEnrollment; a++)
        submissions.push({
          id: id(),
          form_id: forms[c].id,
          step_id: firstStep.id,
          course_id: course.id,
          participant_id: pid,
          attempt_number: a,
          submission_status: a === attemptsPerEnrollment ? statuses[p % 4] : "Rejected",
          started_at: iso(Date.now() - 86_400_000 + a * 1000),
          deadline_at: iso(Date.now() - 86_400_000 + a * 1000 + 1_800_000),
          submitted_at: iso(Date.now() - 86_400_000 + a * 2000),
          mcq_score: 10,
          theory_score: null,
          total_score: null,
          // The first exam's attempts carry a snapshot and answers, as the API writes them: the item analytics
          // row measures a form with ~1,000 real attempts (other attempts stay small, to keep the seed fast).
          ...(c === 0 ? analyticsAttempt(forms[0], p + a) : { questions_snapshot: null, answers: "{}", theory_grades: null }),
          is_late: 0,
          auto_submitted: 0,
        });
      const sub = {
        id: id(),
        requirement_table_id: tables[c].id,
        participant_id: pid,
        created_at: now,
        submitted_at: p % 3 === 0 ? now : null,
        approved_at: p % 9 === 0 ? now : null,
      };
      reqSubs.push(sub);
      for (const r of requirements)
        reqRows.push({
          submission_id: sub.id,
          serial_number: r.serial_number,
          completed: 1,
          completed_value: r.target,
          remarks: null,
          completed_at: now,
          approved: p % 9 === 0 ? 1 : null,
          approved_by: p % 9 === 0 ? by : null,
          approved_at: p % 9 === 0 ? now : null,
          approval_remarks: null,
          updated_at: now,
        });
    }
  }
  await insertAll("enrollments", enrollments);
  await insertAll("material_completions", completions);
  await insertAll("form_submissions", submissions);
  await insertAll("requirement_submissions", reqSubs);
  await insertAll("requirement_rows", reqRows);
  const counts = {
    courses: courses.length,
    steps: steps.length,
    materials: materials.length,
    forms: forms.length,
    requirement_tables: tables.length,
    enrollments: enrollments.length,
    material_completions: completions.length,
    form_submissions: submissions.length,
    requirement_submissions: reqSubs.length,
    requirement_rows: reqRows.length,
  };
  await checkCounts(counts);
  const analyticsAttempts = submissions.filter((x) => x.form_id === forms[0].id && x.questions_snapshot).length;
  return { seconds: (Date.now() - t0) / 1000, counts, analyticsAttempts, courses, steps, materials, forms, tables };
}

/* ------------------------------------------------ measuring ---------------------------------------------- */

function statsOf(res) {
  const header = res.headers.get("x-d1-stats") ?? "";
  const get = (k) => Number(new RegExp(`${k}=(\\d+)`).exec(header)?.[1] ?? NaN);
  const sql = JSON.parse(Buffer.from(res.headers.get("x-d1-sql") ?? "W10", "base64url").toString() || "[]");
  return { calls: get("calls"), rows_read: get("rows_read"), rows_written: get("rows_written"), sql };
}

async function planOk(statements) {
  const bad = [];
  for (const statement of new Set(statements.map((s) => s.sql))) {
    let plan;
    try {
      plan = (await retrying(`EXPLAIN QUERY PLAN ${statement.slice(0, 60)}`, () => sql([{ sql: `EXPLAIN QUERY PLAN ${statement}` }])))[0]
        .results;
    } catch (error) {
      if (isConnectionError(error)) throw error; // a lost connection is not a plan without scans
      continue; // statements with RETURNING or batch-only forms that EXPLAIN cannot take unbound
    }
    for (const row of plan) {
      const m = /^SCAN (\w+)(?!.*USING)/.exec(row.detail);
      if (m && LARGE_TABLES.includes(m[1])) bad.push(`${m[1]}: ${statement.slice(0, 80)}`);
    }
  }
  return bad;
}

async function main() {
  if (!Number.isFinite(scale)) return fail(`--scale must be a number, not ${JSON.stringify(args.scale)}`);
  if (!(Number(args.duration) > 0)) return fail(`--duration must be a positive number of seconds, not ${JSON.stringify(args.duration)}`);
  const withLoad = !args["skip-load"];
  console.log(
    `LMS API benchmark at scale ${scale} — measures, against the built Worker in local workerd + D1:\n` +
      `  1. D1 round trips, rows_read vs rows returned, and EXPLAIN QUERY PLAN scans, per endpoint of the spec;\n` +
      `  2. an N+1 check (1 vs 50 materials / questions);\n` +
      (withLoad
        ? `  3. 200 simultaneous exam starts, and autocannon load (10 connections, ${Number(args.duration)} s per endpoint) as ratios to GET /health.\n`
        : `  3. (load runs skipped: --skip-load)\n`) +
      `  target data set (seeded counts are printed below): ${SIZES.courses} courses × ${SIZES.stepsPerCourse} steps × ${SIZES.materialsPerStep} materials, ${SIZES.courses} exams of ${SIZES.questions} questions, ` +
      `${SIZES.participants} participants, ~${SIZES.submissions} exam attempts, ~${SIZES.requirementSubmissions} requirement submissions (full scale: --scale 1)`,
  );
  console.log(
    `  rate limits: the bench's own (${Object.keys(BENCH_RATE_LIMITS).join(", ")} at ${BENCH_LIMIT.toLocaleString("en")} a minute), not wrangler.toml's`,
  );
  enter("building the Worker", "build");
  console.log(`\nbuilding the Worker (wrangler deploy --dry-run)…`);
  wrangler(["deploy", "--dry-run", "--outdir", "dist"], { capture: true });
  enter("starting workerd", "start");
  server.persist = mkdtempSync(path.join(tmpdir(), "lms-bench-"));
  server.mf = new Miniflare(miniflareOptions({ stats: true }));
  await locate(WAIT_MS * 2);
  enter(`waiting for ${server.url}/health`, "wait for /health");
  const up = await waitForServer(`${server.url}/health`, { totalMs: WAIT_MS });
  console.log(
    `server ${server.url} answered GET /health after ${seconds(up.waitedMs)} (${up.attempts} ${up.attempts === 1 ? "poll" : "polls"})`,
  );
  enter("migrating", "migrate");
  await migrate();
  enter("seeding", "seed");
  console.log(`seeding (scale ${scale})…`);
  const data = await seed();
  console.log(`seeded in ${data.seconds.toFixed(1)} s:`, data.counts);
  if (FAULT_EVERY > 0)
    console.log(`BENCH_FAULT_EVERY=${FAULT_EVERY}: injected ${faults.refused} refused and ${faults.lost} lost-reply failures; all retried`);

  enter("measuring endpoints", "endpoints");
  const manager = tokenFor("bench-manager", "manager");
  const alice = "bench-alice";
  const participant = tokenFor(alice, "participant");
  // A GET is repeated after any connection-level failure (or 503); another method only when the request cannot have
  // reached the server (connection refused), so a write is never applied twice — unless the caller says repeating
  // it is harmless (`repeatable`: enrolling, completing materials and starting an exam resume what exists).
  const call = (method, p, token, body, { repeatable = false } = {}) =>
    retrying(
      `${phase}: ${method} ${p}`,
      async () => {
        const res = await fetch(`${server.url}${p}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(CALL_MS),
        });
        const text = await res.text();
        if (res.status === 503 && (method === "GET" || repeatable)) throw new HttpError(method, p, res.status, text);
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        return { res, json, text };
      },
      { retryable: method === "GET" || repeatable ? isConnectionError : isNotDelivered },
    );

  // A measured participant on course 0, and an extra course where the N+1 checks vary sizes.
  const c0 = data.courses[0];
  const s0 = data.steps[0];
  const s1 = data.steps[1];
  const rows = [];
  const measure = async (name, method, p, token, body) => {
    const { res, json } = await call(method, p, token, body);
    const st = statsOf(res);
    const returned = Array.isArray(json) ? json.length : json ? 1 : 0;
    const bad = await planOk(st.sql);
    if (process.env.BENCH_VERBOSE)
      for (const s of st.sql) if (s.rows_read > 20) console.log(`  ${name}: ${s.rows_read} rows ← ${s.sql.slice(0, 160)}`);
    rows.push({
      endpoint: `${method} ${name.replace(/^(GET|POST|PUT|DELETE) /, "")}`,
      status: res.status,
      calls: st.calls,
      rows_read: st.rows_read,
      returned,
      budget: st.rows_read <= 2 * returned + 50 ? "ok" : "OVER",
      plan: bad.length === 0 ? "ok" : `SCAN ${bad.join("; ")}`,
    });
    return json;
  };

  // Measured warm, as production runs: one read first fills this isolate's course-structure cache (a cold read
  // of a 20 × 5 course costs one more round trip and ≈ 480 more rows, once per isolate and structure version).
  const cold = statsOf((await call("GET", `/participants/me/progress/${c0.id}`, participant)).res);
  console.log(`\ncold read of course 0's structure (once per isolate and version): calls=${cold.calls} rows_read=${cold.rows_read}`);
  await measure("/courses", "GET", "/courses", participant);
  await measure("/courses/{id}", "GET", `/courses/${c0.id}`, participant);
  await measure("/courses/enroll-default", "POST", "/courses/enroll-default", participant);
  await measure("/steps/{id}?participant_id", "GET", `/steps/${s0.id}?participant_id=${alice}`, participant);
  const m0 = data.materials[0];
  await measure("/materials/{id}/complete", "POST", `/materials/${m0.id}/complete`, participant);
  await measure("/steps/{id}/materials-complete", "POST", `/steps/${s0.id}/materials-complete`, participant);
  const start = await measure("/steps/{id}/exam/start", "POST", `/steps/${s0.id}/exam/start`, participant);
  await measure("/steps/{id}/exam/start (resume)", "POST", `/steps/${s0.id}/exam/start`, participant);
  const answers = {
    mcq_answers: [{ question_id: "q0", selected_option_id: "a" }],
    theory_answers: [{ question_id: "q2", answer_text: "Because." }],
  };
  await measure("/forms/submissions/{id}/answers", "PUT", `/forms/submissions/${start.submission_id}/answers`, participant, answers);
  await measure("/forms/submissions/{id}/submit", "POST", `/forms/submissions/${start.submission_id}/submit`, participant, answers);
  await measure("/form-submissions/pending?course_id", "GET", `/form-submissions/pending?course_id=${c0.id}`, manager);
  await measure("/form-submissions/pending", "GET", "/form-submissions/pending", manager);
  await measure("/form-submissions/{id}", "GET", `/form-submissions/${start.submission_id}`, manager);
  await measure("/form-submissions/participant/{id}", "GET", `/form-submissions/participant/${alice}`, participant);
  const theory = JSON.parse(data.forms[0].questions)
    .filter((q) => q.question_type === "THEORY")
    .map((q) => ({ question_id: q.question_id, marks_awarded: 1 }));
  await measure("/form-submissions/{id}/grade", "POST", `/form-submissions/${start.submission_id}/grade`, manager, {
    theory_grades: theory,
  });
  await measure("/form-submissions/{id}/approve", "POST", `/form-submissions/${start.submission_id}/approve`, manager, {});
  await measure("/participants/me/courses", "GET", "/participants/me/courses", participant);
  await measure("/participants/me/progress/{course_id}", "GET", `/participants/me/progress/${c0.id}`, participant);
  await measure("/participants/me/step/{step_id}/progress", "GET", `/participants/me/step/${s1.id}/progress`, participant);
  const table = data.tables[0];
  const mine = await measure("/requirement-tables/{id}/my-submission", "GET", `/requirement-tables/${table.id}/my-submission`, participant);
  await measure(
    "/requirement-tables/submissions/{id}/rows",
    "POST",
    `/requirement-tables/submissions/${mine.submission_id}/rows`,
    participant,
    { serial_number: 1, completed: true, completed_value: 10 },
  );
  for (const n of [2, 3, 4, 5])
    await call("POST", `/requirement-tables/submissions/${mine.submission_id}/rows`, participant, { serial_number: n, completed: true });
  await measure(
    "/requirement-tables/submissions/{id}/submit",
    "POST",
    `/requirement-tables/submissions/${mine.submission_id}/submit`,
    participant,
  );
  await measure("/requirement-tables/submissions/pending", "GET", "/requirement-tables/submissions/pending", manager);
  await measure(
    "/requirement-tables/submissions/{id}/rows/{n}/approve",
    "POST",
    `/requirement-tables/submissions/${mine.submission_id}/rows/1/approve`,
    manager,
    { approved: true },
  );
  await measure(
    "/requirement-tables/submissions/{id}/approve",
    "POST",
    `/requirement-tables/submissions/${mine.submission_id}/approve`,
    manager,
    {},
  );
  await measure("/forms?step_id", "GET", `/forms?step_id=${s0.id}`, manager);
  const analyticsAttempts = data.analyticsAttempts;
  await measure(`/forms/{id}/analytics (${analyticsAttempts} attempts)`, "GET", `/forms/${data.forms[0].id}/analytics`, manager);
  // Reports (issue #27): a JSON page each; the whole-course figures are scripts/bench-reports.mjs's.
  await measure("/courses/{id}/gradebook (page of 200)", "GET", `/courses/${c0.id}/gradebook?limit=200`, manager);
  await measure("/courses/{id}/completion", "GET", `/courses/${c0.id}/completion`, manager);
  await measure("/forms/{id}/responses (page of 50 attempts)", "GET", `/forms/${data.forms[0].id}/responses?limit=50`, manager);
  await measure("/forms/{id}", "GET", `/forms/${data.forms[0].id}`, participant);
  await measure("/requirement-tables?step_id", "GET", `/requirement-tables?step_id=${s0.id}`, manager);
  await measure("/requirement-tables/{id}", "GET", `/requirement-tables/${table.id}`, manager);
  const course = await measure("POST /courses", "POST", "/courses", manager, { name: "Bench course" });
  await measure("/courses/{id} (PUT)", "PUT", `/courses/${course.id}`, manager, { description: "x" });
  await measure("/courses/{id}/set-default", "PUT", `/courses/${c0.id}/set-default`, manager);
  const step = await measure("POST /steps", "POST", "/steps", manager, { course_id: course.id, name: "S" });
  await measure("/steps/{id} (PUT)", "PUT", `/steps/${step.id}`, manager, { name: "S2" });
  const material = await measure("/steps/{id}/materials", "POST", `/steps/${step.id}/materials`, manager, {
    material_type: "Video",
    title: "V",
    content: { url: "https://e.com/v" },
  });
  await measure("/materials/{id} (PUT)", "PUT", `/materials/${material.id}`, manager, { title: "V2" });
  const form = await measure("POST /forms", "POST", "/forms", manager, { name: "F", duration_minutes: 10, questions: questionsOf(30) });
  await measure("/forms/{id} (PUT)", "PUT", `/forms/${form.id}`, manager, { name: "F2" });
  await measure("/steps/{id}/exam?form_id", "PUT", `/steps/${step.id}/exam?form_id=${form.id}`, manager);
  await measure("/courses/{id}/steps/reorder", "POST", `/courses/${course.id}/steps/reorder`, manager, {
    step_orders: [{ step_id: step.id, order_index: 3 }],
  });
  const rt = await measure("POST /requirement-tables", "POST", "/requirement-tables", manager, {
    name: "T",
    requirements: [{ serial_number: 1, activity: "a", target: 1, unit: "u" }],
  });
  await measure("/requirement-tables/{id} (PUT)", "PUT", `/requirement-tables/${rt.id}`, manager, { name: "T2" });
  await measure("/requirement-tables/{id} (DELETE)", "DELETE", `/requirement-tables/${rt.id}`, manager);
  await measure("/materials/{id} (DELETE)", "DELETE", `/materials/${material.id}`, manager);
  await measure("/forms/{id} (DELETE)", "DELETE", `/forms/${form.id}`, manager);
  await measure("/steps/{id} (DELETE)", "DELETE", `/steps/${step.id}`, manager);
  await measure("/courses/{id} (DELETE)", "DELETE", `/courses/${course.id}`, manager);

  console.log("\nPer endpoint (D1 round trips, rows read, rows returned, budget rows_read ≤ 2×returned+50, query plans):");
  console.table(rows);

  // N+1: the same requests on a step with 1 vs 50 materials and an exam of 1 vs 50 questions.
  enter("running the N+1 check", "N+1");
  // Setup requests must succeed: otherwise the figures below would be about error answers.
  const must = async (method, p, token, body) => {
    const r = await call(method, p, token, body);
    if (r.res.status >= 300) throw new HttpError(method, p, r.res.status, r.text);
    return r;
  };
  const nPlusOne = [];
  for (const n of [1, 50]) {
    const courseN = (await must("POST", "/courses", manager, { name: `N${n}` })).json;
    const stepN = (await must("POST", "/steps", manager, { course_id: courseN.id, name: "S" })).json;
    for (let i = 0; i < n; i++)
      await must("POST", `/steps/${stepN.id}/materials`, manager, {
        material_type: "Video",
        title: `V${i}`,
        content: { url: "https://e.com/v" },
      });
    await must("POST", "/forms", manager, { name: `E${n}`, duration_minutes: 10, step_id: stepN.id, questions: questionsOf(n) });
    const pid = `bench-n${n}`;
    const tok = tokenFor(pid, "participant");
    await must("POST", `/courses/${courseN.id}/enroll?participant_id=${pid}`, manager);
    const view = statsOf((await must("GET", `/steps/${stepN.id}`, tok)).res);
    const done = statsOf((await must("POST", `/steps/${stepN.id}/materials-complete`, tok)).res);
    const started = await must("POST", `/steps/${stepN.id}/exam/start`, tok);
    const body = { mcq_answers: [], theory_answers: [] };
    const submitted = statsOf((await must("POST", `/forms/submissions/${started.json.submission_id}/submit`, tok, body)).res);
    nPlusOne.push({
      size: n,
      "step view calls": view.calls,
      "materials-complete calls": done.calls,
      "exam start calls": statsOf(started.res).calls,
      "submit calls": submitted.calls,
      "submit rows_written": submitted.rows_written,
    });
  }
  console.log("\nN+1 check (round trips must not grow with size):");
  console.table(nPlusOne);

  if (withLoad) await load(call, data, manager);
  enter("cleaning up", "cleanup");
  await cleanup();
  enter("done");
  console.log(
    `\nbench finished in ${seconds(Date.now() - startedAt)} at scale ${scale}${withLoad ? "" : " (load skipped)"}` +
      `${server.reconnects ? `, after ${server.reconnects} ${server.reconnects === 1 ? "retry" : "retries"}` : ""} — ${timeByGroup()}`,
  );
}

/* ------------------------------------------------ load --------------------------------------------------- */

/**
 * One autocannon run, and when its first request went out and its last response came back: autocannon ends a run of
 * a fixed number of requests at its next one-second sample, so its own `duration` is rounded up to a whole second
 * (1,000 submits done in 3.5 s were reported as 4 or 5 s, rating submit up to a quarter too low).
 */
function run(opts) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let lastResponse = started;
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ ...result, elapsedMs: lastResponse - started })));
    instance.on("response", () => {
      lastResponse = performance.now();
    });
  });
}

async function load(call, data, manager) {
  enter("restarting workerd without D1_STATS", "load");
  // The same data (D1 is on disk); the load runs measure the Worker as deployed, without the per-request SQL report.
  await server.mf.setOptions(miniflareOptions({ stats: false }));
  await locate(WAIT_MS);
  enter("preparing the load runs", "load");
  const url = server.url;
  const duration = Number(args.duration);
  const connections = 10;
  // 200 simultaneous exam starts by different participants, all enrolled on course 0 with materials done.
  const c0 = data.courses[0];
  const s0 = data.steps[0];
  const people = Array.from({ length: 1000 }, (_, i) => `bench-load-${i}`);
  const prepare = async (pid) => {
    await call("POST", `/courses/${c0.id}/enroll?participant_id=${pid}`, manager, undefined, { repeatable: true });
    await call("POST", `/steps/${s0.id}/materials-complete`, tokenFor(pid, "participant"), undefined, { repeatable: true });
  };
  for (let i = 0; i < people.length; i += 20) await Promise.all(people.slice(i, i + 20).map(prepare));
  const first = people.slice(0, 200);
  enter("starting 200 exams at once", "load");
  const start = (pid) => call("POST", `/steps/${s0.id}/exam/start`, tokenFor(pid, "participant"), undefined, { repeatable: true });
  const starts = await Promise.all(first.map(start));
  const errors = starts.filter((s) => s.res.status >= 300).length;
  const distinct = new Set(starts.map((s) => s.json?.submission_id)).size;
  console.log(`\n200 simultaneous exam starts: ${errors} errors, ${distinct} distinct attempts (expected 0 and 200)`);
  // More open attempts, so the submit load runs long enough to measure (each attempt is submitted once).
  enter("preparing the load runs", "load");
  for (let i = 200; i < people.length; i += 50) starts.push(...(await Promise.all(people.slice(i, i + 50).map(start))));

  const participant = tokenFor("bench-alice", "participant");
  const auth = { authorization: `Bearer ${participant}` };
  const failed = starts.filter((s) => !s.json?.submission_id);
  if (failed.length > 0)
    throw new Error(
      `${failed.length} of ${starts.length} load participants could not start the exam; first answer: ${failed[0].res.status} ${clip(failed[0].text)}`,
    );
  const submitQueue = starts.map((s, i) => ({ id: s.json.submission_id, token: tokenFor(people[i], "participant") }));
  const body = JSON.stringify({ mcq_answers: [{ question_id: "q0", selected_option_id: "a" }], theory_answers: [] });
  let saved = 0;
  const targets = [
    { name: "GET /health", opts: { url: `${url}/health` } },
    { name: "GET /forms/{id} (auth + one point read)", opts: { url: `${url}/forms/${data.forms[0].id}`, headers: auth } },
    { name: "GET /participants/me/courses", opts: { url: `${url}/participants/me/courses`, headers: auth } },
    { name: "GET /participants/me/progress/{id}", opts: { url: `${url}/participants/me/progress/${c0.id}`, headers: auth } },
    { name: "GET /participants/me/step/{id}/progress", opts: { url: `${url}/participants/me/step/${s0.id}/progress`, headers: auth } },
    { name: "GET /steps/{id}?participant_id", opts: { url: `${url}/steps/${s0.id}?participant_id=bench-alice`, headers: auth } },
    {
      // Autosaves cycle over the open attempts (each stays open until the submit run below).
      name: "PUT /forms/submissions/{id}/answers (autosave)",
      opts: {
        url,
        requests: [
          {
            method: "PUT",
            setupRequest: (req) => {
              const next = submitQueue[saved++ % submitQueue.length];
              return {
                ...req,
                path: `/forms/submissions/${next.id}/answers`,
                headers: { authorization: `Bearer ${next.token}`, "content-type": "application/json" },
                body,
              };
            },
          },
        ],
      },
    },
    {
      name: "POST /forms/submissions/{id}/submit",
      opts: {
        url,
        amount: submitQueue.length,
        requests: [
          {
            method: "POST",
            setupRequest: (req) => {
              const next = submitQueue.shift();
              return {
                ...req,
                path: `/forms/submissions/${next.id}/submit`,
                headers: { authorization: `Bearer ${next.token}`, "content-type": "application/json" },
                body,
              };
            },
          },
        ],
      },
    },
  ];
  // /health is run before the first endpoint and again after each one, and each endpoint's ratio is to the mean of
  // the two /health runs around it: on a shared 2-core VM the machine's speed drifts (/health alone 240 and 409 req/s
  // in two runs, 253–502 within one), and a baseline measured once, minutes earlier, moved the ratios more than the
  // endpoints did.
  const [healthTarget, ...endpoints] = targets;
  const measureLoad = async (t) => {
    enter(`running load on ${t.name}`, "load");
    const r = await run({ connections, ...(t.opts.amount ? {} : { duration }), ...t.opts });
    // A fixed number of requests (submit) is rated by the time from its first request to its last response.
    const rate = t.opts.amount ? r.requests.total / (r.elapsedMs / 1000) : r.requests.average;
    return {
      endpoint: t.name,
      "req/s": Math.round(rate),
      p50_ms: r.latency.p50,
      p99_ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
    };
  };
  const healthRuns = [await measureLoad(healthTarget)];
  const results = [];
  for (const t of endpoints) {
    const r = await measureLoad(t);
    healthRuns.push(await measureLoad(healthTarget));
    const around = (healthRuns.at(-2)["req/s"] + healthRuns.at(-1)["req/s"]) / 2;
    results.push({ ...r, "× health": (r["req/s"] / around).toFixed(2) });
  }
  const rates = healthRuns.map((h) => h["req/s"]);
  const sum = (key) => healthRuns.reduce((total, h) => total + h[key], 0);
  results.unshift({
    endpoint: `${healthTarget.name} (mean of ${rates.length} runs: ${Math.min(...rates)}–${Math.max(...rates)} req/s)`,
    "req/s": Math.round(sum("req/s") / rates.length),
    p50_ms: Math.max(...healthRuns.map((h) => h.p50_ms)),
    p99_ms: Math.max(...healthRuns.map((h) => h.p99_ms)),
    non2xx: sum("non2xx"),
    errors: sum("errors"),
    "× health": "1.00",
  });
  console.log(
    `\nLoad (${connections} connections, ${duration} s each; submit: one request per open attempt, ${people.length} attempts; ` +
      `each ratio is to the mean of the /health runs just before and after it; /health's p50 and p99 are its worst run's):`,
  );
  console.table(results);
}

main().catch(fail);
