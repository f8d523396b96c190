import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import Papa from "papaparse";
import { cleanUpOnExit, startBuiltWorker } from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,20000" },
    runs: { type: "string", default: "3" },
  },
});
const SIZES = args.sizes
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const RUNS = Math.max(1, Number(args.runs));
const STEPS = 20;
const SECRET = "reports-secret";
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
function tokenFor(sub, role) {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, role, iat: now, exp: now + 7200 })}`;
  return `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
}
let counter = 0;
const id = () => (Date.now().toString(16).slice(-8) + (++counter).toString(16).padStart(16, "0")).slice(0, 24);
const iso = (ms) => new Date(ms).toISOString();

const cleanUps = [];
cleanUpOnExit(() => {
  for (const fn of cleanUps.splice(0)) fn();
});

/* ------------------------------------------------ the server ------------------------------------------------ */

const {
  base,
  db,
  workerdPid: workerd,
} = await startBuiltWorker({
  name: "reports",
  bindings: { JWT_SECRET: SECRET, D1_STATS: "sql" },
  cleanUps,
  namespaceBase: 9200,
});

/** CPU seconds of the workerd process so far (utime + stime). */
const cpu = () => {
  const fields = readFileSync(`/proc/${workerd}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/* ------------------------------------------------ seeding ------------------------------------------------ */

/** Rows into a table, 500 a statement, each statement one JSON parameter (D1's 100-parameter limit stays far). */
async function insert(table, rows) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const select = columns.map((c) => `json_extract(value, '$.${c}')`).join(", ");
  const statement = db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) SELECT ${select} FROM json_each(?)`);
  for (let i = 0; i < rows.length; i += 500) await db.batch([statement.bind(JSON.stringify(rows.slice(i, i + 500)))]);
}

const QUESTIONS = Array.from({ length: 10 }, (_, q) =>
  q >= 7
    ? { question_id: `q${q}`, question_type: "THEORY", question_text: `Explain ${q}`, options: [], marks: 5, max_words: 300 }
    : {
        question_id: `q${q}`,
        question_type: "MCQ",
        question_text: `Question ${q}?`,
        marks: 2,
        max_words: null,
        options: ["a", "b", "c", "d"].map((o, k) => ({ option_id: o, text: `Option ${o}`, is_correct: k === 0 })),
      },
);

async function seedCourse(n) {
  const t0 = Date.now();
  const by = "bench-manager";
  const now = Date.now();
  const stamps = { created_at: iso(now), updated_at: iso(now), created_by: by };
  const course = { id: id(), name: `Reports ${n}`, description: null, order_index: n, is_active: 1, is_default: 0, ...stamps };
  const steps = [];
  const forms = [];
  const materials = [];
  for (let s = 0; s < STEPS; s++) {
    const form = {
      id: id(),
      name: `Exam ${s + 1}`,
      duration_minutes: 30,
      total_marks: 29,
      passing_marks: 15,
      max_attempts: 3,
      passing_percentage: 50,
      questions: JSON.stringify(QUESTIONS),
      question_count: QUESTIONS.length,
      ...stamps,
    };
    const step = {
      id: id(),
      course_id: course.id,
      name: `Step ${s + 1}`,
      order_index: s,
      unlock_on_exam_pass: 1,
      exam_id: form.id,
      ...stamps,
    };
    form.step_id = step.id;
    steps.push(step);
    forms.push(form);
    for (let m = 0; m < 2; m++)
      materials.push({
        id: id(),
        step_id: step.id,
        material_type: "Video",
        title: `Video ${s + 1}.${m + 1}`,
        content: JSON.stringify({ url: `https://example.com/${s}/${m}` }),
        order_index: m,
        is_mandatory: 1,
        ...stamps,
      });
  }
  await insert("courses", [course]);
  await insert("steps", steps);
  await insert("forms", forms);
  await insert("materials", materials);
  const enrollments = [];
  const completions = [];
  const attempts = [];
  const answers = (k) =>
    JSON.stringify({
      mcq_answers: QUESTIONS.filter((q) => q.question_type === "MCQ").map((q, i) => ({
        question_id: q.question_id,
        selected_option_id: "abcd"[(k + i) % 4],
      })),
      theory_answers: QUESTIONS.filter((q) => q.question_type === "THEORY").map((q) => ({
        question_id: q.question_id,
        answer_text: `A seeded answer of a few words for ${q.question_id}, written by participant ${k}.`,
      })),
    });
  for (let p = 0; p < n; p++) {
    const pid = `r${n}-${String(p).padStart(6, "0")}`;
    const enrolledAt = now - 90 * 86_400_000 + p * 1000;
    const passed = p % (STEPS + 1);
    enrollments.push({
      id: id(),
      participant_id: pid,
      course_id: course.id,
      start_step_id: steps[0].id,
      enrolled_at: iso(enrolledAt),
      completed_at: passed === STEPS ? iso(enrolledAt + 60 * 86_400_000) : null,
    });
    for (let s = 0; s <= Math.min(passed, STEPS - 1); s++) {
      const at = enrolledAt + (s + 1) * 3 * 86_400_000;
      for (const m of materials.slice(2 * s, 2 * s + 2))
        completions.push({ participant_id: pid, material_id: m.id, step_id: steps[s].id, completed_at: iso(at) });
      const attempt = (number, status, score) => ({
        id: id(),
        form_id: forms[s].id,
        step_id: steps[s].id,
        course_id: course.id,
        participant_id: pid,
        attempt_number: number,
        submission_status: status,
        started_at: iso(at + number * 3_600_000),
        deadline_at: iso(at + number * 3_600_000 + 1_800_000),
        submitted_at: iso(at + number * 3_600_000 + 1_200_000),
        questions_snapshot: JSON.stringify(QUESTIONS),
        answers: answers(p + number),
        mcq_score: score,
        theory_score: status === "Submitted" ? null : 8,
        total_score: status === "Submitted" ? null : score + 8,
        theory_grades: status === "Submitted" ? null : JSON.stringify({ q7: 3, q8: 3, q9: 2 }),
        is_late: 0,
        auto_submitted: 0,
        reviewed_by: status === "Submitted" ? null : by,
        reviewed_at: status === "Submitted" ? null : iso(at + number * 3_600_000 + 86_400_000),
      });
      if (s < passed) {
        if ((p + s) % 4 === 0) attempts.push(attempt(1, "Rejected", 4));
        attempts.push(attempt((p + s) % 4 === 0 ? 2 : 1, "Approved", 10));
      } else attempts.push(attempt(1, "Submitted", 6));
    }
  }
  await insert("enrollments", enrollments);
  await insert("material_completions", completions);
  await insert("form_submissions", attempts);
  console.log(
    `seeded a course of ${n} participants: ${completions.length} completions, ${attempts.length} attempts in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { course, forms, enrollments: enrollments.length };
}

/* ------------------------------------------------ measuring ------------------------------------------------ */

const manager = tokenFor("bench-manager", "manager");
async function timed(pathAndQuery, headers = {}) {
  const cpu0 = cpu();
  const t0 = performance.now();
  const res = await fetch(`${base}${pathAndQuery}`, { headers: { authorization: `Bearer ${manager}`, ...headers } });
  const body = Buffer.from(await res.arrayBuffer());
  const wall = performance.now() - t0;
  // The CPU counter moves in 10 ms ticks: a short request may read 0 or 10 ms.
  const cpuMs = (cpu() - cpu0) * 1000;
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${body.toString().slice(0, 300)}`);
  const stats = res.headers.get("x-d1-stats") ?? "";
  const sql = JSON.parse(Buffer.from(res.headers.get("x-d1-sql") ?? "W10", "base64url").toString() || "[]");
  return {
    res,
    body,
    wall,
    cpuMs,
    calls: Number(/calls=(\d+)/.exec(stats)?.[1] ?? NaN),
    rowsRead: Number(/rows_read=(\d+)/.exec(stats)?.[1] ?? NaN),
    sql,
  };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const results = [];
const scans = [];
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else {
    failed++;
    console.error(`FAILED: ${what}`);
  }
};

let explained = 0;
let unexplained = 0;
async function plans(statements) {
  for (const s of statements) {
    const sqlText = typeof s === "string" ? s : s.sql;
    try {
      // The Worker reports its statements without their values: each `?` is bound to NULL (the plan is chosen
      // from the statement's shape; no literal of these statements holds a question mark).
      const holes = (sqlText.match(/\?/g) ?? []).length;
      const plan = await db
        .prepare(`EXPLAIN QUERY PLAN ${sqlText}`)
        .bind(...Array(holes).fill(null))
        .all();
      explained++;
      for (const row of plan.results) {
        if (process.env.BENCH_DEBUG && /^SCAN/.test(row.detail)) console.error(`plan: ${row.detail}   ← ${sqlText.slice(0, 90)}`);
        const m = /^SCAN (\w+)(?!.*USING)/.exec(row.detail);
        if (m && ["enrollments", "form_submissions", "material_completions", "cohort_members", "requirement_submissions"].includes(m[1]))
          scans.push(`${m[1]}: ${sqlText.slice(0, 100)}`);
      }
    } catch (error) {
      unexplained++;
      if (process.env.BENCH_DEBUG) console.error(`EXPLAIN failed: ${error.message}: ${sqlText.slice(0, 120)}`);
    }
  }
}

for (const n of SIZES) {
  const { course, forms, enrollments } = await seedCourse(n);
  const reports = [
    ["gradebook JSON, a page of 200", `/courses/${course.id}/gradebook?limit=200`],
    ["gradebook CSV, whole course", `/courses/${course.id}/gradebook?format=csv`],
    ["completion, whole course", `/courses/${course.id}/completion?by_cohort=true`],
    ["responses JSON, a page of 50 attempts", `/forms/${forms[0].id}/responses?limit=50`],
    ["responses CSV, every attempt of exam 1", `/forms/${forms[0].id}/responses?format=csv`],
  ];
  for (const [name, url] of reports) {
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await timed(url));
    const last = runs.at(-1);
    await plans(last.sql);
    results.push({
      participants: n,
      report: name,
      wall_ms: Math.round(median(runs.map((x) => x.wall))),
      cpu_ms: Math.round(median(runs.map((x) => x.cpuMs))),
      bytes: last.body.length,
      "round trips (first page)": last.calls,
      "rows read (first page)": last.rowsRead,
    });
  }

  // The whole gradebook as JSON pages and as CSV: every cell the same.
  const json = [];
  let next = `/courses/${course.id}/gradebook?limit=200`;
  while (next) {
    const { res, body } = await timed(next);
    json.push(...JSON.parse(body.toString()));
    const link = /<([^>]+)>/.exec(res.headers.get("link") ?? "")?.[1];
    next = link ? link.replace(/^https?:\/\/[^/]+/, "") : null;
  }
  const csv = Papa.parse((await timed(`/courses/${course.id}/gradebook?format=csv`)).body.toString("utf8"), { skipEmptyLines: true }).data;
  const [header, ...rows] = csv;
  check(json.length === enrollments, `${n}: JSON pages hold ${json.length} rows, expected ${enrollments}`);
  check(rows.length === json.length, `${n}: CSV holds ${rows.length} rows, JSON ${json.length}`);
  const text = (v) => (v === null || v === undefined ? "" : String(v));
  let mismatches = 0;
  for (const [i, row] of json.entries()) {
    const expected = [
      row.participant_id,
      row.cohorts.map((c) => c.name).join("; "),
      row.enrolled_at,
      String(row.steps_completed),
      String(row.steps_total),
      row.current_step?.step_name ?? "",
      text(row.course_completed_at),
      ...row.exams.flatMap((e) => [text(e.best_score), text(e.latest_score), text(e.status), String(e.attempts_used), text(e.is_late)]),
    ];
    if (JSON.stringify(rows[i]) !== JSON.stringify(expected)) {
      if (mismatches++ < 3) console.error(`row ${i}: CSV ${JSON.stringify(rows[i])} ≠ JSON ${JSON.stringify(expected)}`);
    }
  }
  check(mismatches === 0, `${n}: ${mismatches} CSV rows differ from the JSON`);
  check(header.length === 7 + 5 * STEPS, `${n}: CSV header has ${header.length} columns`);
  console.log(
    `${n}: the CSV parses back (Papa Parse) to ${rows.length} rows × ${header.length} columns, ${mismatches} differing from the JSON pages`,
  );
}

console.log(
  `\nreports, workerd directly, ${new Date().toISOString()} (${RUNS} runs each, median; CPU = the workerd process, its local D1 included)`,
);
console.table(results);
check(scans.length === 0, `full scans of large tables:\n  ${scans.join("\n  ")}`);
check(explained > 0, "no statement of the reports could be explained");
console.log(
  `EXPLAIN QUERY PLAN: ${explained} statements explained (${unexplained} could not be), ${scans.length} full scans of a large table`,
);
console.log(`${passed} passed, ${failed} failed`);
for (const fn of cleanUps.splice(0)) fn();
process.exit(failed > 0 ? 1 : 0);
