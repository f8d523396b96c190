/**
 * The figures reports show, from facts the caller loads: an exam's column in the gradebook, when a step was
 * completed, and medians. Pure.
 */
import type { Answers } from "./exams";
import type { StepState } from "./progress";
import type { Question, SubmissionStatus } from "./vocabulary";

export type ScoredAttempt = {
  attempt_number: number;
  submission_status: SubmissionStatus;
  total_score: number | null;
  is_late: boolean;
};

export type ExamColumn = {
  best_score: number | null;
  latest_score: number | null;
  status: SubmissionStatus | null;
  attempts_used: number;
  is_late: boolean | null;
};

/**
 * One exam's gradebook cells from a participant's attempts at it: the best score over attempts that have one (an
 * ungraded or open attempt has none), and the latest attempt's score, status and lateness.
 */
export function examColumn(attempts: readonly ScoredAttempt[]): ExamColumn {
  if (attempts.length === 0) return { best_score: null, latest_score: null, status: null, attempts_used: 0, is_late: null };
  const latest = attempts.reduce((a, b) => (b.attempt_number > a.attempt_number ? b : a));
  const scores = attempts.map((a) => a.total_score).filter((s): s is number => s !== null);
  return {
    best_score: scores.length > 0 ? Math.max(...scores) : null,
    latest_score: latest.total_score,
    status: latest.submission_status,
    attempts_used: attempts.length,
    is_late: latest.is_late,
  };
}

/**
 * When a completed step was completed, by the rule that completed it: a step with an exam at the approving review
 * (`approvedAt`: null when unknown); a step without one at the latest of its mandatory materials' completions (a
 * requirement table's: its approval). Null when a moment is unknown (rows from before times were kept) or the step
 * has nothing to complete (no exam, no mandatory material: it completes when it unlocks, which is not stored).
 */
export function stepCompletedAt(step: {
  approvedAt?: string | null;
  materialMoments: readonly (string | null | undefined)[];
}): string | null {
  if (step.approvedAt !== undefined) return step.approvedAt;
  let latest: string | null = null;
  for (const at of step.materialMoments) {
    if (!at) return null;
    if (latest === null || at > latest) latest = at;
  }
  return latest;
}

const DAY_MS = 86_400_000;

/** Days from one ISO time to another, to the hundredth; null when either is missing or unreadable. */
export function daysBetween(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms)) return null;
  return Math.round((Math.max(0, ms) / DAY_MS) * 100) / 100;
}

/** The median (the mean of the middle two for an even count), to the hundredth; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const value = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return Math.round(value * 100) / 100;
}

export type ResponseCells = {
  question_id: string;
  question_version: number | null;
  question_type: Question["question_type"];
  question_text: string;
  selected_option_id: string | null;
  selected_option_text: string | null;
  text_answer: string | null;
  is_correct: boolean | null;
  marks_awarded: number | null;
  max_marks: number;
  graded_by: string | null;
};

/**
 * One attempt's answers, one entry per question it was shown (in the order shown), scored as the attempt was: an
 * MCQ earns its marks when the chosen option is right (unanswered: 0 once the attempt is in, as its score counts
 * it); a THEORY question shows the marks its review gave, null until graded. `versions` names the bank version of
 * each drawn question.
 */
export function responseCells(
  questions: readonly Question[],
  answers: Partial<Answers> | null,
  grades: Readonly<Record<string, number>> | null,
  versions: ReadonlyMap<string, number>,
  reviewedBy: string | null,
): ResponseCells[] {
  const chosen = new Map((answers?.mcq_answers ?? []).map((a) => [a.question_id, a.selected_option_id]));
  const written = new Map((answers?.theory_answers ?? []).map((a) => [a.question_id, a.answer_text]));
  return questions.map((q) => {
    const base = {
      question_id: q.question_id,
      question_version: versions.get(q.question_id) ?? null,
      question_type: q.question_type,
      question_text: q.question_text,
      max_marks: q.marks,
    };
    if (q.question_type === "MCQ") {
      const optionId = chosen.get(q.question_id) ?? null;
      const option = optionId === null ? undefined : q.options.find((o) => o.option_id === optionId);
      const right = option?.is_correct === true;
      return {
        ...base,
        selected_option_id: optionId,
        selected_option_text: option?.text ?? null,
        text_answer: null,
        is_correct: optionId === null ? false : right,
        marks_awarded: right ? q.marks : 0,
        graded_by: null,
      };
    }
    const marks = grades?.[q.question_id];
    return {
      ...base,
      selected_option_id: null,
      selected_option_text: null,
      text_answer: written.get(q.question_id) ?? null,
      is_correct: null,
      marks_awarded: marks ?? null,
      graded_by: marks === undefined ? null : reviewedBy,
    };
  });
}

/* ------------------------------------------------ completion funnel ------------------------------------------------ */

type FunnelStep = {
  step_id: string;
  step_name: string;
  order_index: number;
  enrolled: number;
  started: number;
  materials_done: number;
  /** Null for a step without an exam. */
  exam_passed: number | null;
  completed: number;
  days: number[];
};
export type Funnel = { enrolled: number; completed: number; days: number[]; steps: Map<string, FunnelStep> };

/** A funnel over the course's steps (in course order) as they are when the count starts. */
export function emptyFunnel(steps: readonly { id: string; name: string; order_index: number; exam_id: string | null }[]): Funnel {
  const step = (s: (typeof steps)[number]): FunnelStep => ({
    step_id: s.id,
    step_name: s.name,
    order_index: s.order_index,
    enrolled: 0,
    started: 0,
    materials_done: 0,
    exam_passed: s.exam_id ? 0 : null,
    completed: 0,
    days: [],
  });
  return { enrolled: 0, completed: 0, days: [], steps: new Map(steps.map((s) => [s.id, step(s)])) };
}

export type FunnelFacts = {
  enrolled_at: string;
  /** The stored course-completion milestone. */
  completed_at: string | null;
  steps: readonly Pick<StepState, "id" | "is_started" | "is_completed" | "is_waived" | "materials_completed" | "exam_status">[];
  /** Days from enrolment to each completed step's completion, where known. */
  stepDays: ReadonlyMap<string, number | null>;
};

/**
 * Counts one participant into a funnel. A waived step (before the enrolment's start step) counts as started, done
 * and passed, as progress counts it completed; a step added after the count started is left out.
 */
export function countInto(funnel: Funnel, p: FunnelFacts): void {
  funnel.enrolled += 1;
  if (p.completed_at) {
    funnel.completed += 1;
    const d = daysBetween(p.enrolled_at, p.completed_at);
    if (d !== null) funnel.days.push(d);
  }
  for (const state of p.steps) {
    const f = funnel.steps.get(state.id);
    if (!f) continue;
    f.enrolled += 1;
    if (state.is_started || state.is_completed) f.started += 1;
    if (state.materials_completed || state.is_completed) f.materials_done += 1;
    if (f.exam_passed !== null && (state.exam_status === "Approved" || state.is_waived)) f.exam_passed += 1;
    if (state.is_completed) f.completed += 1;
    const d = p.stepDays.get(state.id);
    if (d !== undefined && d !== null) f.days.push(d);
  }
}

/** What a funnel reports: counts, and medians in place of the days collected. */
export function funnelFigures(funnel: Funnel) {
  return {
    enrolled: funnel.enrolled,
    completed: funnel.completed,
    median_days_to_complete: median(funnel.days),
    steps: [...funnel.steps.values()].map(({ days, ...counts }) => ({ ...counts, median_days_to_complete: median(days) })),
  };
}
