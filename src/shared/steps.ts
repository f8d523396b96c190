/**
 * Reads and writes of steps that other features need: the exam pages read a step with its exam, and a form is
 * linked to a step from either side. Shared below the features so none imports another.
 */
import { z } from "@hono/zod-openapi";
import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { courses, forms, steps } from "../db/schema";
import type { Db } from "../db/types";
import { objectId } from "../lib/openapi";

export const StepParams = z.object({ step_id: objectId("step_id") });

export const liveStep = isNull(steps.archived_at);

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
  // A link is made only to a live form: one deleted by another request since the caller read it (archived or
  // erased) is linked to nothing, in the same transaction as the check.
  const formLive = sql`EXISTS (SELECT 1 FROM ${forms} WHERE ${forms.id} = ${formId} AND ${forms.archived_at} IS NULL)`;
  return [
    unlinkElsewhere,
    db
      .update(forms)
      .set({ step_id: null, updated_at: stamp })
      .where(and(eq(forms.step_id, stepId), ne(forms.id, formId), formLive)),
    db
      .update(forms)
      .set({ step_id: stepId, updated_at: stamp })
      .where(and(eq(forms.id, formId), isNull(forms.archived_at))),
    db
      .update(steps)
      .set({ exam_id: formId, updated_at: stamp })
      .where(and(eq(steps.id, stepId), liveStep, formLive)),
  ] as const;
}
