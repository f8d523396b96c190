/**
 * Every closed vocabulary of the API, each defined once. The `as const` lists feed the drizzle column enums
 * (db/schema.ts), the zod enums (and so the OpenAPI document) and the TypeScript types below.
 */

/** An exam attempt's status (FormSubmissionStatus in the spec, plus `InProgress` for an open attempt). */
export const SUBMISSION_STATUSES = ["InProgress", "Submitted", "UnderReview", "Approved", "Rejected", "RetakeRequested"] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** What a step shows of its exam (StepExamStatus in the spec). */
export const EXAM_STATUSES = ["NotStarted", "InProgress", "Submitted", "Approved", "Rejected"] as const;
export type ExamStatus = (typeof EXAM_STATUSES)[number];

export const MATERIAL_TYPES = ["Video", "BookLink", "Document", "Audio", "RequirementTable"] as const;
export type MaterialType = (typeof MATERIAL_TYPES)[number];

/** Stored and answered question types. */
export const QUESTION_TYPES = ["MCQ", "THEORY"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
/** Accepted on input: `Theory` (the spec's spelling in one example) is stored as `THEORY`. */
export const QUESTION_TYPE_INPUTS = ["MCQ", "THEORY", "Theory"] as const;

export type QuestionOption = { option_id: string; text: string; is_correct: boolean };

/** A question as stored in a form and snapshotted into each attempt. */
export type Question = {
  question_id: string;
  question_type: QuestionType;
  question_text: string;
  options: QuestionOption[];
  marks: number;
  max_words: number | null;
};

/** What an audit event is about (audit_events.entity_type). */
export const AUDIT_ENTITY_TYPES = [
  "course",
  "step",
  "material",
  "form",
  "requirement_table",
  "form_submission",
  "requirement_submission",
  "participant",
  "webhook",
  "grant",
  "cohort",
  "question_bank",
  "bank_question",
  "certificate",
] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/**
 * What was done (audit_events.action): `<entity>.<verb>`. Accommodations, exam overrides and cohort memberships
 * (`cohort.member_*`) are recorded on the participant they are for (their `changes` name the form or cohort), so
 * one participant's history is one query.
 */
export const AUDIT_ACTIONS = [
  "course.created",
  "course.updated",
  "course.deleted",
  "course.set_default",
  "course.steps_reordered",
  "step.created",
  "step.updated",
  "step.deleted",
  "step.exam_linked",
  "material.created",
  "material.updated",
  "material.deleted",
  "material.file_uploaded",
  "material.file_deleted",
  "form.created",
  "form.updated",
  "form.deleted",
  "requirement_table.created",
  "requirement_table.updated",
  "requirement_table.deleted",
  "submission.graded",
  "submission.approved",
  "submission.rejected",
  "submission.retake_requested",
  "submission.claim_forced",
  "requirement_submission.row_approved",
  "requirement_submission.row_rejected",
  "requirement_submission.approved",
  "requirement_submission.claim_forced",
  "participant.accommodation_set",
  "participant.accommodation_deleted",
  "participant.override_set",
  "participant.override_deleted",
  "participant.exported",
  "participant.erased",
  "webhook.created",
  "webhook.deleted",
  "grant.set",
  "grant.revoked",
  "cohort.created",
  "cohort.renamed",
  "cohort.archived",
  "cohort.member_added",
  "cohort.member_removed",
  "question_bank.created",
  "question_bank.updated",
  "question_bank.deleted",
  "question_bank.imported",
  "bank_question.created",
  "bank_question.updated",
  "bank_question.deleted",
  "certificate.revoked",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Events a webhook can subscribe to; each is written to the outbox in the batch of the change it reports. */
export const WEBHOOK_EVENT_TYPES = [
  "enrollment.created",
  "submission.submitted",
  "submission.graded",
  "submission.approved",
  "submission.rejected",
  "submission.retake_requested",
  "requirement_submission.submitted",
  "requirement_submission.approved",
  "course.completed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A webhook delivery's state: `pending` (being retried), `succeeded`, or `failed` (retries exhausted). */
export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Why a delivery's last try failed (`last_error`), in words a manager can act on. A network library's own text
 * can name hosts and addresses behind the receiver (an oracle for probing them), so only these are recorded; the
 * status of a non-2xx or 3xx answer is in `last_response_code`.
 */
export const DELIVERY_ERRORS = [
  "timeout",
  "connection_failed",
  "dns_error",
  "tls_error",
  "redirect",
  "non_2xx",
  "url_refused",
  "webhook_deleted",
  // The event's participant was erased before it was delivered (participants/data-rights.ts).
  "participant_erased",
] as const;
export type DeliveryError = (typeof DELIVERY_ERRORS)[number];

/**
 * A token's `role`. `manager`: the organisation-wide administrator; `participant`: a learner; `staff`: a teacher
 * whose rights come only from the course grants stored here (a staff token with none may only read its grants).
 */
export const ROLES = ["manager", "participant", "staff"] as const;
export type Role = (typeof ROLES)[number];

/** What a course grant makes its holder (course_staff.role). */
export const GRANT_ROLES = ["instructor", "grader", "observer"] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];
