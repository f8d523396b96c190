import { z } from "@hono/zod-openapi";
import { EXAM_STATUSES, SUBMISSION_STATUSES } from "../domain/vocabulary";
import { fields, objectId, participantId, participantQuery } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { AnswersSchema } from "../shared/answers";
import { materialWith } from "../shared/materials";

const examStatus = z.enum(EXAM_STATUSES);

export const MyCoursesQuery = participantQuery.extend(pageQuery);

export const RequirementStatusSchema = z
  .object({ completed: z.number().int(), approved: z.number().int(), total: z.number().int() })
  .openapi("RequirementStatus");

export const MyCourseSchema = z
  .object({
    course_id: z.string(),
    course_name: z.string(),
    description: z.string().nullable(),
    image_url: z.string().nullable(),
    is_default: z.boolean(),
    current_step: z.object({ step_id: z.string(), step_name: z.string(), order_index: z.number().int() }).nullable(),
    progress: z.object({ completed_steps: z.number().int(), total_steps: z.number().int(), percentage: z.number().int() }),
    step_progress: z.object({ is_started: z.boolean(), materials_completed: z.boolean(), exam_status: examStatus }).nullable(),
    requirement_status: RequirementStatusSchema.nullable(),
    is_completed: z.boolean(),
  })
  .openapi("MyCourse");

export const CourseProgressSchema = z
  .object({
    course: z.object({ id: z.string(), name: z.string(), description: z.string().nullable() }),
    current_step_id: z.string().nullable(),
    current_step_order_index: z.number().int().nullable(),
    completed_step_ids: z.array(z.string()),
    is_completed: z.boolean(),
    steps: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string().nullable(),
        order_index: z.number().int(),
        is_locked: z.boolean(),
        is_completed: z.boolean(),
        exam_id: z.string().nullable(),
        exam_info: z.object({ id: z.string(), name: z.string(), duration_minutes: z.number().int() }).nullable(),
        progress: z.object({ is_started: z.boolean(), materials_completed: z.boolean(), exam_status: examStatus }),
        material_count: z.number().int(),
      }),
    ),
  })
  .openapi("CourseProgress");

export const ExamSubmissionBriefSchema = z
  .object({
    submission_id: z.string(),
    submission_status: z.enum(SUBMISSION_STATUSES),
    attempt_number: z.number().int(),
    mcq_score: z.number().nullable(),
    theory_score: z.number().nullable(),
    total_score: z.number().nullable(),
    started_at: fields.timestamp(),
    deadline_at: fields.timestamp().nullable(),
    submitted_at: fields.timestamp().nullable(),
    is_late: z.boolean(),
    feedback: z.string().nullable(),
  })
  .openapi("ExamSubmissionBrief");

export const StepProgressViewSchema = z
  .object({
    step: z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), order_index: z.number().int() }),
    progress: z.object({
      is_started: z.boolean(),
      is_locked: z.boolean(),
      materials_completed: z.boolean(),
      completed_materials: z.array(z.string()),
      exam_status: examStatus,
      is_completed: z.boolean(),
    }),
    materials: z.array(
      materialWith({
        is_completed: z.boolean(),
        requirement_progress: z
          .object({ completed: z.number().int(), approved: z.number().int(), total: z.number().int(), is_submitted: z.boolean() })
          .optional(),
      }),
    ),
    exam_submission: ExamSubmissionBriefSchema.nullable(),
  })
  .openapi("StepProgressView");

export const CourseIdParams = z.object({ course_id: objectId("course_id") });
export const StepIdParams = z.object({ step_id: objectId("step_id") });

/*
 * Data rights: a manager exports everything stored about one participant, or erases it. Participants exist
 * only as the `sub` of their tokens (there is no participant record), so "no such participant" and "nothing
 * stored" are the same answer: an empty export, an erase that removes nothing. Authored content and other
 * participants' data are untouched; every aggregate the API shows (pending queues, counts, progress) is computed
 * from the rows that remain, so nothing stored needs correcting after an erase.
 */

export const ParticipantIdParams = z.object({ participant_id: participantId() });

/*
 * The export's rows are the stored rows, column for column (db/schema.ts), so each names every column the
 * handler selects: a client reading a participant's copy knows each field, and a new column shows up here.
 */
const nullableTimestamp = () => fields.timestamp().nullable();
/**
 * A named row or null, as `oneOf [row, null]`: `.nullable()` on a named schema would make the component itself
 * nullable (or, given a description, an `allOf` that no null can match).
 */
const rowOrNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]).openapi({}, { unionPreferredType: "oneOf" });

export const ExportEnrollmentSchema = z
  .object({
    id: z.string(),
    participant_id: z.string(),
    course_id: z.string(),
    start_step_id: z.string().nullable().openapi({ description: "The step the enrolment began at; steps before it are waived" }),
    enrolled_at: fields.timestamp(),
    completed_at: nullableTimestamp(),
  })
  .openapi("ExportEnrollment");

export const ExportMaterialCompletionSchema = z
  .object({ participant_id: z.string(), material_id: z.string(), step_id: z.string(), completed_at: fields.timestamp() })
  .openapi("ExportMaterialCompletion");

export const ExportExamAttemptSchema = z
  .object({
    id: z.string(),
    form_id: z.string(),
    step_id: z.string(),
    course_id: z.string(),
    attempt_number: z.number().int(),
    submission_status: z.enum(SUBMISSION_STATUSES),
    started_at: fields.timestamp(),
    deadline_at: nullableTimestamp(),
    submitted_at: nullableTimestamp(),
    answers: rowOrNull(AnswersSchema).openapi({ description: "The answers saved or submitted (`{}` before the first autosave)" }),
    mcq_score: z.number().nullable(),
    theory_score: z.number().nullable(),
    total_score: z.number().nullable(),
    theory_grades: z
      .record(z.string(), z.number())
      .nullable()
      .openapi({ description: "Marks awarded per THEORY question id; null until graded" }),
    feedback: z.string().nullable(),
    retake_reason: z.string().nullable(),
    is_late: z.boolean(),
    auto_submitted: z.boolean(),
    reviewed_by: z.string().nullable(),
    reviewed_at: nullableTimestamp(),
  })
  .openapi("ExportExamAttempt");

export const ExportRequirementRowSchema = z
  .object({
    submission_id: z.string(),
    serial_number: z.number().int(),
    completed: z.boolean(),
    completed_value: z.number().nullable(),
    remarks: z.string().nullable(),
    completed_at: nullableTimestamp(),
    approved: z.boolean().nullable().openapi({ description: "null: not reviewed; true: approved; false: rejected" }),
    approved_by: z.string().nullable(),
    approved_at: nullableTimestamp(),
    approval_remarks: z.string().nullable(),
    updated_at: fields.timestamp(),
  })
  .openapi("ExportRequirementRow");

export const ExportRequirementSubmissionSchema = z
  .object({
    id: z.string(),
    requirement_table_id: z.string(),
    participant_id: z.string(),
    created_at: fields.timestamp(),
    submitted_at: nullableTimestamp(),
    approved_at: nullableTimestamp(),
    claimed_by: z.string().nullable().openapi({ description: "The manager holding a review claim on it, if any" }),
    claim_expires_at: nullableTimestamp(),
    rows: z.array(ExportRequirementRowSchema).openapi({ description: "Its filled rows, by serial_number" }),
  })
  .openapi("ExportRequirementSubmission");

export const ExportAccommodationSchema = z
  .object({
    participant_id: z.string(),
    extra_time_percent: z.number().int(),
    extra_attempts: z.number().int(),
    note: z.string().nullable(),
    updated_by: z.string(),
    updated_at: fields.timestamp(),
  })
  .openapi("ExportAccommodation");

export const ExportExamOverrideSchema = z
  .object({
    form_id: z.string(),
    participant_id: z.string(),
    duration_minutes: z.number().int().nullable(),
    max_attempts: z.number().int().nullable(),
    available_until: nullableTimestamp(),
    updated_by: z.string(),
    updated_at: fields.timestamp(),
  })
  .openapi("ExportExamOverride");

export const ExportCohortMembershipSchema = z
  .object({
    cohort_id: z.string(),
    course_id: z.string().openapi({ description: "The cohort's course" }),
    cohort_name: z.string(),
    added_by: z.string(),
    added_at: fields.timestamp(),
  })
  .openapi("ExportCohortMembership");

export const ParticipantExportSchema = z
  .object({
    participant_id: z.string(),
    exported_at: fields.timestamp(),
    enrollments: z.array(ExportEnrollmentSchema),
    material_completions: z.array(ExportMaterialCompletionSchema),
    exam_attempts: z.array(ExportExamAttemptSchema).openapi({ description: "Every attempt with its answers, scores, grades and feedback" }),
    requirement_submissions: z.array(ExportRequirementSubmissionSchema).openapi({ description: "Each with its filled `rows`" }),
    // No table holds files a participant uploaded, so there is no row to name: the list is declared empty.
    files: z
      .array(z.unknown())
      .max(0)
      .openapi({ description: "Files the participant uploaded: participants upload none in this API, so always empty" }),
    accommodations: rowOrNull(ExportAccommodationSchema).openapi({ description: "null: no accommodation set" }),
    exam_overrides: z.array(ExportExamOverrideSchema),
    cohort_memberships: z.array(ExportCohortMembershipSchema).openapi({ description: "The cohorts they are in, archived ones included" }),
    certificates: z
      .array(
        z
          .object({
            id: z.string(),
            course_id: z.string(),
            course_name: z.string(),
            issued_at: fields.timestamp(),
            recipient_name: z.string().nullable(),
            revoked_at: fields.timestamp().nullable(),
            credential_jwt: z.string().nullable().openapi({ description: "The signed credential; null until it is first read" }),
          })
          .openapi("ExportCertificate"),
      )
      .openapi({ description: "Their course certificates" }),
  })
  .openapi("ParticipantExport");

export const ErasureSchema = z
  .object({
    participant_id: z.string(),
    erased_at: fields.timestamp(),
    erased: z.object({
      enrollments: z.number().int(),
      material_completions: z.number().int(),
      exam_attempts: z.number().int(),
      requirement_submissions: z.number().int(),
      requirement_rows: z.number().int(),
      idempotency_keys: z.number().int().openapi({
        description:
          "Stored Idempotency-Key replies carrying the participant's data: their own, and managers' decisions on their submissions",
      }),
      accommodations: z.number().int(),
      exam_overrides: z.number().int(),
      cohort_memberships: z.number().int(),
      certificates: z.number().int().openapi({
        description:
          "Certificates revoked and emptied of the person and the credential; each stays as a tombstone holding its revoked status bit, so copies handed out fail verification",
      }),
      webhook_events: z.number().int().openapi({
        description: "Webhook outbox rows about the participant; deliveries of them still pending end as `failed` (`participant_erased`)",
      }),
    }),
  })
  .openapi("ParticipantErasure");

/* Accommodations: per participant, across every exam (domain/exams.ts effectiveTerms). */
export const AccommodationInputSchema = z
  .object({
    extra_time_percent: z.number().int().min(0).max(400).default(0).openapi({ description: "Added to every attempt's duration" }),
    extra_attempts: z.number().int().min(0).max(20).default(0).openapi({ description: "Added to every exam's max_attempts" }),
    note: z.string().max(500).nullable().optional().openapi({ description: "For managers only; never shown to the participant" }),
  })
  .strict()
  .openapi("AccommodationInput");

export const AccommodationSchema = z
  .object({
    participant_id: z.string(),
    extra_time_percent: z.number().int(),
    extra_attempts: z.number().int(),
    note: z.string().nullable(),
    updated_by: z.string().nullable().openapi({ description: "null when none was ever set" }),
    updated_at: fields.timestamp().nullable(),
  })
  .openapi("Accommodation");

export const MyAccommodationSchema = AccommodationSchema.omit({ note: true, updated_by: true }).openapi("MyAccommodation");
