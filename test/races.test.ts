import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, makeCourse, makeForm, makeMaterial, makeStep, token, uniqueName } from "./helpers";

// Every race runs this many times; each repetition uses fresh fixtures.
const REPETITIONS = 20;

const answers = {
  mcq_answers: [{ question_id: "q1", selected_option_id: "a" }],
  theory_answers: [{ question_id: "q2", answer_text: "x" }],
};

async function examReady(maxAttempts = 3) {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const video = await makeMaterial(manager, step.id);
  const form = await makeForm(manager, { step_id: step.id, max_attempts: maxAttempts });
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant");
  await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
  await call("POST", `/materials/${video.id}/complete`, { token: participant });
  return { manager, participant, pid, course, step, form };
}

const attempts = async (pid: string, formId: string) =>
  (
    await env.DB.prepare("SELECT id, submission_status, attempt_number FROM form_submissions WHERE participant_id = ? AND form_id = ?")
      .bind(pid, formId)
      .all()
  ).results as { id: string; submission_status: string; attempt_number: number }[];

describe(`races (${REPETITIONS} repetitions each)`, () => {
  it("100 parallel exam/start by one participant → exactly one attempt", { timeout: 120_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const { participant, pid, step, form } = await examReady();
      const results = await Promise.all(
        Array.from({ length: 100 }, () => call("POST", `/steps/${step.id}/exam/start`, { token: participant })),
      );
      expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(new Set(results.map((r) => r.json.submission_id)).size).toBe(1);
      expect(await attempts(pid, form.id)).toHaveLength(1);
    }
  });

  it("with one attempt left, 20 parallel starts → exactly one new attempt", { timeout: 60_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const { manager, participant, pid, step, form } = await examReady(2);
      const first = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
      await call("POST", `/forms/submissions/${first.json.submission_id}/submit`, { token: participant, body: answers });
      await call("POST", `/form-submissions/${first.json.submission_id}/reject`, { token: manager, body: {} });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => call("POST", `/steps/${step.id}/exam/start`, { token: participant })),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      const rows = await attempts(pid, form.id);
      expect(rows.map((r) => r.attempt_number).sort()).toEqual([1, 2]);
    }
  });

  it("50 parallel submits of one attempt → scored once", { timeout: 60_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const { participant, step } = await examReady();
      const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
      const id = start.json.submission_id;
      const results = await Promise.all(
        Array.from({ length: 50 }, () => call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(49);
      const row = await env.DB.prepare("SELECT submission_status, mcq_score FROM form_submissions WHERE id = ?").bind(id).first();
      expect(row).toEqual({ submission_status: "Submitted", mcq_score: 5 });
    }
  });

  it("two managers approving the same submission → one decision, the other 409", { timeout: 60_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const { manager, participant, step } = await examReady();
      const other = await token(uniqueName("manager"), "manager");
      const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
      const id = start.json.submission_id;
      await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers });
      await call("POST", `/form-submissions/${id}/grade`, {
        token: manager,
        body: { theory_grades: [{ question_id: "q2", marks_awarded: 5 }] },
      });
      const results = await Promise.all(
        [manager, other].map((m) => call("POST", `/form-submissions/${id}/approve`, { token: m, body: {} })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    }
  });

  it("two managers grading different answers at once never lose a grade", { timeout: 60_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const manager = await token(uniqueName("manager"), "manager");
      const course = await makeCourse(manager);
      const step = await makeStep(manager, course.id);
      const questions = ["t1", "t2"].map((id) => ({ question_id: id, question_type: "THEORY", question_text: id, marks: 10 }));
      await makeForm(manager, { step_id: step.id, questions });
      const pid = uniqueName("participant");
      const participant = await token(pid, "participant");
      await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
      const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
      const id = start.json.submission_id;
      await call("POST", `/forms/submissions/${id}/submit`, {
        token: participant,
        body: { mcq_answers: [], theory_answers: questions.map((q) => ({ question_id: q.question_id, answer_text: "x" })) },
      });
      const other = await token(uniqueName("manager"), "manager");
      const grades = [
        { by: manager, grade: { question_id: "t1", marks_awarded: 4 } },
        { by: other, grade: { question_id: "t2", marks_awarded: 6 } },
      ];
      const results = await Promise.all(
        grades.map(({ by, grade }) => call("POST", `/form-submissions/${id}/grade`, { token: by, body: { theory_grades: [grade] } })),
      );
      // Each answer is a success or the "decided meanwhile, retry" conflict; the first UPDATE to land always finds
      // the grades it read, so at least one succeeds (both do when they happen not to overlap).
      const outcomes = results.map((r) => (r.status === 200 ? "graded" : `${r.status} ${r.json.code}`));
      for (const o of outcomes) expect(["graded", "409 not_reviewable"]).toContain(o);
      expect(outcomes.filter((o) => o === "graded").length).toBeGreaterThanOrEqual(1);
      const row = await env.DB.prepare("SELECT theory_grades, submission_status FROM form_submissions WHERE id = ?")
        .bind(id)
        .first<{ theory_grades: string; submission_status: string }>();
      expect(row?.submission_status).toBe("UnderReview");
      // exactly the grades answered 200 are stored: none lost, none from a request that was refused
      const expected = Object.fromEntries(
        grades.filter((_, i) => outcomes[i] === "graded").map(({ grade }) => [grade.question_id, grade.marks_awarded]),
      );
      expect(JSON.parse(row?.theory_grades ?? "null")).toEqual(expected);
    }
  });

  it("20 parallel first reads of a requirement submission → one row", { timeout: 60_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const manager = await token(uniqueName("manager"), "manager");
      const step = await makeStep(manager, (await makeCourse(manager)).id);
      const table = await call("POST", "/requirement-tables", {
        token: manager,
        body: { name: uniqueName("t"), step_id: step.id, requirements: [{ serial_number: 1, activity: "a", target: 1, unit: "u" }] },
      });
      const pid = uniqueName("participant");
      const participant = await token(pid, "participant");
      const results = await Promise.all(
        Array.from({ length: 20 }, () => call("GET", `/requirement-tables/${table.json.id}/my-submission`, { token: participant })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(new Set(results.map((r) => r.json.submission_id)).size).toBe(1);
      const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM requirement_submissions WHERE participant_id = ?")
        .bind(pid)
        .first<{ n: number }>();
      expect(count?.n).toBe(1);
    }
  });

  it("two chain edits at the two ends of one course both land, two-way", { timeout: 60_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const manager = await token(uniqueName("manager"), "manager");
      const [a, b, c] = [await makeCourse(manager), await makeCourse(manager), await makeCourse(manager)];
      const [first, second] = await Promise.all([
        call("PUT", `/courses/${a.id}`, { token: manager, body: { next_course_id: b.id } }),
        call("PUT", `/courses/${c.id}`, { token: manager, body: { previous_course_id: b.id } }),
      ]);
      expect([first.status, second.status]).toEqual([200, 200]);
      const get = async (id: string) => (await call("GET", `/courses/${id}`, { token: manager })).json;
      const [ra, rb, rc] = [await get(a.id), await get(b.id), await get(c.id)];
      expect([ra.next_course_id, rb.previous_course_id, rb.next_course_id, rc.previous_course_id]).toEqual([b.id, a.id, c.id, b.id]);
    }
  });

  it("concurrent step reorder and step create leave a consistent order", { timeout: 60_000 }, async () => {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const manager = await token(uniqueName("manager"), "manager");
      const course = await makeCourse(manager);
      const existing = [];
      for (let i = 0; i < 4; i++) existing.push(await makeStep(manager, course.id));
      const reversed = [...existing].reverse().map((s, i) => ({ step_id: s.id, order_index: i }));
      const [reorder, created] = await Promise.all([
        call("POST", `/courses/${course.id}/steps/reorder`, { token: manager, body: { step_orders: reversed } }),
        call("POST", "/steps", { token: manager, body: { course_id: course.id, name: "late" } }),
      ]);
      expect(reorder.status).toBe(200);
      expect(created.status).toBe(201);
      const view = await call("GET", `/courses/${course.id}`, { token: manager });
      const ids = view.json.steps.map((s) => s.id);
      expect(ids).toHaveLength(5);
      expect(ids.slice(0, 4)).toEqual([...existing].reverse().map((s) => s.id));
      expect(ids[4]).toBe(created.json.id);
      expect(new Set(view.json.steps.map((s) => s.order_index)).size).toBe(5);
    }
  });
});
