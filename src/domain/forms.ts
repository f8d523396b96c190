/**
 * What makes an exam form consistent, and what a participant may see of it. Pure: no I/O.
 */
import type { QUESTION_TYPE_INPUTS, Question } from "./vocabulary";

export type { Question };

export type QuestionInput = {
  question_id: string;
  question_type: (typeof QUESTION_TYPE_INPUTS)[number];
  question_text: string;
  options?: { option_id: string; text: string; is_correct?: boolean }[];
  marks: number;
  max_words?: number | null;
};

export type FormSettingsInput = {
  total_marks?: number;
  passing_marks?: number;
  passing_percentage?: number;
  max_attempts?: number;
};

export type FormSettings = {
  total_marks: number;
  passing_marks: number;
  passing_percentage: number;
  max_attempts: number;
};

export type Problem = { path: string; message: string };

export const DEFAULT_MAX_ATTEMPTS = 3;
/**
 * Marks come in quarters: a question is worth 0.25 … 10,000, and a THEORY grade awards 0 … its marks, in steps of
 * 0.25 (half and quarter marks are what teachers give; 1e-9 made a form whose total and pass bar read as 0). A
 * quarter is exact in binary floating point, so sums and comparisons of marks never drift.
 */
export const MARKS_STEP = 0.25;
export const MAX_QUESTION_MARKS = 10_000;
export const DEFAULT_PASSING_PERCENTAGE = 60;

const round2 = (n: number) => Math.round(n * 100) / 100;

export function normalizeQuestions(input: QuestionInput[]): { questions: Question[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const questions = input.map((q, i): Question => {
    const at = `questions.${i}`;
    if (seen.has(q.question_id)) problems.push({ path: `${at}.question_id`, message: `duplicate question_id '${q.question_id}'` });
    seen.add(q.question_id);
    const type = q.question_type === "MCQ" ? "MCQ" : "THEORY";
    const options = (q.options ?? []).map((o) => ({ option_id: o.option_id, text: o.text, is_correct: o.is_correct ?? false }));
    if (type === "MCQ") {
      if (options.length < 2) problems.push({ path: `${at}.options`, message: "an MCQ needs at least 2 options" });
      const optionIds = new Set<string>();
      options.forEach((o, j) => {
        if (optionIds.has(o.option_id))
          problems.push({ path: `${at}.options.${j}.option_id`, message: `duplicate option_id '${o.option_id}'` });
        optionIds.add(o.option_id);
      });
      if (!options.some((o) => o.is_correct)) problems.push({ path: `${at}.options`, message: "an MCQ needs at least one correct option" });
      if (q.max_words != null) problems.push({ path: `${at}.max_words`, message: "max_words applies to THEORY questions only" });
    } else if (options.length > 0) {
      problems.push({ path: `${at}.options`, message: "a THEORY question has no options" });
    }
    return {
      question_id: q.question_id,
      question_type: type,
      question_text: q.question_text,
      options,
      marks: q.marks,
      max_words: type === "THEORY" ? (q.max_words ?? null) : null,
    };
  });
  return { questions, problems };
}

/**
 * Totals follow the questions: `total_marks` is their sum (given or computed), `passing_marks` falls back to
 * `passing_percentage` of it and vice versa, so a form never states two different pass bars by accident.
 */
export function settleFormSettings(
  questions: Question[],
  input: FormSettingsInput,
  /** The marks of the questions each attempt draws from bank sections (domain/banks.ts sectionMarks). */
  drawnMarks: readonly number[] = [],
): { settings: FormSettings; problems: Problem[] } {
  const problems: Problem[] = [];
  const sum = round2([...questions.map((q) => q.marks), ...drawnMarks].reduce((acc, marks) => acc + marks, 0));
  if (input.total_marks !== undefined && Math.abs(input.total_marks - sum) > 0.005)
    problems.push({ path: "total_marks", message: `total_marks (${input.total_marks}) must equal the sum of question marks (${sum})` });
  const total = sum;
  let passingMarks: number;
  let percentage: number;
  if (input.passing_marks !== undefined) {
    passingMarks = input.passing_marks;
    percentage = input.passing_percentage ?? (total > 0 ? round2((passingMarks / total) * 100) : 0);
  } else {
    percentage = input.passing_percentage ?? DEFAULT_PASSING_PERCENTAGE;
    passingMarks = round2((total * percentage) / 100);
  }
  // Form builders let a manager type "50 %" and round the marks to whole ones (7.5 of 15 → 8): both are
  // stored as given when they agree to within that rounding, and `passing_marks` is the bar.
  if (
    input.passing_marks !== undefined &&
    input.passing_percentage !== undefined &&
    total > 0 &&
    input.passing_marks <= total &&
    Math.abs(input.passing_marks - (input.passing_percentage * total) / 100) >= 1
  )
    problems.push({
      path: "passing_percentage",
      message: `passing_percentage (${input.passing_percentage}) contradicts passing_marks (${input.passing_marks} of ${total})`,
    });
  if (passingMarks > total)
    problems.push({ path: "passing_marks", message: `passing_marks (${passingMarks}) must not exceed total_marks (${total})` });
  if (percentage < 0 || percentage > 100)
    problems.push({ path: "passing_percentage", message: "passing_percentage must be within 0..100" });
  const maxAttempts = input.max_attempts ?? DEFAULT_MAX_ATTEMPTS;
  if (maxAttempts < 1) problems.push({ path: "max_attempts", message: "max_attempts must be at least 1" });
  return {
    settings: { total_marks: total, passing_marks: passingMarks, passing_percentage: percentage, max_attempts: maxAttempts },
    problems,
  };
}

/** The questions as a participant sees them: never which option is correct. */
export function publicQuestions(questions: Question[]) {
  return questions.map((q) => ({
    question_id: q.question_id,
    question_type: q.question_type,
    question_text: q.question_text,
    options: q.options.map((o) => ({ option_id: o.option_id, text: o.text })),
    marks: q.marks,
    max_words: q.max_words,
  }));
}

/* ------------------------------------------- shuffled and drawn questions ------------------------------------------- */

export type DrawSettings = { shuffle_questions: boolean; shuffle_options: boolean; questions_per_attempt: number | null };

/**
 * Whether a participant may read a form's questions before starting. A form that draws or shuffles is built so that
 * no two attempts look alike: showing the whole pool (and its order) beforehand would let a participant prepare every
 * question a draw can give them and compare orders with others. They see its summary and settings; each attempt
 * shows its own questions.
 */
export const poolIsPrivate = (settings: DrawSettings) =>
  settings.questions_per_attempt !== null || settings.shuffle_questions || settings.shuffle_options;

/** A uniform integer in [0, n): the caller passes crypto randomness (participants must not predict it). */
export type RandomInt = (n: number) => number;

/**
 * One attempt's own exam: `questions_per_attempt` questions drawn at random (all when null), in the form's order
 * unless `shuffle_questions`, with each question's options shuffled when `shuffle_options`. The result is stored
 * as the attempt's snapshot, so a refreshed page, the autosave, the scoring and the review all see this exam;
 * scoring goes by question and option id, never by position.
 */
export function drawAttempt(questions: readonly Question[], settings: DrawSettings, randomInt: RandomInt): Question[] {
  const indexed = questions.map((q, i) => ({ q, i }));
  const k = Math.min(settings.questions_per_attempt ?? questions.length, questions.length);
  // Partial Fisher–Yates: the first k places hold a uniform random sample, in random order.
  for (let i = 0; i < k; i++) {
    swap(indexed, i, i + randomInt(indexed.length - i));
  }
  const chosen = indexed.slice(0, k);
  if (!settings.shuffle_questions) chosen.sort((a, b) => a.i - b.i);
  return chosen.map(({ q }) => (settings.shuffle_options ? { ...q, options: shuffled(q.options, randomInt) } : q));
}

function shuffled<T extends object>(items: readonly T[], randomInt: RandomInt): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) swap(out, i, randomInt(i + 1));
  return out;
}

/** Swaps two places of an array of objects; a place outside it is a broken `RandomInt`, not a missing item. */
function swap<T extends object>(items: T[], i: number, j: number): void {
  const a = items[i];
  const b = items[j];
  if (a === undefined || b === undefined) throw new RangeError(`swap(${i}, ${j}) outside an array of ${items.length}`);
  items[i] = b;
  items[j] = a;
}

/** The marks one attempt can score, and its pass mark: a drawn attempt passes at the form's percentage of its own total. */
export function attemptTotals(snapshot: readonly Question[], passingPercentage: number) {
  const total = round2(snapshot.reduce((sum, q) => sum + q.marks, 0));
  return { total_marks: total, passing_marks: round2((total * passingPercentage) / 100) };
}

/* ----------------------------------------- window and draw: the exam's schedule ----------------------------------------- */

export type ExamSchedule = DrawSettings & { available_from: string | null; available_until: string | null };

export const NO_SCHEDULE: ExamSchedule = {
  available_from: null,
  available_until: null,
  shuffle_questions: false,
  shuffle_options: false,
  questions_per_attempt: null,
};

/** A body's schedule fields over the stored ones: a field left out keeps its value, `null` clears it. */
export function mergeSchedule(stored: ExamSchedule, sent: { [K in keyof ExamSchedule]?: ExamSchedule[K] | undefined }): ExamSchedule {
  const pick = <K extends keyof ExamSchedule>(key: K): ExamSchedule[K] =>
    sent[key] === undefined ? stored[key] : (sent[key] as ExamSchedule[K]);
  return {
    available_from: pick("available_from"),
    available_until: pick("available_until"),
    shuffle_questions: pick("shuffle_questions"),
    shuffle_options: pick("shuffle_options"),
    questions_per_attempt: pick("questions_per_attempt"),
  };
}

/** A window opens before it closes; a draw asks for no more questions than the form has (checked on every change of either). */
export function scheduleProblems(schedule: ExamSchedule, questionCount: number): Problem[] {
  const problems: Problem[] = [];
  const { available_from: from, available_until: until, questions_per_attempt: draw } = schedule;
  if (from !== null && until !== null && new Date(from).getTime() >= new Date(until).getTime())
    problems.push({ path: "available_until", message: "must be after available_from" });
  if (draw !== null && draw > questionCount)
    problems.push({ path: "questions_per_attempt", message: `must be at most ${questionCount}, the number of questions` });
  return problems;
}
