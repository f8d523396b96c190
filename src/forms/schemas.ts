import { z } from "@hono/zod-openapi";
import { QUESTION_TYPES } from "../domain/vocabulary";
import { fields, objectId, participantId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { QuestionInputSchema, QuestionSchema, SectionSchema } from "../shared/questions";

export { OptionInputSchema, QuestionInputSchema } from "../shared/questions";

const formFields = {
  name: fields.name(),
  description: fields.description().optional(),
  step_id: objectId("step_id").nullable().optional(),
  duration_minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  total_marks: z.number().positive().max(2_000_000).optional(),
  passing_marks: z.number().min(0).max(2_000_000).optional(),
  max_attempts: z.number().int().min(1).max(100).optional(),
  passing_percentage: z.number().min(0).max(100).optional(),
  questions: z
    .array(QuestionInputSchema)
    .max(200)
    .openapi({ description: "At least one, unless `sections` draw questions from banks (then it may be empty)" }),
  sections: z
    .array(SectionSchema)
    .max(20)
    .nullable()
    .optional()
    .openapi({ description: "Bank sections: each attempt draws its own questions from them, beside the inline `questions`" }),
  available_from: fields.utcTime().nullable().optional().openapi({ description: "Starts before this are refused (`exam_not_open`)" }),
  available_until: fields
    .utcTime()
    .nullable()
    .optional()
    .openapi({ description: "Starts from this time are refused (`exam_closed`); an attempt's deadline never passes it" }),
  shuffle_questions: z.boolean().optional().openapi({ description: "Each attempt orders the questions by its own permutation" }),
  shuffle_options: z.boolean().optional().openapi({ description: "Each attempt orders every MCQ's options by its own permutation" }),
  questions_per_attempt: z
    .number()
    .int()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .openapi({ description: "Each attempt draws this many questions at random (≤ the number of questions); null: all" }),
};

export const CreateFormSchema = z
  .object(formFields)
  .strict()
  .superRefine((form, ctx) => {
    if (form.questions.length === 0 && !form.sections?.length)
      ctx.addIssue({ code: "custom", path: ["questions"], message: "a form needs at least one question, or sections that draw them" });
  })
  .openapi("CreateForm");
export const UpdateFormSchema = z
  .object({
    ...formFields,
    name: formFields.name.optional(),
    duration_minutes: formFields.duration_minutes.optional(),
    questions: formFields.questions.optional(),
  })
  .strict()
  .openapi("UpdateForm");

export const FormSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    step_id: z.string().nullable(),
    duration_minutes: z.number().int(),
    total_marks: z.number(),
    passing_marks: z.number(),
    max_attempts: z.number().int(),
    passing_percentage: z.number(),
    questions: z.array(QuestionSchema).openapi({
      description:
        "Managers: every question, with `is_correct`. Participants: without `is_correct`, and empty when the form draws or shuffles (`questions_hidden`)",
    }),
    question_count: z
      .number()
      .int()
      .openapi({ description: "How many questions the form holds (an attempt of a drawing form gets `questions_per_attempt` of them)" }),
    questions_hidden: z.boolean().openapi({
      description:
        "True when `questions` is empty because the form draws or shuffles and the caller is a participant: each attempt shows its own",
    }),
    available_from: fields.timestamp().nullable(),
    available_until: fields.timestamp().nullable(),
    shuffle_questions: z.boolean(),
    shuffle_options: z.boolean(),
    questions_per_attempt: z.number().int().nullable(),
    sections: z
      .array(SectionSchema)
      .nullable()
      .openapi({ description: "Bank sections each attempt draws from (null: none; not shown to participants)" }),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
  })
  .openapi("Form");

/** A list row: the form without its questions (their count instead) and without timestamps. */
export const FormSummarySchema = FormSchema.omit({
  questions: true,
  questions_hidden: true,
  sections: true,
  created_at: true,
  updated_at: true,
}).openapi("FormSummary");

export const FormParams = z.object({ form_id: objectId("form_id") });
export const ListFormsQuery = z.object({ step_id: objectId("step_id").optional(), ...pageQuery });

/* Per-exam, per-participant overrides (domain/exams.ts effectiveTerms): each field replaces the form's for them. */
export const OverrideParams = z.object({ form_id: objectId("form_id"), participant_id: participantId() });
export const OverrideInputSchema = z
  .object({
    duration_minutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .nullable()
      .optional(),
    max_attempts: z.number().int().min(1).max(100).nullable().optional(),
    available_until: fields.utcTime().nullable().optional().openapi({ description: "This participant's own closing time" }),
  })
  .strict()
  .openapi("ExamOverrideInput");
export const OverrideSchema = z
  .object({
    form_id: z.string(),
    participant_id: z.string(),
    duration_minutes: z.number().int().nullable(),
    max_attempts: z.number().int().nullable(),
    available_until: fields.timestamp().nullable(),
    updated_by: z.string(),
    updated_at: fields.timestamp(),
  })
  .openapi("ExamOverride");
export const ListOverridesQuery = z.object({ ...pageQuery });

export const FormAnalyticsSchema = z
  .object({
    form_id: z.string(),
    attempts: z.number().int().openapi({ description: "Scored attempts: every status but InProgress" }),
    score: z.object({
      mean: z.number().nullable().openapi({ description: "Mean percentage score (each attempt against its own questions' marks)" }),
      median: z.number().nullable(),
      stdev: z.number().nullable().openapi({ description: "Sample standard deviation (n − 1); null below 2 attempts" }),
      histogram: z.array(z.number().int()).openapi({ description: "Attempts per 10-point band of percentage score: [0,10) … [90,100]" }),
    }),
    questions: z.array(
      z.object({
        question_id: z.string(),
        version: z.number().int().nullable().openapi({
          description: "A bank question: the version these figures are for (one entry per version attempts drew); null: the form's own",
        }),
        question_type: z.enum(QUESTION_TYPES),
        marks: z.number(),
        scored: z.number().int().openapi({ description: "Attempts with a known mark for it (drawn; THEORY: graded)" }),
        answered: z.number().int(),
        mean_marks: z.number().nullable(),
        difficulty: z.number().nullable().openapi({ description: "mean_marks ÷ marks" }),
        discrimination: z
          .number()
          .nullable()
          .openapi({ description: "Point-biserial (Pearson) correlation with the rest of the score; null below 5 attempts" }),
        options: z
          .array(z.object({ option_id: z.string(), text: z.string(), is_correct: z.boolean(), selected: z.number().int() }))
          .optional(),
      }),
    ),
    reliability: z.object({
      method: z.enum(["KR-20", "cronbach_alpha"]),
      value: z.number().nullable().openapi({ description: "null below 5 attempts or when scores do not vary" }),
    }),
  })
  .openapi("FormAnalytics");
