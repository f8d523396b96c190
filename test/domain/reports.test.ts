import { describe, expect, it } from "vitest";
import {
  countInto,
  daysBetween,
  emptyFunnel,
  examColumn,
  type FunnelFacts,
  funnelFigures,
  median,
  responseCells,
  type ScoredAttempt,
  stepCompletedAt,
} from "../../src/domain/reports";
import { attachment, csvCell, csvLine, fileStem, prefersCsv } from "../../src/lib/csv";

const attempt = (n: number, status: ScoredAttempt["submission_status"], score: number | null, late = false): ScoredAttempt => ({
  attempt_number: n,
  submission_status: status,
  total_score: score,
  is_late: late,
});

describe("examColumn: an exam's gradebook cells", () => {
  it.each<[string, ScoredAttempt[], ReturnType<typeof examColumn>]>([
    ["no attempt", [], { best_score: null, latest_score: null, status: null, attempts_used: 0, is_late: null }],
    [
      "one open attempt: no score yet",
      [attempt(1, "InProgress", null)],
      { best_score: null, latest_score: null, status: "InProgress", attempts_used: 1, is_late: false },
    ],
    [
      "best of the scored, latest by number (not by list order)",
      [attempt(2, "RetakeRequested", 3), attempt(1, "Rejected", 9), attempt(3, "Submitted", null, true)],
      { best_score: 9, latest_score: null, status: "Submitted", attempts_used: 3, is_late: true },
    ],
    [
      "a zero is a score",
      [attempt(1, "Approved", 0)],
      { best_score: 0, latest_score: 0, status: "Approved", attempts_used: 1, is_late: false },
    ],
  ])("%s", (_, attempts, expected) => {
    expect(examColumn(attempts)).toEqual(expected);
  });
});

describe("stepCompletedAt, daysBetween, median", () => {
  it.each<[string, Parameters<typeof stepCompletedAt>[0], string | null]>([
    [
      "no exam: the latest material",
      { materialMoments: ["2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-03T00:00:00Z"] },
      "2026-01-05T00:00:00Z",
    ],
    ["no exam: an unknown moment makes it unknown", { materialMoments: ["2026-01-02T00:00:00Z", undefined] }, null],
    ["no exam, nothing mandatory: not stored", { materialMoments: [] }, null],
    [
      "an exam: the approval, even before a material added later",
      { approvedAt: "2026-01-03T00:00:00Z", materialMoments: ["2026-01-09T00:00:00Z", undefined] },
      "2026-01-03T00:00:00Z",
    ],
    ["an exam whose approval time is unknown", { approvedAt: null, materialMoments: ["2026-01-02T00:00:00Z"] }, null],
  ])("stepCompletedAt: %s", (_, step, expected) => {
    expect(stepCompletedAt(step)).toBe(expected);
  });
  it.each<[string | null, string | null, number | null]>([
    ["2026-01-01T00:00:00Z", "2026-01-02T12:00:00Z", 1.5],
    ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 0],
    ["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", 0],
    [null, "2026-01-01T00:00:00Z", null],
    ["not a time", "2026-01-01T00:00:00Z", null],
  ])("daysBetween(%s, %s) = %s", (from, to, expected) => {
    expect(daysBetween(from, to)).toBe(expected);
  });
  it.each<[number[], number | null]>([
    [[], null],
    [[4], 4],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[1 / 3, 2 / 3], 0.5],
  ])("median(%j) = %s", (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe("responseCells: one attempt's answers per question shown", () => {
  const questions = [
    {
      question_id: "m",
      question_type: "MCQ" as const,
      question_text: "Pick",
      marks: 2,
      max_words: null,
      options: [
        { option_id: "a", text: "Right", is_correct: true },
        { option_id: "b", text: "Wrong", is_correct: false },
      ],
    },
    { question_id: "t", question_type: "THEORY" as const, question_text: "Explain", marks: 5, max_words: null, options: [] },
  ];
  it.each<
    [string, Parameters<typeof responseCells>[1], Record<string, number> | null, Partial<ReturnType<typeof responseCells>[number]>[]]
  >([
    [
      "right option, graded theory",
      { mcq_answers: [{ question_id: "m", selected_option_id: "a" }], theory_answers: [{ question_id: "t", answer_text: "Because" }] },
      { t: 4 },
      [
        { selected_option_text: "Right", is_correct: true, marks_awarded: 2, graded_by: null },
        { text_answer: "Because", marks_awarded: 4, graded_by: "mgr", is_correct: null },
      ],
    ],
    [
      "wrong option, ungraded theory",
      { mcq_answers: [{ question_id: "m", selected_option_id: "b" }] },
      null,
      [
        { selected_option_id: "b", is_correct: false, marks_awarded: 0 },
        { text_answer: null, marks_awarded: null, graded_by: null },
      ],
    ],
    [
      "nothing answered: the MCQ scores 0, as the attempt's score counts it",
      null,
      {},
      [{ selected_option_id: null, selected_option_text: null, is_correct: false, marks_awarded: 0 }, { marks_awarded: null }],
    ],
    [
      "an option id the question does not have",
      { mcq_answers: [{ question_id: "m", selected_option_id: "zz" }] },
      null,
      [{ selected_option_id: "zz", selected_option_text: null, is_correct: false, marks_awarded: 0 }, {}],
    ],
  ])("%s", (_, answers, grades, expected) => {
    const cells = responseCells(questions, answers, grades, new Map([["m", 3]]), "mgr");
    expect(cells.map((c) => c.question_version)).toEqual([3, null]);
    expected.forEach((e, i) => expect(cells[i]).toMatchObject(e));
  });
});

describe("CSV cells (RFC 4180, OWASP CSV injection)", () => {
  it.each<[Parameters<typeof csvCell>[0], string]>([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["=SUM(A1)", `"'=SUM(A1)"`],
    ["+1", `"'+1"`],
    ["-1", `"'-1"`],
    ["@cmd", `"'@cmd"`],
    ["\tx", `"'\tx"`],
    ["\rx", `"'\rx"`],
    ["a=b", "a=b"],
    [-1.5, "-1.5"],
    [0, "0"],
    [Number.NaN, ""],
    [null, ""],
    [undefined, ""],
    [true, "true"],
    ["日本語", "日本語"],
  ])("%j → %s", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });
  it("a line ends in CRLF", () => {
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });
  it.each<[string, string]>([
    ["gradebook-x.csv", `attachment; filename="gradebook-x.csv"; filename*=UTF-8''gradebook-x.csv`],
    ["Física.csv", `attachment; filename="F_sica.csv"; filename*=UTF-8''F%C3%ADsica.csv`],
    [`a"b\\c'(1).csv`, `attachment; filename="a_b_c'(1).csv"; filename*=UTF-8''a%22b%5Cc%27%281%29.csv`],
  ])("attachment(%s)", (name, expected) => {
    expect(attachment(name)).toBe(expected);
  });
  it.each<[string, string]>([
    ["Física ñ 日本", "Física-ñ-日本"],
    ["  ../..//etc  ", "etc"],
    ["!!!", "export"],
    ["a".repeat(80), "a".repeat(60)],
    // A character outside the basic plane at the cut stays whole (half of it cannot be percent-encoded).
    [`${"a".repeat(59)}𠮷𠮷`, `${"a".repeat(59)}𠮷`],
    ["हिन्दी पाठ्यक्रम", "हिन्दी-पाठ्यक्रम"],
  ])("fileStem(%j) = %s", (text, expected) => {
    expect(fileStem(text)).toBe(expected);
    expect(() => attachment(`${expected}.csv`)).not.toThrow();
  });
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ["*/*", false],
    ["text/csv", true],
    ["TEXT/CSV; charset=utf-8", true],
    ["application/json, text/csv", true],
    ["text/csv;q=0, application/json", false],
    ["text/csv;q=0.5, application/json", false],
    ["text/csv, application/json;q=0.9", true],
    ["text/*", false],
    ["text/csv;q=abc", false],
  ])("prefersCsv(%j) = %s", (accept, expected) => {
    expect(prefersCsv(accept)).toBe(expected);
  });
});

describe("the completion funnel", () => {
  const steps = [
    { id: "s1", name: "One", order_index: 0, exam_id: "e1" },
    { id: "s2", name: "Two", order_index: 1, exam_id: null },
  ];
  type State = FunnelFacts["steps"][number];
  const state = (id: string, over: Partial<State> = {}): State => ({
    id,
    is_started: false,
    is_completed: false,
    is_waived: false,
    materials_completed: false,
    exam_status: "NotStarted",
    ...over,
  });
  const facts = (s1: Partial<State>, s2: Partial<State>, extra: Partial<FunnelFacts> = {}): FunnelFacts => ({
    enrolled_at: "2026-01-01T00:00:00Z",
    completed_at: null,
    steps: [state("s1", s1), state("s2", s2)],
    stepDays: new Map(),
    ...extra,
  });
  it.each<[string, FunnelFacts, { s1: number[]; s2: (number | null)[]; course: number }]>([
    // [started, materials_done, exam_passed, completed] per step
    ["nothing done", facts({}, {}), { s1: [0, 0, 0, 0], s2: [0, 0, null, 0], course: 0 }],
    ["started step 1", facts({ is_started: true }, {}), { s1: [1, 0, 0, 0], s2: [0, 0, null, 0], course: 0 }],
    [
      "step 1 passed, step 2 done, course stamped",
      facts(
        { is_started: true, materials_completed: true, exam_status: "Approved", is_completed: true },
        { is_started: true, materials_completed: true, is_completed: true },
        { completed_at: "2026-01-03T00:00:00Z" },
      ),
      { s1: [1, 1, 1, 1], s2: [1, 1, null, 1], course: 1 },
    ],
    [
      "a waived step counts as started, done, passed",
      facts({ is_waived: true, is_completed: true }, {}),
      { s1: [1, 1, 1, 1], s2: [0, 0, null, 0], course: 0 },
    ],
    [
      "a step unknown to the funnel is left out",
      { ...facts({}, {}), steps: [state("s1"), state("s2"), state("s9", { is_completed: true })] },
      { s1: [0, 0, 0, 0], s2: [0, 0, null, 0], course: 0 },
    ],
  ])("%s", (_, participant, expected) => {
    const funnel = emptyFunnel(steps);
    countInto(funnel, participant);
    const figures = funnelFigures(funnel);
    const row = (s: (typeof figures.steps)[number]) => [s.started, s.materials_done, s.exam_passed, s.completed];
    expect(figures.enrolled).toBe(1);
    expect(figures.steps.map((s) => s.enrolled)).toEqual([1, 1]);
    expect(row(figures.steps[0] as (typeof figures.steps)[number])).toEqual(expected.s1);
    expect(row(figures.steps[1] as (typeof figures.steps)[number])).toEqual(expected.s2);
    expect(figures.completed).toBe(expected.course);
  });
  it("medians over those with a known time: days to the course and to each step", () => {
    const funnel = emptyFunnel(steps);
    for (const [days, course] of [
      [1, "2026-01-02T00:00:00Z"],
      [3, "2026-01-05T00:00:00Z"],
      [null, null],
    ] as const)
      countInto(funnel, facts({ is_completed: true }, {}, { completed_at: course, stepDays: new Map([["s1", days]]) }));
    const figures = funnelFigures(funnel);
    expect(figures.median_days_to_complete).toBe(2.5);
    expect(figures.steps[0]).toMatchObject({ step_id: "s1", step_name: "One", completed: 3, median_days_to_complete: 2 });
    expect(figures.steps[1]?.median_days_to_complete).toBeNull();
  });
});
