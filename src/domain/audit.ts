/** What an audited change did: `{field: [before, after]}`. */
export type Changes = Record<string, [unknown, unknown]>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * `{field: [before, after]}` for the fields that differ between two views of one thing (`before` null: it was
 * created; `after` null: it was deleted). Only `fields` are compared, so callers name what may be recorded —
 * never answers, secrets or file contents.
 */
export function changesBetween<T extends Record<string, unknown>>(
  before: Partial<T> | null | undefined,
  after: Partial<T> | null | undefined,
  fields: readonly (keyof T & string)[],
): Changes {
  const changes: Changes = {};
  for (const field of fields) {
    const was = before ? (before[field] ?? null) : null;
    const is = after ? (after[field] ?? null) : null;
    if (!same(was, is)) changes[field] = [was, is];
  }
  return changes;
}

/* ------------------------------------------ what is recorded, per entity ------------------------------------------ */

/**
 * What the audit log records of each audited thing: the fields `changesBetween` compares. Listing them here,
 * field by field, is what keeps exam questions and options, `is_correct`, answers, requirement texts, file
 * contents and storage keys out of the log — a form is recorded by its counts and settings, a file by its size,
 * type and digest. The log outlives a participant's erasure, so nothing a person wrote about a participant
 * (an accommodation's note) is recorded either: only whether there is one.
 */

export const COURSE_FIELDS = [
  "name",
  "description",
  "image_url",
  "previous_course_id",
  "next_course_id",
  "default_step_id",
  "order_index",
  "is_active",
  "is_default",
  "certificate",
] as const;

export const STEP_FIELDS = [
  "course_id",
  "name",
  "description",
  "order_index",
  "previous_step_id",
  "unlock_on_exam_pass",
  "exam_id",
] as const;

export const MATERIAL_FIELDS = [
  "step_id",
  "material_type",
  "title",
  "description",
  // Links and titles a material points at (a video's URL, a book's) — never an uploaded file's bytes.
  "content",
  "requirement_table_id",
  "order_index",
  "is_mandatory",
  "file_size",
  "file_content_type",
  "file_sha256",
] as const;

export const MATERIAL_FILE_FIELDS = ["file_size", "file_content_type", "file_sha256"] as const;

export const FORM_FIELDS = [
  "name",
  "description",
  "step_id",
  "duration_minutes",
  "total_marks",
  "passing_marks",
  "passing_percentage",
  "max_attempts",
  "question_count",
  "available_from",
  "available_until",
  "shuffle_questions",
  "shuffle_options",
  "questions_per_attempt",
] as const;

export const TABLE_FIELDS = ["name", "description", "step_id", "requirement_count"] as const;

export const BANK_FIELDS = ["name", "description"] as const;
/** A bank question's audited facts: never its text or options (the audit log holds no exam content). */
export const BANK_QUESTION_FIELDS = ["version", "question_type", "marks", "tags", "name"] as const;

export const ACCOMMODATION_FIELDS = ["extra_time_percent", "extra_attempts", "has_note"] as const;

export const OVERRIDE_FIELDS = ["duration_minutes", "max_attempts", "available_until"] as const;

/** Where a webhook sends which events: never its signing secret, which would let anyone reading the log forge deliveries. */
export const WEBHOOK_FIELDS = ["url", "events", "description"] as const;

/** What a review decision records: its status, marks and scores; of the reviewer's text only whether there is one. */
export const REVIEW_FIELDS = [
  "submission_status",
  "theory_grades",
  "mcq_score",
  "theory_score",
  "total_score",
  "has_feedback",
  "has_retake_reason",
] as const;

type Reviewed = {
  submission_status: string;
  theory_grades: Record<string, number> | null;
  mcq_score: number | null;
  theory_score: number | null;
  total_score: number | null;
  feedback: string | null;
  retake_reason: string | null;
};

const reviewView = (s: Reviewed) => ({
  submission_status: s.submission_status,
  theory_grades: s.theory_grades,
  mcq_score: s.mcq_score,
  theory_score: s.theory_score,
  total_score: s.total_score,
  has_feedback: Boolean(s.feedback),
  has_retake_reason: Boolean(s.retake_reason),
});

/** A decision's diff: the submission as read, and the fields the decision sets. */
export const reviewChanges = (before: Reviewed, set: Partial<Reviewed>) =>
  changesBetween(reviewView(before), reviewView(patched(before, set)), REVIEW_FIELDS);

/** A requirement row's review: `rows.<serial>.approved`, and whether it has remarks when that changes. */
export function rowReviewChanges(
  serial: number,
  before: { approved: boolean | null; approval_remarks: string | null } | undefined,
  after: { approved: boolean; approval_remarks?: string | null },
): Changes {
  const had = Boolean(before?.approval_remarks);
  const has = Boolean(after.approval_remarks);
  return {
    [`rows.${serial}.approved`]: [before?.approved ?? null, after.approved],
    ...(had !== has ? { [`rows.${serial}.has_approval_remarks`]: [had, has] } : {}),
  };
}

/**
 * A row as it will be after a partial update: the patch's defined fields over the row (drizzle's `.set`
 * skips `undefined` the same way), so the diff is computed from what the write will store.
 */
export function patched<T extends Record<string, unknown>>(row: T, patch: Partial<Record<keyof T, unknown>>): T {
  const out: Record<string, unknown> = { ...row };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) out[key] = value;
  return out as T;
}

/** A course's steps in the order participants meet them: by order_index, then id (as `courseSteps` reads them). */
export function stepOrder(stepsInOrder: { id: string; order_index: number }[]): string[] {
  return [...stepsInOrder].sort((a, b) => a.order_index - b.order_index || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((s) => s.id);
}
