import { describe, expect, it } from "vitest";
import { call, enrolled, makeCourse, makeForm, makeStep, token, uniqueName } from "./helpers";

const mcq = (id: string, marks: number) => ({
  question_id: id,
  question_type: "MCQ",
  question_text: id,
  options: [
    { option_id: "a", text: "Right", is_correct: true },
    { option_id: "b", text: "Wrong", is_correct: false },
  ],
  marks,
});

/** Five scored attempts; each row is the options chosen for q1, q2, q3 (null: unanswered). */
const ANSWERS: (string | null)[][] = [
  ["a", "a", "a"], // 4 of 4
  ["a", "a", "b"], // 2
  ["a", "b", "a"], // 3
  ["b", "b", "a"], // 2
  ["b", null, "b"], // 0
];

async function analyticsWorld(questions: unknown[], answers: (string | null)[][]) {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const form = await makeForm(manager, { step_id: step.id, questions });
  for (const row of answers) {
    const p = await enrolled(manager, course.id);
    const start = await call("POST", `/steps/${step.id}/exam/start`, { token: p.participant });
    expect(start.status, start.text).toBe(201);
    const submit = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, {
      token: p.participant,
      body: {
        mcq_answers: row.flatMap((option, i) => (option ? [{ question_id: `q${i + 1}`, selected_option_id: option }] : [])),
        theory_answers: [],
      },
    });
    expect(submit.status, submit.text).toBe(200);
  }
  // An attempt still in progress is not scored.
  const open = await enrolled(manager, course.id);
  expect((await call("POST", `/steps/${step.id}/exam/start`, { token: open.participant })).status).toBe(201);
  return { manager, form };
}

describe("item analytics", () => {
  it("matches a hand-computed data set: scores, histogram, per-question figures, option counts, KR-20", async () => {
    const w = await analyticsWorld([mcq("q1", 1), mcq("q2", 1), mcq("q3", 2)], ANSWERS);
    const res = await call("GET", `/forms/${w.form.id}/analytics`, { token: w.manager });
    expect(res.status, res.text).toBe(200);
    // Percentages 100, 50, 75, 50, 0.
    expect(res.json.attempts).toBe(5);
    expect(res.json.score).toEqual({ mean: 55, median: 50, stdev: 37.081, histogram: [1, 0, 0, 0, 0, 2, 0, 1, 0, 1] });
    const [q1, q2, q3] = res.json.questions;
    // Rest scores: q1 (3,1,2,2,0) against (1,1,1,0,0) → r = 0.4804; q2 (3,1,3,2,0) against (1,1,0,0,0) → 0.14;
    // q3 (2,2,1,0,0) against (2,0,2,2,0) → 0.
    expect(q1).toEqual({
      question_id: "q1",
      version: null,
      question_type: "MCQ",
      marks: 1,
      scored: 5,
      answered: 5,
      mean_marks: 0.6,
      difficulty: 0.6,
      discrimination: 0.4804,
      options: [
        { option_id: "a", text: "Right", is_correct: true, selected: 3 },
        { option_id: "b", text: "Wrong", is_correct: false, selected: 2 },
      ],
    });
    expect(q2).toMatchObject({ answered: 4, mean_marks: 0.4, difficulty: 0.4, discrimination: 0.14 });
    expect(q2?.options?.map((o) => o.selected)).toEqual([2, 2]);
    expect(q3).toMatchObject({ marks: 2, mean_marks: 1.2, difficulty: 0.6, discrimination: 0 });
    // KR-20: p = .6, .4, .6 → Σpq = .72; number correct (3,2,2,1,0) has variance 1.04 → 3/2 · (1 − .72/1.04).
    expect(res.json.reliability).toEqual({ method: "KR-20", value: 0.4615 });
  });

  it("below five attempts: no discrimination and no reliability; mixed forms use Cronbach's alpha", async () => {
    const theory = { question_id: "q4", question_type: "THEORY", question_text: "Why", marks: 5, max_words: 50 };
    const w = await analyticsWorld([mcq("q1", 1), mcq("q2", 1), mcq("q3", 2), theory], ANSWERS.slice(0, 3));
    const res = await call("GET", `/forms/${w.form.id}/analytics`, { token: w.manager });
    expect(res.json.attempts).toBe(3);
    expect(res.json.reliability).toEqual({ method: "cronbach_alpha", value: null });
    expect(res.json.questions.every((q) => q.discrimination === null)).toBe(true);
    // Ungraded THEORY answers are not scored yet; the attempts' percentages count them as 0 of 5.
    expect(res.json.questions[3]).toMatchObject({ question_id: "q4", scored: 0, answered: 0, mean_marks: null, difficulty: null });
    expect(res.json.questions[3]).not.toHaveProperty("options");
    expect(res.json.score.mean).toBeCloseTo(((4 / 9 + 2 / 9 + 3 / 9) / 3) * 100, 3);
  });

  it("is for managers: participants never see is_correct through it", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const form = await makeForm(manager);
    const participant = await token(uniqueName("participant"), "participant");
    const res = await call("GET", `/forms/${form.id}/analytics`, { token: participant });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain("is_correct");
    const empty = await call("GET", `/forms/${form.id}/analytics`, { token: manager });
    expect(empty.json).toMatchObject({ attempts: 0, score: { mean: null, median: null, stdev: null }, reliability: { value: null } });
    expect((await call("GET", "/forms/507f1f77bcf86cd799439099/analytics", { token: manager })).status).toBe(404);
  });
});
