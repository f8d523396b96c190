import { and, asc, eq, inArray, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "../db/schema";
import { courses, enrollments, formSubmissions, materialCompletions, materials, requirementSubmissions, requirementTables, steps } from "../db/schema";
import { rowCount } from "../requirement-tables/submission-queries";
import { enrollWrite } from "../courses/queries";
import { closeExpiredNow } from "../form-submissions/queries";
import { ApiError, notFound } from "../lib/errors";
import type { CursorValues } from "../lib/pagination";
import { courseState, type AttemptFacts, type CourseState } from "../domain/progress";

type Db = DrizzleD1Database<typeof schema>;

/**
 * Everything needed to derive a participant's progress in one or more courses, as one list of reads for a
 * single `db.batch`. `courseIds` is an SQL expression (an id, or a subquery such as "the courses this
 * participant is enrolled in"), so no read waits on another.
 */
export function progressReads(db: Db, participantId: string, courseIds: SQL) {
  const courseSteps = db
    .select({ id: steps.id })
    .from(steps)
    .where(and(inArray(steps.course_id, courseIds), isNull(steps.archived_at)));
  return [
    // No ORDER BY here: sorting would tempt SQLite to walk every course instead of looking the few up by id.
    db.select().from(courses).where(and(inArray(courses.id, courseIds), isNull(courses.archived_at))),
    db
      .select()
      .from(steps)
      .where(and(inArray(steps.course_id, courseIds), isNull(steps.archived_at)))
      .orderBy(asc(steps.order_index), asc(steps.id)),
    db
      .select()
      .from(materials)
      .where(and(inArray(materials.step_id, courseSteps), isNull(materials.archived_at)))
      .orderBy(asc(materials.order_index), asc(materials.id)),
    db.select().from(enrollments).where(and(eq(enrollments.participant_id, participantId), inArray(enrollments.course_id, courseIds))),
    db
      .select({ material_id: materialCompletions.material_id })
      .from(materialCompletions)
      .where(and(eq(materialCompletions.participant_id, participantId), inArray(materialCompletions.step_id, courseSteps))),
    // Each requirement table shown in the courses, with the participant's counts over its current serials.
    db
      .select({
        requirement_table_id: requirementTables.id,
        total: requirementTables.requirement_count,
        submitted_at: requirementSubmissions.submitted_at,
        approved_at: requirementSubmissions.approved_at,
        completed: rowCount("completed", "rows_completed"),
        approved: rowCount("approved", "rows_approved"),
      })
      .from(requirementTables)
      .leftJoin(
        requirementSubmissions,
        and(eq(requirementSubmissions.requirement_table_id, requirementTables.id), eq(requirementSubmissions.participant_id, participantId)),
      )
      .where(
        inArray(
          requirementTables.id,
          db
            .select({ id: materials.requirement_table_id })
            .from(materials)
            .where(and(inArray(materials.step_id, courseSteps), isNotNull(materials.requirement_table_id), isNull(materials.archived_at))),
        ),
      ),
    db
      .select({
        id: formSubmissions.id,
        form_id: formSubmissions.form_id,
        step_id: formSubmissions.step_id,
        course_id: formSubmissions.course_id,
        attempt_number: formSubmissions.attempt_number,
        submission_status: formSubmissions.submission_status,
        started_at: formSubmissions.started_at,
        deadline_at: formSubmissions.deadline_at,
        submitted_at: formSubmissions.submitted_at,
        mcq_score: formSubmissions.mcq_score,
        theory_score: formSubmissions.theory_score,
        total_score: formSubmissions.total_score,
        feedback: formSubmissions.feedback,
        is_late: formSubmissions.is_late,
      })
      .from(formSubmissions)
      .where(and(eq(formSubmissions.participant_id, participantId), inArray(formSubmissions.course_id, courseIds)))
      .orderBy(asc(formSubmissions.attempt_number)),
  ] as const;
}

type Reads = ReturnType<typeof progressReads>;
type Resolved<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };
export type ProgressRows = Resolved<Reads>;
export type CourseRow = ProgressRows[0][number];
export type StepRow = ProgressRows[1][number];
export type MaterialRow = ProgressRows[2][number];
export type AttemptRow = ProgressRows[6][number];

export type CourseProgress = {
  course: CourseRow;
  enrolled: boolean;
  enrollment: ProgressRows[3][number] | undefined;
  steps: StepRow[];
  materials: MaterialRow[];
  attempts: AttemptRow[];
  completed: Set<string>;
  /** The participant's counts per requirement table shown in the course. */
  tables: Map<string, RequirementProgress>;
  state: CourseState;
};

export type RequirementProgress = { completed: number; approved: number; total: number; is_submitted: boolean };

/** Sums over the distinct requirement tables of some materials; null when they show none. */
export function requirementStatus(p: CourseProgress, materialRows: readonly MaterialRow[]) {
  const ids = new Set(materialRows.map((m) => m.requirement_table_id).filter((id): id is string => id !== null));
  if (ids.size === 0) return null;
  const sum = { completed: 0, approved: 0, total: 0 };
  for (const id of ids) {
    const t = p.tables.get(id);
    if (!t) continue;
    sum.completed += t.completed;
    sum.approved += t.approved;
    sum.total += t.total;
  }
  return sum;
}

/** Groups the batch's rows per course and derives each course's state with the pure rules. */
export function deriveProgress(rows: Readonly<ProgressRows>): Map<string, CourseProgress> {
  const [courseRows, stepRows, materialRows, enrollmentRows, completionRows, tableRows, attemptRows] = rows;
  const completed = new Set(completionRows.map((r) => r.material_id));
  const approvedTables = new Set(tableRows.filter((r) => r.approved_at !== null).map((r) => r.requirement_table_id));
  const tables = new Map(
    tableRows.map((r) => [
      r.requirement_table_id,
      { completed: r.completed, approved: r.approved, total: r.total, is_submitted: r.submitted_at !== null },
    ]),
  );
  const result = new Map<string, CourseProgress>();
  const ordered = [...courseRows].sort((a, b) => a.order_index - b.order_index || (a.id < b.id ? -1 : 1));
  for (const course of ordered) {
    const courseSteps = stepRows.filter((s) => s.course_id === course.id);
    const stepIds = new Set(courseSteps.map((s) => s.id));
    const courseMaterials = materialRows.filter((m) => stepIds.has(m.step_id));
    const attempts = attemptRows.filter((a) => a.course_id === course.id);
    const enrollment = enrollmentRows.find((e) => e.course_id === course.id);
    const state = courseState(courseSteps, courseMaterials, {
      enrolled: enrollment !== undefined,
      start_step_id: enrollment?.start_step_id ?? null,
      completed_material_ids: completed,
      approved_table_ids: approvedTables,
      attempts: attempts as (AttemptFacts & AttemptRow)[],
    });
    result.set(course.id, { course, enrolled: enrollment !== undefined, enrollment, steps: courseSteps, materials: courseMaterials, attempts, completed, tables, state });
  }
  return result;
}

/** The course of a step, as an SQL expression usable inside `progressReads`. */
export const courseOfStep = (stepId: string) => sql`(SELECT ${steps.course_id} FROM ${steps} WHERE ${steps.id} = ${stepId})`;
export const courseOfMaterial = (materialId: string) =>
  sql`(SELECT ${steps.course_id} FROM ${steps} WHERE ${steps.id} = (SELECT ${materials.step_id} FROM ${materials} WHERE ${materials.id} = ${materialId}))`;
/**
 * A page of the courses a participant is enrolled in, in course order (keyset on order_index, id).
 * `activeOnly` for participants: an unpublished course is not theirs to see, even when enrolled.
 */
export const enrolledCourses = (participantId: string, after: CursorValues | null = null, limit = 1000, activeOnly = false) =>
  sql`(SELECT c.id FROM ${courses} c JOIN ${enrollments} e ON e.course_id = c.id
       WHERE e.participant_id = ${participantId} AND c.archived_at IS NULL ${activeOnly ? sql`AND c.is_active = 1` : sql``}
       ${after ? sql`AND (c.order_index > ${after[0]} OR (c.order_index = ${after[0]} AND c.id > ${after[1]}))` : sql``}
       ORDER BY c.order_index, c.id LIMIT ${limit})`;
export const oneCourse = (courseId: string) => sql`(${courseId})`;

/** Why a participant may not work on a step right now, or null when they may. */
export function stepGate(progress: CourseProgress | undefined, stepId: string): ApiError | null {
  if (!progress?.enrolled) return new ApiError(409, "not_enrolled", "Enrol in this course first");
  const state = progress.state.byId.get(stepId);
  if (!state) return notFound("Step", stepId);
  if (state.is_locked) return new ApiError(409, "step_locked", "This step is locked until the step before it is completed");
  return null;
}

/**
 * Writes that follow a course's completion: the enrolment is stamped completed and, when the course
 * continues (`next_course_id`), the participant is enrolled in the next one. `guard` makes every write
 * conditional (e.g. on the approving decision being the one stored).
 */
export function completionWrites(
  db: Db,
  participantId: string,
  course: { id: string; next_course_id: string | null },
  options: { completed: boolean; enrolNext: boolean; stamp: string; newId: string; guard?: SQL },
) {
  const guard = options.guard ?? sql`1`;
  const writes = [];
  if (options.completed)
    writes.push(
      db
        .update(enrollments)
        .set({ completed_at: options.stamp })
        .where(and(eq(enrollments.participant_id, participantId), eq(enrollments.course_id, course.id), isNull(enrollments.completed_at), guard)),
    );
  if (options.enrolNext && course.next_course_id)
    writes.push(enrollWrite(db, participantId, sql`(SELECT ${course.next_course_id} WHERE ${guard})`, options.newId, options.stamp));
  return writes;
}

/** The rows as they will be once `materialIds` are marked complete: lets a handler decide before writing. */
export function withCompleted(rows: Readonly<ProgressRows>, materialIds: string[]): ProgressRows {
  const next = [...rows] as unknown as ProgressRows;
  next[4] = [...rows[4], ...materialIds.map((material_id) => ({ material_id }))];
  return next;
}

/** Completion writes when marking materials finishes the course (a last step without an exam). */
export function completionAfterMarking(
  db: Db,
  participantId: string,
  rows: Readonly<ProgressRows>,
  courseId: string,
  materialIds: string[],
  stamp: string,
  newId: string,
) {
  const before = deriveProgress(rows).get(courseId);
  const after = deriveProgress(withCompleted(rows, materialIds)).get(courseId);
  const completed = !!before && !!after && !before.state.is_completed && after.state.is_completed;
  return {
    after,
    writes: completed ? completionWrites(db, participantId, after.course, { completed: true, enrolNext: true, stamp, newId }) : [],
  };
}

/**
 * Progress views are reads too: an open attempt whose time ran out is closed before it is shown, so no
 * view ever reports an expired attempt as in progress. Costs extra round trips only when one exists.
 */
export async function closingExpired(db: Db, rows: Readonly<ProgressRows>, now: Date, graceSeconds: number): Promise<Readonly<ProgressRows>> {
  const limit = now.getTime() - graceSeconds * 1000;
  // At most 100 per read (one bound parameter each); the cron and later reads close any others.
  const expired = rows[6]
    .filter((a) => a.submission_status === "InProgress" && a.deadline_at !== null && Date.parse(a.deadline_at) < limit)
    .slice(0, 100);
  if (expired.length === 0) return rows;
  const full = await db.select().from(formSubmissions).where(inArray(formSubmissions.id, expired.map((a) => a.id)));
  const closed = new Map((await closeExpiredNow(db, full)).map((r) => [r.id, r]));
  const next = [...rows] as unknown as ProgressRows;
  next[6] = rows[6].map((a) => {
    const r = closed.get(a.id);
    return r ? { ...a, submission_status: r.submission_status, submitted_at: r.submitted_at, mcq_score: r.mcq_score, is_late: r.is_late } : a;
  });
  return next;
}

/** Courses in which a requirement table is shown by a live material. */
export const coursesShowingTable = (tableId: string) =>
  sql`(SELECT s.course_id FROM ${steps} s JOIN ${materials} m ON m.step_id = s.id
       WHERE m.requirement_table_id = ${tableId} AND m.archived_at IS NULL AND s.archived_at IS NULL)`;

/**
 * After a participant's table was approved: any course it finished (its last open requirement was this
 * table) is stamped completed and continues into its next course, as a finishing exam or material would.
 */
export async function completeCoursesAfterTableApproval(db: Db, participantId: string, tableId: string, stamp: string, newId: () => string) {
  const after = await db.batch(progressReads(db, participantId, coursesShowingTable(tableId)));
  const before = [...after] as unknown as ProgressRows;
  before[5] = after[5].map((t) => (t.requirement_table_id === tableId ? { ...t, approved_at: null } : t));
  const was = deriveProgress(before);
  const writes = [...deriveProgress(after).values()].flatMap((p) =>
    p.state.is_completed && !was.get(p.course.id)?.state.is_completed
      ? completionWrites(db, participantId, p.course, { completed: true, enrolNext: true, stamp, newId: newId() })
      : [],
  );
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
}
