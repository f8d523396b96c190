import { z } from "@hono/zod-openapi";
import { MARKS_STEP, MAX_QUESTION_MARKS } from "../domain/forms";
import { QUESTION_TYPES, SUBMISSION_STATUSES } from "../domain/vocabulary";
import { fields, objectId, participantId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { claimedQuery, claimFields } from "../review/claims";
import { AnswersSchema, McqAnswerSchema, TheoryAnswerSchema } from "../shared/answers";
import { QuestionSchema } from "../shared/questions";

const questionId = () => z.string().min(1).max(64);

export { AnswersSchema };

export const PublicQuestionSchema = z
  .object({
    question_id: z.string(),
    question_type: z.enum(QUESTION_TYPES),
    question_text: z.string(),
    options: z.array(z.object({ option_id: z.string(), text: z.string() })),
    marks: z.number(),
    max_words: z.number().int().nullable(),
  })
  .openapi("PublicQuestion");

export const ExamAttemptSchema = z
  .object({
    submission_id: z.string(),
    form: z.object({
      id: z.string(),
      name: z.string(),
      duration_minutes: z.number().int(),
      questions: z.array(PublicQuestionSchema),
    }),
    duration_minutes: z.number().int(),
    started_at: fields.timestamp(),
    attempt_number: z.number().int(),
    deadline_at: fields.timestamp(),
    remaining_seconds: z.number().int(),
    effective_duration_minutes: z.number().int().openapi({
      description:
        "The duration this attempt was given: the form's (or the participant's override), plus any accommodation's extra time. `deadline_at` is the earlier of start + this and the exam's (overridden) `available_until`.",
    }),
    answers: AnswersSchema.openapi({ description: "Answers autosaved so far (empty on a new attempt)" }),
  })
  .openapi("ExamAttempt");

export const SubmitResultSchema = z
  .object({
    submission_id: z.string(),
    mcq_score: z.number(),
    theory_score: z.number().nullable(),
    total_score: z.number().nullable().openapi({ description: "MCQ + THEORY once no answer waits for a grade; else null" }),
    submission_status: z.literal("Submitted"),
    submitted_at: fields.timestamp(),
    is_late: z.boolean(),
  })
  .openapi("SubmitResult");

export const AutosaveResultSchema = z
  .object({
    submission_id: z.string(),
    saved_at: fields.timestamp(),
    deadline_at: fields.timestamp(),
    remaining_seconds: z.number().int(),
  })
  .openapi("AutosaveResult");

export const SubmissionSummarySchema = z
  .object({
    submission_id: z.string(),
    participant_id: z.string(),
    form_id: z.string(),
    form_name: z.string().nullable(),
    step_id: z.string(),
    step_name: z.string().nullable(),
    course_id: z.string(),
    course_name: z.string().nullable(),
    mcq_score: z.number().nullable(),
    theory_score: z.number().nullable(),
    total_score: z.number().nullable(),
    submission_status: z.enum(SUBMISSION_STATUSES),
    started_at: fields.timestamp(),
    deadline_at: fields.timestamp().nullable(),
    submitted_at: fields.timestamp().nullable(),
    attempt_number: z.number().int(),
    is_late: z.boolean(),
    feedback: z.string().nullable(),
  })
  .openapi("SubmissionSummary");

export const PendingSubmissionSchema = SubmissionSummarySchema.extend(claimFields).openapi("PendingSubmission");

export const SubmissionDetailSchema = SubmissionSummarySchema.omit({ form_name: true, course_name: true })
  .extend({
    auto_submitted: z.boolean(),
    retake_reason: z.string().nullable(),
    reviewed_by: z.string().nullable(),
    reviewed_at: fields.timestamp().nullable(),
    questions: z.array(
      QuestionSchema.extend({
        participant_answer: z
          .union([McqAnswerSchema, TheoryAnswerSchema])
          // Two shapes with no common tag: their required fields tell them apart, so exactly one matches.
          .openapi({}, { unionPreferredType: "oneOf" })
          .nullable()
          .openapi({ description: "An McqAnswer on an MCQ, a TheoryAnswer on a THEORY question; null: not answered" }),
        marks_awarded: z.number().nullable().optional().openapi({ description: "THEORY questions" }),
      }),
    ),
    form: z.object({ total_marks: z.number(), passing_marks: z.number() }),
    attempt: z.object({ total_marks: z.number(), passing_marks: z.number() }).openapi({
      description:
        "This attempt's own totals: the marks of the questions it drew (all of them without a draw), and the form's passing_percentage of that",
    }),
  })
  .openapi("SubmissionDetail");

export const GradeSchema = z
  .object({
    theory_grades: z
      .array(
        z
          .object({
            question_id: questionId(),
            marks_awarded: z
              .number()
              .min(0)
              .max(MAX_QUESTION_MARKS)
              .multipleOf(MARKS_STEP, `marks_awarded must be a multiple of ${MARKS_STEP}`)
              .openapi({ description: `0 … the question's marks, in steps of ${MARKS_STEP}` }),
          })
          .strict(),
      )
      .min(1)
      .max(200),
    feedback: z.string().max(5000).nullable().optional(),
  })
  .strict()
  .openapi("Grade");

export const ApproveSchema = z
  .object({ feedback: z.string().max(5000).nullable().optional(), unlock_next_course: z.boolean().optional() })
  .strict()
  .openapi("Approve");
export const RejectSchema = z
  .object({ feedback: z.string().max(5000).nullable().optional() })
  .strict()
  .openapi("Reject");
export const RetakeSchema = z
  .object({ reason: z.string().max(5000).nullable().optional() })
  .strict()
  .openapi("RequestRetake");

export const ReviewResultSchema = z
  .object({
    message: z.string(),
    submission_id: z.string(),
    submission_status: z.enum(SUBMISSION_STATUSES),
  })
  .openapi("ReviewResult");

export const ApproveResultSchema = z
  .object({
    message: z.string(),
    next_step_unlocked: z.boolean(),
    next_step_id: z.string().nullable(),
    course_completed: z.boolean(),
    next_course_id: z.string().nullable().openapi({ description: "The course the participant was enrolled in next, if any" }),
  })
  .openapi("ApproveResult");

export const SubmissionParams = z.object({ submission_id: objectId("submission_id") });
export const PendingQuery = z.object({
  step_id: objectId("step_id").optional(),
  course_id: objectId("course_id").optional(),
  ...claimedQuery,
  ...pageQuery,
});
export const PageQuery = z.object(pageQuery);
export const ParticipantParams = z.object({ participant_id: participantId() });
