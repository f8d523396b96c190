// npm run bench [-- --scale 0.1] [-- --skip-load]
//
// Seeds a realistic data set into Miniflare's local D1 (batched inserts within D1's 100-parameter limit),
// serves the built Worker from workerd directly (not through `wrangler dev`'s proxy), and prints:
//  1. per endpoint of the spec: D1 round trips, rows read, rows returned, and whether every query on a large
//     table uses an index (EXPLAIN QUERY PLAN) — from the Worker's own x-d1-stats / x-d1-sql (D1_STATS=true);
//  2. the N+1 check: round trips for a step with 1 vs 50 materials, and an exam of 1 vs 50 questions;
//  3. load ratios (autocannon) against GET /health in the same run, and 200 simultaneous exam starts.
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync, readdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { root, wrangler } from "./lib.mjs";

const { values: args } = parseArgs({
  options: { scale: { type: "string", default: "1" }, "skip-load": { type: "boolean", default: false }, duration: { type: "string", default: "5" } },
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
const LARGE_TABLES = ["steps", "materials", "forms", "enrollments", "material_completions", "form_submissions", "requirement_submissions", "requirement_rows"];
const SECRET = "bench-secret";

/* ------------------------------------------------ helpers ------------------------------------------------ */

let seq = 0;
const id = () => (0x60000000 + Math.floor(Date.now() / 1000) % 0x0fffffff).toString(16).padStart(8, "0") + (seq++).toString(16).padStart(16, "0");
const iso = (ms = Date.now()) => new Date(ms).toISOString();
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
function tokenFor(sub, role) {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, role, iat: now, exp: now + 7200 })}`;
  return `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
}

/** Inserts rows with multi-row statements of at most 100 bound parameters, 50 statements per batch. */
async function insertAll(db, table, rows) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const perStatement = Math.max(1, Math.floor(100 / columns.length));
  // Batches of up to 50 statements and ~256 KB of values, so no single call to the local runtime is huge.
  let batch = [];
  let bytes = 0;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const placeholders = chunk.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ");
    const values = chunk.flatMap((r) => columns.map((c) => r[c]));
    batch.push(db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${placeholders}`).bind(...values));
    bytes += values.reduce((n, v) => n + (typeof v === "string" ? v.length : 8), 0);
    if (batch.length >= 50 || bytes > 256 * 1024) {
      await db.batch(batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) await db.batch(batch);
}

async function migrate(db) {
  const dir = path.join(root, "migrations");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort())
    for (const statement of readFileSync(path.join(dir, file), "utf8").split("--> statement-breakpoint"))
      if (statement.trim()) await db.prepare(statement).run();
}

/* ------------------------------------------------ seeding ------------------------------------------------ */

function questionsOf(n) {
  return Array.from({ length: n }, (_, q) =>
    q % 3 === 2
      ? { question_id: `q${q}`, question_type: "THEORY", question_text: `Explain ${q}`, options: [], marks: 5, max_words: 200 }
      : { question_id: `q${q}`, question_type: "MCQ", question_text: `Question ${q}?`, marks: 2, max_words: null,
          options: ["a", "b", "c", "d"].map((o, k) => ({ option_id: o, text: `Option ${o}`, is_correct: k === 0 })) },
  );
}

async function seed(db) {
  const t0 = Date.now();
  const now = iso();
  const by = "bench-manager";
  const stamps = { created_at: now, updated_at: now, created_by: by };
  const courses = [], steps = [], materials = [], forms = [], tables = [];
  const requirements = [1, 2, 3, 4, 5].map((n) => ({ serial_number: n, activity: `Activity ${n}`, target: 10 * n, unit: "minutes" }));
  for (let c = 0; c < SIZES.courses; c++) {
    const course = { id: id(), name: `Course ${c}`, description: "Seeded", image_url: null, previous_course_id: null, next_course_id: null,
      default_step_id: null, order_index: c, is_active: 1, is_default: c === 0 ? 1 : 0, ...stamps, archived_at: null };
    courses.push(course);
    const form = { id: id(), name: `Exam ${c}`, description: null, step_id: null, duration_minutes: 30, total_marks: 0, passing_marks: 0,
      max_attempts: 10, passing_percentage: 60, questions: null, question_count: SIZES.questions, ...stamps, archived_at: null };
    const qs = questionsOf(SIZES.questions);
    form.total_marks = qs.reduce((s, q) => s + q.marks, 0);
    form.passing_marks = Math.round(form.total_marks * 0.6);
    form.questions = JSON.stringify(qs);
    const table = { id: id(), name: `Tracker ${c}`, description: null, step_id: null, requirements: JSON.stringify(requirements), requirement_count: 5, ...stamps, archived_at: null };
    for (let s = 0; s < SIZES.stepsPerCourse; s++) {
      const step = { id: id(), course_id: course.id, name: `Step ${s}`, description: null, order_index: s, previous_step_id: null,
        unlock_on_exam_pass: 1, exam_id: s === 0 ? form.id : null, ...stamps, archived_at: null };
      steps.push(step);
      if (s === 0) { form.step_id = step.id; table.step_id = step.id; }
      for (let m = 0; m < SIZES.materialsPerStep; m++) {
        const isTable = s === 1 && m === 0;
        materials.push({ id: id(), step_id: step.id, material_type: isTable ? "RequirementTable" : "Video", title: `Material ${s}.${m}`, description: null,
          content: JSON.stringify(isTable ? { requirement_table_id: table.id } : { url: `https://example.com/${c}/${s}/${m}` }),
          requirement_table_id: isTable ? table.id : null, order_index: m, is_mandatory: 1, ...stamps, archived_at: null });
      }
    }
    forms.push(form);
    tables.push(table);
  }
  await insertAll(db, "courses", courses);
  await insertAll(db, "steps", steps);
  await insertAll(db, "materials", materials);
  await insertAll(db, "forms", forms);
  await insertAll(db, "requirement_tables", tables);

  // Participants enrol in a few courses each; their history fills the large tables.
  const enrollments = [], completions = [], submissions = [], reqSubs = [], reqRows = [];
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
      enrollments.push({ id: id(), participant_id: pid, course_id: course.id, start_step_id: firstStep.id, enrolled_at: now, completed_at: null });
      for (let m = 0; m < SIZES.materialsPerStep; m++)
        completions.push({ participant_id: pid, material_id: materials[(c * SIZES.stepsPerCourse) * SIZES.materialsPerStep + m].id, step_id: firstStep.id, completed_at: now });
      for (let a = 1; a <= attemptsPerEnrollment; a++)
        submissions.push({ id: id(), form_id: forms[c].id, step_id: firstStep.id, course_id: course.id, participant_id: pid, attempt_number: a,
          submission_status: a === attemptsPerEnrollment ? statuses[p % 4] : "Rejected", started_at: iso(Date.now() - 86_400_000 + a * 1000),
          deadline_at: iso(Date.now() - 86_400_000 + a * 1000 + 1_800_000), submitted_at: iso(Date.now() - 86_400_000 + a * 2000),
          mcq_score: 10, theory_score: null, total_score: null, answers: "{}", is_late: 0, auto_submitted: 0 });
      const sub = { id: id(), requirement_table_id: tables[c].id, participant_id: pid, created_at: now, submitted_at: p % 3 === 0 ? now : null, approved_at: p % 9 === 0 ? now : null };
      reqSubs.push(sub);
      for (const r of requirements)
        reqRows.push({ submission_id: sub.id, serial_number: r.serial_number, completed: 1, completed_value: r.target, remarks: null, completed_at: now,
          approved: p % 9 === 0 ? 1 : null, approved_by: p % 9 === 0 ? by : null, approved_at: p % 9 === 0 ? now : null, approval_remarks: null, updated_at: now });
    }
  }
  await insertAll(db, "enrollments", enrollments);
  await insertAll(db, "material_completions", completions);
  await insertAll(db, "form_submissions", submissions);
  await insertAll(db, "requirement_submissions", reqSubs);
  await insertAll(db, "requirement_rows", reqRows);
  return {
    seconds: (Date.now() - t0) / 1000,
    counts: { courses: courses.length, steps: steps.length, materials: materials.length, forms: forms.length, enrollments: enrollments.length,
      material_completions: completions.length, form_submissions: submissions.length, requirement_submissions: reqSubs.length, requirement_rows: reqRows.length },
    courses, steps, materials, forms, tables,
  };
}

/* ------------------------------------------------ measuring ---------------------------------------------- */

function statsOf(res) {
  const header = res.headers.get("x-d1-stats") ?? "";
  const get = (k) => Number(new RegExp(`${k}=(\\d+)`).exec(header)?.[1] ?? NaN);
  const sql = JSON.parse(Buffer.from(res.headers.get("x-d1-sql") ?? "W10", "base64url").toString() || "[]");
  return { calls: get("calls"), rows_read: get("rows_read"), rows_written: get("rows_written"), sql };
}

async function planOk(db, statements) {
  const bad = [];
  for (const sql of new Set(statements.map((s) => s.sql))) {
    let plan;
    try {
      plan = (await db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all()).results;
    } catch {
      continue; // statements with RETURNING or batch-only forms that EXPLAIN cannot take unbound
    }
    for (const row of plan) {
      const m = /^SCAN (\w+)(?!.*USING)/.exec(row.detail);
      if (m && LARGE_TABLES.includes(m[1])) bad.push(`${m[1]}: ${sql.slice(0, 80)}`);
    }
  }
  return bad;
}

async function main() {
  console.log(`building the Worker (wrangler deploy --dry-run)…`);
  wrangler(["deploy", "--dry-run", "--outdir", "dist"], { capture: true });
  const persist = mkdtempSync(path.join(tmpdir(), "lms-bench-"));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      scriptPath: path.join(root, "dist", "index.js"),
      compatibilityDate: "2026-11-01",
      d1Databases: { DB: "bench-db" },
      r2Buckets: { FILES: "bench-files" },
      bindings: { JWT_SECRET: SECRET, D1_STATS: "true", EXAM_GRACE_SECONDS: "120" },
      d1Persist: persist,
      r2Persist: persist,
      host: "127.0.0.1",
      port: 0,
    }),
  );
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  await migrate(db);
  console.log(`seeding (scale ${scale})…`);
  const data = await seed(db);
  console.log(`seeded in ${data.seconds.toFixed(1)} s:`, data.counts);

  const manager = tokenFor("bench-manager", "manager");
  const alice = "bench-alice";
  const participant = tokenFor(alice, "participant");
  const call = async (method, p, token, body) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch {}
    return { res, json };
  };

  // A measured participant on course 0, and an extra course where the N+1 checks vary sizes.
  const c0 = data.courses[0];
  const s0 = data.steps[0];
  const s1 = data.steps[1];
  const rows = [];
  const measure = async (name, method, p, token, body) => {
    const { res, json } = await call(method, p, token, body);
    const st = statsOf(res);
    const returned = Array.isArray(json) ? json.length : json ? 1 : 0;
    const bad = await planOk(db, st.sql);
    if (process.env.BENCH_VERBOSE) for (const s of st.sql) if (s.rows_read > 20) console.log(`  ${name}: ${s.rows_read} rows ← ${s.sql.slice(0, 160)}`);
    rows.push({ endpoint: `${method} ${name.replace(/^(GET|POST|PUT|DELETE) /, "")}`, status: res.status, calls: st.calls, rows_read: st.rows_read, returned,
      budget: st.rows_read <= 2 * returned + 50 ? "ok" : "OVER", plan: bad.length === 0 ? "ok" : `SCAN ${bad.join("; ")}` });
    return json;
  };

  await measure("/courses", "GET", "/courses", participant);
  await measure("/courses/{id}", "GET", `/courses/${c0.id}`, participant);
  await measure("/courses/enroll-default", "POST", "/courses/enroll-default", participant);
  await measure("/steps/{id}?participant_id", "GET", `/steps/${s0.id}?participant_id=${alice}`, participant);
  const m0 = data.materials[0];
  await measure("/materials/{id}/complete", "POST", `/materials/${m0.id}/complete`, participant);
  await measure("/steps/{id}/materials-complete", "POST", `/steps/${s0.id}/materials-complete`, participant);
  const start = await measure("/steps/{id}/exam/start", "POST", `/steps/${s0.id}/exam/start`, participant);
  await measure("/steps/{id}/exam/start (resume)", "POST", `/steps/${s0.id}/exam/start`, participant);
  const answers = { mcq_answers: [{ question_id: "q0", selected_option_id: "a" }], theory_answers: [{ question_id: "q2", answer_text: "Because." }] };
  await measure("/forms/submissions/{id}/answers", "PUT", `/forms/submissions/${start.submission_id}/answers`, participant, answers);
  await measure("/forms/submissions/{id}/submit", "POST", `/forms/submissions/${start.submission_id}/submit`, participant, answers);
  await measure("/form-submissions/pending?course_id", "GET", `/form-submissions/pending?course_id=${c0.id}`, manager);
  await measure("/form-submissions/pending", "GET", "/form-submissions/pending", manager);
  await measure("/form-submissions/{id}", "GET", `/form-submissions/${start.submission_id}`, manager);
  await measure("/form-submissions/participant/{id}", "GET", `/form-submissions/participant/${alice}`, participant);
  const theory = JSON.parse(data.forms[0].questions).filter((q) => q.question_type === "THEORY").map((q) => ({ question_id: q.question_id, marks_awarded: 1 }));
  await measure("/form-submissions/{id}/grade", "POST", `/form-submissions/${start.submission_id}/grade`, manager, { theory_grades: theory });
  await measure("/form-submissions/{id}/approve", "POST", `/form-submissions/${start.submission_id}/approve`, manager, {});
  await measure("/participants/me/courses", "GET", "/participants/me/courses", participant);
  await measure("/participants/me/progress/{course_id}", "GET", `/participants/me/progress/${c0.id}`, participant);
  await measure("/participants/me/step/{step_id}/progress", "GET", `/participants/me/step/${s1.id}/progress`, participant);
  const table = data.tables[0];
  const mine = await measure("/requirement-tables/{id}/my-submission", "GET", `/requirement-tables/${table.id}/my-submission`, participant);
  await measure("/requirement-tables/submissions/{id}/rows", "POST", `/requirement-tables/submissions/${mine.submission_id}/rows`, participant, { serial_number: 1, completed: true, completed_value: 10 });
  for (const n of [2, 3, 4, 5]) await call("POST", `/requirement-tables/submissions/${mine.submission_id}/rows`, participant, { serial_number: n, completed: true });
  await measure("/requirement-tables/submissions/{id}/submit", "POST", `/requirement-tables/submissions/${mine.submission_id}/submit`, participant);
  await measure("/requirement-tables/submissions/pending", "GET", "/requirement-tables/submissions/pending", manager);
  await measure("/requirement-tables/submissions/{id}/rows/{n}/approve", "POST", `/requirement-tables/submissions/${mine.submission_id}/rows/1/approve`, manager, { approved: true });
  await measure("/requirement-tables/submissions/{id}/approve", "POST", `/requirement-tables/submissions/${mine.submission_id}/approve`, manager, {});
  await measure("/forms?step_id", "GET", `/forms?step_id=${s0.id}`, manager);
  await measure("/forms/{id}", "GET", `/forms/${data.forms[0].id}`, participant);
  await measure("/requirement-tables?step_id", "GET", `/requirement-tables?step_id=${s0.id}`, manager);
  await measure("/requirement-tables/{id}", "GET", `/requirement-tables/${table.id}`, manager);
  const course = await measure("POST /courses", "POST", "/courses", manager, { name: "Bench course" });
  await measure("/courses/{id} (PUT)", "PUT", `/courses/${course.id}`, manager, { description: "x" });
  await measure("/courses/{id}/set-default", "PUT", `/courses/${c0.id}/set-default`, manager);
  const step = await measure("POST /steps", "POST", "/steps", manager, { course_id: course.id, name: "S" });
  await measure("/steps/{id} (PUT)", "PUT", `/steps/${step.id}`, manager, { name: "S2" });
  const material = await measure("/steps/{id}/materials", "POST", `/steps/${step.id}/materials`, manager, { material_type: "Video", title: "V", content: { url: "https://e.com/v" } });
  await measure("/materials/{id} (PUT)", "PUT", `/materials/${material.id}`, manager, { title: "V2" });
  const form = await measure("POST /forms", "POST", "/forms", manager, { name: "F", duration_minutes: 10, questions: questionsOf(30) });
  await measure("/forms/{id} (PUT)", "PUT", `/forms/${form.id}`, manager, { name: "F2" });
  await measure("/steps/{id}/exam?form_id", "PUT", `/steps/${step.id}/exam?form_id=${form.id}`, manager);
  await measure("/courses/{id}/steps/reorder", "POST", `/courses/${course.id}/steps/reorder`, manager, { step_orders: [{ step_id: step.id, order_index: 3 }] });
  const rt = await measure("POST /requirement-tables", "POST", "/requirement-tables", manager, { name: "T", requirements: [{ serial_number: 1, activity: "a", target: 1, unit: "u" }] });
  await measure("/requirement-tables/{id} (PUT)", "PUT", `/requirement-tables/${rt.id}`, manager, { name: "T2" });
  await measure("/requirement-tables/{id} (DELETE)", "DELETE", `/requirement-tables/${rt.id}`, manager);
  await measure("/materials/{id} (DELETE)", "DELETE", `/materials/${material.id}`, manager);
  await measure("/forms/{id} (DELETE)", "DELETE", `/forms/${form.id}`, manager);
  await measure("/steps/{id} (DELETE)", "DELETE", `/steps/${step.id}`, manager);
  await measure("/courses/{id} (DELETE)", "DELETE", `/courses/${course.id}`, manager);

  console.log("\nPer endpoint (D1 round trips, rows read, rows returned, budget rows_read ≤ 2×returned+50, query plans):");
  console.table(rows);

  // N+1: the same requests on a step with 1 vs 50 materials and an exam of 1 vs 50 questions.
  const nPlusOne = [];
  for (const n of [1, 50]) {
    const courseN = (await call("POST", "/courses", manager, { name: `N${n}` })).json;
    const stepN = (await call("POST", "/steps", manager, { course_id: courseN.id, name: "S" })).json;
    for (let i = 0; i < n; i++) await call("POST", `/steps/${stepN.id}/materials`, manager, { material_type: "Video", title: `V${i}`, content: { url: "https://e.com/v" } });
    const qs = questionsOf(n).map((q) => (q.question_type === "THEORY" ? q : q));
    await call("POST", "/forms", manager, { name: `E${n}`, duration_minutes: 10, step_id: stepN.id, questions: qs.length ? qs : questionsOf(1) });
    const pid = `bench-n${n}`;
    const tok = tokenFor(pid, "participant");
    await call("POST", `/courses/${courseN.id}/enroll?participant_id=${pid}`, manager);
    const view = statsOf((await call("GET", `/steps/${stepN.id}`, tok)).res);
    const done = statsOf((await call("POST", `/steps/${stepN.id}/materials-complete`, tok)).res);
    const started = await call("POST", `/steps/${stepN.id}/exam/start`, tok);
    const body = { mcq_answers: [], theory_answers: [] };
    const submitted = statsOf((await call("POST", `/forms/submissions/${started.json.submission_id}/submit`, tok, body)).res);
    nPlusOne.push({ size: n, "step view calls": view.calls, "materials-complete calls": done.calls, "exam start calls": statsOf(started.res).calls, "submit calls": submitted.calls, "submit rows_written": submitted.rows_written });
  }
  console.log("\nN+1 check (round trips must not grow with size):");
  console.table(nPlusOne);

  if (!args["skip-load"]) await load(url, call, data, manager);
  await mf.dispose();
  rmSync(persist, { recursive: true, force: true });
}

/* ------------------------------------------------ load --------------------------------------------------- */

function run(opts) {
  return new Promise((resolve, reject) => autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))));
}

async function load(url, call, data, manager) {
  const duration = Number(args.duration);
  const connections = 10;
  // 200 simultaneous exam starts by different participants, all enrolled on course 0 with materials done.
  const c0 = data.courses[0];
  const s0 = data.steps[0];
  const people = Array.from({ length: 1000 }, (_, i) => `bench-load-${i}`);
  const prepare = async (pid) => {
    await call("POST", `/courses/${c0.id}/enroll?participant_id=${pid}`, manager);
    await call("POST", `/steps/${s0.id}/materials-complete`, tokenFor(pid, "participant"));
  };
  for (let i = 0; i < people.length; i += 20) await Promise.all(people.slice(i, i + 20).map(prepare));
  const first = people.slice(0, 200);
  const starts = await Promise.all(first.map((pid) => call("POST", `/steps/${s0.id}/exam/start`, tokenFor(pid, "participant"))));
  const errors = starts.filter((s) => s.res.status >= 300).length;
  const distinct = new Set(starts.map((s) => s.json?.submission_id)).size;
  console.log(`\n200 simultaneous exam starts: ${errors} errors, ${distinct} distinct attempts (expected 0 and 200)`);
  // More open attempts, so the submit load runs long enough to measure (each attempt is submitted once).
  for (let i = 200; i < people.length; i += 50)
    starts.push(...(await Promise.all(people.slice(i, i + 50).map((pid) => call("POST", `/steps/${s0.id}/exam/start`, tokenFor(pid, "participant"))))));

  const participant = tokenFor("bench-alice", "participant");
  const auth = { authorization: `Bearer ${participant}` };
  const submitQueue = starts.map((s, i) => ({ id: s.json.submission_id, token: tokenFor(people[i], "participant") }));
  if (starts.some((s) => !s.json?.submission_id)) throw new Error("some load participants could not start the exam");
  const body = JSON.stringify({ mcq_answers: [{ question_id: "q0", selected_option_id: "a" }], theory_answers: [] });
  const targets = [
    { name: "GET /health", opts: { url: `${url}/health` } },
    { name: "GET /forms/{id} (auth + one point read)", opts: { url: `${url}/forms/${data.forms[0].id}`, headers: auth } },
    { name: "GET /participants/me/courses", opts: { url: `${url}/participants/me/courses`, headers: auth } },
    { name: "GET /steps/{id}?participant_id", opts: { url: `${url}/steps/${s0.id}?participant_id=bench-alice`, headers: auth } },
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
              return { ...req, path: `/forms/submissions/${next.id}/submit`, headers: { authorization: `Bearer ${next.token}`, "content-type": "application/json" }, body };
            },
          },
        ],
      },
    },
  ];
  const results = [];
  for (const t of targets) {
    const r = await run({ connections, ...(t.opts.amount ? {} : { duration }), ...t.opts });
    // A fixed number of requests (submit) is rated by its own elapsed time, not per whole second.
    const rate = t.opts.amount ? r.requests.total / r.duration : r.requests.average;
    results.push({ endpoint: t.name, "req/s": Math.round(rate), p50_ms: r.latency.p50, p99_ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
  }
  const health = results[0]["req/s"];
  for (const r of results) r["× health"] = (r["req/s"] / health).toFixed(2);
  console.log(`\nLoad (${connections} connections, ${duration} s each; submit: one request per open attempt, ${people.length} attempts):`);
  console.table(results);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
