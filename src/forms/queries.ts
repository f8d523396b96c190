import { and, eq, isNull } from "drizzle-orm";
import { forms } from "../db/schema";
import { poolIsPrivate, publicQuestions } from "../domain/forms";
import type { Caller } from "../env";

export type FormRow = typeof forms.$inferSelect;

/** A form that is not deleted (deleting archives it: attempts keep pointing at it). */
export const liveForm = isNull(forms.archived_at);
/** The live form with this id. */
export const liveFormWithId = (formId: string) => and(eq(forms.id, formId), liveForm);

/**
 * A form as the caller may see it: participants never receive `is_correct`. Course staff read it as its authors do
 * (they reach only forms of their own courses: visibility's `formVisible`).
 */
export function toForm(row: FormRow, caller: Caller) {
  const authoring = caller.role !== "participant";
  const hidden = !authoring && poolIsPrivate(row);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    step_id: row.step_id,
    duration_minutes: row.duration_minutes,
    total_marks: row.total_marks,
    passing_marks: row.passing_marks,
    max_attempts: row.max_attempts,
    passing_percentage: row.passing_percentage,
    questions: authoring ? row.questions : hidden ? [] : publicQuestions(row.questions),
    question_count: row.question_count,
    questions_hidden: hidden,
    available_from: row.available_from,
    available_until: row.available_until,
    shuffle_questions: row.shuffle_questions,
    shuffle_options: row.shuffle_options,
    questions_per_attempt: row.questions_per_attempt,
    sections: authoring ? (row.sections ?? null) : null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
