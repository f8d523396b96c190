import { describe, expect, it } from "vitest";
import { call, enrolled, makeCourse, makeForm, makeStep, token, uniqueName } from "./helpers";

/** Four MCQs (a correct, b wrong; marks 1–4) and one THEORY question. */
const QUESTIONS = [
  ...[1, 2, 3, 4].map((n) => ({
    question_id: `m${n}`,
    question_type: "MCQ",
    question_text: `Question ${n}`,
    options: [
      { option_id: "a", text: "Right", is_correct: true },
      { option_id: "b", text: "Wrong", is_correct: false },
      { option_id: "c", text: "Also wrong", is_correct: false },
      { option_id: "d", text: "Still wrong", is_correct: false },
    ],
    marks: n,
  })),
  { question_id: "t1", question_type: "THEORY", question_text: "Explain", marks: 10, max_words: 100 },
];

async function shuffledExam(settings: Record<string, unknown>) {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const form = await makeForm(manager, { step_id: step.id, questions: QUESTIONS, ...settings });
  const startFor = async () => {
    const p = await enrolled(manager, course.id);
    const res = await call("POST", `/steps/${step.id}/exam/start`, { token: p.participant });
    expect(res.status, res.text).toBe(201);
    return { ...p, attempt: res.json };
  };
  return { manager, course, step, form, startFor };
}

describe("shuffled and drawn questions", () => {
  it("50 attempts of a shuffled form: more than one order of questions and options, every answer scored by id", async () => {
    const w = await shuffledExam({ shuffle_questions: true, shuffle_options: true });
    expect(w.form).toMatchObject({ shuffle_questions: true, shuffle_options: true, questions_per_attempt: null });
    const questionOrders = new Set<string>();
    const optionOrders = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { participant, attempt } = await w.startFor();
      const qs = attempt.form.questions;
      expect(qs.map((q) => q.question_id).sort()).toEqual(["m1", "m2", "m3", "m4", "t1"]);
      questionOrders.add(qs.map((q) => q.question_id).join());
      optionOrders.add(qs.map((q) => q.options.map((o) => o.option_id).join("")).join("|"));
      expect(JSON.stringify(attempt)).not.toContain("is_correct");
      // A refresh resumes the same order.
      const again = await call("POST", `/steps/${w.step.id}/exam/start`, { token: participant });
      expect(again.json.form.questions.map((q) => q.question_id)).toEqual(qs.map((q) => q.question_id));
      // Right answers score full marks whatever the order: 1 + 2 + 3 + 4.
      const submit = await call("POST", `/forms/submissions/${attempt.submission_id}/submit`, {
        token: participant,
        body: {
          mcq_answers: ["m1", "m2", "m3", "m4"].map((id) => ({ question_id: id, selected_option_id: "a" })),
          theory_answers: [{ question_id: "t1", answer_text: "Because" }],
        },
      });
      expect(submit.json.mcq_score).toBe(10);
    }
    expect(questionOrders.size).toBeGreaterThan(1);
    expect(optionOrders.size).toBeGreaterThan(1);
  });

  it("a participant reading a drawing or shuffling form sees its summary and settings, not its question pool", async () => {
    for (const settings of [{ questions_per_attempt: 2 }, { shuffle_questions: true }, { shuffle_options: true }]) {
      const w = await shuffledExam(settings);
      const { participant } = await w.startFor();
      const seen = await call("GET", `/forms/${w.form.id}`, { token: participant });
      expect(seen.status).toBe(200);
      expect(seen.json).toMatchObject({
        id: w.form.id,
        questions: [],
        question_count: 5,
        questions_hidden: true,
        total_marks: w.form.total_marks,
      });
      expect(seen.text).not.toContain("Question 1");
      // The manager still reads the whole pool, with the answers.
      const managed = await call("GET", `/forms/${w.form.id}`, { token: w.manager });
      expect(managed.json.questions).toHaveLength(5);
      expect(managed.json.questions_hidden).toBe(false);
    }
    // A form that neither draws nor shuffles shows its questions (without is_correct), as the spec's example does.
    const plain = await shuffledExam({});
    const { participant } = await plain.startFor();
    const seen = await call("GET", `/forms/${plain.form.id}`, { token: participant });
    expect(seen.json.questions.map((q) => q.question_id)).toEqual(["m1", "m2", "m3", "m4", "t1"]);
    expect(seen.json.questions_hidden).toBe(false);
    expect(seen.text).not.toContain("is_correct");
  });

  it("without shuffling, attempts keep the form's order", async () => {
    const w = await shuffledExam({});
    for (let i = 0; i < 3; i++) {
      const { attempt } = await w.startFor();
      expect(attempt.form.questions.map((q) => q.question_id)).toEqual(["m1", "m2", "m3", "m4", "t1"]);
      expect(attempt.form.questions[0]?.options.map((o) => o.option_id)).toEqual(["a", "b", "c", "d"]);
    }
  });

  it("a drawn exam: each attempt gets questions_per_attempt questions; its totals are its own", async () => {
    const w = await shuffledExam({ questions_per_attempt: 2, passing_percentage: 50 });
    const drawn = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const { participant, attempt } = await w.startFor();
      const ids = attempt.form.questions.map((q) => q.question_id);
      expect(ids).toHaveLength(2);
      drawn.add(ids.join());
      // Questions stay in the form's order (no shuffle asked).
      expect(
        [...ids].sort((a, b) => QUESTIONS.findIndex((q) => q.question_id === a) - QUESTIONS.findIndex((q) => q.question_id === b)),
      ).toEqual(ids);
      const notDrawn = QUESTIONS.find((q) => !ids.includes(q.question_id) && q.question_type === "MCQ");
      if (notDrawn) {
        const stray = await call("PUT", `/forms/submissions/${attempt.submission_id}/answers`, {
          token: participant,
          body: { mcq_answers: [{ question_id: notDrawn.question_id, selected_option_id: "a" }], theory_answers: [] },
        });
        expect(stray.status).toBe(400);
        expect(stray.json.code).toBe("invalid_answers");
      }
      const mcqs = attempt.form.questions.filter((q) => q.question_type === "MCQ");
      const submit = await call("POST", `/forms/submissions/${attempt.submission_id}/submit`, {
        token: participant,
        body: {
          mcq_answers: mcqs.map((q) => ({ question_id: q.question_id, selected_option_id: "a" })),
          theory_answers: attempt.form.questions
            .filter((q) => q.question_type === "THEORY")
            .map((q) => ({ question_id: q.question_id, answer_text: "x" })),
        },
      });
      expect(submit.status).toBe(200);
      const detail = await call("GET", `/form-submissions/${attempt.submission_id}`, { token: w.manager });
      const total = attempt.form.questions.reduce((sum, q) => sum + q.marks, 0);
      expect(detail.json.form).toEqual({ total_marks: 20, passing_marks: 10 });
      expect(detail.json.attempt).toEqual({ total_marks: total, passing_marks: total / 2 });
      expect(detail.json.questions.map((q) => q.question_id)).toEqual(ids);
      expect(submit.json.mcq_score).toBe(mcqs.reduce((sum, q) => sum + q.marks, 0));
    }
    expect(drawn.size).toBeGreaterThan(1);
  });

  it("refuses a draw larger than the question list, on create and on update", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const tooMany = await call("POST", "/forms", {
      token: manager,
      body: { name: "x", duration_minutes: 10, questions: QUESTIONS, questions_per_attempt: 6 },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.code).toBe("invalid_form");
    const form = await makeForm(manager, { questions: QUESTIONS, questions_per_attempt: 5 });
    const shrink = await call("PUT", `/forms/${form.id}`, { token: manager, body: { questions: QUESTIONS.slice(0, 3) } });
    expect(shrink.status).toBe(400);
    const both = await call("PUT", `/forms/${form.id}`, {
      token: manager,
      body: { questions: QUESTIONS.slice(0, 3), questions_per_attempt: 3 },
    });
    expect(both.status).toBe(200);
    expect(both.json.questions_per_attempt).toBe(3);
  });
});
