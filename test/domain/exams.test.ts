import { describe, expect, it } from "vitest";
import { histogram, pearson, reliability, sampleStdev, variance } from "../../src/domain/analytics";
import {
  type Answers,
  answerableSince,
  answeredTheory,
  approvalOutcome,
  attemptDeadline,
  attemptScores,
  attemptsAllowed,
  canReview,
  checkAnswers,
  checkGrades,
  countWords,
  DEFAULT_GRACE_SECONDS,
  deadlineFor,
  decideStart,
  effectiveTerms,
  type Grade,
  graceSeconds,
  type McqAnswer,
  type Question,
  type ReviewAction,
  remainingSeconds,
  reviewTransition,
  type StartInput,
  scoreMcq,
  THEORY_ANSWER_MAX_CHARS,
  theoryScore,
  timing,
  totalScore,
  ungradedTheory,
  windowState,
} from "../../src/domain/exams";
import type { SubmissionStatus } from "../../src/domain/progress";
import { SUBMISSION_STATUSES } from "../../src/domain/vocabulary";

/* ------------------------------------------------ fixtures ------------------------------------------------ */

const mcq = (question_id: string, marks: number, options: [string, boolean][]): Question => ({
  question_id,
  question_type: "MCQ",
  options: options.map(([option_id, is_correct]) => ({ option_id, is_correct })),
  marks,
  max_words: null,
});
const theory = (question_id: string, marks: number, max_words: number | null = null, options: [string, boolean][] = []): Question => ({
  question_id,
  question_type: "THEORY",
  options: options.map(([option_id, is_correct]) => ({ option_id, is_correct })),
  marks,
  max_words,
});

// q1: one correct option; q2: two correct options; q3: THEORY limited to 5 words; q4: THEORY without limit.
const questions: Question[] = [
  mcq("q1", 2, [
    ["a", true],
    ["b", false],
  ]),
  mcq("q2", 1.5, [
    ["a", true],
    ["b", false],
    ["c", true],
  ]),
  theory("q3", 10, 5),
  theory("q4", 5),
];

const m = (question_id: string, selected_option_id: string): McqAnswer => ({ question_id, selected_option_id });
const t = (question_id: string, answer_text: string) => ({ question_id, answer_text });
const answers = (mcq_answers: McqAnswer[] = [], theory_answers: { question_id: string; answer_text: string }[] = []): Answers => ({
  mcq_answers,
  theory_answers,
});

/* ------------------------------------------------ starting ------------------------------------------------ */

describe("attemptsAllowed", () => {
  const s = (...statuses: SubmissionStatus[]) => statuses.map((submission_status) => ({ submission_status }));
  const cases: { name: string; max: number; attempts: ReturnType<typeof s>; expected: number }[] = [
    { name: "no attempts", max: 3, attempts: [], expected: 3 },
    { name: "rejections don't add", max: 3, attempts: s("Rejected", "Rejected"), expected: 3 },
    { name: "one retake adds one", max: 1, attempts: s("RetakeRequested"), expected: 2 },
    { name: "each retake adds one", max: 2, attempts: s("RetakeRequested", "RetakeRequested", "Rejected"), expected: 4 },
    {
      name: "other statuses don't add",
      max: 1,
      attempts: s("InProgress", "Submitted", "UnderReview", "Approved", "Rejected"),
      expected: 1,
    },
  ];
  it.each(cases)("$name → $expected", ({ max, attempts, expected }) => {
    expect(attemptsAllowed(max, attempts)).toBe(expected);
  });
});

describe("decideStart", () => {
  const base: StartInput = { is_locked: false, materials_completed: true, max_attempts: 3, attempts: [] };
  let n = 0;
  const a = (submission_status: SubmissionStatus, id = `a${++n}`) => ({ id, submission_status });
  type Out = ReturnType<typeof decideStart>;
  const cases: { name: string; input: Partial<StartInput>; expected: Out }[] = [
    { name: "first attempt", input: {}, expected: { kind: "start", attempt_number: 1 } },
    { name: "open attempt → resume", input: { attempts: [a("InProgress", "open")] }, expected: { kind: "resume", id: "open" } },
    {
      name: "open attempt → resume even when locked and materials incomplete",
      input: { is_locked: true, materials_completed: false, attempts: [a("InProgress", "open")] },
      expected: { kind: "resume", id: "open" },
    },
    {
      name: "open attempt → resume even with the attempts used up",
      input: { max_attempts: 1, attempts: [a("Rejected"), a("InProgress", "open")] },
      expected: { kind: "resume", id: "open" },
    },
    { name: "locked", input: { is_locked: true }, expected: { kind: "refuse", reason: "step_locked" } },
    {
      name: "locked beats materials incomplete",
      input: { is_locked: true, materials_completed: false },
      expected: { kind: "refuse", reason: "step_locked" },
    },
    { name: "materials incomplete", input: { materials_completed: false }, expected: { kind: "refuse", reason: "materials_incomplete" } },
    { name: "already approved", input: { attempts: [a("Approved")] }, expected: { kind: "refuse", reason: "exam_already_approved" } },
    {
      name: "already approved after a rejection",
      input: { attempts: [a("Rejected"), a("Approved")] },
      expected: { kind: "refuse", reason: "exam_already_approved" },
    },
    { name: "awaiting review (Submitted)", input: { attempts: [a("Submitted")] }, expected: { kind: "refuse", reason: "awaiting_review" } },
    {
      name: "awaiting review (UnderReview)",
      input: { attempts: [a("UnderReview")] },
      expected: { kind: "refuse", reason: "awaiting_review" },
    },
    {
      name: "awaiting review beats no attempts left",
      input: { max_attempts: 1, attempts: [a("Submitted")] },
      expected: { kind: "refuse", reason: "awaiting_review" },
    },
    {
      name: "attempts used up (max 3, three Rejected)",
      input: { max_attempts: 3, attempts: [a("Rejected"), a("Rejected"), a("Rejected")] },
      expected: { kind: "refuse", reason: "no_attempts_left" },
    },
    {
      name: "attempts used up (max 1, one Rejected)",
      input: { max_attempts: 1, attempts: [a("Rejected")] },
      expected: { kind: "refuse", reason: "no_attempts_left" },
    },
    { name: "after one Rejected, max 3 → attempt 2", input: { attempts: [a("Rejected")] }, expected: { kind: "start", attempt_number: 2 } },
    {
      name: "after two Rejected, max 3 → attempt 3",
      input: { attempts: [a("Rejected"), a("Rejected")] },
      expected: { kind: "start", attempt_number: 3 },
    },
    {
      name: "a RetakeRequested grants one more (max 1 → attempt 2)",
      input: { max_attempts: 1, attempts: [a("RetakeRequested")] },
      expected: { kind: "start", attempt_number: 2 },
    },
    {
      name: "the granted retake used and rejected → no attempts left",
      input: { max_attempts: 1, attempts: [a("RetakeRequested"), a("Rejected")] },
      expected: { kind: "refuse", reason: "no_attempts_left" },
    },
    {
      name: "two retakes granted (max 1 → attempt 3)",
      input: { max_attempts: 1, attempts: [a("RetakeRequested"), a("RetakeRequested")] },
      expected: { kind: "start", attempt_number: 3 },
    },
    {
      name: "max 3 used up, one RetakeRequested among them → attempt 4",
      input: { max_attempts: 3, attempts: [a("Rejected"), a("RetakeRequested"), a("Rejected")] },
      expected: { kind: "start", attempt_number: 4 },
    },
  ];
  it.each(cases)("$name", ({ input, expected }) => {
    expect(decideStart({ ...base, ...input })).toEqual(expected);
  });
});

/* ------------------------------------------------ the clock ----------------------------------------------- */

describe("deadlineFor", () => {
  const start = new Date("2024-05-01T10:00:00.000Z");
  const cases: { minutes: number; expected: string }[] = [
    { minutes: 0, expected: "2024-05-01T10:00:00.000Z" },
    { minutes: 1, expected: "2024-05-01T10:01:00.000Z" },
    { minutes: 30, expected: "2024-05-01T10:30:00.000Z" },
    { minutes: 1.5, expected: "2024-05-01T10:01:30.000Z" },
    { minutes: 24 * 60, expected: "2024-05-02T10:00:00.000Z" },
  ];
  it.each(cases)("$minutes minutes → $expected", ({ minutes, expected }) => {
    expect(deadlineFor(start, minutes).toISOString()).toBe(expected);
    expect(start.toISOString()).toBe("2024-05-01T10:00:00.000Z"); // not mutated
  });
});

describe("remainingSeconds", () => {
  const deadline = new Date("2024-05-01T10:30:00.000Z");
  const at = (offsetMs: number) => new Date(deadline.getTime() + offsetMs);
  const cases: { name: string; now: Date; expected: number }[] = [
    { name: "30 minutes before", now: at(-30 * 60_000), expected: 1800 },
    { name: "10 s before", now: at(-10_000), expected: 10 },
    { name: "10.9 s before → floored", now: at(-10_900), expected: 10 },
    { name: "1 ms before", now: at(-1), expected: 0 },
    { name: "at the deadline", now: at(0), expected: 0 },
    { name: "1 ms after → never negative", now: at(1), expected: 0 },
    { name: "an hour after → never negative", now: at(3_600_000), expected: 0 },
  ];
  it.each(cases)("$name → $expected", ({ now, expected }) => {
    expect(remainingSeconds(now, deadline)).toBe(expected);
  });
});

describe("timing", () => {
  const deadline = new Date("2024-05-01T10:30:00.000Z");
  const at = (offsetMs: number) => new Date(deadline.getTime() + offsetMs);
  const cases: { name: string; now: Date; grace: number; expected: ReturnType<typeof timing> }[] = [
    { name: "well before", now: at(-60_000), grace: 120, expected: "on_time" },
    { name: "1 ms before", now: at(-1), grace: 120, expected: "on_time" },
    { name: "exactly at the deadline", now: at(0), grace: 120, expected: "on_time" },
    { name: "1 ms after the deadline", now: at(1), grace: 120, expected: "late" },
    { name: "in the middle of the grace period", now: at(60_000), grace: 120, expected: "late" },
    { name: "exactly at deadline + grace", now: at(120_000), grace: 120, expected: "late" },
    { name: "1 ms after deadline + grace", now: at(120_001), grace: 120, expected: "expired" },
    { name: "grace 0: at the deadline", now: at(0), grace: 0, expected: "on_time" },
    { name: "grace 0: 1 ms after", now: at(1), grace: 0, expected: "expired" },
    { name: "grace 30: at deadline + 30 s", now: at(30_000), grace: 30, expected: "late" },
    { name: "grace 30: deadline + 30 s + 1 ms", now: at(30_001), grace: 30, expected: "expired" },
  ];
  it.each(cases)("$name → $expected", ({ now, grace, expected }) => {
    expect(timing(now, deadline, grace)).toBe(expected);
  });
  // The SQL side of the same rule: a stored deadline at or after answerableSince(now) is not expired.
  it.each(cases)("answerableSince agrees: $name", ({ now, grace, expected }) => {
    expect(deadline.toISOString() >= answerableSince(now, grace)).toBe(expected !== "expired");
  });
});

describe("graceSeconds", () => {
  const cases: { configured: string | undefined; expected: number }[] = [
    { configured: undefined, expected: 120 },
    { configured: "30", expected: 30 },
    { configured: "0", expected: 0 },
    { configured: "2.5", expected: 2.5 },
    { configured: "600", expected: 600 },
    { configured: "abc", expected: 120 },
    { configured: "-5", expected: 120 },
    { configured: "30s", expected: 120 },
    { configured: "Infinity", expected: 120 },
    { configured: "NaN", expected: 120 },
  ];
  it.each(cases)("$configured → $expected", ({ configured, expected }) => {
    expect(graceSeconds(configured)).toBe(expected);
  });
  it("the default is 120", () => {
    expect(DEFAULT_GRACE_SECONDS).toBe(120);
  });
});

/* ------------------------------------------------ answers ------------------------------------------------- */

describe("countWords", () => {
  const cases: { text: string; expected: number }[] = [
    { text: "", expected: 0 },
    { text: "   ", expected: 0 },
    { text: "\n\t\n", expected: 0 },
    { text: "one", expected: 1 },
    { text: "one two", expected: 2 },
    { text: "  one   two  ", expected: 2 },
    { text: "one\ntwo\n\nthree", expected: 3 },
    { text: "one\ttwo\r\nthree four", expected: 4 },
    { text: "don't stop-me now, ok?", expected: 4 },
    { text: "a\u00a0b", expected: 2 },
  ];
  it.each(cases.map((c) => ({ ...c, label: JSON.stringify(c.text) })))("$label → $expected", ({ text, expected }) => {
    expect(countWords(text)).toBe(expected);
  });
});

describe("checkAnswers", () => {
  const cases: { name: string; answers: Answers; expected: [path: string, message: string][] }[] = [
    { name: "no answers", answers: answers(), expected: [] },
    {
      name: "valid complete answers",
      answers: answers([m("q1", "a"), m("q2", "b")], [t("q3", "five words are just enough"), t("q4", "anything at all")]),
      expected: [],
    },
    { name: "valid with the second correct option", answers: answers([m("q2", "c")]), expected: [] },
    {
      name: "unknown MCQ question",
      answers: answers([m("q9", "a")]),
      expected: [["mcq_answers.0.question_id", "'q9' is not a question of this exam"]],
    },
    {
      name: "unknown MCQ question: its option isn't checked",
      answers: answers([m("q9", "zz")]),
      expected: [["mcq_answers.0.question_id", "'q9' is not a question of this exam"]],
    },
    {
      name: "unknown THEORY question",
      answers: answers([], [t("q9", "x")]),
      expected: [["theory_answers.0.question_id", "'q9' is not a question of this exam"]],
    },
    {
      name: "MCQ answer to a THEORY question",
      answers: answers([m("q3", "a")]),
      expected: [["mcq_answers.0.question_id", "'q3' is not an MCQ"]],
    },
    {
      name: "THEORY answer to an MCQ question",
      answers: answers([], [t("q1", "a")]),
      expected: [["theory_answers.0.question_id", "'q1' is not a THEORY question"]],
    },
    {
      name: "an option that does not exist",
      answers: answers([m("q1", "zz")]),
      expected: [["mcq_answers.0.selected_option_id", "'zz' is not an option of 'q1'"]],
    },
    {
      name: "an option of another question",
      answers: answers([m("q1", "c")]),
      expected: [["mcq_answers.0.selected_option_id", "'c' is not an option of 'q1'"]],
    },
    {
      name: "an MCQ answered twice",
      answers: answers([m("q1", "a"), m("q1", "b")]),
      expected: [["mcq_answers.1.question_id", "'q1' is answered twice"]],
    },
    {
      name: "an MCQ answered twice, the second with a bad option",
      answers: answers([m("q1", "a"), m("q1", "x")]),
      expected: [
        ["mcq_answers.1.question_id", "'q1' is answered twice"],
        ["mcq_answers.1.selected_option_id", "'x' is not an option of 'q1'"],
      ],
    },
    {
      name: "a THEORY question answered twice",
      answers: answers([], [t("q4", "a"), t("q3", "b"), t("q4", "c")]),
      expected: [["theory_answers.2.question_id", "'q4' is answered twice"]],
    },
    {
      name: "max_words exceeded",
      answers: answers([], [t("q3", "one two three four five six")]),
      expected: [["theory_answers.0.answer_text", "6 words; at most 5 allowed"]],
    },
    {
      name: "max_words exceeded with multiple spaces and newlines",
      answers: answers([], [t("q3", "  one\ntwo\n\n three   four\tfive\r\nsix  ")]),
      expected: [["theory_answers.0.answer_text", "6 words; at most 5 allowed"]],
    },
    { name: "exactly max_words is ok", answers: answers([], [t("q3", "one two three four five")]), expected: [] },
    {
      name: "exactly max_words with odd whitespace is ok",
      answers: answers([], [t("q3", "\n one   two\n\nthree\tfour five  \n")]),
      expected: [],
    },
    { name: "no word limit", answers: answers([], [t("q4", "w ".repeat(500))]), expected: [] },
    {
      name: "20,001 characters",
      answers: answers([], [t("q4", "x".repeat(THEORY_ANSWER_MAX_CHARS + 1))]),
      expected: [["theory_answers.0.answer_text", "answers are limited to 20000 characters"]],
    },
    { name: "exactly 20,000 characters is ok", answers: answers([], [t("q4", "x".repeat(20_000))]), expected: [] },
    {
      name: "20,001 characters and too many words",
      answers: answers([], [t("q3", "ab ".repeat(6667))]),
      expected: [
        ["theory_answers.0.answer_text", "answers are limited to 20000 characters"],
        ["theory_answers.0.answer_text", "6667 words; at most 5 allowed"],
      ],
    },
    {
      name: "problems carry the index of the faulty answer",
      answers: answers([m("q1", "a"), m("q2", "nope")], [t("q4", "fine"), t("q3", "1 2 3 4 5 6 7")]),
      expected: [
        ["mcq_answers.1.selected_option_id", "'nope' is not an option of 'q2'"],
        ["theory_answers.1.answer_text", "7 words; at most 5 allowed"],
      ],
    },
  ];
  it.each(cases)("$name", ({ answers, expected }) => {
    expect(checkAnswers(questions, answers).map((p) => [p.path, p.message])).toEqual(expected);
  });
  it("THEORY_ANSWER_MAX_CHARS is 20,000", () => {
    expect(THEORY_ANSWER_MAX_CHARS).toBe(20_000);
  });
});

describe("scoreMcq", () => {
  const withTheoryOptions = [...questions, theory("q5", 4, null, [["x", true]])];
  const cases: { name: string; questions: Question[]; answers: McqAnswer[]; expected: number }[] = [
    { name: "no answers", questions, answers: [], expected: 0 },
    { name: "one correct", questions, answers: [m("q1", "a")], expected: 2 },
    { name: "one wrong", questions, answers: [m("q1", "b")], expected: 0 },
    { name: "first of two correct options", questions, answers: [m("q2", "a")], expected: 1.5 },
    { name: "second of two correct options", questions, answers: [m("q2", "c")], expected: 1.5 },
    { name: "wrong option of a multi-correct question", questions, answers: [m("q2", "b")], expected: 0 },
    { name: "all correct", questions, answers: [m("q1", "a"), m("q2", "c")], expected: 3.5 },
    { name: "one correct, one wrong", questions, answers: [m("q1", "b"), m("q2", "a")], expected: 1.5 },
    { name: "unknown option", questions, answers: [m("q1", "zz")], expected: 0 },
    { name: "unknown question", questions, answers: [m("q9", "a")], expected: 0 },
    {
      name: "THEORY question ignored even with a 'correct' option",
      questions: withTheoryOptions,
      answers: [m("q5", "x"), m("q1", "a")],
      expected: 2,
    },
    {
      name: "fractional marks rounded to 2 decimals (0.1 + 0.2 → 0.3)",
      questions: [mcq("f1", 0.1, [["a", true]]), mcq("f2", 0.2, [["a", true]])],
      answers: [m("f1", "a"), m("f2", "a")],
      expected: 0.3,
    },
    {
      name: "fractional marks rounded to 2 decimals (0.125 → 0.13)",
      questions: [mcq("f", 0.125, [["a", true]])],
      answers: [m("f", "a")],
      expected: 0.13,
    },
    {
      name: "fractional marks rounded to 2 decimals (3 × 0.333 → 1)",
      questions: [mcq("f1", 0.333, [["a", true]]), mcq("f2", 0.333, [["a", true]]), mcq("f3", 0.333, [["a", true]])],
      answers: [m("f1", "a"), m("f2", "a"), m("f3", "a")],
      expected: 1,
    },
  ];
  it.each(cases)("$name → $expected", ({ questions, answers, expected }) => {
    expect(scoreMcq(questions, answers)).toBe(expected);
  });
});

/* ------------------------------------------------ review -------------------------------------------------- */

/**
 * The review rule written out cell by cell, independently of src/domain/exams.ts: for each action and each
 * status, the status the action leads to, or `refused`. Typed as a Record over both vocabularies, so a new action
 * or status without a cell here does not compile; the test below also checks it against SUBMISSION_STATUSES.
 */
const refused = null;
const expectedReview: Record<ReviewAction, Record<SubmissionStatus, SubmissionStatus | null>> = {
  grade: {
    InProgress: refused,
    Submitted: "UnderReview",
    UnderReview: "UnderReview",
    Approved: refused,
    Rejected: refused,
    RetakeRequested: refused,
  },
  approve: {
    InProgress: refused,
    Submitted: "Approved",
    UnderReview: "Approved",
    Approved: refused,
    Rejected: refused,
    RetakeRequested: refused,
  },
  reject: {
    InProgress: refused,
    Submitted: "Rejected",
    UnderReview: "Rejected",
    Approved: refused,
    Rejected: refused,
    RetakeRequested: refused,
  },
  request_retake: {
    InProgress: refused,
    Submitted: "RetakeRequested",
    UnderReview: "RetakeRequested",
    Approved: refused,
    // A rejected attempt can still be turned into a granted retake.
    Rejected: "RetakeRequested",
    RetakeRequested: refused,
  },
};
const actions = Object.keys(expectedReview) as ReviewAction[];
/** Every (action, status) pair, generated from the vocabularies rather than listed. */
const matrix = actions.flatMap((action) =>
  SUBMISSION_STATUSES.map((status) => ({
    action,
    status,
    expected: expectedReview[action][status],
    label: expectedReview[action][status] ?? "refused",
  })),
);
/** The rule as src answers it, in the shape of `expectedReview`. */
const actualReview = () =>
  Object.fromEntries(
    actions.map((action) => [
      action,
      Object.fromEntries(SUBMISSION_STATUSES.map((status) => [status, canReview(status, action) ? reviewTransition(action).to : refused])),
    ]),
  );

describe("canReview", () => {
  it("covers every action × status", () => {
    // the expectation has a cell for exactly the statuses of the vocabulary, for every action
    for (const action of actions) expect(Object.keys(expectedReview[action]).sort()).toEqual([...SUBMISSION_STATUSES].sort());
    expect(new Set(matrix.map((c) => `${c.action}/${c.status}`)).size).toBe(actions.length * SUBMISSION_STATUSES.length);
    // and the real rule, over every pair, is that expectation
    expect(actualReview()).toEqual(expectedReview);
  });
  it.each(matrix)("$action from $status → $label", ({ action, status, expected }) => {
    expect(canReview(status, action)).toBe(expected !== refused);
    expect(reviewTransition(action).from.includes(status)).toBe(expected !== refused);
    expect(canReview(status, action) ? reviewTransition(action).to : refused).toBe(expected);
  });
  it.each(["Approved", "InProgress"] as SubmissionStatus[])("nothing is allowed from %s", (status) => {
    expect(actions.filter((a) => canReview(status, a))).toEqual([]);
  });
});

describe("reviewTransition", () => {
  const byAction = actions.map((action) => {
    const cells = Object.entries(expectedReview[action]).filter(([, to]) => to !== refused);
    const outcomes = [...new Set(cells.map(([, to]) => to))];
    return { action, from: cells.map(([from]) => from), outcomes, label: outcomes.join(" | ") };
  });
  it.each(byAction)("$action → $label", ({ action, from, outcomes }) => {
    const tr = reviewTransition(action);
    expect(outcomes).toEqual([tr.to]); // one outcome per action, the one src names
    expect([...tr.from].sort()).toEqual([...from].sort());
    for (const s of SUBMISSION_STATUSES) expect(canReview(s, action)).toBe(tr.from.includes(s));
  });
});

describe("checkGrades", () => {
  const g = (question_id: string, marks_awarded: number): Grade => ({ question_id, marks_awarded });
  const cases: { name: string; grades: Grade[]; expected: [path: string, message: string][] }[] = [
    { name: "no grades", grades: [], expected: [] },
    { name: "valid grades", grades: [g("q3", 7), g("q4", 2.5)], expected: [] },
    { name: "exactly marks is ok", grades: [g("q3", 10)], expected: [] },
    { name: "0 is ok", grades: [g("q3", 0)], expected: [] },
    {
      name: "an MCQ question",
      grades: [g("q1", 1)],
      expected: [["theory_grades.0.question_id", "'q1' is not a THEORY question of this exam"]],
    },
    {
      name: "an unknown question",
      grades: [g("q9", 1)],
      expected: [["theory_grades.0.question_id", "'q9' is not a THEORY question of this exam"]],
    },
    {
      name: "an unknown question: its marks aren't checked",
      grades: [g("q9", -1)],
      expected: [["theory_grades.0.question_id", "'q9' is not a THEORY question of this exam"]],
    },
    {
      name: "graded twice",
      grades: [g("q3", 1), g("q4", 1), g("q3", 2)],
      expected: [["theory_grades.2.question_id", "'q3' is graded twice"]],
    },
    { name: "negative", grades: [g("q3", -1)], expected: [["theory_grades.0.marks_awarded", "must be within 0..10"]] },
    { name: "slightly negative", grades: [g("q4", -0.01)], expected: [["theory_grades.0.marks_awarded", "must be within 0..5"]] },
    { name: "above marks", grades: [g("q3", 10.01)], expected: [["theory_grades.0.marks_awarded", "must be within 0..10"]] },
    {
      name: "twice and above marks",
      grades: [g("q4", 5), g("q4", 6)],
      expected: [
        ["theory_grades.1.question_id", "'q4' is graded twice"],
        ["theory_grades.1.marks_awarded", "must be within 0..5"],
      ],
    },
    {
      name: "several problems keep their indices",
      grades: [g("q1", 1), g("q3", 3), g("q4", 50)],
      expected: [
        ["theory_grades.0.question_id", "'q1' is not a THEORY question of this exam"],
        ["theory_grades.2.marks_awarded", "must be within 0..5"],
      ],
    },
  ];
  it.each(cases)("$name", ({ grades, expected }) => {
    expect(checkGrades(questions, grades).map((p) => [p.path, p.message])).toEqual(expected);
  });
});

describe("ungradedTheory", () => {
  const cases: { name: string; questions: Question[]; grades: Record<string, number>; expected: string[] }[] = [
    { name: "none graded", questions, grades: {}, expected: ["q3", "q4"] },
    { name: "one graded", questions, grades: { q3: 4 }, expected: ["q4"] },
    { name: "all graded", questions, grades: { q3: 4, q4: 1 }, expected: [] },
    { name: "a grade of 0 counts as graded", questions, grades: { q3: 0 }, expected: ["q4"] },
    { name: "grades of MCQ or unknown ids don't count", questions, grades: { q1: 2, q9: 1 }, expected: ["q3", "q4"] },
    { name: "no THEORY questions", questions: questions.filter((q) => q.question_type === "MCQ"), grades: {}, expected: [] },
    { name: "no questions", questions: [], grades: {}, expected: [] },
  ];
  it.each(cases)("$name", ({ questions, grades, expected }) => {
    expect(ungradedTheory(questions, grades)).toEqual(expected);
  });
});

describe("theoryScore", () => {
  const mcqOnly = questions.filter((q) => q.question_type === "MCQ");
  const cases: { name: string; questions: Question[]; grades: Record<string, number>; expected: number | null }[] = [
    { name: "no THEORY questions → 0", questions: mcqOnly, grades: {}, expected: 0 },
    { name: "no THEORY questions, stray grades → 0", questions: mcqOnly, grades: { q1: 2 }, expected: 0 },
    { name: "no questions → 0", questions: [], grades: {}, expected: 0 },
    { name: "none graded → null", questions, grades: {}, expected: null },
    { name: "only MCQ ids graded → null", questions, grades: { q1: 2 }, expected: null },
    { name: "partial", questions, grades: { q3: 7 }, expected: 7 },
    { name: "full", questions, grades: { q3: 7, q4: 5 }, expected: 12 },
    { name: "graded 0 → 0, not null", questions, grades: { q3: 0 }, expected: 0 },
    { name: "MCQ grades ignored", questions, grades: { q1: 100, q3: 2 }, expected: 2 },
    { name: "fractional sum rounded (0.1 + 0.2 → 0.3)", questions, grades: { q3: 0.1, q4: 0.2 }, expected: 0.3 },
    { name: "fractional rounded to 2 decimals (0.125 → 0.13)", questions, grades: { q3: 0.125 }, expected: 0.13 },
  ];
  it.each(cases)("$name", ({ questions, grades, expected }) => {
    expect(theoryScore(questions, grades)).toBe(expected);
  });
});

describe("ungradedTheory with the answered set", () => {
  const qs = [
    { question_id: "t1", question_type: "THEORY" as const, options: [], marks: 5, max_words: null },
    { question_id: "t2", question_type: "THEORY" as const, options: [], marks: 5, max_words: null },
  ];
  it.each([
    [{}, new Set(["t1", "t2"]), ["t1", "t2"]],
    [{}, new Set(["t1"]), ["t1"]],
    [{}, new Set<string>(), []],
    [{ t1: 3 }, new Set(["t1", "t2"]), ["t2"]],
  ])("grades %o, answered %o → %o", (grades, answered, expected) => {
    expect(ungradedTheory(qs, grades, answered)).toEqual(expected);
  });
});

describe("approvalOutcome", () => {
  const steps = (locked: boolean[]) => locked.map((l, i) => ({ id: `s${i + 1}`, is_locked: l }));
  it.each([
    // before locks, after locks, after completed, current, unlock_next_course → expected
    [
      [false, true],
      [false, false],
      false,
      "s2",
      false,
      { next_step_unlocked: true, next_step_id: "s2", course_completed: false, enrol_next_course: false },
    ],
    [
      [false, false],
      [false, false],
      false,
      "s2",
      false,
      { next_step_unlocked: false, next_step_id: "s2", course_completed: false, enrol_next_course: false },
    ],
    [
      [false, false],
      [false, false],
      true,
      null,
      false,
      { next_step_unlocked: false, next_step_id: null, course_completed: true, enrol_next_course: true },
    ],
    [
      [false, true],
      [false, true],
      false,
      "s1",
      true,
      { next_step_unlocked: false, next_step_id: "s1", course_completed: false, enrol_next_course: true },
    ],
  ] as const)("%j → %j after (completed %s, current %s, unlock %s)", (before, after, completed, current, unlock, expected) => {
    const result = approvalOutcome(
      { steps: steps([...before]), is_completed: false },
      { steps: steps([...after]), is_completed: completed, current_step_id: current },
      unlock,
    );
    expect(result).toEqual(expected);
  });

  it("a course already completed before is not completed again", () => {
    const done = { steps: steps([false]), is_completed: true, current_step_id: null };
    expect(approvalOutcome(done, done).course_completed).toBe(false);
  });
});

describe("answeredTheory and totalScore", () => {
  it.each([
    [null, []],
    [
      {
        theory_answers: [
          { question_id: "t1", answer_text: "x" },
          { question_id: "t2", answer_text: "   " },
        ],
      },
      ["t1"],
    ],
  ])("%j → %j", (answers, ids) => {
    expect([...answeredTheory(answers as Partial<Answers> | null)]).toEqual(ids);
  });
  it.each([
    [5, null, 5],
    [null, null, 0],
    [0.1, 0.2, 0.3],
    [5, 8, 13],
  ])("totalScore(%s, %s) = %s", (mcq, theory, total) => {
    expect(totalScore(mcq, theory)).toBe(total);
  });
});

describe("attemptScores", () => {
  const qs: Question[] = [
    { question_id: "m1", question_type: "MCQ", options: [{ option_id: "a", is_correct: true }], marks: 5, max_words: null },
    { question_id: "t1", question_type: "THEORY", options: [], marks: 10, max_words: null },
    { question_id: "t2", question_type: "THEORY", options: [], marks: 4, max_words: null },
  ];
  const both = {
    theory_answers: [
      { question_id: "t1", answer_text: "x" },
      { question_id: "t2", answer_text: "y" },
    ],
  };
  const onlyT1 = {
    theory_answers: [
      { question_id: "t1", answer_text: "x" },
      { question_id: "t2", answer_text: "  " },
    ],
  };
  const cases: {
    name: string;
    questions: Question[];
    answers: Partial<Answers> | null;
    grades: Record<string, number>;
    mcq: number | null;
    expected: { theory_score: number | null; total_score: number | null };
  }[] = [
    {
      name: "answered, none graded → both null",
      questions: qs,
      answers: both,
      grades: {},
      mcq: 5,
      expected: { theory_score: null, total_score: null },
    },
    {
      name: "one of two graded → partial theory, no total",
      questions: qs,
      answers: both,
      grades: { t1: 8 },
      mcq: 5,
      expected: { theory_score: 8, total_score: null },
    },
    {
      name: "every answer graded → total = mcq + theory",
      questions: qs,
      answers: both,
      grades: { t1: 8, t2: 3 },
      mcq: 5,
      expected: { theory_score: 11, total_score: 16 },
    },
    {
      name: "the answered one graded, the blank one not → total",
      questions: qs,
      answers: onlyT1,
      grades: { t1: 8 },
      mcq: 5,
      expected: { theory_score: 8, total_score: 13 },
    },
    {
      name: "all THEORY blank → theory 0, total = mcq",
      questions: qs,
      answers: { theory_answers: [] },
      grades: {},
      mcq: 5,
      expected: { theory_score: 0, total_score: 5 },
    },
    {
      name: "nothing saved at all → theory 0, total = mcq",
      questions: qs,
      answers: null,
      grades: {},
      mcq: 0,
      expected: { theory_score: 0, total_score: 0 },
    },
    {
      name: "MCQ-only exam → theory 0, total = mcq",
      questions: qs.slice(0, 1),
      answers: {},
      grades: {},
      mcq: 5,
      expected: { theory_score: 0, total_score: 5 },
    },
    {
      name: "a grade of 0 counts",
      questions: qs,
      answers: onlyT1,
      grades: { t1: 0 },
      mcq: 0,
      expected: { theory_score: 0, total_score: 0 },
    },
  ];
  it.each(cases)("$name", ({ questions, answers, grades, mcq, expected }) => {
    expect(attemptScores(questions, answers, grades, mcq)).toEqual(expected);
  });
});

describe("effectiveTerms: override replaces, accommodation applies on top", () => {
  const form = { duration_minutes: 30, max_attempts: 2, available_from: null, available_until: "2026-12-14T18:00:00Z" };
  const cases: {
    name: string;
    override: Parameters<typeof effectiveTerms>[1];
    accommodation: Parameters<typeof effectiveTerms>[2];
    want: Partial<ReturnType<typeof effectiveTerms>>;
  }[] = [
    { name: "neither", override: null, accommodation: null, want: { duration_minutes: 30, max_attempts: 2 } },
    {
      name: "15 % extra rounds up exactly (34.5 → 35)",
      override: null,
      accommodation: { extra_time_percent: 15, extra_attempts: 0 },
      want: { duration_minutes: 35 },
    },
    {
      name: "10 % of 30 is exactly 33, not 34",
      override: null,
      accommodation: { extra_time_percent: 10, extra_attempts: 0 },
      want: { duration_minutes: 33 },
    },
    {
      name: "400 % → five times",
      override: null,
      accommodation: { extra_time_percent: 400, extra_attempts: 0 },
      want: { duration_minutes: 150 },
    },
    { name: "extra attempts add", override: null, accommodation: { extra_time_percent: 0, extra_attempts: 3 }, want: { max_attempts: 5 } },
    {
      name: "override then accommodation",
      override: { duration_minutes: 40, max_attempts: 1, available_until: null },
      accommodation: { extra_time_percent: 50, extra_attempts: 1 },
      want: { duration_minutes: 60, max_attempts: 2, available_until: "2026-12-14T18:00:00Z" },
    },
    {
      name: "an override's own closing time",
      override: { duration_minutes: null, max_attempts: null, available_until: "2026-12-15T18:00:00Z" },
      accommodation: null,
      want: { duration_minutes: 30, max_attempts: 2, available_until: "2026-12-15T18:00:00Z" },
    },
  ];
  it.each(cases)("$name", ({ override, accommodation, want }) => {
    expect(effectiveTerms(form, override, accommodation)).toMatchObject(want);
  });
});

describe("windowState and attemptDeadline", () => {
  const window = { available_from: "2026-12-14T09:00:00Z", available_until: "2026-12-14T10:00:00Z" };
  it.each([
    ["2026-12-14T08:59:59Z", "not_open"],
    ["2026-12-14T09:00:00Z", "open"],
    ["2026-12-14T09:59:59Z", "open"],
    ["2026-12-14T10:00:00Z", "closed"],
  ] as const)("at %s the window is %s", (now, want) => {
    expect(windowState(new Date(now), window)).toBe(want);
  });
  it("no window is always open", () => {
    expect(windowState(new Date(0), { available_from: null, available_until: null })).toBe("open");
  });
  it.each([
    ["2026-12-14T09:00:00Z", 30, "2026-12-14T09:30:00.000Z"],
    ["2026-12-14T09:45:00Z", 30, "2026-12-14T10:00:00.000Z"],
  ] as const)("started %s for %i min → deadline %s", (start, minutes, want) => {
    expect(attemptDeadline(new Date(start), { duration_minutes: minutes, available_until: window.available_until }).toISOString()).toBe(
      want,
    );
  });
  it("decideStart refuses outside the window, after the other reasons and before attempts", () => {
    const base = { is_locked: false, materials_completed: true, max_attempts: 1, attempts: [] };
    expect(decideStart({ ...base, window: "not_open" })).toEqual({ kind: "refuse", reason: "exam_not_open" });
    expect(decideStart({ ...base, window: "closed" })).toEqual({ kind: "refuse", reason: "exam_closed" });
    expect(decideStart({ ...base, is_locked: true, window: "closed" })).toEqual({ kind: "refuse", reason: "step_locked" });
    expect(decideStart({ ...base, window: "open" })).toEqual({ kind: "start", attempt_number: 1 });
  });
});

describe("analytics arithmetic", () => {
  const sums = (x: number[], y: number[]) => ({
    n: x.length,
    sx: x.reduce((a, b) => a + b, 0),
    sxx: x.reduce((a, b) => a + b * b, 0),
    sy: y.reduce((a, b) => a + b, 0),
    syy: y.reduce((a, b) => a + b * b, 0),
    sxy: x.reduce((a, b, i) => a + b * y[i]!, 0),
  });
  it.each([
    { name: "perfect", x: [0, 1, 2, 3, 4], y: [0, 2, 4, 6, 8], want: 1 },
    { name: "inverse", x: [0, 1, 2, 3, 4], y: [8, 6, 4, 2, 0], want: -1 },
    { name: "no variation in x", x: [1, 1, 1, 1, 1], y: [0, 1, 2, 3, 4], want: null },
    { name: "fewer than 5", x: [0, 1, 2, 3], y: [0, 1, 2, 3], want: null },
    { name: "uncorrelated", x: [2, 0, 2, 2, 0], y: [2, 2, 1, 0, 0], want: 0 },
  ])("pearson: $name", ({ x, y, want }) => {
    expect(pearson(sums(x, y))).toBe(want);
  });
  it("variance, stdev and reliability", () => {
    expect(variance(5, 8, 18)).toBeCloseTo(1.04, 10);
    expect(sampleStdev(5, 275, 20625)).toBe(37.081);
    expect(sampleStdev(1, 50, 2500)).toBeNull();
    expect(reliability(5, [0.24, 0.24, 0.24], 1.04)).toBe(0.4615);
    expect(reliability(4, [0.24, 0.24, 0.24], 1.04)).toBeNull();
    expect(reliability(5, [0.24], 1.04)).toBeNull();
    expect(reliability(5, [0.2, 0.2], 0)).toBeNull();
  });
  it("histogram: ten bands, the top one closed", () => {
    expect(
      histogram([
        { bucket: 9, count: 2 },
        { bucket: 0, count: 1 },
        { bucket: 12, count: 1 },
      ]),
    ).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
  });
});
