import { and, eq, sql } from "drizzle-orm";
import { liveStep } from "../content/steps";
import { steps } from "../db/schema";
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

export { examLinkWrites, findStepWithExam, liveStep } from "../content/steps";

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
