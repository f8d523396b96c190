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
