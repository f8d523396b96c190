/**
 * Where a participant stands in a course: which steps are unlocked and completed, which materials are done,
 * what the exam of each step says, and the course's overall progress. Pure: the caller loads the facts.
 *
 * Rules:
 * - A material is complete when the participant marked it (RequirementTable: when their table submission is
 *   approved).
 * - A step's materials are complete when all its mandatory materials are.
 * - A step with an exam is completed when an attempt is approved (its materials were required to start it);
 *   a step without an exam when its materials are complete.
 * - The enrolment's start step (the course's `default_step_id`, else its first step) is unlocked on enrolment;
 *   steps ordered before it are waived: unlocked and counted as completed.
 * - A locked step is never completed, whatever was marked in it.
 * - Any other step unlocks when its predecessor (`previous_step_id`, else the step before it by order) is
 *   unlocked and completed — or, with `unlock_on_exam_pass: false`, has its mandatory materials complete.
 */
import type { ExamStatus, SubmissionStatus } from "./vocabulary";

export type { ExamStatus, SubmissionStatus };

export type StepFacts = {
  id: string;
  order_index: number;
  previous_step_id: string | null;
  unlock_on_exam_pass: boolean;
  exam_id: string | null;
};
export type MaterialFacts = {
  id: string;
  step_id: string;
  is_mandatory: boolean;
  material_type: string;
  requirement_table_id: string | null;
};
export type AttemptFacts = { form_id: string; step_id: string; attempt_number: number; submission_status: SubmissionStatus };

export type ParticipantFacts = {
  /** Not enrolled (false): every step is locked. Defaults to enrolled. */
  enrolled?: boolean;
  start_step_id: string | null;
  completed_material_ids: ReadonlySet<string>;
  approved_table_ids: ReadonlySet<string>;
  attempts: readonly AttemptFacts[];
};

export type StepState = {
  id: string;
  is_locked: boolean;
  is_completed: boolean;
  is_waived: boolean;
  is_started: boolean;
  materials_completed: boolean;
  completed_material_ids: string[];
  mandatory_count: number;
  total_materials: number;
  exam_status: ExamStatus;
};

export type CourseState = {
  steps: StepState[];
  byId: Map<string, StepState>;
  current_step_id: string | null;
  completed_steps: number;
  total_steps: number;
  percentage: number;
  is_completed: boolean;
};

/** The exam status a step shows, from its attempts at the step's current exam. */
export function examStatusOf(attempts: readonly Pick<AttemptFacts, "attempt_number" | "submission_status">[]): ExamStatus {
  if (attempts.length === 0) return "NotStarted";
  if (attempts.some((a) => a.submission_status === "Approved")) return "Approved";
  const latest = attempts.reduce((a, b) => (b.attempt_number > a.attempt_number ? b : a));
  switch (latest.submission_status) {
    case "InProgress":
      return "InProgress";
    case "Submitted":
    case "UnderReview":
      return "Submitted";
    default:
      // Rejected, or a retake requested: the participant has to take the exam again.
      return "Rejected";
  }
}

export function isMaterialComplete(material: MaterialFacts, facts: ParticipantFacts): boolean {
  if (material.material_type === "RequirementTable")
    return material.requirement_table_id !== null && facts.approved_table_ids.has(material.requirement_table_id);
  return facts.completed_material_ids.has(material.id);
}

export function sortSteps<T extends { order_index: number; id: string }>(steps: readonly T[]): T[] {
  return [...steps].sort((a, b) => a.order_index - b.order_index || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function courseState(steps: readonly StepFacts[], materials: readonly MaterialFacts[], facts: ParticipantFacts): CourseState {
  const ordered = sortSteps(steps);
  const index = new Map(ordered.map((s, i) => [s.id, i]));
  const startIndex = (facts.start_step_id !== null ? index.get(facts.start_step_id) : undefined) ?? 0;

  // Each step with its place in the order, its state before locking, and the step before it by order.
  type Node = { step: StepFacts; i: number; before: Node | undefined; base: Omit<StepState, "is_locked"> };
  const nodes = new Map<string, Node>();
  let before: Node | undefined;
  for (const [i, step] of ordered.entries()) {
    const own = materials.filter((m) => m.step_id === step.id);
    const mandatory = own.filter((m) => m.is_mandatory);
    const done = own.filter((m) => isMaterialComplete(m, facts)).map((m) => m.id);
    const doneSet = new Set(done);
    const materialsCompleted = mandatory.every((m) => doneSet.has(m.id));
    const examAttempts = step.exam_id ? facts.attempts.filter((a) => a.form_id === step.exam_id) : [];
    const exam = examStatusOf(examAttempts);
    const waived = i < startIndex;
    const completed = waived || (step.exam_id ? exam === "Approved" : materialsCompleted);
    const node: Node = {
      step,
      i,
      before,
      base: {
        id: step.id,
        is_completed: completed,
        is_waived: waived,
        is_started: done.length > 0 || examAttempts.length > 0,
        materials_completed: materialsCompleted,
        completed_material_ids: done,
        mandatory_count: mandatory.length,
        total_materials: own.length,
        exam_status: exam,
      },
    };
    nodes.set(step.id, node);
    before = node;
  }

  const unlocked = new Map<string, boolean>();
  const visiting = new Set<string>();
  const isUnlocked = (node: Node): boolean => {
    const { step } = node;
    const known = unlocked.get(step.id);
    if (known !== undefined) return known;
    if (facts.enrolled === false) return false;
    if (visiting.has(step.id)) return false; // a loop in previous_step_id never unlocks
    visiting.add(step.id);
    const predecessor = (step.previous_step_id !== null ? nodes.get(step.previous_step_id) : undefined) ?? node.before;
    let result: boolean;
    // Only the first step (i = 0, never after the start) has no step before it.
    if (node.i <= startIndex || predecessor === undefined) result = true;
    else {
      const p = predecessor.base;
      const satisfied = step.unlock_on_exam_pass ? p.is_completed : p.is_completed || p.materials_completed;
      result = satisfied && isUnlocked(predecessor);
    }
    visiting.delete(step.id);
    unlocked.set(step.id, result);
    return result;
  };

  // A locked step is never completed, whatever was marked in it: progress only counts reachable work.
  const states = [...nodes.values()].map((node) => {
    const locked = !isUnlocked(node);
    return { ...node.base, is_locked: locked, is_completed: node.base.is_completed && !locked };
  });
  const completedSteps = states.filter((s) => s.is_completed).length;
  const current = states.find((s) => !s.is_locked && !s.is_completed) ?? null;
  return {
    steps: states,
    byId: new Map(states.map((s) => [s.id, s])),
    current_step_id: current?.id ?? null,
    completed_steps: completedSteps,
    total_steps: states.length,
    percentage: states.length === 0 ? 0 : Math.round((100 * completedSteps) / states.length),
    is_completed: states.length > 0 && completedSteps === states.length,
  };
}

/** The state of one of the steps `state` was derived from; any other id is a bug in the caller, not a 404. */
export function stepStateOf(state: CourseState, stepId: string): StepState {
  const found = state.byId.get(stepId);
  if (!found) throw new Error(`step '${stepId}' is not one of the steps this course state was derived from`);
  return found;
}

/**
 * The course-completion milestone: a write completes the course when, after it, every step is completed and no
 * completion was recorded yet. A recorded completion is never taken back (a later change may reopen a step).
 */
export const completesCourse = (after: Pick<CourseState, "is_completed">, alreadyRecorded: boolean): boolean =>
  after.is_completed && !alreadyRecorded;

/**
 * Whether a step is gated behind another one, as a view without a participant (a manager's) reports
 * `is_locked`: every step after the course's start step is.
 */
export function isGated(steps: readonly StepFacts[], stepId: string, startStepId: string | null): boolean {
  const ordered = sortSteps(steps);
  const at = ordered.findIndex((s) => s.id === stepId);
  const start = Math.max(
    0,
    ordered.findIndex((s) => s.id === startStepId),
  );
  return at > start;
}
