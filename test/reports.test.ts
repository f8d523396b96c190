/**
 * Issue #27: reports — the gradebook, the completion funnel and exam responses, as JSON and as CSV (RFC 4180,
 * read back here with Papa Parse, a CSV parser this API did not write), scoped by staff grants and cohorts.
 */
import { env, exports } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { call, makeCohort, makeCourse, makeForm, makeMaterial, makeStep, makeTable, roundTrips, staff, token, uniqueName } from "./helpers";

/** The body's first bytes as sent (Response.text() drops a byte-order mark). */
async function firstBytes(path: string, bearer: string) {
  const res = await exports.default.fetch(new Request(`http://api.test${path}`, { headers: { authorization: `Bearer ${bearer}` } }));
  return [...new Uint8Array(await res.arrayBuffer()).slice(0, 4)];
}

const parse = (text: string) => Papa.parse<string[]>(text, { skipEmptyLines: true }).data;

async function enrol(manager: string, courseId: string, pid = uniqueName("participant")) {
  const res = await call("POST", `/courses/${courseId}/enroll?participant_id=${encodeURIComponent(pid)}`, { token: manager });
  expect(res.status, res.text).toBe(200);
  return { pid, participant: await token(pid, "participant") };
}

/**
 * A course named in three scripts: step 1 (a video and an exam whose name needs quoting), step 2 (a requirement table
 * of two rows). `done` passes everything; `started` is in step 1 with its video done; `idle` did nothing; `formula`
 * has an id a spreadsheet would run as a formula. Cohorts: Morning (done, idle), Evening (formula).
 */
async function world() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager, { name: `Física ñ 日本 ${uniqueName("c")}` });
  const step1 = await makeStep(manager, course.id, { name: "Step 1", order_index: 0 });
  const step2 = await makeStep(manager, course.id, { name: "Step 2", order_index: 1 });
  const video = await makeMaterial(manager, step1.id);
  const exam = await makeForm(manager, { step_id: step1.id, name: 'Final "exam", part 1', max_attempts: 3 });
  const table = await makeTable(manager, {
    step_id: step2.id,
    name: "Service log",
    requirements: [
      { serial_number: 1, activity: "Read", target: 10, unit: "pages" },
      { serial_number: 2, activity: "Write", target: 2, unit: "essays" },
    ],
  });
  await makeMaterial(manager, step2.id, { material_type: "RequirementTable", title: "Log", content: { requirement_table_id: table.id } });

  const done = await enrol(manager, course.id, uniqueName("p-done"));
  const started = await enrol(manager, course.id, uniqueName("p-started"));
  const idle = await enrol(manager, course.id, uniqueName("p-idle"));
  const formula = await enrol(manager, course.id, `=HYPERLINK("http://x.example")-${uniqueName("p")}`);
  const morning = await makeCohort(manager, course.id, "Morning");
  const evening = await makeCohort(manager, course.id, "Evening");
  for (const [cohort, who] of [
    [morning, done],
    [morning, idle],
    [evening, formula],
  ] as const) {
    const res = await call("PUT", `/cohorts/${cohort}/members/${encodeURIComponent(who.pid)}`, { token: manager });
    expect(res.status, res.text).toBe(200);
  }

  // `done`: video, exam (MCQ wrong on attempt 1, retake, right on attempt 2, approved), table rows approved.
  for (const p of [done, started]) {
    const res = await call("POST", `/materials/${video.id}/complete`, { token: p.participant });
    expect(res.status, res.text).toBe(200);
  }
  const sit = async (option: string, text: string) => {
    const start = await call("POST", `/steps/${step1.id}/exam/start`, { token: done.participant });
    expect(start.status, start.text).toBe(201);
    const id = start.json.submission_id as string;
    const body = {
      mcq_answers: [{ question_id: "q1", selected_option_id: option }],
      theory_answers: [{ question_id: "q2", answer_text: text }],
    };
    const sent = await call("POST", `/forms/submissions/${id}/submit`, { token: done.participant, body });
    expect(sent.status, sent.text).toBe(200);
    return id;
  };
  const first = await sit("b", "=1+1 is how I start");
  const retake = await call("POST", `/form-submissions/${first}/request-retake`, { token: manager, body: { reason: "Try again" } });
  expect(retake.status, retake.text).toBe(200);
  const second = await sit("a", 'Chanting, "the holy name"');
  const graded = await call("POST", `/form-submissions/${second}/grade`, {
    token: manager,
    body: { theory_grades: [{ question_id: "q2", marks_awarded: 7 }] },
  });
  expect(graded.status, graded.text).toBe(200);
  const approved = await call("POST", `/form-submissions/${second}/approve`, { token: manager, body: {} });
  expect(approved.status, approved.text).toBe(200);
  const mine = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: done.participant });
  expect(mine.status, mine.text).toBe(200);
  const sub = mine.json.submission_id as string;
  for (const serial_number of [1, 2]) {
    const row = await call("POST", `/requirement-tables/submissions/${sub}/rows`, {
      token: done.participant,
      body: { serial_number, completed: true, completed_value: 5 },
    });
    expect(row.status, row.text).toBe(200);
  }
  expect((await call("POST", `/requirement-tables/submissions/${sub}/submit`, { token: done.participant })).status).toBe(200);
  const all = await call("POST", `/requirement-tables/submissions/${sub}/approve`, { token: manager, body: {} });
  expect(all.status, all.text).toBe(200);

  /** A staff grant in this course, made by the manager. */
  const give = async (who: { sub: string }, body: Record<string, unknown>) => {
    const res = await call("PUT", `/courses/${course.id}/staff/${who.sub}`, { token: manager, body });
    expect(res.status, res.text).toBe(200);
  };
  return { manager, course, step1, step2, exam, table, done, started, idle, formula, morning, evening, first, second, give };
}

type Row = {
  participant_id: string;
  cohorts: { cohort_id: string; name: string }[];
  steps_completed: number;
  steps_total: number;
  current_step: { step_id: string; step_name: string } | null;
  course_completed_at: string | null;
  exams: {
    form_id: string;
    form_name: string;
    best_score: number | null;
    latest_score: number | null;
    status: string | null;
    attempts_used: number;
    is_late: boolean | null;
  }[];
  requirement_tables: { requirement_table_id: string; name: string; rows_approved: number; rows_total: number }[];
};

describe("gradebook", () => {
  it("one row per participant with progress, each exam's best and latest score, and table rows approved", async () => {
    const w = await world();
    const res = await call("GET", `/courses/${w.course.id}/gradebook`, { token: w.manager });
    expect(res.status, res.text).toBe(200);
    const rows = res.json as unknown as Row[];
    expect(rows.map((r) => r.participant_id)).toEqual([w.done.pid, w.formula.pid, w.idle.pid, w.started.pid].sort());
    const by = new Map(rows.map((r) => [r.participant_id, r]));
    const done = by.get(w.done.pid) as Row;
    expect(done).toMatchObject({ steps_completed: 2, steps_total: 2, current_step: null });
    expect(done.course_completed_at).toEqual(expect.any(String));
    expect(done.cohorts).toEqual([{ cohort_id: w.morning, name: "Morning" }]);
    // Attempt 1 scored 0 (wrong MCQ, ungraded theory), attempt 2: 5 + 7.
    expect(done.exams).toEqual([
      {
        form_id: w.exam.id,
        form_name: 'Final "exam", part 1',
        step_id: w.step1.id,
        best_score: 12,
        latest_score: 12,
        status: "Approved",
        attempts_used: 2,
        is_late: false,
      },
    ]);
    expect(done.requirement_tables).toEqual([{ requirement_table_id: w.table.id, name: "Service log", rows_approved: 2, rows_total: 2 }]);
    const idle = by.get(w.idle.pid) as Row;
    expect(idle).toMatchObject({
      steps_completed: 0,
      steps_total: 2,
      course_completed_at: null,
      current_step: { step_id: w.step1.id, step_name: "Step 1" },
    });
    expect(idle.exams[0]).toMatchObject({ best_score: null, latest_score: null, status: null, attempts_used: 0, is_late: null });
    expect(idle.requirement_tables[0]).toMatchObject({ rows_approved: 0, rows_total: 2 });
  });

  it("pages by participant id with a Link header; a page is one round trip once the course's structure is cached", async () => {
    const w = await world();
    const seen: string[] = [];
    let next: string | null = `/courses/${w.course.id}/gradebook?limit=3`;
    while (next) {
      const res: { status: number; text: string; json: unknown; headers: Headers } = await call("GET", next as `/courses/${string}`, {
        token: w.manager,
      });
      expect(res.status, res.text).toBe(200);
      seen.push(...(res.json as Row[]).map((r) => r.participant_id));
      const link: string | undefined = /<([^>]+)>/.exec(res.headers.get("link") ?? "")?.[1];
      next = link ? new URL(link).pathname + new URL(link).search : null;
    }
    expect(seen).toEqual([w.done.pid, w.formula.pid, w.idle.pid, w.started.pid].sort());
    const trips = await roundTrips(() => call("GET", `/courses/${w.course.id}/gradebook?limit=2`, { token: w.manager }));
    expect(trips).toEqual([1]);
  });

  it("CSV: the same values as the JSON, Canvas-style exam headers, formulas neutralised, a file name in any script", async () => {
    const w = await world();
    const json = (await call("GET", `/courses/${w.course.id}/gradebook`, { token: w.manager })).json as unknown as Row[];
    const res = await call("GET", `/courses/${w.course.id}/gradebook`, { token: w.manager, headers: { accept: "text/csv" } });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const disposition = res.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(
      /^attachment; filename="gradebook-F_sica-_-__-c-[^"]*\.csv"; filename\*=UTF-8''gradebook-F%C3%ADsica-%C3%B1-%E6%97%A5%E6%9C%AC-c-/,
    );
    expect(await firstBytes(`/courses/${w.course.id}/gradebook?format=csv`, w.manager)).toEqual([...new TextEncoder().encode("part")]);
    expect(res.text).toContain("\r\n");
    const [header, ...lines] = parse(res.text);
    const title = `Final "exam", part 1 (${w.exam.id})`;
    expect(header).toEqual([
      "participant_id",
      "cohorts",
      "enrolled_at",
      "steps_completed",
      "steps_total",
      "current_step",
      "course_completed_at",
      title,
      `${title} latest`,
      `${title} status`,
      `${title} attempts`,
      `${title} late`,
      `Service log (${w.table.id}) rows approved`,
      `Service log (${w.table.id}) rows total`,
    ]);
    expect(lines).toHaveLength(json.length);
    for (const [i, row] of json.entries()) {
      const cells = lines[i] as string[];
      const id = row.participant_id.startsWith("=") ? `'${row.participant_id}` : row.participant_id;
      const e = row.exams[0];
      const t = row.requirement_tables[0];
      const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));
      expect(cells).toEqual([
        id,
        row.cohorts.map((c) => c.name).join("; "),
        text((row as unknown as { enrolled_at: string }).enrolled_at),
        String(row.steps_completed),
        String(row.steps_total),
        row.current_step?.step_name ?? "",
        text(row.course_completed_at),
        text(e?.best_score),
        text(e?.latest_score),
        text(e?.status),
        String(e?.attempts_used),
        text(e?.is_late),
        String(t?.rows_approved),
        String(t?.rows_total),
      ]);
    }
    // The formula id is written as text a spreadsheet shows, not runs.
    expect(res.text).toContain(`"'=HYPERLINK(""http://x.example"")-`);
    // UTF-8's byte-order mark, EF BB BF, then the same file.
    expect(await firstBytes(`/courses/${w.course.id}/gradebook?format=csv&bom=true`, w.manager)).toEqual([0xef, 0xbb, 0xbf, 0x70]);
    const bom = await call("GET", `/courses/${w.course.id}/gradebook?format=csv&bom=true`, { token: w.manager });
    expect(bom.text).toBe(res.text);
  });

  it("CSV streams every participant of a course larger than one page, each once, in order", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    await makeStep(manager, course.id);
    const prefix = uniqueName("bulk");
    const ids = Array.from({ length: 1203 }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`);
    const insert = env.DB.prepare(
      "INSERT INTO enrollments (id, participant_id, course_id, start_step_id, enrolled_at) VALUES (?, ?, ?, NULL, ?)",
    );
    await env.DB.batch(
      ids.map((pid) => insert.bind(crypto.randomUUID().replaceAll("-", "").slice(0, 24), pid, course.id, "2026-01-01T00:00:00.000Z")),
    );
    const res = await call("GET", `/courses/${course.id}/gradebook?format=csv`, { token: manager });
    expect(res.status).toBe(200);
    const [, ...lines] = parse(res.text);
    expect(lines.map((l) => l[0])).toEqual(ids);
  });

  it("a grant limited to 50 cohorts (the most a grant holds) answers every report, however many ids that puts in SQL", async () => {
    const w = await world();
    const many = [w.evening];
    for (let i = 0; i < 49; i++) many.push(await makeCohort(w.manager, w.course.id, `Section ${i}`));
    const observer = await staff("observer");
    await w.give(observer, { role: "observer", cohort_ids: many });
    for (const path of [
      `/courses/${w.course.id}/gradebook?limit=1`,
      `/courses/${w.course.id}/gradebook?format=csv`,
      `/courses/${w.course.id}/completion?by_cohort=true`,
      `/forms/${w.exam.id}/responses`,
    ]) {
      const res = await call("GET", path as `/courses/${string}`, { token: observer.token });
      expect(res.status, `${path}: ${res.text}`).toBe(200);
    }
    const rows = (await call("GET", `/courses/${w.course.id}/gradebook`, { token: observer.token })).json as unknown as Row[];
    expect(rows.map((r) => r.participant_id)).toEqual([w.formula.pid]);
  });

  it("scoped by grants: a cohort-limited grader sees their cohort only; ?cohort_id= narrows; others are refused", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.evening] });
    const theirs = await call("GET", `/courses/${w.course.id}/gradebook`, { token: grader.token });
    expect(theirs.status, theirs.text).toBe(200);
    expect((theirs.json as unknown as Row[]).map((r) => r.participant_id)).toEqual([w.formula.pid]);
    const outside = await call("GET", `/courses/${w.course.id}/gradebook?cohort_id=${w.morning}`, { token: grader.token });
    expect(outside.json).toEqual([]);
    const morning = await call("GET", `/courses/${w.course.id}/gradebook?cohort_id=${w.morning}`, { token: w.manager });
    expect((morning.json as unknown as Row[]).map((r) => r.participant_id)).toEqual([w.done.pid, w.idle.pid].sort());
    const csv = await call("GET", `/courses/${w.course.id}/gradebook?format=csv`, { token: grader.token });
    expect(
      parse(csv.text)
        .slice(1)
        .map((l) => l[0]),
    ).toEqual([`'${w.formula.pid}`]);

    const stranger = await staff("observer");
    expect((await call("GET", `/courses/${w.course.id}/gradebook`, { token: stranger.token })).status).toBe(404);
    const participant = await call("GET", `/courses/${w.course.id}/gradebook`, { token: w.done.participant });
    expect(participant.status).toBe(403);
    const otherCourse = await makeCourse(w.manager);
    const foreign = await makeCohort(w.manager, otherCourse.id, "Elsewhere");
    const wrong = await call("GET", `/courses/${w.course.id}/gradebook?cohort_id=${foreign}`, { token: w.manager });
    expect(wrong.status).toBe(404);
    expect(wrong.json).toMatchObject({ code: "cohort_not_found" });
    expect((await call("GET", `/courses/${"0".repeat(24)}/gradebook`, { token: w.manager })).status).toBe(404);
  });
});

describe("completion", () => {
  it("the funnel per step, the course's completions and median days, per cohort when asked; CSV the same", async () => {
    const w = await world();
    const res = await call("GET", `/courses/${w.course.id}/completion?by_cohort=true`, { token: w.manager });
    expect(res.status, res.text).toBe(200);
    const report = res.json as unknown as {
      enrolled: number;
      completed: number;
      median_days_to_complete: number | null;
      steps: {
        step_id: string;
        enrolled: number;
        started: number;
        materials_done: number;
        exam_passed: number | null;
        completed: number;
        median_days_to_complete: number | null;
      }[];
      cohorts: { cohort_id: string; name: string; enrolled: number; completed: number }[];
    };
    expect(report).toMatchObject({ course_id: w.course.id, enrolled: 4, completed: 1, median_days_to_complete: 0 });
    expect(report.steps).toEqual([
      expect.objectContaining({
        step_id: w.step1.id,
        enrolled: 4,
        started: 2,
        materials_done: 2,
        exam_passed: 1,
        completed: 1,
        median_days_to_complete: 0,
      }),
      expect.objectContaining({
        step_id: w.step2.id,
        enrolled: 4,
        started: 1,
        materials_done: 1,
        exam_passed: null,
        completed: 1,
        median_days_to_complete: 0,
      }),
    ]);
    expect(report.cohorts.map((c) => [c.name, c.enrolled, c.completed])).toEqual([
      ["Evening", 1, 0],
      ["Morning", 2, 1],
    ]);
    const csv = await call("GET", `/courses/${w.course.id}/completion?by_cohort=true&format=csv`, { token: w.manager });
    const [header, ...lines] = parse(csv.text);
    expect(header?.[0]).toBe("cohort_id");
    expect(lines).toHaveLength(3 * 3);
    expect(lines[0]).toEqual(["", "", w.step1.id, "Step 1", "0", "4", "2", "2", "1", "1", "0"]);
    expect(lines[2]).toEqual(["", "", "", "(course)", "", "4", "", "", "", "1", "0"]);
  });
});

describe("responses", () => {
  it("one row per attempt and question: the answer given, right or not, marks, grader; never for participants", async () => {
    const w = await world();
    const res = await call("GET", `/forms/${w.exam.id}/responses`, { token: w.manager });
    expect(res.status, res.text).toBe(200);
    const rows = res.json as unknown as Record<string, unknown>[];
    expect(rows.map((r) => [r.submission_id, r.question_id])).toEqual(
      [
        [w.first, "q1"],
        [w.first, "q2"],
        [w.second, "q1"],
        [w.second, "q2"],
      ].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
    );
    const second = rows.filter((r) => r.submission_id === w.second);
    expect(second[0]).toMatchObject({
      participant_id: w.done.pid,
      attempt_number: 2,
      submission_status: "Approved",
      question_type: "MCQ",
      selected_option_id: "a",
      selected_option_text: "Devotion",
      is_correct: true,
      marks_awarded: 5,
      max_marks: 5,
      graded_by: null,
    });
    expect(second[1]).toMatchObject({
      question_type: "THEORY",
      text_answer: 'Chanting, "the holy name"',
      marks_awarded: 7,
      max_marks: 10,
      is_correct: null,
    });
    expect(second[1]?.graded_by).toEqual(expect.any(String));
    const first = rows.filter((r) => r.submission_id === w.first);
    expect(first[0]).toMatchObject({ selected_option_id: "b", is_correct: false, marks_awarded: 0 });
    expect(first[1]).toMatchObject({ marks_awarded: null, graded_by: null });

    const csv = await call("GET", `/forms/${w.exam.id}/responses?format=csv`, { token: w.manager });
    const [header, ...lines] = parse(csv.text);
    expect(lines).toHaveLength(rows.length);
    const col = (name: string) => (header as string[]).indexOf(name);
    expect(lines.map((l) => l[col("text_answer")])).toEqual(
      rows.map((r) => (typeof r.text_answer === "string" && r.text_answer.startsWith("=") ? `'${r.text_answer}` : (r.text_answer ?? ""))),
    );
    expect(lines.map((l) => l[col("marks_awarded")])).toEqual(rows.map((r) => (r.marks_awarded === null ? "" : String(r.marks_awarded))));

    expect((await call("GET", `/forms/${w.exam.id}/responses`, { token: w.done.participant })).status).toBe(403);
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.evening] });
    const limited = await call("GET", `/forms/${w.exam.id}/responses`, { token: grader.token });
    expect(limited.status, limited.text).toBe(200);
    expect(limited.json).toEqual([]);
  });

  it("an exam moved to another course: its new course's staff read none of the old course's answers; managers all", async () => {
    const w = await world();
    const other = await makeCourse(w.manager);
    const step = await makeStep(w.manager, other.id);
    const moved = await call("PUT", `/steps/${step.id}/exam?form_id=${w.exam.id}`, { token: w.manager });
    expect(moved.status, moved.text).toBe(200);
    const teacher = await staff("instructor");
    const grant = await call("PUT", `/courses/${other.id}/staff/${teacher.sub}`, { token: w.manager, body: { role: "instructor" } });
    expect(grant.status, grant.text).toBe(200);
    for (const format of ["json", "csv"]) {
      const theirs = await call("GET", `/forms/${w.exam.id}/responses?format=${format}`, { token: teacher.token });
      expect(theirs.status, theirs.text).toBe(200);
      expect(theirs.text).not.toContain(w.done.pid);
    }
    const all = await call("GET", `/forms/${w.exam.id}/responses`, { token: w.manager });
    expect(all.json).toHaveLength(4);
  });

  it("pages by attempt: limit=1 gives one attempt's rows and a Link to the next", async () => {
    const w = await world();
    const res = await call("GET", `/forms/${w.exam.id}/responses?limit=1`, { token: w.manager });
    expect(res.status, res.text).toBe(200);
    expect(new Set((res.json as unknown as { submission_id: string }[]).map((r) => r.submission_id)).size).toBe(1);
    expect(res.json).toHaveLength(2);
    expect(res.headers.get("link")).toMatch(/rel="next"/);
  });
});
