/**
 * Issue #26: an exam's item analytics are stored with the version of its results and served while that version
 * stands (src/forms/analytics.ts, src/shared/exam-results.ts). Every write that changes what they read — a submit,
 * an attempt closed at its deadline, a grade, an erasure — moves the version in its own batch, so the figures a
 * manager reads are never older than the last such write.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { call, enrolled, makeCourse, makeForm, makeStep, roundTrips, token, uniqueName } from "./helpers";

afterEach(() => setClock(null));

const questions = [
  {
    question_id: "q1",
    question_type: "MCQ",
    question_text: "Pick a",
    options: [
      { option_id: "a", text: "Right", is_correct: true },
      { option_id: "b", text: "Wrong", is_correct: false },
    ],
    marks: 1,
  },
  { question_id: "t1", question_type: "THEORY", question_text: "Explain", marks: 4 },
];

async function world() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const form = await makeForm(manager, { step_id: step.id, questions, max_attempts: 1 });
  const sit = async (option: string) => {
    const p = await enrolled(manager, course.id);
    const start = await call("POST", `/steps/${step.id}/exam/start`, { token: p.participant });
    expect(start.status, start.text).toBe(201);
    const id = start.json.submission_id as string;
    const done = await call("POST", `/forms/submissions/${id}/submit`, {
      token: p.participant,
      body: {
        mcq_answers: [{ question_id: "q1", selected_option_id: option }],
        theory_answers: [{ question_id: "t1", answer_text: "Because" }],
      },
    });
    expect(done.status, done.text).toBe(200);
    return { ...p, id, deadline: start.json.deadline_at as string };
  };
  const analytics = async () => {
    const res = await call("GET", `/forms/${form.id}/analytics`, { token: manager });
    expect(res.status, res.text).toBe(200);
    return res.json as {
      attempts: number;
      questions: { question_id: string; mean_marks: number | null; scored: number; options?: { selected: number }[] }[];
    };
  };
  return { manager, course, step, form, sit, analytics };
}

describe("stored item analytics", () => {
  it("a second read is one round trip and the same figures; a submit in between shows at once", async () => {
    const w = await world();
    await w.sit("a");
    await w.sit("b");
    const first = await w.analytics();
    expect(first.attempts).toBe(2);
    let again: Awaited<ReturnType<typeof w.analytics>> | undefined;
    const trips = await roundTrips(async () => {
      again = await w.analytics();
    });
    expect(trips).toEqual([1]);
    expect(again).toEqual(first);
    await w.sit("a");
    const after = await w.analytics();
    expect(after.attempts).toBe(3);
    expect(after.questions[0]?.options?.map((o) => o.selected)).toEqual([2, 1]);
  });

  it("a grade moves the THEORY figures on the next read", async () => {
    const w = await world();
    const p = await w.sit("a");
    expect((await w.analytics()).questions[1]).toMatchObject({ question_id: "t1", scored: 0, mean_marks: null });
    const graded = await call("POST", `/form-submissions/${p.id}/grade`, {
      token: w.manager,
      body: { theory_grades: [{ question_id: "t1", marks_awarded: 3 }] },
    });
    expect(graded.status, graded.text).toBe(200);
    expect((await w.analytics()).questions[1]).toMatchObject({ scored: 1, mean_marks: 3 });
  });

  it("an attempt closed at its deadline, and an erased participant, change the figures", async () => {
    const w = await world();
    const gone = await w.sit("a");
    const late = await enrolled(w.manager, w.course.id);
    const start = await call("POST", `/steps/${w.step.id}/exam/start`, { token: late.participant });
    expect(start.status).toBe(201);
    expect((await w.analytics()).attempts).toBe(1);
    // Its time runs out unseen; the next read that meets it closes it (here the manager's detail view).
    setClock(() => new Date(Date.parse(start.json.deadline_at) + 10 * 60_000));
    expect((await call("GET", `/form-submissions/${start.json.submission_id}`, { token: w.manager })).json.auto_submitted).toBe(true);
    expect((await w.analytics()).attempts).toBe(2);
    setClock(null);
    const erased = await call("DELETE", `/participants/${gone.pid}`, { token: w.manager });
    expect(erased.status, erased.text).toBe(200);
    expect((await w.analytics()).attempts).toBe(1);
  });

  it("figures stored under an older version are never served", async () => {
    const w = await world();
    await w.sit("a");
    expect((await w.analytics()).attempts).toBe(1);
    // A computation that lost a race: stored with a version the results have since moved past.
    await env.DB.prepare("UPDATE exam_results SET version = version + 1 WHERE form_id = ?").bind(w.form.id).run();
    await env.DB.prepare(
      "UPDATE form_submissions SET answers = json_set(answers, '$.mcq_answers[0].selected_option_id', 'b') WHERE form_id = ?",
    )
      .bind(w.form.id)
      .run();
    expect((await w.analytics()).questions[0]?.options?.map((o) => o.selected)).toEqual([0, 1]);
  });

  it("an attempt from before questions were stored by reference (its own full copy) counts as it did", async () => {
    const w = await world();
    const a = await w.sit("a");
    await w.sit("b");
    const before = await w.analytics();
    // Rewritten as the old storage held it: the questions copied into the attempt, no set.
    const copy = await env.DB.prepare(
      `SELECT json_group_array(json(json_set(v.body, '$.question_id', json_extract(i.value, '$[0]')))) AS qs
       FROM form_submissions f JOIN question_sets s ON s.hash = f.question_set, json_each(s.items) i
       JOIN question_versions v ON v.hash = json_extract(i.value, '$[1]') WHERE f.id = ?`,
    )
      .bind(a.id)
      .first<{ qs: string }>();
    await env.DB.prepare("UPDATE form_submissions SET questions_snapshot = ?, question_set = NULL WHERE id = ?").bind(copy?.qs, a.id).run();
    await env.DB.prepare("UPDATE exam_results SET version = version + 1 WHERE form_id = ?").bind(w.form.id).run();
    expect(await env.DB.prepare("SELECT question_set FROM form_submissions WHERE id = ?").bind(a.id).first("question_set")).toBeNull();
    expect(await w.analytics()).toEqual(before);
  });
});
