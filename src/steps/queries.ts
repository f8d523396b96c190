import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { courses, forms, steps } from "../db/schema";
import type { Db } from "../db/types";

export type StepRow = typeof steps.$inferSelect;

export function toStep(row: StepRow) {
  return {
    id: row.id,
    course_id: row.course_id,
    name: row.name,
    description: row.description,
    order_index: row.order_index,
    previous_step_id: row.previous_step_id,
    unlock_on_exam_pass: row.unlock_on_exam_pass,
    exam_id: row.exam_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    created_by: row.created_by,
  };
}

export const liveStep = isNull(steps.archived_at);

export const findStep = (db: Db, id: string) =>
  db
    .select()
    .from(steps)
    .where(and(eq(steps.id, id), liveStep));

/**
 * A step with its course's visibility and its exam's summary, in one read. Joined columns get unique
 * aliases: D1's batch results are keyed by column name, so two `id` columns would overwrite each other.
 */
export const findStepWithExam = (db: Db, id: string) =>
  db
    .select({
      step: steps,
      course_active: sql<number>`${courses.is_active}`.as("course_active"),
      exam_id: sql<string | null>`${forms.id}`.as("exam_form_id"),
      exam_name: sql<string | null>`${forms.name}`.as("exam_name"),
      exam_duration: sql<number | null>`${forms.duration_minutes}`.as("exam_duration"),
      exam_total: sql<number | null>`${forms.total_marks}`.as("exam_total"),
      exam_passing: sql<number | null>`${forms.passing_marks}`.as("exam_passing"),
    })
    .from(steps)
    .innerJoin(courses, and(eq(courses.id, steps.course_id), isNull(courses.archived_at)))
    .leftJoin(forms, and(eq(forms.id, steps.exam_id), isNull(forms.archived_at)))
    .where(and(eq(steps.id, id), liveStep));

export function examInfo(row: {
  exam_id: string | null;
  exam_name: string | null;
  exam_duration: number | null;
  exam_total: number | null;
  exam_passing: number | null;
}) {
  if (row.exam_id === null) return null;
  return {
    id: row.exam_id,
    name: row.exam_name!,
    duration_minutes: row.exam_duration!,
    total_marks: row.exam_total!,
    passing_marks: row.exam_passing!,
  };
}

/** `previous_step_id` of every live step of a course: input of the loop check. */
export const coursePreviousLinks = (db: Db, courseId: string) =>
  db
    .select({ id: steps.id, previous_step_id: steps.previous_step_id })
    .from(steps)
    .where(and(eq(steps.course_id, courseId), liveStep));

export const nextStepOrder = (courseId: string) =>
  sql<number>`(SELECT COALESCE(MAX(${steps.order_index}) + 1, 0) FROM ${steps} WHERE ${steps.course_id} = ${courseId} AND ${steps.archived_at} IS NULL)`;

/**
 * Writes that make `formId` the exam of `stepId` (or of no step when `stepId` is null), keeping the
 * invariant `forms.step_id = S` ⇔ `steps(S).exam_id = form` in one batch: the form leaves any other
 * step, and the step's previous exam stops pointing at it.
 */
export function examLinkWrites(db: Db, stepId: string | null, formId: string, stamp: string) {
  const unlinkElsewhere = db
    .update(steps)
    .set({ exam_id: null, updated_at: stamp })
    .where(stepId ? and(eq(steps.exam_id, formId), ne(steps.id, stepId)) : eq(steps.exam_id, formId));
  if (!stepId) return [unlinkElsewhere, db.update(forms).set({ step_id: null, updated_at: stamp }).where(eq(forms.id, formId))] as const;
  return [
    unlinkElsewhere,
    db
      .update(forms)
      .set({ step_id: null, updated_at: stamp })
      .where(and(eq(forms.step_id, stepId), ne(forms.id, formId))),
    db.update(forms).set({ step_id: stepId, updated_at: stamp }).where(eq(forms.id, formId)),
    db
      .update(steps)
      .set({ exam_id: formId, updated_at: stamp })
      .where(and(eq(steps.id, stepId), liveStep)),
  ] as const;
}
