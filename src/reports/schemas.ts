import { z } from "@hono/zod-openapi";
import { SUBMISSION_STATUSES } from "../domain/vocabulary";
import { boolQuery, fields, objectId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";

export const CourseParams = z.object({ course_id: objectId("course_id") });
export const FormParams = z.object({ form_id: objectId("form_id") });

/** `?format=` wins over `Accept`; both absent: JSON. */
const formatQuery = {
  format: z
    .enum(["json", "csv"])
    .optional()
    .openapi({ description: "`csv`: the whole report as one CSV file (as `Accept: text/csv`); default JSON, paginated" }),
  bom: boolQuery.optional().openapi({
    description: "CSV only: `true` starts the file with a UTF-8 byte-order mark, so Excel opens non-Latin names correctly",
  }),
};

export const GradebookQuery = z.object({
  cohort_id: objectId("cohort_id").optional().openapi({ description: "Only this cohort's members" }),
  ...formatQuery,
  ...pageQuery,
});

export const CompletionQuery = z.object({
  cohort_id: objectId("cohort_id").optional().openapi({ description: "Only this cohort's members" }),
  by_cohort: boolQuery.optional().openapi({ description: "`true`: the funnel of each cohort too (`cohorts`)" }),
  format: formatQuery.format,
  bom: formatQuery.bom,
});

export const ResponsesQuery = z.object({ ...formatQuery, ...pageQuery });

const score = z.number().nullable();

export const GradebookExamSchema = z
  .object({
    form_id: objectId("form_id"),
    form_name: z.string(),
    step_id: objectId("step_id"),
    best_score: score.openapi({ description: "Highest total score over the attempts that have one; null: none scored yet" }),
    latest_score: score.openapi({ description: "The latest attempt's total score (null until it is scored)" }),
    status: z
      .enum(SUBMISSION_STATUSES)
      .nullable()
      .openapi({ description: "The latest attempt's status; an attempt whose time ran out unseen shows as Submitted" }),
    attempts_used: z.number().int().min(0),
    is_late: z.boolean().nullable().openapi({ description: "Whether the latest attempt came in after its deadline; null: no attempt" }),
  })
  .openapi("GradebookExam");

export const GradebookRowSchema = z
  .object({
    participant_id: z.string(),
    cohorts: z.array(z.object({ cohort_id: objectId("cohort_id"), name: z.string() })),
    enrolled_at: fields.timestamp(),
    steps_completed: z.number().int().min(0),
    steps_total: z.number().int().min(0),
    current_step: z
      .object({ step_id: objectId("step_id"), step_name: z.string(), order_index: z.number().int() })
      .nullable()
      .openapi({ description: "The step they are on; null once every step is done" }),
    course_completed_at: fields.timestamp().nullable(),
    exams: z.array(GradebookExamSchema).openapi({ description: "One per exam of the course, in step order" }),
    requirement_tables: z.array(
      z.object({
        requirement_table_id: objectId("requirement_table_id"),
        name: z.string(),
        rows_approved: z.number().int().min(0),
        rows_total: z.number().int().min(0),
      }),
    ),
  })
  .openapi("GradebookRow");

const funnel = {
  enrolled: z.number().int().min(0).openapi({
    description:
      "Enrolled participants (the funnel's top; a step before an enrolment's start step is waived and counts as started and completed)",
  }),
  started: z.number().int().min(0),
  materials_done: z.number().int().min(0),
  exam_passed: z.number().int().min(0).nullable().openapi({
    description: "Participants whose attempt at the step's exam is approved (a waived step counts); null: the step has no exam",
  }),
  completed: z.number().int().min(0),
  median_days_to_complete: z
    .number()
    .nullable()
    .openapi({ description: "Median days from enrolment to the step's completion, over those who completed it" }),
};

export const CompletionStepSchema = z
  .object({ step_id: objectId("step_id"), step_name: z.string(), order_index: z.number().int(), ...funnel })
  .openapi("CompletionStep");

const CompletionFunnel = z.object({
  enrolled: z.number().int().min(0),
  completed: z.number().int().min(0).openapi({ description: "Participants whose course completion is stamped" }),
  median_days_to_complete: z.number().nullable(),
  steps: z.array(CompletionStepSchema),
});

export const CompletionSchema = z
  .object({
    course_id: objectId("course_id"),
    ...CompletionFunnel.shape,
    cohorts: z
      .array(z.object({ cohort_id: objectId("cohort_id"), name: z.string(), ...CompletionFunnel.shape }))
      .optional()
      .openapi({ description: "With `by_cohort=true`: the same funnel per cohort (a participant in two cohorts counts in both)" }),
  })
  .openapi("CourseCompletion");

export const ResponseRowSchema = z
  .object({
    submission_id: objectId("submission_id"),
    participant_id: z.string(),
    attempt_number: z.number().int().min(1),
    submission_status: z.enum(SUBMISSION_STATUSES),
    submitted_at: fields.timestamp().nullable(),
    question_id: z.string(),
    question_version: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The bank question's version shown; null for a form's own question" }),
    question_type: z.enum(["MCQ", "THEORY"]),
    question_text: z.string(),
    selected_option_id: z.string().nullable(),
    selected_option_text: z.string().nullable(),
    text_answer: z.string().nullable(),
    is_correct: z.boolean().nullable().openapi({ description: "MCQ: whether the chosen option was right; THEORY: null" }),
    marks_awarded: z.number().nullable().openapi({ description: "MCQ: scored when submitted; THEORY: null until graded" }),
    max_marks: z.number(),
    graded_by: z.string().nullable().openapi({ description: "THEORY: who reviewed the attempt; MCQ: null (scored automatically)" }),
  })
  .openapi("ResponseRow");
