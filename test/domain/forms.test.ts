import { describe, expect, it } from "vitest";
import {
  attemptTotals,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PASSING_PERCENTAGE,
  drawAttempt,
  type FormSettings,
  type FormSettingsInput,
  mergeSchedule,
  NO_SCHEDULE,
  normalizeQuestions,
  type Problem,
  poolIsPrivate,
  publicQuestions,
  type Question,
  type QuestionInput,
  scheduleProblems,
  settleFormSettings,
} from "../../src/domain/forms";
import { cryptoRandomInt } from "../../src/lib/random";

const opt = (option_id: string, is_correct?: boolean) =>
  is_correct === undefined ? { option_id, text: `text ${option_id}` } : { option_id, text: `text ${option_id}`, is_correct };

const mcq = (question_id: string, options: QuestionInput["options"], extra: Partial<QuestionInput> = {}): QuestionInput => ({
  question_id,
  question_type: "MCQ",
  question_text: `question ${question_id}`,
  options,
  marks: 1,
  ...extra,
});

const theory = (question_id: string, extra: Partial<QuestionInput> = {}): QuestionInput => ({
  question_id,
  question_type: "THEORY",
  question_text: `question ${question_id}`,
  marks: 1,
  ...extra,
});

const goodMcq = (id: string) => mcq(id, [opt("a", true), opt("b")]);

describe("normalizeQuestions: problems", () => {
  const cases: { name: string; input: QuestionInput[]; problems: Problem[] }[] = [
    { name: "a valid MCQ and a valid THEORY", input: [goodMcq("q1"), theory("q2", { max_words: 200 })], problems: [] },
    { name: "no questions", input: [], problems: [] },
    {
      name: "duplicate question id",
      input: [goodMcq("q1"), theory("q2"), theory("q1")],
      problems: [{ path: "questions.2.question_id", message: "duplicate question_id 'q1'" }],
    },
    {
      name: "question id used three times: every repeat reported",
      input: [theory("q1"), theory("q1"), goodMcq("q1")],
      problems: [
        { path: "questions.1.question_id", message: "duplicate question_id 'q1'" },
        { path: "questions.2.question_id", message: "duplicate question_id 'q1'" },
      ],
    },
    {
      name: "MCQ with a single (correct) option",
      input: [mcq("q1", [opt("a", true)])],
      problems: [{ path: "questions.0.options", message: "an MCQ needs at least 2 options" }],
    },
    {
      name: "MCQ with no options at all",
      input: [mcq("q1", undefined)],
      problems: [
        { path: "questions.0.options", message: "an MCQ needs at least 2 options" },
        { path: "questions.0.options", message: "an MCQ needs at least one correct option" },
      ],
    },
    {
      name: "MCQ with an empty options list",
      input: [mcq("q1", [])],
      problems: [
        { path: "questions.0.options", message: "an MCQ needs at least 2 options" },
        { path: "questions.0.options", message: "an MCQ needs at least one correct option" },
      ],
    },
    {
      name: "MCQ with a duplicate option id",
      input: [mcq("q1", [opt("a", true), opt("b"), opt("a")])],
      problems: [{ path: "questions.0.options.2.option_id", message: "duplicate option_id 'a'" }],
    },
    {
      name: "MCQ with no correct option (is_correct omitted)",
      input: [mcq("q1", [opt("a"), opt("b")])],
      problems: [{ path: "questions.0.options", message: "an MCQ needs at least one correct option" }],
    },
    {
      name: "MCQ with no correct option (is_correct false)",
      input: [mcq("q1", [opt("a", false), opt("b", false)])],
      problems: [{ path: "questions.0.options", message: "an MCQ needs at least one correct option" }],
    },
    {
      name: "MCQ with max_words",
      input: [mcq("q1", [opt("a", true), opt("b")], { max_words: 50 })],
      problems: [{ path: "questions.0.max_words", message: "max_words applies to THEORY questions only" }],
    },
    {
      name: "MCQ with max_words null is fine",
      input: [mcq("q1", [opt("a", true), opt("b")], { max_words: null })],
      problems: [],
    },
    {
      name: "THEORY with options",
      input: [theory("q1", { options: [opt("a", true)] })],
      problems: [{ path: "questions.0.options", message: "a THEORY question has no options" }],
    },
    {
      name: "'Theory' with options",
      input: [theory("q1", { question_type: "Theory", options: [opt("a")] })],
      problems: [{ path: "questions.0.options", message: "a THEORY question has no options" }],
    },
    {
      name: "THEORY with an empty options list is fine",
      input: [theory("q1", { options: [] })],
      problems: [],
    },
    {
      name: "problem paths carry the question index",
      input: [goodMcq("q1"), theory("q2"), mcq("q3", [opt("x"), opt("y")])],
      problems: [{ path: "questions.2.options", message: "an MCQ needs at least one correct option" }],
    },
  ];

  it.each(cases)("$name", ({ input, problems }) => {
    expect(normalizeQuestions(input).problems).toEqual(problems);
  });
});

describe("normalizeQuestions: normalised questions", () => {
  const cases: { name: string; input: QuestionInput; question: Question }[] = [
    {
      name: "'Theory' becomes THEORY and keeps max_words",
      input: theory("q1", { question_type: "Theory", max_words: 120, marks: 4 }),
      question: { question_id: "q1", question_type: "THEORY", question_text: "question q1", options: [], marks: 4, max_words: 120 },
    },
    {
      name: "THEORY without max_words gets null",
      input: theory("q1"),
      question: { question_id: "q1", question_type: "THEORY", question_text: "question q1", options: [], marks: 1, max_words: null },
    },
    {
      name: "is_correct defaults to false",
      input: mcq("q1", [opt("a", true), opt("b"), opt("c", false)]),
      question: {
        question_id: "q1",
        question_type: "MCQ",
        question_text: "question q1",
        options: [
          { option_id: "a", text: "text a", is_correct: true },
          { option_id: "b", text: "text b", is_correct: false },
          { option_id: "c", text: "text c", is_correct: false },
        ],
        marks: 1,
        max_words: null,
      },
    },
    {
      name: "an MCQ never keeps max_words",
      input: mcq("q1", [opt("a", true), opt("b")], { max_words: 30, marks: 2.5 }),
      question: {
        question_id: "q1",
        question_type: "MCQ",
        question_text: "question q1",
        options: [
          { option_id: "a", text: "text a", is_correct: true },
          { option_id: "b", text: "text b", is_correct: false },
        ],
        marks: 2.5,
        max_words: null,
      },
    },
  ];

  it.each(cases)("$name", ({ input, question }) => {
    const { questions } = normalizeQuestions([input]);
    expect(questions).toEqual([question]);
    for (const o of questions[0]!.options) expect(typeof o.is_correct).toBe("boolean");
  });
});

const withMarks = (...marks: number[]): Question[] =>
  marks.map((m, i) => ({
    question_id: `q${i}`,
    question_type: "THEORY",
    question_text: `question ${i}`,
    options: [],
    marks: m,
    max_words: null,
  }));

describe("settleFormSettings", () => {
  it("defaults are 60% and 3 attempts", () => {
    expect(DEFAULT_PASSING_PERCENTAGE).toBe(60);
    expect(DEFAULT_MAX_ATTEMPTS).toBe(3);
  });

  const settings = (total_marks: number, passing_marks: number, passing_percentage: number, max_attempts = 3): FormSettings => ({
    total_marks,
    passing_marks,
    passing_percentage,
    max_attempts,
  });

  const cases: { name: string; marks: number[]; input: FormSettingsInput; settings: FormSettings; problems: Problem[] }[] = [
    {
      name: "everything computed: total is the sum, 60% pass, 3 attempts",
      marks: [2, 3, 5],
      input: {},
      settings: settings(10, 6, 60),
      problems: [],
    },
    { name: "total_marks equal to the sum", marks: [2, 3, 5], input: { total_marks: 10 }, settings: settings(10, 6, 60), problems: [] },
    {
      name: "total_marks equal to a floating sum (0.1 + 0.2)",
      marks: [0.1, 0.2],
      input: { total_marks: 0.3 },
      settings: settings(0.3, 0.18, 60),
      problems: [],
    },
    {
      name: "total_marks above the sum",
      marks: [2, 3, 5],
      input: { total_marks: 12 },
      settings: settings(10, 6, 60),
      problems: [{ path: "total_marks", message: "total_marks (12) must equal the sum of question marks (10)" }],
    },
    {
      name: "total_marks below the sum",
      marks: [4, 4],
      input: { total_marks: 7.5 },
      settings: settings(8, 4.8, 60),
      problems: [{ path: "total_marks", message: "total_marks (7.5) must equal the sum of question marks (8)" }],
    },
    {
      name: "passing_marks derived from passing_percentage",
      marks: [2, 3, 5],
      input: { passing_percentage: 50 },
      settings: settings(10, 5, 50),
      problems: [],
    },
    {
      name: "derived passing_marks rounded to 2 decimals",
      marks: [1, 2],
      input: { passing_percentage: 75 },
      settings: settings(3, 2.25, 75),
      problems: [],
    },
    { name: "default percentage on an odd total", marks: [1, 1, 1, 1, 1, 1, 1], input: {}, settings: settings(7, 4.2, 60), problems: [] },
    {
      name: "passing_percentage derived from passing_marks",
      marks: [2, 3, 5],
      input: { passing_marks: 4 },
      settings: settings(10, 4, 40),
      problems: [],
    },
    {
      name: "derived passing_percentage rounded to 2 decimals",
      marks: [1, 2],
      input: { passing_marks: 1 },
      settings: settings(3, 1, 33.33),
      problems: [],
    },
    {
      name: "passing_marks equal to total is allowed",
      marks: [2, 3, 5],
      input: { passing_marks: 10 },
      settings: settings(10, 10, 100),
      problems: [],
    },
    { name: "passing_marks 0", marks: [2, 3, 5], input: { passing_marks: 0 }, settings: settings(10, 0, 0), problems: [] },
    {
      name: "passing_marks above total",
      marks: [2, 3, 5],
      input: { passing_marks: 11 },
      settings: settings(10, 11, 110),
      problems: [
        { path: "passing_marks", message: "passing_marks (11) must not exceed total_marks (10)" },
        { path: "passing_percentage", message: "passing_percentage must be within 0..100" },
      ],
    },
    {
      name: "passing_marks above total with an in-range percentage",
      marks: [2, 3, 5],
      input: { passing_marks: 12, passing_percentage: 100 },
      settings: settings(10, 12, 100),
      problems: [{ path: "passing_marks", message: "passing_marks (12) must not exceed total_marks (10)" }],
    },
    {
      name: "passing_percentage above 100",
      marks: [2, 3, 5],
      input: { passing_percentage: 120 },
      settings: settings(10, 12, 120),
      problems: [
        { path: "passing_marks", message: "passing_marks (12) must not exceed total_marks (10)" },
        { path: "passing_percentage", message: "passing_percentage must be within 0..100" },
      ],
    },
    {
      name: "mismatching total_marks does not change the pass bar (it follows the sum)",
      marks: [2, 3, 5],
      input: { total_marks: 20, passing_marks: 15 },
      settings: settings(10, 15, 150),
      problems: [
        { path: "total_marks", message: "total_marks (20) must equal the sum of question marks (10)" },
        { path: "passing_marks", message: "passing_marks (15) must not exceed total_marks (10)" },
        { path: "passing_percentage", message: "passing_percentage must be within 0..100" },
      ],
    },
    {
      name: "total_marks given as the raw floating sum (0.1 + 0.2)",
      marks: [0.1, 0.2],
      input: { total_marks: 0.1 + 0.2 },
      settings: settings(0.3, 0.18, 60),
      problems: [],
    },
    {
      name: "passing_marks and a matching passing_percentage",
      marks: [2, 3, 5],
      input: { passing_marks: 5, passing_percentage: 50 },
      settings: settings(10, 5, 50),
      problems: [],
    },
    {
      name: "passing_marks and a passing_percentage within half a point",
      marks: [1, 2],
      input: { passing_marks: 1, passing_percentage: 33.33 },
      settings: settings(3, 1, 33.33),
      problems: [],
    },
    {
      name: "passing_marks and a contradicting passing_percentage",
      marks: [2, 3, 5],
      input: { passing_marks: 5, passing_percentage: 80 },
      settings: settings(10, 5, 80),
      problems: [{ path: "passing_percentage", message: "passing_percentage (80) contradicts passing_marks (5 of 10)" }],
    },
    {
      name: "a percentage within rounding to whole marks agrees (51 % of 10 = 5.1 → 5)",
      marks: [2, 3, 5],
      input: { passing_marks: 5, passing_percentage: 51 },
      settings: settings(10, 5, 51),
      problems: [],
    },
    {
      name: "50 % of 15 marks rounded up to 8 agrees; both stored as given",
      marks: [5, 10],
      input: { passing_marks: 8, passing_percentage: 50 },
      settings: settings(15, 8, 50),
      problems: [],
    },
    {
      name: "50 % of 15 marks rounded down to 7 agrees",
      marks: [5, 10],
      input: { passing_marks: 7, passing_percentage: 50 },
      settings: settings(15, 7, 50),
      problems: [],
    },
    {
      name: "50 % of 15 marks exactly (7.5) agrees",
      marks: [5, 10],
      input: { passing_marks: 7.5, passing_percentage: 50 },
      settings: settings(15, 7.5, 50),
      problems: [],
    },
    {
      name: "a whole mark off contradicts (50 % of 10 is 5, not 6)",
      marks: [2, 3, 5],
      input: { passing_marks: 6, passing_percentage: 50 },
      settings: settings(10, 6, 50),
      problems: [{ path: "passing_percentage", message: "passing_percentage (50) contradicts passing_marks (6 of 10)" }],
    },
    {
      name: "50 % of 15 marks is not 9",
      marks: [5, 10],
      input: { passing_marks: 9, passing_percentage: 50 },
      settings: settings(15, 9, 50),
      problems: [{ path: "passing_percentage", message: "passing_percentage (50) contradicts passing_marks (9 of 15)" }],
    },
    { name: "max_attempts given", marks: [2, 3, 5], input: { max_attempts: 5 }, settings: settings(10, 6, 60, 5), problems: [] },
    {
      name: "max_attempts 0",
      marks: [2, 3, 5],
      input: { max_attempts: 0 },
      settings: settings(10, 6, 60, 0),
      problems: [{ path: "max_attempts", message: "max_attempts must be at least 1" }],
    },
    { name: "no questions: total 0, pass bar 0", marks: [], input: {}, settings: settings(0, 0, 60), problems: [] },
    {
      name: "no questions with passing_marks 0: percentage 0",
      marks: [],
      input: { passing_marks: 0 },
      settings: settings(0, 0, 0),
      problems: [],
    },
  ];

  it.each(cases)("$name", ({ marks, input, settings: expected, problems }) => {
    const result = settleFormSettings(withMarks(...marks), input);
    expect(result.settings).toEqual(expected);
    expect(result.problems).toEqual(problems);
  });

  it("counts the marks of questions drawn from bank sections in the totals", () => {
    const result = settleFormSettings(withMarks(2, 3), { passing_percentage: 50 }, [5, 5]);
    expect(result.settings).toEqual(settings(15, 7.5, 50));
    expect(settleFormSettings([], { total_marks: 10 }, [5, 5]).problems).toEqual([]);
  });
});

/** Every key of every object anywhere inside a value. */
function allKeys(value: unknown, keys = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) allKeys(v, keys);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      keys.add(k);
      allKeys(v, keys);
    }
  return keys;
}

describe("publicQuestions", () => {
  const cases: { name: string; input: QuestionInput[] }[] = [
    { name: "one MCQ", input: [goodMcq("q1")] },
    { name: "MCQ with several correct options", input: [mcq("q1", [opt("a", true), opt("b", true), opt("c", false)])] },
    { name: "MCQ and THEORY mixed", input: [goodMcq("q1"), theory("q2", { max_words: 80 }), mcq("q3", [opt("x"), opt("y", true)])] },
    { name: "THEORY only", input: [theory("q1"), theory("q2", { question_type: "Theory" })] },
  ];

  it.each(cases)("$name: no is_correct anywhere", ({ input }) => {
    const { questions, problems } = normalizeQuestions(input);
    expect(problems).toEqual([]);
    const visible = publicQuestions(questions);
    expect(JSON.stringify(visible)).not.toContain("is_correct");
    expect(allKeys(visible).has("is_correct")).toBe(false);
    // everything else is still there, in order
    expect(visible).toEqual(
      questions.map((q) => ({
        question_id: q.question_id,
        question_type: q.question_type,
        question_text: q.question_text,
        options: q.options.map((o) => ({ option_id: o.option_id, text: o.text })),
        marks: q.marks,
        max_words: q.max_words,
      })),
    );
    for (const q of visible) for (const o of q.options) expect(Object.keys(o).sort()).toEqual(["option_id", "text"]);
  });

  it("does not strip is_correct from the manager's questions", () => {
    const { questions } = normalizeQuestions([goodMcq("q1")]);
    publicQuestions(questions);
    expect(JSON.stringify(questions)).toContain("is_correct");
    expect(questions[0]!.options[0]!.is_correct).toBe(true);
  });
});

describe("settleFormSettings: two pass bars that disagree", () => {
  it.each([
    [{ passing_marks: 9, passing_percentage: 60 }, 0],
    [{ passing_marks: 9, passing_percentage: 60.3 }, 0],
    [{ passing_marks: 9, passing_percentage: 80 }, 1],
    [{ passing_marks: 3, passing_percentage: 60 }, 1],
  ])("%o on a 15-mark form → %i problem(s)", (input, count) => {
    const { questions } = normalizeQuestions([{ question_id: "q", question_type: "THEORY", question_text: "t", marks: 15 }]);
    expect(settleFormSettings(questions, input).problems.filter((p) => p.path === "passing_percentage")).toHaveLength(count);
  });
});

describe("drawAttempt: an attempt's own questions and order", () => {
  const q = (id: string, options = ["a", "b", "c"]) => ({
    question_id: id,
    question_type: "MCQ" as const,
    question_text: id,
    options: options.map((o) => ({ option_id: o, text: o, is_correct: o === "a" })),
    marks: 1,
    max_words: null,
  });
  const five = ["q1", "q2", "q3", "q4", "q5"].map((id) => q(id));
  /** A scripted "random" source: the draws it gives, in order (each taken modulo its range). */
  const scripted = (values: number[]) => {
    let i = 0;
    return (n: number) => (values[i++] ?? 0) % n;
  };
  const ids = (qs: { question_id: string }[]) => qs.map((x) => x.question_id);
  const cases = [
    {
      name: "no settings: the form as it is",
      settings: { shuffle_questions: false, shuffle_options: false, questions_per_attempt: null },
      want: ["q1", "q2", "q3", "q4", "q5"],
    },
    {
      name: "shuffled: the scripted permutation",
      settings: { shuffle_questions: true, shuffle_options: false, questions_per_attempt: null },
      random: [4, 0, 2, 0, 0],
      want: ["q5", "q2", "q1", "q4", "q3"],
    },
    {
      name: "drawn 2, kept in form order",
      settings: { shuffle_questions: false, shuffle_options: false, questions_per_attempt: 2 },
      random: [4, 1],
      want: ["q3", "q5"],
    },
    {
      name: "drawn 2 and shuffled",
      settings: { shuffle_questions: true, shuffle_options: false, questions_per_attempt: 2 },
      random: [4, 1],
      want: ["q5", "q3"],
    },
    {
      name: "a draw of more than there are takes all",
      settings: { shuffle_questions: false, shuffle_options: false, questions_per_attempt: 9 },
      want: ["q1", "q2", "q3", "q4", "q5"],
    },
  ];
  it.each(cases)("$name", ({ settings, random, want }) => {
    expect(ids(drawAttempt(five, settings, scripted(random ?? [])))).toEqual(want);
  });
  it("shuffles options only when asked, never losing or changing one", () => {
    const drawn = drawAttempt(
      [q("x", ["a", "b", "c", "d"])],
      { shuffle_questions: false, shuffle_options: true, questions_per_attempt: null },
      scripted([0, 0, 0]),
    );
    expect(drawn[0]?.options.map((o) => o.option_id)).toEqual(["b", "c", "d", "a"]);
    expect(drawn[0]?.options.find((o) => o.option_id === "a")?.is_correct).toBe(true);
  });
  it("with crypto randomness: always a subset of the form, each question once", () => {
    for (let i = 0; i < 200; i++) {
      const drawn = drawAttempt(five, { shuffle_questions: true, shuffle_options: true, questions_per_attempt: 3 }, cryptoRandomInt);
      expect(new Set(ids(drawn)).size).toBe(3);
      for (const d of drawn) expect(five.map((f) => f.question_id)).toContain(d.question_id);
    }
  });
  it("attemptTotals: the drawn questions' marks, passed at the form's percentage", () => {
    expect(
      attemptTotals(
        [
          { ...q("a"), marks: 2.5 },
          { ...q("b"), marks: 4 },
        ],
        60,
      ),
    ).toEqual({ total_marks: 6.5, passing_marks: 3.9 });
  });
  it("cryptoRandomInt stays in range and reaches every value", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const v = cryptoRandomInt(5);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(5);
      seen.add(v);
    }
    expect(seen.size).toBe(5);
  });
});

describe("poolIsPrivate: whether participants may read a form's questions before an attempt", () => {
  it.each([
    {
      name: "neither draws nor shuffles",
      settings: { shuffle_questions: false, shuffle_options: false, questions_per_attempt: null },
      hidden: false,
    },
    { name: "draws", settings: { shuffle_questions: false, shuffle_options: false, questions_per_attempt: 3 }, hidden: true },
    {
      name: "shuffles questions",
      settings: { shuffle_questions: true, shuffle_options: false, questions_per_attempt: null },
      hidden: true,
    },
    { name: "shuffles options", settings: { shuffle_questions: false, shuffle_options: true, questions_per_attempt: null }, hidden: true },
    { name: "draws and shuffles", settings: { shuffle_questions: true, shuffle_options: true, questions_per_attempt: 1 }, hidden: true },
  ])("$name → hidden: $hidden", ({ settings, hidden }) => {
    expect(poolIsPrivate(settings)).toBe(hidden);
  });
});

describe("the exam's schedule: window and draw", () => {
  const stored = { ...NO_SCHEDULE, available_until: "2026-12-14T18:00:00Z", questions_per_attempt: 3 };
  it.each([
    { name: "nothing sent keeps everything", sent: {}, want: stored },
    { name: "null clears a field", sent: { available_until: null }, want: { ...stored, available_until: null } },
    {
      name: "a value replaces it",
      sent: { shuffle_options: true, questions_per_attempt: 2 },
      want: { ...stored, shuffle_options: true, questions_per_attempt: 2 },
    },
  ])("mergeSchedule: $name", ({ sent, want }) => {
    expect(mergeSchedule(stored, sent)).toEqual(want);
  });
  it.each([
    { name: "no window, no draw", schedule: NO_SCHEDULE, count: 1, want: [] },
    {
      name: "a window the right way round",
      schedule: { ...NO_SCHEDULE, available_from: "2026-12-14T09:00:00Z", available_until: "2026-12-14T10:00:00Z" },
      count: 1,
      want: [],
    },
    {
      name: "a window closing as it opens",
      schedule: { ...NO_SCHEDULE, available_from: "2026-12-14T10:00:00Z", available_until: "2026-12-14T10:00:00Z" },
      count: 1,
      want: ["available_until"],
    },
    { name: "a draw of all", schedule: { ...NO_SCHEDULE, questions_per_attempt: 4 }, count: 4, want: [] },
    {
      name: "a draw of more than there are",
      schedule: { ...NO_SCHEDULE, questions_per_attempt: 5 },
      count: 4,
      want: ["questions_per_attempt"],
    },
  ])("scheduleProblems: $name", ({ schedule, count, want }) => {
    expect(scheduleProblems(schedule, count).map((p) => p.path)).toEqual(want);
  });
});
