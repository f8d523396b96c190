/**
 * Course completion is a recorded milestone: stamped (with the next-course enrolment) in the same batch as the
 * change that completes the last step, on every path, and kept once stamped. Each test reads the enrolments
 * from D1 itself and the progress views through the API, so a view and the stored fact cannot drift apart.
 * Issue #28: a course with certificates enabled gets exactly one certificate row in that same batch, on every
 * path (and none when they are not enabled, none when the batch fails).
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setD1FaultInjector } from "../src/lib/d1";
import { call, makeCourse, makeForm, makeMaterial, makeStep, makeTable, token, uniqueName } from "./helpers";

afterEach(() => setD1FaultInjector(null));

type World = Awaited<ReturnType<typeof chainedWorld>>;

/** A course chained to a next course (issuing certificates when asked); the caller adds the last step's content. */
async function chainedWorld(certificates = true) {
  const mid = uniqueName("manager");
  const manager = await token(mid, "manager");
  const next = await makeCourse(manager, { certificate: { enabled: true } });
  await makeStep(manager, next.id);
  const course = await makeCourse(manager, certificates ? { certificate: { enabled: true, achievement_name: "Finisher" } } : {});
  expect((await call("PUT", `/courses/${course.id}`, { token: manager, body: { next_course_id: next.id } })).status).toBe(200);
  const step = await makeStep(manager, course.id);
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant");
  return { mid, manager, next, course, step, pid, participant, certificates };
}

const enrol = async (w: World) =>
  expect((await call("POST", `/courses/${w.course.id}/enroll?participant_id=${w.pid}`, { token: w.manager })).status).toBe(200);

async function enrolments(pid: string) {
  const rows = await env.DB.prepare("SELECT course_id, completed_at FROM enrollments WHERE participant_id = ?")
    .bind(pid)
    .all<{ course_id: string; completed_at: string | null }>();
  return new Map(rows.results.map((r) => [r.course_id, r.completed_at]));
}

async function views(w: World) {
  const progress = await call("GET", `/participants/me/progress/${w.course.id}`, { token: w.participant });
  const mine = await call("GET", "/participants/me/courses", { token: w.participant });
  expect(progress.status, progress.text).toBe(200);
  return { progress: progress.json, listed: mine.json.find((c: any) => c.course_id === w.course.id) };
}

/** The participant's certificate rows, per course. */
async function certificateRows(pid: string) {
  const rows = await env.DB.prepare("SELECT course_id, issued_at, config FROM certificates WHERE participant_id = ?")
    .bind(pid)
    .all<{ course_id: string; issued_at: string; config: string }>();
  return rows.results;
}

/** The stored milestone and every view agree: completed, and enrolled in the next course; one certificate if the course issues them. */
async function expectCompleted(w: World) {
  const stored = await enrolments(w.pid);
  expect(stored.get(w.course.id), "completed_at").toBeTruthy();
  const certificates = await certificateRows(w.pid);
  expect(certificates.map((c) => c.course_id)).toEqual(w.certificates ? [w.course.id] : []);
  // Issued at the completion's own stamp, with the course's wording frozen in it.
  if (w.certificates) {
    expect(certificates[0]?.issued_at).toBe(stored.get(w.course.id));
    expect(JSON.parse(certificates[0]?.config ?? "{}")).toMatchObject({ enabled: true, achievement_name: "Finisher" });
  }
  expect(stored.has(w.next.id), "next course enrolment").toBe(true);
  const { progress, listed } = await views(w);
  expect(progress.is_completed).toBe(true);
  expect(listed?.is_completed).toBe(true);
}

async function expectNotCompleted(w: World) {
  const stored = await enrolments(w.pid);
  expect(stored.get(w.course.id) ?? null, "completed_at").toBeNull();
  expect(await certificateRows(w.pid), "certificates").toEqual([]);
  expect(stored.has(w.next.id), "next course enrolment").toBe(false);
  const { progress, listed } = await views(w);
  expect(progress.is_completed).toBe(false);
  expect(listed?.is_completed).toBe(false);
}

/** A table shown by a RequirementTable material of the step; the participant fills and submits it. */
async function tableWorldOf(rows = [1, 2], certificates = true) {
  const w = await chainedWorld(certificates);
  const table = await makeTable(w.manager, {
    step_id: w.step.id,
    requirements: rows.map((serial_number) => ({ serial_number, activity: `A${serial_number}`, target: 1, unit: "times" })),
  });
  await makeMaterial(w.manager, w.step.id, {
    material_type: "RequirementTable",
    title: "Tracker",
    content: { requirement_table_id: table.id },
  });
  await enrol(w);
  const mine = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: w.participant });
  const id = mine.json.submission_id as string;
  return { ...w, table, id };
}

async function fillAndSubmit(w: Awaited<ReturnType<typeof tableWorldOf>>, serials: number[]) {
  for (const n of serials)
    expect(
      (
        await call("POST", `/requirement-tables/submissions/${w.id}/rows`, {
          token: w.participant,
          body: { serial_number: n, completed: true },
        })
      ).status,
    ).toBe(200);
  expect((await call("POST", `/requirement-tables/submissions/${w.id}/submit`, { token: w.participant })).status).toBe(200);
}

describe.each([
  ["with certificates", true],
  ["without certificates", false],
])("the completion milestone is written on every path that completes the last step (%s)", (_, certificates) => {
  const chained = (on = certificates) => chainedWorld(on);
  const tableWorld = (rows?: number[]) => tableWorldOf(rows, certificates);
  it("material complete", async () => {
    const w = await chained();
    const video = await makeMaterial(w.manager, w.step.id);
    await enrol(w);
    await expectNotCompleted(w);
    expect((await call("POST", `/materials/${video.id}/complete`, { token: w.participant })).status).toBe(200);
    await expectCompleted(w);
  });

  it("materials-complete", async () => {
    const w = await chained();
    await makeMaterial(w.manager, w.step.id);
    await makeMaterial(w.manager, w.step.id);
    await enrol(w);
    expect((await call("POST", `/steps/${w.step.id}/materials-complete`, { token: w.participant })).status).toBe(200);
    await expectCompleted(w);
  });

  it("exam approval", async () => {
    const w = await chained();
    const video = await makeMaterial(w.manager, w.step.id);
    await makeForm(w.manager, { step_id: w.step.id });
    await enrol(w);
    await call("POST", `/materials/${video.id}/complete`, { token: w.participant });
    await expectNotCompleted(w);
    const start = await call("POST", `/steps/${w.step.id}/exam/start`, { token: w.participant });
    const id = start.json.submission_id;
    await call("POST", `/forms/submissions/${id}/submit`, {
      token: w.participant,
      body: { mcq_answers: [{ question_id: "q1", selected_option_id: "a" }], theory_answers: [] },
    });
    const approved = await call("POST", `/form-submissions/${id}/approve`, { token: w.manager });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({ course_completed: true, next_course_id: w.next.id });
    await expectCompleted(w);
  });

  it("a row approval that approves the table", async () => {
    const w = await tableWorld();
    await fillAndSubmit(w, [1, 2]);
    expect(
      (await call("POST", `/requirement-tables/submissions/${w.id}/rows/1/approve`, { token: w.manager, body: { approved: true } })).status,
    ).toBe(200);
    await expectNotCompleted(w);
    expect(
      (await call("POST", `/requirement-tables/submissions/${w.id}/rows/2/approve`, { token: w.manager, body: { approved: true } })).status,
    ).toBe(200);
    await expectCompleted(w);
  });

  it("approve-all", async () => {
    const w = await tableWorld();
    await fillAndSubmit(w, [1, 2]);
    expect((await call("POST", `/requirement-tables/submissions/${w.id}/approve`, { token: w.manager })).status).toBe(200);
    await expectCompleted(w);
  });

  it("a table edit that removes the only serial left unapproved", async () => {
    const w = await tableWorld([1, 2, 3]);
    await fillAndSubmit(w, [1, 2, 3]);
    for (const n of [1, 2])
      expect(
        (await call("POST", `/requirement-tables/submissions/${w.id}/rows/${n}/approve`, { token: w.manager, body: { approved: true } }))
          .status,
      ).toBe(200);
    await expectNotCompleted(w);
    const edit = await call("PUT", `/requirement-tables/${w.table.id}`, {
      token: w.manager,
      body: { requirements: [1, 2].map((serial_number) => ({ serial_number, activity: `A${serial_number}`, target: 1, unit: "times" })) },
    });
    expect(edit.status, edit.text).toBe(200);
    await expectCompleted(w);
  });
});

describe("once stamped, the milestone stays", () => {
  it("rejecting a row after the table completed the course: the course stays completed, the step shows its own state", async () => {
    const w = await tableWorldOf();
    await fillAndSubmit(w, [1, 2]);
    expect((await call("POST", `/requirement-tables/submissions/${w.id}/approve`, { token: w.manager })).status).toBe(200);
    await expectCompleted(w);
    expect(
      (
        await call("POST", `/requirement-tables/submissions/${w.id}/rows/2/approve`, {
          token: w.manager,
          body: { approved: false, approval_remarks: "redo" },
        })
      ).status,
    ).toBe(200);
    await expectCompleted(w);
    const { progress } = await views(w);
    expect(progress.steps.find((s: any) => s.id === w.step.id)).toMatchObject({ is_completed: false });
    expect(progress.completed_step_ids).not.toContain(w.step.id);
    // Completing it again (the row re-approved) issues no second certificate.
    expect(
      (await call("POST", `/requirement-tables/submissions/${w.id}/rows/2/approve`, { token: w.manager, body: { approved: true } })).status,
    ).toBe(200);
    await expectCompleted(w);
  });
});

describe("nothing is half written", () => {
  it("a failure in the approving batch leaves neither the approval nor the milestone; a retry writes both", async () => {
    const w = await tableWorldOf();
    await fillAndSubmit(w, [1, 2]);
    let failed = 0;
    setD1FaultInjector((sql) =>
      /update "enrollments" set "completed_at"/.test(sql) ? (failed++, new Error("D1_ERROR: something broke")) : null,
    );
    const broken = await call("POST", `/requirement-tables/submissions/${w.id}/approve`, { token: w.manager });
    setD1FaultInjector(null);
    expect(broken.status).toBe(500);
    expect(failed).toBe(1);
    const stored = await env.DB.prepare("SELECT approved_at FROM requirement_submissions WHERE id = ?")
      .bind(w.id)
      .first<{ approved_at: string | null }>();
    expect(stored!.approved_at).toBeNull();
    const approvedRows = await env.DB.prepare("SELECT COUNT(*) AS n FROM requirement_rows WHERE submission_id = ? AND approved = 1")
      .bind(w.id)
      .first<{ n: number }>();
    expect(approvedRows!.n).toBe(0);
    await expectNotCompleted(w);

    expect((await call("POST", `/requirement-tables/submissions/${w.id}/approve`, { token: w.manager })).status).toBe(200);
    await expectCompleted(w);
  });

  it("the same for a material completion that completes the course", async () => {
    const w = await chainedWorld();
    const video = await makeMaterial(w.manager, w.step.id);
    await enrol(w);
    setD1FaultInjector((sql) => (/update "enrollments" set "completed_at"/.test(sql) ? new Error("D1_ERROR: something broke") : null));
    expect((await call("POST", `/materials/${video.id}/complete`, { token: w.participant })).status).toBe(500);
    setD1FaultInjector(null);
    const done = await env.DB.prepare("SELECT COUNT(*) AS n FROM material_completions WHERE participant_id = ?")
      .bind(w.pid)
      .first<{ n: number }>();
    expect(done!.n).toBe(0);
    await expectNotCompleted(w);
  });

  it("a failure writing the certificate leaves the completion unwritten too: one batch", async () => {
    const w = await chainedWorld();
    const video = await makeMaterial(w.manager, w.step.id);
    await enrol(w);
    setD1FaultInjector((sql) => (/insert into "certificates"/.test(sql) ? new Error("D1_ERROR: something broke") : null));
    expect((await call("POST", `/materials/${video.id}/complete`, { token: w.participant })).status).toBe(500);
    setD1FaultInjector(null);
    await expectNotCompleted(w);
    expect((await call("POST", `/materials/${video.id}/complete`, { token: w.participant })).status).toBe(200);
    await expectCompleted(w);
  });
});
