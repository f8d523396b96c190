import { and, eq, sql } from "drizzle-orm";
import { steps } from "../db/schema";
import type { Db } from "../db/types";
import { liveStep } from "../shared/steps";

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

export const findStep = (db: Db, id: string) =>
  db
    .select()
    .from(steps)
    .where(and(eq(steps.id, id), liveStep));

export function examInfo(row: {
  exam_id: string | null;
  exam_name: string | null;
  exam_duration: number | null;
  exam_total: number | null;
  exam_passing: number | null;
}) {
  const { exam_id: id, exam_name: name, exam_duration: duration_minutes, exam_total: total_marks, exam_passing: passing_marks } = row;
  if (id === null) return null;
  // All five come from one left-joined form row, whose columns are NOT NULL: with its id, the rest are there.
  if (name === null || duration_minutes === null || total_marks === null || passing_marks === null)
    throw new Error(`exam '${id}' was read without its name, duration or marks`);
  return { id, name, duration_minutes, total_marks, passing_marks };
}

/** `previous_step_id` of every live step of a course: input of the loop check. */
export const coursePreviousLinks = (db: Db, courseId: string) =>
  db
    .select({ id: steps.id, previous_step_id: steps.previous_step_id })
    .from(steps)
    .where(and(eq(steps.course_id, courseId), liveStep));

export const nextStepOrder = (courseId: string) =>
  sql<number>`(SELECT COALESCE(MAX(${steps.order_index}) + 1, 0) FROM ${steps} WHERE ${steps.course_id} = ${courseId} AND ${steps.archived_at} IS NULL)`;
