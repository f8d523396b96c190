/**
 * Progress of one participant in some courses, derived with the pure rules of domain/progress from the
 * course structures and the participant's own rows. `after(change)` answers "what would progress be after
 * this write", so a handler decides before it writes.
 */
import { type Answers, closeExpired, isExpired, type Question } from "../domain/exams";
import { type AttemptFacts, type CourseState, courseState, type StepState, type SubmissionStatus } from "../domain/progress";
import type { AttemptRow, CourseStructure, EnrollmentRow, OwnRows } from "./reads";

export type RequirementProgress = { completed: number; approved: number; total: number; is_submitted: boolean };

/** An attempt as every view shows it: one whose time ran out unseen is shown closed, scored from what was saved. */
export type ShownAttempt = Omit<AttemptRow, "open_answers" | "open_questions" | "submission_status"> & {
  submission_status: SubmissionStatus;
};

export type CourseProgress = CourseStructure & {
  enrolled: boolean;
  enrollment: EnrollmentRow | undefined;
  attempts: ShownAttempt[];
  completed: ReadonlySet<string>;
  /** When each material was marked complete (reports' days-to-complete). */
  completedAt: ReadonlyMap<string, string>;
  /** When each of the participant's requirement tables was approved. */
  tableApprovedAt: ReadonlyMap<string, string>;
  /** The participant's counts per requirement table shown in the course. */
  tableProgress: ReadonlyMap<string, RequirementProgress>;
  state: CourseState;
  /**
   * The recorded milestone: the enrolment's `completed_at`, stamped in the batch of the write that completed
   * the last step, and kept even if a later change reopens a step (each step still shows its own state).
   */
  is_completed: boolean;
};

/** A change a write is about to make, applied to the participant's facts. */
export type ProgressChange = {
  completedMaterials?: readonly string[];
  approvedAttempt?: string;
  approvedTables?: readonly string[];
};

/** A JSON value the read carried as text (a stored column) or already as JSON (built in SQL). */
const parse = <T>(value: string | T | null): T | null => {
  if (value === null || typeof value !== "string") return value;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
};

function shown(a: AttemptRow, now: Date, graceSeconds: number): ShownAttempt {
  const { open_answers, open_questions, ...row } = a;
  if (!isExpired(a, now, graceSeconds)) return row;
  const closed = closeExpired(parse<Question[]>(open_questions) ?? [], parse<Partial<Answers>>(open_answers), new Date(a.deadline_at));
  return { ...row, ...closed };
}

export class ProgressSet {
  private readonly derived = new Map<string, CourseProgress>();

  constructor(
    /** Whose progress; undefined for a view of the structure alone (every step then locked, nothing done). */
    readonly participantId: string | undefined,
    private readonly structures: ReadonlyMap<string, CourseStructure>,
    private readonly own: OwnRows,
    private readonly now: Date,
    private readonly graceSeconds: number,
    private readonly change: ProgressChange = {},
  ) {}

  /** The courses read, in course order (order_index, then id). */
  all(): CourseProgress[] {
    return [...this.structures.entries()]
      .sort(([, a], [, b]) => a.course.order_index - b.course.order_index || (a.course.id < b.course.id ? -1 : 1))
      .map(([courseId, structure]) => this.derive(courseId, structure));
  }

  /** The only course read (for reads keyed by a step or material), if any. */
  first(): CourseProgress | undefined {
    return this.all()[0];
  }

  get(courseId: string): CourseProgress | undefined {
    const structure = this.structures.get(courseId);
    return structure && this.derive(courseId, structure);
  }

  private derive(courseId: string, structure: CourseStructure): CourseProgress {
    const hit = this.derived.get(courseId);
    if (hit) return hit;
    const pid = this.participantId;
    const change = this.change;
    const mine = this.own.completions.filter((r) => r.participant_id === pid);
    const completed = new Set(mine.map((r) => r.material_id));
    const completedAt = new Map(mine.map((r) => [r.material_id, r.completed_at]));
    const tableApprovedAt = new Map<string, string>();
    for (const id of change.completedMaterials ?? []) completed.add(id);
    const sizes = new Map(structure.tables.map((t) => [t.id, t.requirement_count]));
    const tableProgress = new Map<string, RequirementProgress>();
    const approvedTables = new Set<string>(change.approvedTables ?? []);
    for (const t of this.own.tableSubmissions) {
      const total = sizes.get(t.requirement_table_id);
      if (t.participant_id !== pid || total === undefined) continue;
      tableProgress.set(t.requirement_table_id, {
        completed: t.completed,
        approved: t.approved,
        total,
        is_submitted: t.submitted_at !== null,
      });
      if (t.approved_at !== null) {
        approvedTables.add(t.requirement_table_id);
        tableApprovedAt.set(t.requirement_table_id, t.approved_at);
      }
    }
    for (const [id, total] of sizes)
      if (!tableProgress.has(id)) tableProgress.set(id, { completed: 0, approved: 0, total, is_submitted: false });
    const attempts = this.own.attempts
      .filter((a) => a.participant_id === pid && a.course_id === courseId)
      .map((a) => shown(a, this.now, this.graceSeconds))
      .map((a) => (a.id === change.approvedAttempt ? { ...a, submission_status: "Approved" as const } : a));
    const enrollment = this.own.enrollments.find((e) => e.participant_id === pid && e.course_id === courseId);
    const state = courseState(structure.steps, structure.materials, {
      enrolled: enrollment !== undefined,
      start_step_id: enrollment?.start_step_id ?? null,
      completed_material_ids: completed,
      approved_table_ids: approvedTables,
      attempts: attempts as (AttemptFacts & ShownAttempt)[],
    });
    const progress: CourseProgress = {
      ...structure,
      enrolled: enrollment !== undefined,
      enrollment,
      attempts,
      completed,
      completedAt,
      tableApprovedAt,
      tableProgress,
      state,
      is_completed: enrollment?.completed_at != null,
    };
    this.derived.set(courseId, progress);
    return progress;
  }

  /** Progress as it will be once `change` is written. */
  after(change: ProgressChange): ProgressSet {
    const merged: ProgressChange = {
      completedMaterials: [...(this.change.completedMaterials ?? []), ...(change.completedMaterials ?? [])],
      approvedAttempt: change.approvedAttempt ?? this.change.approvedAttempt,
      approvedTables: [...(this.change.approvedTables ?? []), ...(change.approvedTables ?? [])],
    };
    return new ProgressSet(this.participantId, this.structures, this.own, this.now, this.graceSeconds, merged);
  }

  /**
   * One set per participant, each holding only that participant's rows: a report deriving a page of hundreds of
   * participants groups the rows once instead of filtering all of them for each participant.
   */
  split(participantIds: readonly string[]): Map<string, ProgressSet> {
    const empty = (): OwnRows => ({ versions: this.own.versions, enrollments: [], completions: [], tableSubmissions: [], attempts: [] });
    const byId = new Map(participantIds.map((id) => [id, empty()]));
    for (const r of this.own.enrollments) byId.get(r.participant_id)?.enrollments.push(r);
    for (const r of this.own.completions) byId.get(r.participant_id)?.completions.push(r);
    for (const r of this.own.tableSubmissions) byId.get(r.participant_id)?.tableSubmissions.push(r);
    for (const r of this.own.attempts) byId.get(r.participant_id)?.attempts.push(r);
    return new Map([...byId].map(([id, own]) => [id, new ProgressSet(id, this.structures, own, this.now, this.graceSeconds)] as const));
  }

  /** The same structures, for another of the participants whose rows were read. */
  forParticipant(participantId: string): ProgressSet {
    return new ProgressSet(participantId, this.structures, this.own, this.now, this.graceSeconds);
  }
}

/** The step a participant is on, as the views name it; null once every step is done (or before enrolment). */
export function currentStepOf(p: CourseProgress): { step_id: string; step_name: string; order_index: number } | null {
  const step = p.steps.find((s) => s.id === p.state.current_step_id);
  return step ? { step_id: step.id, step_name: step.name, order_index: step.order_index } : null;
}

/** Sums over the distinct requirement tables of some materials; null when they show none. */
export function requirementStatus(p: CourseProgress, materialRows: readonly { requirement_table_id: string | null }[]) {
  const ids = new Set(materialRows.map((m) => m.requirement_table_id).filter((id): id is string => id !== null));
  if (ids.size === 0) return null;
  const sum = { completed: 0, approved: 0, total: 0 };
  for (const id of ids) {
    const t = p.tableProgress.get(id);
    if (!t) continue;
    sum.completed += t.completed;
    sum.approved += t.approved;
    sum.total += t.total;
  }
  return sum;
}

export type StepRefusal = "not_enrolled" | "step_not_found" | "step_locked";

/** Whether a participant may work on a step right now: why not, or the course's progress and the step's state. */
export function stepAccess(
  progress: CourseProgress | undefined,
  stepId: string,
): { refusal: StepRefusal } | { refusal: null; progress: CourseProgress; state: StepState } {
  if (!progress?.enrolled) return { refusal: "not_enrolled" };
  const state = progress.state.byId.get(stepId);
  if (!state) return { refusal: "step_not_found" };
  if (state.is_locked) return { refusal: "step_locked" };
  return { refusal: null, progress, state };
}

/** Why a participant may not work on a step right now, or null when they may. */
export const stepRefusal = (progress: CourseProgress | undefined, stepId: string): StepRefusal | null =>
  stepAccess(progress, stepId).refusal;
