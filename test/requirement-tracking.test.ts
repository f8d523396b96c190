import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { call, makeCourse, makeMaterial, makeStep, makeTable, token, uniqueName } from "./helpers";

afterEach(() => setClock(null));

/* ------------------------------------------------ helpers ------------------------------------------------ */

const SEC = 1000;
const MIN = 60 * SEC;
/** A whole second, so ISO stamps compare exactly. */
const wholeSecond = () => new Date(Math.floor(Date.now() / SEC) * SEC);
const plus = (t: Date, ms: number) => new Date(t.getTime() + ms);
/** Moves the server clock (and the clock `token()` signs with) to `at`, frozen. */
const freeze = (at: Date) => setClock(() => at);
const iso = (t: Date) => t.toISOString();
const UNKNOWN_ID = "ffffffffffffffffffffffff";

const requirement = (serial_number: number) => ({
  serial_number,
  activity: `Activity ${serial_number}`,
  target: serial_number * 10,
  unit: "minutes",
});
const TWO_ROWS = [
  { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" },
  { serial_number: 2, activity: "Reading Bhagavad-gita", target: 30, unit: "minutes" },
];

type World = Awaited<ReturnType<typeof world>>;

/**
 * A manager's course with one step showing a RequirementTable material for a fresh table, and a participant
 * enrolled in it (plus a second participant who is not).
 */
async function world(requirements: unknown[] = TWO_ROWS) {
  const mid = uniqueName("manager");
  const manager = await token(mid, "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const table = await makeTable(manager, { step_id: step.id, description: "Track your daily spiritual practices", requirements });
  const material = await makeMaterial(manager, step.id, {
    material_type: "RequirementTable",
    title: "Daily Sadhana Tracker",
    content: { requirement_table_id: table.id },
  });
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant");
  const enrol = await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
  expect(enrol.status, enrol.text).toBe(200);
  const oid = uniqueName("participant");
  const other = await token(oid, "participant");
  return { mid, manager, pid, participant, oid, other, course, step, table, material };
}

const mySubmission = (tableId: string, tok: string, query: "" | `?${string}` = "") =>
  call("GET", `/requirement-tables/${tableId}/my-submission${query}`, { token: tok });

/** The participant's submission id (created on first read). */
async function started(w: World) {
  const res = await mySubmission(w.table.id, w.participant);
  expect(res.status, res.text).toBe(200);
  return res.json.submission_id as string;
}

const updateRow = (id: string, tok: string, body: unknown) =>
  call("POST", `/requirement-tables/submissions/${id}/rows`, { token: tok, body });
const fillRow = (id: string, tok: string, serial: number, extra: Record<string, unknown> = {}) =>
  updateRow(id, tok, { serial_number: serial, completed: true, completed_value: serial * 10, ...extra });
const submit = (id: string, tok: string) => call("POST", `/requirement-tables/submissions/${id}/submit`, { token: tok });
const pending = (tok: string, stepId?: string) =>
  call("GET", `/requirement-tables/submissions/pending${stepId ? `?step_id=${stepId}` : ""}`, { token: tok });
const reviewRow = (id: string, serial: number, tok: string, body: unknown, query: "" | `?${string}` = "") =>
  call("POST", `/requirement-tables/submissions/${id}/rows/${serial}/approve${query}`, { token: tok, body });
const approveAll = (id: string, tok: string, body?: unknown, query: "" | `?${string}` = "") =>
  call("POST", `/requirement-tables/submissions/${id}/approve${query}`, { token: tok, body });
const stepProgress = (stepId: string, tok: string) => call("GET", `/participants/me/step/${stepId}/progress`, { token: tok });

/** Fills every row of `serials` and submits; the table is then pending. */
async function filledAndSubmitted(w: World, serials = [1, 2]) {
  const id = await started(w);
  for (const s of serials) expect((await fillRow(id, w.participant, s)).status).toBe(200);
  const res = await submit(id, w.participant);
  expect(res.status, res.text).toBe(200);
  return id;
}

async function tableMaterial(w: World) {
  const res = await stepProgress(w.step.id, w.participant);
  expect(res.status, res.text).toBe(200);
  const material = res.json.materials.find((m: { id: string }) => m.id === w.material.id);
  expect(material, res.text).toBeDefined();
  return { progress: res.json.progress, material };
}

async function requirementStatus(w: World) {
  const res = await call("GET", "/participants/me/courses", { token: w.participant });
  expect(res.status, res.text).toBe(200);
  const course = res.json.find((c: { course_id: string }) => c.course_id === w.course.id);
  expect(course, res.text).toBeDefined();
  return course?.requirement_status;
}

const storedRows = async (submissionId: string) =>
  (
    await env.DB.prepare(
      "SELECT serial_number, completed, completed_value, remarks, approved FROM requirement_rows WHERE submission_id = ? ORDER BY serial_number",
    )
      .bind(submissionId)
      .all<{ serial_number: number; completed: number; completed_value: number | null; remarks: string | null; approved: number | null }>()
  ).results;

/** Row `serial` of a submission as the API answered it (a missing row fails the test here). */
function rowOf<R extends { serial_number: number }>(json: { row_statuses: R[] }, serial: number): R {
  const row = json.row_statuses.find((r) => r.serial_number === serial);
  if (!row) throw new Error(`no row ${serial} in ${JSON.stringify(json.row_statuses)}`);
  return row;
}

/* ------------------------------------------------ the spec's flow ------------------------------------------------ */

describe("requirement tracking: the spec's flow", () => {
  it("create on read → fill → submit → pending → approve a row → approve all → progress", async () => {
    const T = wholeSecond();
    freeze(T);
    const w = await world();

    // Before anything: the material shows an empty table, not submitted, not complete.
    let view = await tableMaterial(w);
    expect(view.material).toMatchObject({
      material_type: "RequirementTable",
      is_completed: false,
      requirement_progress: { completed: 0, approved: 0, total: 2, is_submitted: false },
    });

    // First read creates the submission, with every field of the spec.
    const first = await mySubmission(w.table.id, w.participant);
    expect(first.status, first.text).toBe(200);
    expect(first.json.submission_id).toMatch(/^[0-9a-f]{24}$/);
    expect(first.json).toMatchObject({
      requirement_table: { id: w.table.id, name: w.table.name, description: "Track your daily spiritual practices" },
      is_completed: false,
      is_approved: false,
      submitted_at: null,
    });
    const blank = {
      completed: false,
      completed_value: null,
      remarks: null,
      completed_at: null,
      approved: false,
      approved_by: null,
      approved_at: null,
      approval_remarks: null,
    };
    expect(first.json.row_statuses).toEqual([
      { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds", ...blank },
      { serial_number: 2, activity: "Reading Bhagavad-gita", target: 30, unit: "minutes", ...blank },
    ]);
    const id = first.json.submission_id as string;

    // A second read answers the same submission.
    const second = await mySubmission(w.table.id, w.participant);
    expect(second.status).toBe(200);
    expect(second.json.submission_id).toBe(id);

    // Fill row 1: not complete yet.
    const T1 = plus(T, MIN);
    freeze(T1);
    const row1 = await updateRow(id, w.participant, {
      serial_number: 1,
      completed: true,
      completed_value: 16,
      remarks: "Completed on time",
    });
    expect(row1.status, row1.text).toBe(200);
    expect(row1.json).toEqual({ message: "Row updated", is_completed: false });

    view = await tableMaterial(w);
    expect(view.material?.is_completed).toBe(false);
    expect(view.material?.requirement_progress).toEqual({ completed: 1, approved: 0, total: 2, is_submitted: false });
    expect(await requirementStatus(w)).toEqual({ completed: 1, approved: 0, total: 2 });

    // Fill row 2: complete.
    const T2 = plus(T, 2 * MIN);
    freeze(T2);
    const row2 = await updateRow(id, w.participant, { serial_number: 2, completed: true, completed_value: 25 });
    expect(row2.status, row2.text).toBe(200);
    expect(row2.json).toEqual({ message: "Row updated", is_completed: true });

    const filled = await mySubmission(w.table.id, w.participant);
    expect(filled.json).toMatchObject({ submission_id: id, is_completed: true, is_approved: false, submitted_at: null });
    expect(filled.json.row_statuses).toEqual([
      { ...first.json.row_statuses[0], completed: true, completed_value: 16, remarks: "Completed on time", completed_at: iso(T1) },
      { ...first.json.row_statuses[1], completed: true, completed_value: 25, remarks: null, completed_at: iso(T2) },
    ]);

    // Submit.
    const T3 = plus(T, 3 * MIN);
    freeze(T3);
    const submitted = await submit(id, w.participant);
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.json).toEqual({ message: "Submitted for review", submitted_at: iso(T3) });
    expect((await mySubmission(w.table.id, w.participant)).json.submitted_at).toBe(iso(T3));

    view = await tableMaterial(w);
    expect(view.material?.is_completed).toBe(false);
    expect(view.material?.requirement_progress).toEqual({ completed: 2, approved: 0, total: 2, is_submitted: true });

    // The manager's pending list for the step.
    const list = await pending(w.manager, w.step.id);
    expect(list.status, list.text).toBe(200);
    expect(list.json).toEqual([
      {
        submission_id: id,
        participant_id: w.pid,
        requirement_table_id: w.table.id,
        table_name: w.table.name,
        step_id: w.step.id,
        completed_rows: 2,
        total_rows: 2,
        approved_rows: 0,
        submitted_at: iso(T3),
        // Nobody has claimed it for review.
        claimed_by: null,
        claim_expires_at: null,
      },
    ]);

    // Approve one row.
    const T4 = plus(T, 4 * MIN);
    freeze(T4);
    const one = await reviewRow(id, 1, w.manager, { approved: true, approval_remarks: "Excellent!" });
    expect(one.status, one.text).toBe(200);
    expect(one.json).toEqual({ message: "Row updated", approved: true, all_approved: false });

    const half = await mySubmission(w.table.id, w.participant);
    expect(half.json.is_approved).toBe(false);
    expect(rowOf(half.json, 1)).toMatchObject({ approved: true, approved_by: w.mid, approved_at: iso(T4), approval_remarks: "Excellent!" });
    expect(rowOf(half.json, 2)).toMatchObject({ approved: false, approved_by: null, approved_at: null, approval_remarks: null });
    expect((await pending(w.manager, w.step.id)).json).toMatchObject([
      { submission_id: id, completed_rows: 2, total_rows: 2, approved_rows: 1 },
    ]);

    view = await tableMaterial(w);
    expect(view.material?.is_completed).toBe(false);
    expect(view.material?.requirement_progress).toEqual({ completed: 2, approved: 1, total: 2, is_submitted: true });
    expect(view.progress.completed_materials).not.toContain(w.material.id);
    expect(await requirementStatus(w)).toEqual({ completed: 2, approved: 1, total: 2 });

    // Approve all: row 1 keeps its own remarks and time, row 2 gets the given remarks.
    const T5 = plus(T, 5 * MIN);
    freeze(T5);
    const all = await approveAll(id, w.manager, { approval_remarks: "Well done" });
    expect(all.status, all.text).toBe(200);
    expect(all.json).toMatchObject({ submission_id: id, is_approved: true });

    const approved = await mySubmission(w.table.id, w.participant);
    expect(approved.json).toMatchObject({ submission_id: id, is_completed: true, is_approved: true, submitted_at: iso(T3) });
    expect(rowOf(approved.json, 1)).toMatchObject({
      approved: true,
      approved_by: w.mid,
      approved_at: iso(T4),
      approval_remarks: "Excellent!",
    });
    expect(rowOf(approved.json, 2)).toMatchObject({
      approved: true,
      approved_by: w.mid,
      approved_at: iso(T5),
      approval_remarks: "Well done",
    });

    // No longer pending, neither for the step nor in the whole list.
    expect((await pending(w.manager, w.step.id)).json).toEqual([]);
    const everything = await pending(w.manager);
    expect(everything.status).toBe(200);
    expect(everything.json.map((p: { submission_id: string }) => p.submission_id)).not.toContain(id);

    // The approval completes the RequirementTable material.
    view = await tableMaterial(w);
    expect(view.material?.is_completed).toBe(true);
    expect(view.material?.requirement_progress).toEqual({ completed: 2, approved: 2, total: 2, is_submitted: true });
    expect(view.progress.completed_materials).toContain(w.material.id);
    expect(view.progress.is_completed).toBe(true);
    expect(await requirementStatus(w)).toEqual({ completed: 2, approved: 2, total: 2 });
  });

  it("a manager reads a participant's submission by participant_id (the same one)", async () => {
    const w = await world();
    const id = await started(w);
    const res = await mySubmission(w.table.id, w.manager, `?participant_id=${w.pid}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.submission_id).toBe(id);
  });

  it("20 concurrent first reads by one participant create exactly one submission", async () => {
    const w = await world();
    const results = await Promise.all(Array.from({ length: 20 }, () => mySubmission(w.table.id, w.participant)));
    const statuses = results.map((r) => r.status);
    expect(
      statuses.every((s) => s === 200),
      statuses.join(","),
    ).toBe(true);
    const ids = new Set(results.map((r) => r.json.submission_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f]{24}$/);
    const stored = await env.DB.prepare("SELECT id FROM requirement_submissions WHERE participant_id = ? AND requirement_table_id = ?")
      .bind(w.pid, w.table.id)
      .all<{ id: string }>();
    expect(stored.results).toEqual([{ id: [...ids][0] }]);
  });

  it("each participant gets their own submission of the same table", async () => {
    const w = await world();
    const mine = await started(w);
    const theirs = await mySubmission(w.table.id, w.other);
    expect(theirs.status).toBe(200);
    expect(theirs.json.submission_id).not.toBe(mine);
  });
});

/* ------------------------------------------------ errors ------------------------------------------------ */

describe("requirement tracking: row updates refused", () => {
  it.each<[string, Record<string, unknown>]>([
    ["negative completed_value", { serial_number: 1, completed: true, completed_value: -1 }],
    ["remarks of 1,001 characters", { serial_number: 1, completed: true, remarks: "x".repeat(1001) }],
    ["an unknown field", { serial_number: 1, completed: true, approved: true }],
    ["completed missing", { serial_number: 1 }],
    ["completed as a string", { serial_number: 1, completed: "yes" }],
    ["serial_number not an integer", { serial_number: 1.5, completed: true }],
  ])("%s → 400, nothing stored", async (_, body) => {
    const w = await world();
    const id = await started(w);
    const res = await updateRow(id, w.participant, body);
    expect(res.status, res.text).toBe(400);
    expect(typeof res.json.detail).toBe("string");
    expect(await storedRows(id)).toEqual([]);
  });

  it("accepts remarks of exactly 1,000 characters and a completed_value of 0", async () => {
    const w = await world();
    const id = await started(w);
    const res = await updateRow(id, w.participant, { serial_number: 1, completed: true, completed_value: 0, remarks: "x".repeat(1000) });
    expect(res.status, res.text).toBe(200);
    const row = rowOf((await mySubmission(w.table.id, w.participant)).json, 1);
    expect(row.completed_value).toBe(0);
    expect(row.remarks).toHaveLength(1000);
  });

  it("an unknown serial → 404 serial_not_found", async () => {
    const w = await world();
    const id = await started(w);
    const res = await fillRow(id, w.participant, 3);
    expect(res.status, res.text).toBe(404);
    expect(res.json.code).toBe("serial_not_found");
    expect(await storedRows(id)).toEqual([]);
  });

  it("another participant updating or submitting my submission → 404, nothing changes", async () => {
    const w = await world();
    const id = await started(w);
    await fillRow(id, w.participant, 1, { completed_value: 16 });
    await fillRow(id, w.participant, 2, { completed_value: 25 });
    const before = await storedRows(id);

    const update = await fillRow(id, w.other, 1, { completed_value: 1 });
    expect(update.status, update.text).toBe(404);
    expect(update.text).not.toContain(w.pid);
    const sub = await submit(id, w.other);
    expect(sub.status, sub.text).toBe(404);
    // The same answer as for a submission that does not exist.
    const unknown = await fillRow(UNKNOWN_ID, w.other, 1);
    expect(update.json.code).toBe(unknown.json.code);

    expect(await storedRows(id)).toEqual(before);
    expect((await mySubmission(w.table.id, w.participant)).json.submitted_at).toBeNull();
  });

  it("a participant naming someone else in participant_id → 403", async () => {
    const w = await world();
    const id = await started(w);
    const read = await mySubmission(w.table.id, w.other, `?participant_id=${w.pid}`);
    expect(read.status, read.text).toBe(403);
    const update = await call("POST", `/requirement-tables/submissions/${id}/rows?participant_id=${w.pid}`, {
      token: w.other,
      body: { serial_number: 1, completed: true },
    });
    expect(update.status, update.text).toBe(403);
    expect(await storedRows(id)).toEqual([]);
  });

  it("editing a row a manager approved → 409 row_approved, data unchanged", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    expect((await reviewRow(id, 1, w.manager, { approved: true })).status).toBe(200);
    const before = await storedRows(id);

    const res = await fillRow(id, w.participant, 1, { completed_value: 99 });
    expect(res.status, res.text).toBe(409);
    expect(res.json.code).toBe("row_approved");
    const undo = await updateRow(id, w.participant, { serial_number: 1, completed: false });
    expect(undo.status).toBe(409);
    expect(await storedRows(id)).toEqual(before);
    // The other, unreviewed row can still change.
    expect((await fillRow(id, w.participant, 2, { completed_value: 31 })).status).toBe(200);
  });

  it("unchecking a row clears completed_at and the table is no longer completed", async () => {
    const w = await world();
    const id = await started(w);
    await fillRow(id, w.participant, 1);
    await fillRow(id, w.participant, 2);
    const res = await updateRow(id, w.participant, { serial_number: 2, completed: false });
    expect(res.json).toEqual({ message: "Row updated", is_completed: false });
    const row = rowOf((await mySubmission(w.table.id, w.participant)).json, 2);
    expect(row).toMatchObject({ completed: false, completed_at: null });
  });
});

describe("requirement tracking: submit refused", () => {
  it("an incomplete table → 409 incomplete_table naming the missing serials", async () => {
    const w = await world([requirement(4), requirement(7), requirement(9)]);
    const id = await started(w);
    await fillRow(id, w.participant, 7);
    await updateRow(id, w.participant, { serial_number: 9, completed: false, completed_value: 3 });
    const res = await submit(id, w.participant);
    expect(res.status, res.text).toBe(409);
    expect(res.json.code).toBe("incomplete_table");
    expect(res.json.detail?.match(/\d+/g)).toEqual(["4", "9"]);
    expect((await mySubmission(w.table.id, w.participant)).json.submitted_at).toBeNull();
    expect((await pending(w.manager, w.step.id)).json).toEqual([]);
  });

  it("an untouched table → 409 with every serial missing", async () => {
    const w = await world();
    const id = await started(w);
    const res = await submit(id, w.participant);
    expect(res.status).toBe(409);
    expect(res.json.detail?.match(/\d+/g)).toEqual(["1", "2"]);
  });

  it("an unknown submission → 404", async () => {
    const w = await world();
    const res = await submit(UNKNOWN_ID, w.participant);
    expect(res.status, res.text).toBe(404);
  });
});

describe("requirement tracking: manager side refused", () => {
  it("approving a row the participant unchecked after submitting → 409 row_not_completed, nothing approved", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    const unchecked = await fillRow(id, w.participant, 2, { completed: false });
    expect(unchecked.status, unchecked.text).toBe(200);
    const row = await reviewRow(id, 2, w.manager, { approved: true });
    expect(row.status, row.text).toBe(409);
    expect(row.json.code).toBe("row_not_completed");
    expect((await storedRows(id)).map((r) => r.approved)).toEqual([null, null]);
  });

  it("approving a row or the table before submission → 409 not_submitted", async () => {
    const w = await world();
    const id = await started(w);
    await fillRow(id, w.participant, 1);
    await fillRow(id, w.participant, 2);
    const row = await reviewRow(id, 1, w.manager, { approved: true });
    expect(row.status, row.text).toBe(409);
    expect(row.json.code).toBe("not_submitted");
    const all = await approveAll(id, w.manager, { approval_remarks: "ok" });
    expect(all.status, all.text).toBe(409);
    expect(all.json.code).toBe("not_submitted");
    const stored = await storedRows(id);
    expect(stored.map((r) => r.approved)).toEqual([null, null]);
    expect((await mySubmission(w.table.id, w.participant)).json.is_approved).toBe(false);
  });

  it("a participant calling pending, row approve or approve all → 403", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    expect((await pending(w.participant)).status).toBe(403);
    expect((await pending(w.participant, w.step.id)).status).toBe(403);
    const row = await reviewRow(id, 1, w.participant, { approved: true });
    expect(row.status, row.text).toBe(403);
    const all = await approveAll(id, w.participant, {});
    expect(all.status, all.text).toBe(403);
    expect((await storedRows(id)).map((r) => r.approved)).toEqual([null, null]);
    expect((await mySubmission(w.table.id, w.participant)).json.is_approved).toBe(false);
  });

  it("manager_id not matching the token → 403; matching → 200", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    const row = await reviewRow(id, 1, w.manager, { approved: true }, "?manager_id=someone-else");
    expect(row.status, row.text).toBe(403);
    const all = await approveAll(id, w.manager, {}, "?manager_id=someone-else");
    expect(all.status, all.text).toBe(403);
    expect((await storedRows(id)).map((r) => r.approved)).toEqual([null, null]);
    expect((await reviewRow(id, 1, w.manager, { approved: true }, `?manager_id=${w.mid}`)).status).toBe(200);
  });

  it("an unknown submission id → 404 for row approve, approve all, row update", async () => {
    const w = await world();
    expect((await reviewRow(UNKNOWN_ID, 1, w.manager, { approved: true })).status).toBe(404);
    expect((await approveAll(UNKNOWN_ID, w.manager, {})).status).toBe(404);
    expect((await fillRow(UNKNOWN_ID, w.participant, 1)).status).toBe(404);
  });

  it("approving an unknown serial → 404 serial_not_found", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    const res = await reviewRow(id, 3, w.manager, { approved: true });
    expect(res.status, res.text).toBe(404);
    expect(res.json.code).toBe("serial_not_found");
  });

  it("a manager calling my-submission without participant_id → 400, nothing created", async () => {
    const w = await world();
    const res = await mySubmission(w.table.id, w.manager);
    expect(res.status, res.text).toBe(400);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM requirement_submissions WHERE requirement_table_id = ?")
      .bind(w.table.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("my-submission of an unknown table → 404, nothing created", async () => {
    const w = await world();
    const res = await mySubmission(UNKNOWN_ID, w.participant);
    expect(res.status, res.text).toBe(404);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM requirement_submissions WHERE participant_id = ?")
      .bind(w.pid)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("approve-all with an unknown field → 400", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    const res = await approveAll(id, w.manager, { approval_remarks: "ok", approved: false });
    expect(res.status, res.text).toBe(400);
    expect((await mySubmission(w.table.id, w.participant)).json.is_approved).toBe(false);
  });
});

/* ------------------------------------------------ rejection ------------------------------------------------ */

describe("requirement tracking: rejection", () => {
  it("a rejected row is updated by the participant, resubmitted, pending again, then approved", async () => {
    const T = wholeSecond();
    freeze(T);
    const w = await world();
    const id = await filledAndSubmitted(w);
    expect((await reviewRow(id, 1, w.manager, { approved: true })).json.all_approved).toBe(false);

    const T1 = plus(T, MIN);
    freeze(T1);
    const reject = await reviewRow(id, 2, w.manager, { approved: false, approval_remarks: "Only 25 minutes" });
    expect(reject.status, reject.text).toBe(200);
    expect(reject.json).toEqual({ message: "Row updated", approved: false, all_approved: false });
    const rejected = await mySubmission(w.table.id, w.participant);
    expect(rejected.json.is_approved).toBe(false);
    expect(rowOf(rejected.json, 2)).toMatchObject({
      approved: false,
      approved_by: w.mid,
      approved_at: iso(T1),
      approval_remarks: "Only 25 minutes",
    });
    expect((await tableMaterial(w)).material?.is_completed).toBe(false);

    // The participant may change the rejected row, and resubmit.
    const T2 = plus(T, 2 * MIN);
    freeze(T2);
    const fix = await fillRow(id, w.participant, 2, { completed_value: 30, remarks: "Read the full 30" });
    expect(fix.status, fix.text).toBe(200);
    expect(fix.json).toEqual({ message: "Row updated", is_completed: true });
    const fixed = rowOf((await mySubmission(w.table.id, w.participant)).json, 2);
    expect(fixed).toMatchObject({
      completed: true,
      completed_value: 30,
      remarks: "Read the full 30",
      completed_at: iso(T2),
      approved: false,
    });

    const T3 = plus(T, 3 * MIN);
    freeze(T3);
    const again = await submit(id, w.participant);
    expect(again.status, again.text).toBe(200);
    expect(again.json).toEqual({ message: "Submitted for review", submitted_at: iso(T3) });
    expect((await pending(w.manager, w.step.id)).json).toMatchObject([
      { submission_id: id, submitted_at: iso(T3), completed_rows: 2, approved_rows: 1 },
    ]);

    const approve = await reviewRow(id, 2, w.manager, { approved: true, approval_remarks: "Now complete" });
    expect(approve.status, approve.text).toBe(200);
    expect(approve.json).toEqual({ message: "Row updated", approved: true, all_approved: true });
    const done = await mySubmission(w.table.id, w.participant);
    expect(done.json.is_approved).toBe(true);
    expect(rowOf(done.json, 2)).toMatchObject({ approved: true, approved_by: w.mid, approval_remarks: "Now complete" });
    expect((await pending(w.manager, w.step.id)).json).toEqual([]);
    expect((await tableMaterial(w)).material?.is_completed).toBe(true);
  });

  it("rejecting a row of an approved table clears the approval and the material's completion", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    expect((await approveAll(id, w.manager)).json.is_approved).toBe(true);
    expect((await tableMaterial(w)).material?.is_completed).toBe(true);

    const reject = await reviewRow(id, 1, w.manager, { approved: false, approval_remarks: "On second look, no" });
    expect(reject.json).toEqual({ message: "Row updated", approved: false, all_approved: false });
    expect((await mySubmission(w.table.id, w.participant)).json.is_approved).toBe(false);
    const view = await tableMaterial(w);
    expect(view.material?.is_completed).toBe(false);
    expect(view.material?.requirement_progress).toEqual({ completed: 2, approved: 1, total: 2, is_submitted: true });
  });

  it("approve-all gives a row it approves the remarks given now, not an earlier rejection's", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    expect((await reviewRow(id, 1, w.manager, { approved: false, approval_remarks: "Too few rounds" })).status).toBe(200);
    const res = await approveAll(id, w.manager, { approval_remarks: "Well done" });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ is_approved: true });
    const json = (await mySubmission(w.table.id, w.participant)).json;
    expect(json.row_statuses.map((r: { approved: boolean; approval_remarks: string | null }) => [r.approved, r.approval_remarks])).toEqual([
      [true, "Well done"],
      [true, "Well done"],
    ]);

    const v = await world();
    const id2 = await filledAndSubmitted(v);
    expect((await reviewRow(id2, 2, v.manager, { approved: false, approval_remarks: "Not enough" })).status).toBe(200);
    expect((await approveAll(id2, v.manager)).status).toBe(200);
    const json2 = (await mySubmission(v.table.id, v.participant)).json;
    expect(rowOf(json2, 2)).toMatchObject({ approved: true, approval_remarks: null });
  });

  it("approve-all without a body approves every row", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    const res = await approveAll(id, w.manager);
    expect(res.status, res.text).toBe(200);
    const json = (await mySubmission(w.table.id, w.participant)).json;
    expect(json.is_approved).toBe(true);
    expect(json.row_statuses.map((r: { approved: boolean; approval_remarks: string | null }) => [r.approved, r.approval_remarks])).toEqual([
      [true, null],
      [true, null],
    ]);
  });
});

/* ------------------------------------------------ table edited ------------------------------------------------ */

describe("requirement tracking: the manager edits the table after the participant started", () => {
  it("rows keep their data; a new serial is not completed; a removed serial is kept but no longer counts", async () => {
    const w = await world();
    const id = await started(w);
    await fillRow(id, w.participant, 1, { completed_value: 16, remarks: "on time" });
    await fillRow(id, w.participant, 2, { completed_value: 25, remarks: "reading" });
    expect((await mySubmission(w.table.id, w.participant)).json.is_completed).toBe(true);

    const put = await call("PUT", `/requirement-tables/${w.table.id}`, {
      token: w.manager,
      body: { requirements: [TWO_ROWS[0], { serial_number: 3, activity: "Temple service", target: 2, unit: "hours" }] },
    });
    expect(put.status, put.text).toBe(200);

    const json = (await mySubmission(w.table.id, w.participant)).json;
    expect(json.submission_id).toBe(id);
    expect(json.is_completed).toBe(false);
    expect(json.row_statuses).toEqual([
      expect.objectContaining({ serial_number: 1, activity: "Chanting Rounds", completed: true, completed_value: 16, remarks: "on time" }),
      {
        serial_number: 3,
        activity: "Temple service",
        target: 2,
        unit: "hours",
        completed: false,
        completed_value: null,
        remarks: null,
        completed_at: null,
        approved: false,
        approved_by: null,
        approved_at: null,
        approval_remarks: null,
      },
    ]);

    // Row 2's data is still stored.
    const stored = await storedRows(id);
    expect(stored.find((r) => r.serial_number === 2)).toMatchObject({ completed: 1, completed_value: 25, remarks: "reading" });

    // Counts are over the current serials only.
    expect((await tableMaterial(w)).material?.requirement_progress).toEqual({ completed: 1, approved: 0, total: 2, is_submitted: false });
    expect(await requirementStatus(w)).toEqual({ completed: 1, approved: 0, total: 2 });

    // Serial 2 is gone for updates; submitting needs serial 3.
    const old = await fillRow(id, w.participant, 2);
    expect(old.status).toBe(404);
    expect(old.json.code).toBe("serial_not_found");
    const early = await submit(id, w.participant);
    expect(early.status).toBe(409);
    expect(early.json.detail?.match(/\d+/g)).toEqual(["3"]);
    expect((await fillRow(id, w.participant, 3)).json).toEqual({ message: "Row updated", is_completed: true });
    expect((await submit(id, w.participant)).status).toBe(200);

    const list = (await pending(w.manager, w.step.id)).json;
    expect(list).toMatchObject([{ submission_id: id, completed_rows: 2, total_rows: 2, approved_rows: 0 }]);
    expect((await approveAll(id, w.manager, { approval_remarks: "ok" })).json.is_approved).toBe(true);
    expect((await tableMaterial(w)).material?.requirement_progress).toEqual({ completed: 2, approved: 2, total: 2, is_submitted: true });
  });

  it("approve-all approves the current rows only: a removed serial restored later was never reviewed", async () => {
    const w = await world();
    const id = await started(w);
    await fillRow(id, w.participant, 1);
    await fillRow(id, w.participant, 2, { completed_value: 25, remarks: "reading" });
    const put = (requirements: unknown[]) => call("PUT", `/requirement-tables/${w.table.id}`, { token: w.manager, body: { requirements } });
    expect((await put([TWO_ROWS[0]])).status).toBe(200);
    expect((await submit(id, w.participant)).status).toBe(200);
    expect((await approveAll(id, w.manager, { approval_remarks: "ok" })).json.is_approved).toBe(true);

    // The manager approved the one row they saw; the hidden row 2 keeps no approval.
    expect.soft((await storedRows(id)).find((r) => r.serial_number === 2)).toMatchObject({ completed_value: 25, approved: null });

    // Restored, row 2 shows its data unreviewed, and the participant may still edit it.
    expect((await put(TWO_ROWS)).status).toBe(200);
    expect
      .soft(rowOf((await mySubmission(w.table.id, w.participant)).json, 2))
      .toMatchObject({ completed_value: 25, approved: false, approved_by: null });
    const edit = await fillRow(id, w.participant, 2, { completed_value: 30 });
    expect(edit.status, edit.text).toBe(200);
  });

  it("restoring a removed serial brings its data back", async () => {
    const w = await world();
    const id = await started(w);
    await fillRow(id, w.participant, 2, { completed_value: 25, remarks: "reading" });
    const put = (requirements: unknown[]) => call("PUT", `/requirement-tables/${w.table.id}`, { token: w.manager, body: { requirements } });
    expect((await put([TWO_ROWS[0]])).status).toBe(200);
    expect(
      (await mySubmission(w.table.id, w.participant)).json.row_statuses.map((r: { serial_number: number }) => r.serial_number),
    ).toEqual([1]);
    expect((await put(TWO_ROWS)).status).toBe(200);
    expect(rowOf((await mySubmission(w.table.id, w.participant)).json, 2)).toMatchObject({
      completed: true,
      completed_value: 25,
      remarks: "reading",
    });
  });

  it("a serial added after the table was approved leaves it no longer approved (every current row must be approved)", async () => {
    const w = await world();
    const id = await filledAndSubmitted(w);
    expect((await approveAll(id, w.manager)).json.is_approved).toBe(true);

    const put = await call("PUT", `/requirement-tables/${w.table.id}`, {
      token: w.manager,
      body: { requirements: [...TWO_ROWS, { serial_number: 3, activity: "Temple service", target: 2, unit: "hours" }] },
    });
    expect(put.status, put.text).toBe(200);

    const json = (await mySubmission(w.table.id, w.participant)).json;
    expect(json.is_completed).toBe(false);
    expect(rowOf(json, 3)).toMatchObject({ completed: false, approved: false });
    // An approved table with an unfilled, unapproved row would contradict the rule in src/domain/requirements.ts.
    expect.soft(json.is_approved).toBe(false);
    const view = await tableMaterial(w);
    expect(view.material?.requirement_progress).toEqual({ completed: 2, approved: 2, total: 3, is_submitted: true });
    expect(view.material?.is_completed).toBe(false);
  });
});

/* ------------------------------------------------ size ------------------------------------------------ */

describe("requirement tracking: a 500-row table", () => {
  it("is filled, submitted and approved end to end", async () => {
    const N = 500;
    const w = await world(Array.from({ length: N }, (_, i) => requirement(i + 1)));
    const id = await started(w);
    const first = await mySubmission(w.table.id, w.participant);
    expect(first.json.row_statuses).toHaveLength(N);

    const results: Awaited<ReturnType<typeof fillRow>>[] = [];
    for (let start = 1; start <= N; start += 50) {
      const chunk = Array.from({ length: Math.min(50, N - start + 1) }, (_, i) => fillRow(id, w.participant, start + i));
      results.push(...(await Promise.all(chunk)));
    }
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.json.is_completed).length).toBeGreaterThanOrEqual(1);

    const filled = await mySubmission(w.table.id, w.participant);
    expect(filled.json.is_completed).toBe(true);
    expect(filled.json.row_statuses.map((r) => r.serial_number)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(filled.json.row_statuses.every((r) => r.completed && r.completed_value === r.serial_number * 10)).toBe(true);

    expect((await submit(id, w.participant)).status).toBe(200);
    expect((await pending(w.manager, w.step.id)).json).toMatchObject([
      { submission_id: id, completed_rows: N, total_rows: N, approved_rows: 0 },
    ]);
    const all = await approveAll(id, w.manager, { approval_remarks: "All good" });
    expect(all.status, all.text).toBe(200);
    expect(all.json.is_approved).toBe(true);

    const approved = await mySubmission(w.table.id, w.participant);
    expect(approved.json.is_approved).toBe(true);
    expect(approved.json.row_statuses.every((r) => r.approved && r.approved_by === w.mid)).toBe(true);
    expect((await tableMaterial(w)).material).toMatchObject({
      is_completed: true,
      requirement_progress: { completed: N, approved: N, total: N, is_submitted: true },
    });
  }, 30_000);
});

describe("a table approval that finishes a course", () => {
  it("stamps the enrolment completed and enrols the participant in the next course", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const next = await makeCourse(manager);
    await makeStep(manager, next.id);
    const course = await makeCourse(manager);
    await call("PUT", `/courses/${course.id}`, { token: manager, body: { next_course_id: next.id } });
    const step = await makeStep(manager, course.id);
    const table = await makeTable(manager, { step_id: step.id });
    await call("POST", `/steps/${step.id}/materials`, {
      token: manager,
      body: { material_type: "RequirementTable", title: "Tracker", content: { requirement_table_id: table.id } },
    });
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant");
    await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
    const mine = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: participant });
    for (const n of [1, 2])
      await call("POST", `/requirement-tables/submissions/${mine.json.submission_id}/rows`, {
        token: participant,
        body: { serial_number: n, completed: true },
      });
    await call("POST", `/requirement-tables/submissions/${mine.json.submission_id}/submit`, { token: participant });
    const approved = await call("POST", `/requirement-tables/submissions/${mine.json.submission_id}/approve`, { token: manager });
    expect(approved.status).toBe(200);
    const rows = await env.DB.prepare("SELECT course_id, completed_at FROM enrollments WHERE participant_id = ?")
      .bind(pid)
      .all<{ course_id: string; completed_at: string | null }>();
    const byCourse = new Map(rows.results.map((r) => [r.course_id, r.completed_at]));
    expect(byCourse.get(course.id)).toBeTruthy();
    expect(byCourse.has(next.id)).toBe(true);
  });

  it("a RequirementTable material whose table someone started is archived, not erased", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const step = await makeStep(manager, (await makeCourse(manager)).id);
    const table = await makeTable(manager, { step_id: step.id });
    const material = await call("POST", `/steps/${step.id}/materials`, {
      token: manager,
      body: { material_type: "RequirementTable", title: "Tracker", content: { requirement_table_id: table.id } },
    });
    const participant = await token(uniqueName("participant"), "participant");
    await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: participant });
    expect((await call("DELETE", `/materials/${material.json.id}`, { token: manager })).status).toBe(204);
    const row = await env.DB.prepare("SELECT archived_at FROM materials WHERE id = ?")
      .bind(material.json.id)
      .first<{ archived_at: string }>();
    expect(row?.archived_at).toBeTruthy();
  });

  it("my-submission of a table on no published step is 404 to a participant and creates nothing", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const table = await makeTable(manager);
    const pid = uniqueName("participant");
    const res = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: await token(pid, "participant") });
    expect(res.status).toBe(404);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM requirement_submissions WHERE participant_id = ?")
      .bind(pid)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });
});
