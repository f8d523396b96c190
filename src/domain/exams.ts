/**
 * Exam attempts: who may start one, until when answers are accepted, how answers are checked and scored,
 * and which review decision may follow which state. Pure.
 */
import type { Question as StoredQuestion, SubmissionStatus } from "./vocabulary";

/** What scoring and answer checks need of a question (tests build just this much). */
export type Question = Pick<StoredQuestion, "question_id" | "question_type" | "marks" | "max_words"> & {
  options: Pick<StoredQuestion["options"][number], "option_id" | "is_correct">[];
};
export type McqAnswer = { question_id: string; selected_option_id: string };
export type TheoryAnswer = { question_id: string; answer_text: string };
export type Answers = { mcq_answers: McqAnswer[]; theory_answers: TheoryAnswer[] };

/** Answers as sent (either list may be omitted: none answered). */
export const answersOf = (sent: Partial<Answers>): Answers => ({
  mcq_answers: sent.mcq_answers ?? [],
  theory_answers: sent.theory_answers ?? [],
});
export type Problem = { path: string; message: string };

export const THEORY_ANSWER_MAX_CHARS = 20_000;
export const DEFAULT_GRACE_SECONDS = 120;

/* ------------------------------------------------ starting ------------------------------------------------ */

export type StartRefusal =
  | "step_locked"
  | "materials_incomplete"
  | "exam_already_approved"
  | "awaiting_review"
  | "exam_not_open"
  | "exam_closed"
  | "no_attempts_left";

/** An attempt in one of these statuses stops a new one from starting: open, awaiting review, or approved. */
export const BLOCKS_NEW_ATTEMPT = ["InProgress", "Submitted", "UnderReview", "Approved"] as const satisfies readonly SubmissionStatus[];
/** Each attempt sent back for a retake adds one to the attempts allowed. */
export const ADDS_AN_ATTEMPT = "RetakeRequested" satisfies SubmissionStatus;

/** Retakes granted by managers add to `max_attempts`, one each. */
export function attemptsAllowed(maxAttempts: number, attempts: readonly { submission_status: SubmissionStatus }[]): number {
  return maxAttempts + attempts.filter((a) => a.submission_status === ADDS_AN_ATTEMPT).length;
}

export type StartInput = {
  is_locked: boolean;
  materials_completed: boolean;
  max_attempts: number;
  attempts: readonly { id: string; submission_status: SubmissionStatus }[];
  /** Where `now` falls in the exam's window (`windowState`); open when there is none. */
  window?: WindowState;
};

/**
 * `resume` when an attempt is open (a refreshed browser gets it back), `start` when a new one may open,
 * else why not. The SQL insert repeats the same conditions atomically; this gives the precise reason.
 */
export function decideStart(
  input: StartInput,
): { kind: "resume"; id: string } | { kind: "start"; attempt_number: number } | { kind: "refuse"; reason: StartRefusal } {
  const open = input.attempts.find((a) => a.submission_status === "InProgress");
  if (open) return { kind: "resume", id: open.id };
  if (input.is_locked) return { kind: "refuse", reason: "step_locked" };
  if (!input.materials_completed) return { kind: "refuse", reason: "materials_incomplete" };
  if (input.attempts.some((a) => a.submission_status === "Approved")) return { kind: "refuse", reason: "exam_already_approved" };
  if (input.attempts.some((a) => a.submission_status === "Submitted" || a.submission_status === "UnderReview"))
    return { kind: "refuse", reason: "awaiting_review" };
  if (input.window === "not_open") return { kind: "refuse", reason: "exam_not_open" };
  if (input.window === "closed") return { kind: "refuse", reason: "exam_closed" };
  if (input.attempts.length >= attemptsAllowed(input.max_attempts, input.attempts)) return { kind: "refuse", reason: "no_attempts_left" };
  return { kind: "start", attempt_number: input.attempts.length + 1 };
}

/* ------------------------------------- accommodations, overrides, windows ------------------------------------- */

export type ExamTerms = {
  duration_minutes: number;
  max_attempts: number;
  available_from: string | null;
  available_until: string | null;
};
export type ExamOverride = { duration_minutes: number | null; max_attempts: number | null; available_until: string | null };
export type Accommodation = { extra_time_percent: number; extra_attempts: number };

/**
 * The terms one participant's next attempt runs under: an override replaces the form's duration, attempts or
 * closing time for that participant; an accommodation applies on top of that — duration × (1 + extra %),
 * rounded up to a whole minute, and extra attempts added. Retakes still add one attempt each (`attemptsAllowed`).
 */
export function effectiveTerms(form: ExamTerms, override: ExamOverride | null, accommodation: Accommodation | null): ExamTerms {
  const duration = override?.duration_minutes ?? form.duration_minutes;
  const extraPercent = accommodation?.extra_time_percent ?? 0;
  return {
    // Integer arithmetic: 30 min × 1.15 must be 35, not 34.99999 → 35 or 35.00001 → 36.
    duration_minutes: Math.ceil((duration * (100 + extraPercent)) / 100),
    max_attempts: (override?.max_attempts ?? form.max_attempts) + (accommodation?.extra_attempts ?? 0),
    available_from: form.available_from,
    available_until: override?.available_until ?? form.available_until,
  };
}

export type WindowState = "not_open" | "open" | "closed";

export function windowState(now: Date, terms: Pick<ExamTerms, "available_from" | "available_until">): WindowState {
  if (terms.available_from !== null && now.getTime() < new Date(terms.available_from).getTime()) return "not_open";
  if (terms.available_until !== null && now.getTime() >= new Date(terms.available_until).getTime()) return "closed";
  return "open";
}

/** An attempt ends at start + its duration, or when the window closes, whichever comes first. */
export function attemptDeadline(startedAt: Date, terms: Pick<ExamTerms, "duration_minutes" | "available_until">): Date {
  const byDuration = deadlineFor(startedAt, terms.duration_minutes);
  if (terms.available_until === null) return byDuration;
  const closes = new Date(terms.available_until);
  return closes.getTime() < byDuration.getTime() ? closes : byDuration;
}

/* ------------------------------------------------ the clock ----------------------------------------------- */

export function deadlineFor(startedAt: Date, durationMinutes: number): Date {
  return new Date(startedAt.getTime() + durationMinutes * 60_000);
}

export function remainingSeconds(now: Date, deadline: Date): number {
  return Math.max(0, Math.floor((deadline.getTime() - now.getTime()) / 1000));
}

/** On time until the deadline, late (accepted, flagged) within the grace period, expired after it. */
export function timing(now: Date, deadline: Date, graceSeconds: number): "on_time" | "late" | "expired" {
  const t = now.getTime();
  if (t <= deadline.getTime()) return "on_time";
  if (t <= deadline.getTime() + graceSeconds * 1000) return "late";
  return "expired";
}

/**
 * `timing`'s rule turned round for SQL, which compares stored deadlines: the earliest deadline (ISO) still answerable
 * at `now` — a deadline before it has expired.
 */
export const answerableSince = (now: Date, graceSeconds: number) => new Date(now.getTime() - graceSeconds * 1000).toISOString();

/**
 * The one rule for expiry: an attempt still open when its deadline and the grace after it have passed is
 * over — every read shows it closed (`closeExpired`), every write refuses it, and the next write or the cron
 * stores the closure.
 */
export function isExpired<A extends { submission_status: string; deadline_at: string | null }>(
  attempt: A,
  now: Date,
  graceSeconds: number,
): attempt is A & { deadline_at: string } {
  return (
    attempt.submission_status === "InProgress" &&
    attempt.deadline_at !== null &&
    timing(now, new Date(attempt.deadline_at), graceSeconds) === "expired"
  );
}

/**
 * An attempt's deadline. Every attempt is started with one (the exam start's INSERT is the only way in); the
 * column is nullable in the schema alone, so an attempt without one is a bug, not a state to answer for.
 */
export function deadlineOf(attempt: { id: string; deadline_at: string | null }): string {
  if (attempt.deadline_at === null) throw new Error(`attempt '${attempt.id}' has no deadline`);
  return attempt.deadline_at;
}

export function graceSeconds(configured: string | undefined): number {
  const n = configured === undefined || configured.trim() === "" ? NaN : Number(configured);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_GRACE_SECONDS;
}

/* ------------------------------------------------ answers ------------------------------------------------- */

export const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Every answer must name a question of the form, of the right type, once; MCQ options must exist. */
export function checkAnswers(questions: readonly Question[], answers: Answers): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map(questions.map((q) => [q.question_id, q]));
  const seen = new Set<string>();
  for (const [i, a] of answers.mcq_answers.entries()) {
    const at = `mcq_answers.${i}`;
    const q = byId.get(a.question_id);
    if (!q) {
      problems.push({ path: `${at}.question_id`, message: `'${a.question_id}' is not a question of this exam` });
      continue;
    }
    if (q.question_type !== "MCQ") {
      problems.push({ path: `${at}.question_id`, message: `'${a.question_id}' is not an MCQ` });
      continue;
    }
    if (seen.has(a.question_id)) problems.push({ path: `${at}.question_id`, message: `'${a.question_id}' is answered twice` });
    seen.add(a.question_id);
    if (!q.options.some((o) => o.option_id === a.selected_option_id))
      problems.push({ path: `${at}.selected_option_id`, message: `'${a.selected_option_id}' is not an option of '${a.question_id}'` });
  }
  for (const [i, a] of answers.theory_answers.entries()) {
    const at = `theory_answers.${i}`;
    const q = byId.get(a.question_id);
    if (!q) {
      problems.push({ path: `${at}.question_id`, message: `'${a.question_id}' is not a question of this exam` });
      continue;
    }
    if (q.question_type !== "THEORY") {
      problems.push({ path: `${at}.question_id`, message: `'${a.question_id}' is not a THEORY question` });
      continue;
    }
    if (seen.has(a.question_id)) problems.push({ path: `${at}.question_id`, message: `'${a.question_id}' is answered twice` });
    seen.add(a.question_id);
    if (a.answer_text.length > THEORY_ANSWER_MAX_CHARS)
      problems.push({ path: `${at}.answer_text`, message: `answers are limited to ${THEORY_ANSWER_MAX_CHARS} characters` });
    if (q.max_words !== null && countWords(a.answer_text) > q.max_words)
      problems.push({ path: `${at}.answer_text`, message: `${countWords(a.answer_text)} words; at most ${q.max_words} allowed` });
  }
  return problems;
}

/** Sum of the marks of MCQs answered with a correct option. */
export function scoreMcq(questions: readonly Question[], answers: readonly McqAnswer[]): number {
  const byId = new Map(questions.map((q) => [q.question_id, q]));
  let score = 0;
  for (const a of answers) {
    const q = byId.get(a.question_id);
    if (q?.question_type === "MCQ" && q.options.some((o) => o.option_id === a.selected_option_id && o.is_correct)) score += q.marks;
  }
  return Math.round(score * 100) / 100;
}

/* ------------------------------------------------ review -------------------------------------------------- */

export type ReviewAction = "grade" | "approve" | "reject" | "request_retake";

/** Submitted and not yet decided: the review queue, and what grading, approval and rejection act on. */
export const AWAITING_REVIEW = ["Submitted", "UnderReview"] as const satisfies readonly SubmissionStatus[];

const reviewable: Record<ReviewAction, readonly SubmissionStatus[]> = {
  grade: AWAITING_REVIEW,
  approve: AWAITING_REVIEW,
  reject: AWAITING_REVIEW,
  // A rejected attempt can still be turned into a granted retake.
  request_retake: [...AWAITING_REVIEW, "Rejected"],
};

const outcome: Record<ReviewAction, SubmissionStatus> = {
  grade: "UnderReview",
  approve: "Approved",
  reject: "Rejected",
  request_retake: "RetakeRequested",
};

/** The states an action may be taken from, and the state it leads to. */
export function reviewTransition(action: ReviewAction): { from: readonly SubmissionStatus[]; to: SubmissionStatus } {
  return { from: reviewable[action], to: outcome[action] };
}

export function canReview(status: SubmissionStatus, action: ReviewAction): boolean {
  return reviewable[action].includes(status);
}

export type Grade = { question_id: string; marks_awarded: number };

/** Grades name THEORY questions of the attempt, once each, within 0..marks. */
export function checkGrades(questions: readonly Question[], grades: readonly Grade[]): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map(questions.map((q) => [q.question_id, q]));
  const seen = new Set<string>();
  for (const [i, g] of grades.entries()) {
    const at = `theory_grades.${i}`;
    const q = byId.get(g.question_id);
    if (q?.question_type !== "THEORY") {
      problems.push({ path: `${at}.question_id`, message: `'${g.question_id}' is not a THEORY question of this exam` });
      continue;
    }
    if (seen.has(g.question_id)) problems.push({ path: `${at}.question_id`, message: `'${g.question_id}' is graded twice` });
    seen.add(g.question_id);
    if (g.marks_awarded < 0 || g.marks_awarded > q.marks)
      problems.push({ path: `${at}.marks_awarded`, message: `must be within 0..${q.marks}` });
  }
  return problems;
}

/**
 * THEORY answers still waiting for a grade. With `answered` given, a question the participant left blank
 * needs no grade (it scores 0).
 */
export function ungradedTheory(
  questions: readonly Question[],
  grades: Readonly<Record<string, number>>,
  answered?: ReadonlySet<string>,
): string[] {
  return questions
    .filter(
      (q) => q.question_type === "THEORY" && grades[q.question_id] === undefined && (answered === undefined || answered.has(q.question_id)),
    )
    .map((q) => q.question_id);
}

export function theoryScore(questions: readonly Question[], grades: Readonly<Record<string, number>>): number | null {
  const theory = questions.filter((q) => q.question_type === "THEORY");
  if (theory.length === 0) return 0;
  const given = theory.flatMap((q) => grades[q.question_id] ?? []);
  if (given.length === 0) return null;
  return Math.round(given.reduce((sum, grade) => sum + grade, 0) * 100) / 100;
}

/**
 * An attempt's stored scores. `theory_score` is the sum of the grades given so far (null before the first
 * one), and 0 once no answer waits for a grade — a THEORY question left blank needs no grade and scores 0.
 * `total_score` = MCQ + THEORY as soon as no answer waits for a grade (a reviewer sees it before deciding),
 * null only while one does.
 */
export function attemptScores(
  questions: readonly Question[],
  answers: Partial<Answers> | null,
  grades: Readonly<Record<string, number>>,
  mcq: number | null,
): { theory_score: number | null; total_score: number | null } {
  const waiting = ungradedTheory(questions, grades, answeredTheory(answers));
  const theory = theoryScore(questions, grades) ?? (waiting.length === 0 ? 0 : null);
  return { theory_score: theory, total_score: waiting.length === 0 ? totalScore(mcq, theory) : null };
}

/**
 * An open attempt past its deadline and grace is closed with whatever was autosaved: status Submitted at
 * the deadline, MCQs scored, flagged late and auto-submitted.
 */
export function closeExpired(questions: readonly Question[], saved: Partial<Answers> | null, deadline: Date) {
  const mcq = scoreMcq(questions, saved?.mcq_answers ?? []);
  return {
    submission_status: "Submitted" as const,
    submitted_at: deadline.toISOString(),
    mcq_score: mcq,
    ...attemptScores(questions, saved, {}, mcq),
    is_late: true,
    auto_submitted: true,
  };
}

/**
 * Where a participant should be sent after an approval, what it unlocked, and whether they move on to the
 * next course: when this approval completes the course, or when the manager asks for it (`unlock_next_course`).
 */
export function approvalOutcome(
  before: { steps: readonly { id: string; is_locked: boolean }[]; is_completed: boolean },
  after: { steps: readonly { id: string; is_locked: boolean }[]; is_completed: boolean; current_step_id: string | null },
  unlockNextCourse = false,
) {
  const wasLocked = new Set(before.steps.filter((s) => s.is_locked).map((s) => s.id));
  const unlocked = after.steps.filter((s) => !s.is_locked && wasLocked.has(s.id));
  const courseCompleted = after.is_completed && !before.is_completed;
  return {
    next_step_unlocked: unlocked.length > 0,
    next_step_id: unlocked[0]?.id ?? after.current_step_id,
    course_completed: courseCompleted,
    enrol_next_course: courseCompleted || unlockNextCourse,
  };
}

/** THEORY questions the participant actually answered (blank text is no answer). */
export function answeredTheory(answers: Partial<Answers> | null): Set<string> {
  return new Set((answers?.theory_answers ?? []).filter((a) => a.answer_text.trim() !== "").map((a) => a.question_id));
}

/** An attempt's total: MCQ plus graded THEORY marks (ungraded or blank count 0), to 2 decimals. */
export const totalScore = (mcq: number | null, theory: number | null) => Math.round(((mcq ?? 0) + (theory ?? 0)) * 100) / 100;
