import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { DrawnRef, Section } from "../domain/banks";
import type { CertificateConfig } from "../domain/certificates";
import type { Answers } from "../domain/exams";
import {
  AUDIT_ACTIONS,
  AUDIT_ENTITY_TYPES,
  DELIVERY_STATUSES,
  GRANT_ROLES,
  MATERIAL_TYPES,
  QUESTION_TYPES,
  type Question,
  ROLES,
  SUBMISSION_STATUSES,
  WEBHOOK_EVENT_TYPES,
} from "../domain/vocabulary";

/*
 * One schema for the whole API. Conventions:
 * - ids are 24-hex strings made by src/lib/ids.ts; timestamps are ISO 8601 UTC text.
 * - authored content (courses, steps, materials, forms, requirement tables) is never erased once a
 *   participant has touched it: `archived_at` hides it from every participant-facing read while the
 *   history that points at it (submissions, grades, progress) stays joinable.
 * - JSON columns hold small documents that are always read and written whole (questions, requirements,
 *   material content), which keeps a form or a table one row and one read.
 */

const timestamps = {
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
};

export const courses = sqliteTable(
  "courses",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    image_url: text("image_url"),
    previous_course_id: text("previous_course_id"),
    next_course_id: text("next_course_id"),
    default_step_id: text("default_step_id"),
    order_index: integer("order_index").notNull().default(0),
    is_active: integer("is_active", { mode: "boolean" }).notNull().default(true),
    is_default: integer("is_default", { mode: "boolean" }).notNull().default(false),
    // Bumped by triggers (migration 0005) on every change to the course, its steps, materials, exams and
    // requirement tables: the key of the per-isolate structure cache (src/progress/structure-cache.ts).
    structure_version: integer("structure_version").notNull().default(0),
    // JSON `{enabled, achievement_name, description, criteria}` (domain/certificates.ts) or null: whether completing
    // the course issues an Open Badges 3.0 certificate, and what it says.
    certificate: text("certificate", { mode: "json" }).$type<CertificateConfig>(),
    ...timestamps,
    created_by: text("created_by").notNull(),
    archived_at: text("archived_at"),
  },
  (t) => [
    // "Exactly one default course" is held by the database, not by read-then-write.
    uniqueIndex("courses_one_default").on(t.is_default).where(sql`${t.is_default} = 1`),
    // A course is the previous (next) of at most one course: the chain stays a chain.
    uniqueIndex("courses_previous_unique").on(t.previous_course_id).where(sql`${t.previous_course_id} IS NOT NULL`),
    uniqueIndex("courses_next_unique").on(t.next_course_id).where(sql`${t.next_course_id} IS NOT NULL`),
    // Not led by archived_at: "archived_at IS NULL" would make SQLite prefer this index over id lookups.
    index("courses_by_order").on(t.order_index, t.id),
    index("courses_default_step").on(t.default_step_id),
  ],
);

export const steps = sqliteTable(
  "steps",
  {
    id: text("id").primaryKey(),
    course_id: text("course_id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    order_index: integer("order_index").notNull().default(0),
    previous_step_id: text("previous_step_id"),
    unlock_on_exam_pass: integer("unlock_on_exam_pass", { mode: "boolean" }).notNull().default(true),
    exam_id: text("exam_id"),
    ...timestamps,
    created_by: text("created_by").notNull(),
    archived_at: text("archived_at"),
  },
  (t) => [
    index("steps_course_order").on(t.course_id, t.order_index),
    index("steps_previous").on(t.previous_step_id),
    // One exam per step, and a form is the exam of at most one step.
    uniqueIndex("steps_exam_unique").on(t.exam_id).where(sql`${t.exam_id} IS NOT NULL AND ${t.archived_at} IS NULL`),
    // Unlinking an exam looks steps up by exam_id whatever their archive state.
    index("steps_exam").on(t.exam_id),
  ],
);

export const materials = sqliteTable(
  "materials",
  {
    id: text("id").primaryKey(),
    step_id: text("step_id").notNull(),
    material_type: text("material_type", { enum: MATERIAL_TYPES }).notNull(),
    title: text("title").notNull(),
    description: text("description"),
    content: text("content", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    // Copied out of `content` so "which materials show this table" is an indexed lookup.
    requirement_table_id: text("requirement_table_id"),
    order_index: integer("order_index").notNull().default(0),
    is_mandatory: integer("is_mandatory", { mode: "boolean" }).notNull().default(true),
    // An uploaded file in R2 (server-made key). While attached, `content.url` points at the API's download
    // path; the stored content keeps any external URL, which shows again when the file is removed.
    file_key: text("file_key"),
    file_size: integer("file_size"),
    file_content_type: text("file_content_type"),
    file_sha256: text("file_sha256"),
    file_uploaded_at: text("file_uploaded_at"),
    ...timestamps,
    created_by: text("created_by").notNull(),
    archived_at: text("archived_at"),
  },
  (t) => [index("materials_step_order").on(t.step_id, t.order_index), index("materials_requirement_table").on(t.requirement_table_id)],
);

export type QuestionRecord = Question;

export const forms = sqliteTable(
  "forms",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    step_id: text("step_id"),
    duration_minutes: integer("duration_minutes").notNull(),
    total_marks: real("total_marks").notNull(),
    passing_marks: real("passing_marks").notNull(),
    max_attempts: integer("max_attempts").notNull(),
    passing_percentage: real("passing_percentage").notNull(),
    questions: text("questions", { mode: "json" }).notNull().$type<QuestionRecord[]>(),
    question_count: integer("question_count").notNull(),
    // Optional window (ISO 8601 UTC): starts outside it are refused; an attempt's deadline never passes the end.
    available_from: text("available_from"),
    available_until: text("available_until"),
    // Each attempt draws `questions_per_attempt` questions (all when null) and orders them and their options by
    // its own stored permutation (domain/forms.ts drawAttempt).
    shuffle_questions: integer("shuffle_questions", { mode: "boolean" }).notNull().default(false),
    shuffle_options: integer("shuffle_options", { mode: "boolean" }).notNull().default(false),
    questions_per_attempt: integer("questions_per_attempt"),
    // Bank sections each attempt draws from (domain/banks.ts drawSections), beside the inline questions; null: none.
    sections: text("sections", { mode: "json" }).$type<Section[]>(),
    ...timestamps,
    created_by: text("created_by").notNull(),
    archived_at: text("archived_at"),
  },
  (t) => [index("forms_step").on(t.step_id, t.archived_at)],
);

export type RequirementRecord = {
  serial_number: number;
  activity: string;
  target: number;
  unit: string;
};

export const requirementTables = sqliteTable(
  "requirement_tables",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    step_id: text("step_id"),
    requirements: text("requirements", { mode: "json" }).notNull().$type<RequirementRecord[]>(),
    requirement_count: integer("requirement_count").notNull(),
    ...timestamps,
    created_by: text("created_by").notNull(),
    archived_at: text("archived_at"),
  },
  (t) => [index("requirement_tables_step").on(t.step_id, t.archived_at)],
);

/* ---- participant state: written by the participant journey, read here to decide archive vs erase ---- */

export const enrollments = sqliteTable(
  "enrollments",
  {
    id: text("id").primaryKey(),
    participant_id: text("participant_id").notNull(),
    course_id: text("course_id").notNull(),
    // Where this enrolment began (default_step_id or the first step); steps before it are waived. The
    // current step is derived from completions on every read, never stored, so it cannot go stale.
    start_step_id: text("start_step_id"),
    enrolled_at: text("enrolled_at").notNull(),
    completed_at: text("completed_at"),
  },
  (t) => [
    uniqueIndex("enrollments_participant_course").on(t.participant_id, t.course_id),
    // A course's enrolments in participant order: the reports' keyset pages (and every "enrolled in this course" read).
    index("enrollments_course_participant").on(t.course_id, t.participant_id),
    index("enrollments_start_step").on(t.start_step_id),
  ],
);

export const materialCompletions = sqliteTable(
  "material_completions",
  {
    participant_id: text("participant_id").notNull(),
    material_id: text("material_id").notNull(),
    step_id: text("step_id").notNull(),
    completed_at: text("completed_at").notNull(),
  },
  (t) => [
    uniqueIndex("material_completions_pk").on(t.participant_id, t.material_id),
    index("material_completions_material").on(t.material_id),
    index("material_completions_step").on(t.step_id, t.participant_id),
  ],
);

export const formSubmissions = sqliteTable(
  "form_submissions",
  {
    id: text("id").primaryKey(),
    form_id: text("form_id").notNull(),
    step_id: text("step_id").notNull(),
    course_id: text("course_id").notNull(),
    participant_id: text("participant_id").notNull(),
    attempt_number: integer("attempt_number").notNull(),
    submission_status: text("submission_status", { enum: SUBMISSION_STATUSES }).notNull(),
    started_at: text("started_at").notNull(),
    deadline_at: text("deadline_at"),
    submitted_at: text("submitted_at"),
    // The questions as they were when the attempt started: later edits of the form never re-score history.
    questions_snapshot: text("questions_snapshot", { mode: "json" }).$type<QuestionRecord[]>(),
    // `{}` until the first autosave; either list may be absent (none answered).
    answers: text("answers", { mode: "json" }).$type<Partial<Answers>>(),
    mcq_score: real("mcq_score"),
    theory_score: real("theory_score"),
    total_score: real("total_score"),
    feedback: text("feedback"),
    // Marks per THEORY question id, set by managers' grading.
    theory_grades: text("theory_grades", { mode: "json" }).$type<Record<string, number>>(),
    retake_reason: text("retake_reason"),
    // Submitted after the deadline, within the grace period (or closed automatically at expiry).
    is_late: integer("is_late", { mode: "boolean" }).notNull().default(false),
    auto_submitted: integer("auto_submitted", { mode: "boolean" }).notNull().default(false),
    reviewed_by: text("reviewed_by"),
    reviewed_at: text("reviewed_at"),
    // The duration this attempt was given (the form's, an override's, plus an accommodation's extra time);
    // null on attempts started before accommodations existed: the form's duration then.
    effective_duration_minutes: integer("effective_duration_minutes"),
    // A manager's review claim (a lease): while claim_expires_at is in the future, only claimed_by decides.
    claimed_by: text("claimed_by"),
    claim_expires_at: text("claim_expires_at"),
    // The bank questions this attempt drew, each at the version it was shown; null when it drew none.
    question_refs: text("question_refs", { mode: "json" }).$type<DrawnRef[]>(),
    // The attempt's questions as shown, by reference: a question_sets row (shared by every attempt shown the same
    // list). Attempts started before it existed keep `questions_snapshot` until the backfill moves them.
    question_set: text("question_set"),
  },
  (t) => [
    uniqueIndex("form_submissions_attempt").on(t.participant_id, t.form_id, t.attempt_number),
    // At most one open attempt per participant and exam, held by the database.
    uniqueIndex("form_submissions_one_open").on(t.participant_id, t.form_id).where(sql`${t.submission_status} = 'InProgress'`),
    index("form_submissions_participant").on(t.participant_id, t.course_id),
    index("form_submissions_open_by_deadline").on(t.deadline_at).where(sql`${t.submission_status} = 'InProgress'`),
    // Review queues read a page along these, oldest first, without touching decided submissions.
    index("form_submissions_pending").on(t.submitted_at, t.id).where(sql`${t.submission_status} IN ('Submitted', 'UnderReview')`),
    index("form_submissions_pending_course")
      .on(t.course_id, t.submitted_at, t.id)
      .where(sql`${t.submission_status} IN ('Submitted', 'UnderReview')`),
    index("form_submissions_pending_step")
      .on(t.step_id, t.submitted_at, t.id)
      .where(sql`${t.submission_status} IN ('Submitted', 'UnderReview')`),
    index("form_submissions_participant_started").on(t.participant_id, t.started_at, t.id),
    // An exam's attempts by id: the responses report's keyset pages (and every "attempts of this form" read).
    index("form_submissions_form_id").on(t.form_id, t.id),
    index("form_submissions_step").on(t.step_id, t.submission_status),
    index("form_submissions_course").on(t.course_id, t.submission_status),
    // The backfill's queue: attempts whose questions are still copied in full (only old ones).
    index("form_submissions_unmoved").on(t.id).where(sql`${t.question_set} IS NULL AND ${t.questions_snapshot} IS NOT NULL`),
  ],
);

export const requirementSubmissions = sqliteTable(
  "requirement_submissions",
  {
    id: text("id").primaryKey(),
    requirement_table_id: text("requirement_table_id").notNull(),
    participant_id: text("participant_id").notNull(),
    created_at: text("created_at").notNull(),
    submitted_at: text("submitted_at"),
    // Set when every current row is approved; this is what completes the RequirementTable material.
    approved_at: text("approved_at"),
    // A manager's review claim (a lease), as on form_submissions.
    claimed_by: text("claimed_by"),
    claim_expires_at: text("claim_expires_at"),
  },
  (t) => [
    // One submission per participant and table: concurrent first reads create one.
    uniqueIndex("requirement_submissions_participant_table").on(t.participant_id, t.requirement_table_id),
    index("requirement_submissions_table").on(t.requirement_table_id, t.submitted_at),
    index("requirement_submissions_pending")
      .on(t.submitted_at, t.id)
      .where(sql`${t.submitted_at} IS NOT NULL AND ${t.approved_at} IS NULL`),
  ],
);

/**
 * One row per filled requirement, keyed by the table's serial number so that edits of the table never
 * rewrite participants' data. Rows are separate so a participant's edit and a manager's approval of
 * another row never overwrite each other.
 */
export const requirementRows = sqliteTable(
  "requirement_rows",
  {
    submission_id: text("submission_id").notNull(),
    serial_number: integer("serial_number").notNull(),
    completed: integer("completed", { mode: "boolean" }).notNull().default(false),
    completed_value: real("completed_value"),
    remarks: text("remarks"),
    completed_at: text("completed_at"),
    // null: not reviewed; true: approved; false: rejected (the participant must update and resubmit).
    approved: integer("approved", { mode: "boolean" }),
    approved_by: text("approved_by"),
    approved_at: text("approved_at"),
    approval_remarks: text("approval_remarks"),
    updated_at: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("requirement_rows_pk").on(t.submission_id, t.serial_number)],
);

/**
 * Idempotency-Key records for exam submits and review decisions: a replay of the same key by the same caller
 * gets the first response; the same key with another request is refused. `status` null = still running.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    caller_id: text("caller_id").notNull(),
    key: text("key").notNull(),
    scope: text("scope").notNull(),
    request_hash: text("request_hash").notNull(),
    status: integer("status"),
    response: text("response"),
    // The participant whose data the stored reply carries (its top-level `participant_id`), whoever the caller:
    // erasing that participant erases the reply too.
    subject_id: text("subject_id"),
    created_at: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("idempotency_keys_pk").on(t.caller_id, t.key),
    index("idempotency_keys_created").on(t.created_at),
    index("idempotency_keys_subject").on(t.subject_id),
  ],
);

/**
 * Per-participant accommodations, across every exam: extra time (percent of each attempt's duration) and extra
 * attempts. Applied to attempts started after they are set; an attempt in progress keeps its deadline.
 */
export const accommodations = sqliteTable("accommodations", {
  participant_id: text("participant_id").primaryKey(),
  extra_time_percent: integer("extra_time_percent").notNull().default(0),
  extra_attempts: integer("extra_attempts").notNull().default(0),
  note: text("note"),
  updated_by: text("updated_by").notNull(),
  updated_at: text("updated_at").notNull(),
});

/** Per-exam, per-participant overrides of the form's duration, attempts and closing time. */
export const examOverrides = sqliteTable(
  "exam_overrides",
  {
    form_id: text("form_id").notNull(),
    participant_id: text("participant_id").notNull(),
    duration_minutes: integer("duration_minutes"),
    max_attempts: integer("max_attempts"),
    available_until: text("available_until"),
    updated_by: text("updated_by").notNull(),
    updated_at: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("exam_overrides_pk").on(t.form_id, t.participant_id), index("exam_overrides_participant").on(t.participant_id)],
);

/**
 * Who did what, when: one row per audited change, written in the batch of the change itself (db/journal.ts).
 * Append-only: triggers (migration 0008) abort any UPDATE or DELETE. `changes` is `{field: [before, after]}`
 * and never holds exam answers or file contents.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    at: text("at").notNull(),
    actor_id: text("actor_id").notNull(),
    actor_role: text("actor_role", { enum: ROLES }).notNull(),
    action: text("action", { enum: AUDIT_ACTIONS }).notNull(),
    entity_type: text("entity_type", { enum: AUDIT_ENTITY_TYPES }).notNull(),
    entity_id: text("entity_id").notNull(),
    request_id: text("request_id").notNull(),
    changes: text("changes", { mode: "json" }).notNull().$type<Record<string, [unknown, unknown]>>(),
  },
  (t) => [
    // GET /audit-events filters by one of these and pages along (at, id).
    index("audit_events_by_time").on(t.at, t.id),
    index("audit_events_entity").on(t.entity_type, t.entity_id, t.at, t.id),
    index("audit_events_actor").on(t.actor_id, t.at, t.id),
    index("audit_events_action").on(t.action, t.at, t.id),
  ],
);

/** Webhook subscriptions. Deleting one stamps `deleted_at`: its deliveries stay readable. */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    url: text("url").notNull(),
    events: text("events", { mode: "json" }).notNull().$type<string[]>(),
    description: text("description"),
    // The signing secret (`whsec_…`): returned once, by the create call, and used by the queue consumer.
    secret: text("secret").notNull(),
    created_by: text("created_by").notNull(),
    created_at: text("created_at").notNull(),
    deleted_at: text("deleted_at"),
  },
  (t) => [index("webhooks_live").on(t.deleted_at, t.created_at)],
);

/**
 * The outbox: every webhook event, written in the batch of the change it reports. `enqueued_at` is stamped once
 * the event is on the Queue; the cron re-sends rows still unsent a minute after they were written.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    type: text("type", { enum: WEBHOOK_EVENT_TYPES }).notNull(),
    data: text("data", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    created_at: text("created_at").notNull(),
    enqueued_at: text("enqueued_at"),
  },
  (t) => [
    index("webhook_events_unsent").on(t.created_at).where(sql`${t.enqueued_at} IS NULL`),
    // The housekeeping cron's purge of rows enqueued more than 30 days ago (sent rows only).
    index("webhook_events_enqueued").on(t.enqueued_at).where(sql`${t.enqueued_at} IS NOT NULL`),
    // Erasing a participant deletes the outbox rows about them (every event's data names its participant_id).
    index("webhook_events_participant").on(sql`json_extract(${t.data}, '$.participant_id')`),
  ],
);

/** One row per (webhook, event): its state, attempts and the receiver's last answer. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhook_id: text("webhook_id").notNull(),
    event_id: text("event_id").notNull(),
    event_type: text("event_type", { enum: WEBHOOK_EVENT_TYPES }).notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    last_response_code: integer("last_response_code"),
    last_error: text("last_error"),
    next_retry_at: text("next_retry_at"),
    created_at: text("created_at").notNull(),
    updated_at: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_pk").on(t.webhook_id, t.event_id),
    index("webhook_deliveries_by_webhook").on(t.webhook_id, t.created_at, t.id),
    // The consumer reads an event's deliveries so far on every message (the unique index leads with webhook_id).
    index("webhook_deliveries_by_event").on(t.event_id),
  ],
);

/**
 * Course staff: what a `staff` token may do in one course (domain/authority.ts). `cohort_ids` limits a grader or
 * observer to those cohorts' participants; null reaches the whole course. Revoking deletes the row: the audit log
 * (`grant.set`, `grant.revoked`) keeps who held what, when.
 */
export const courseStaff = sqliteTable(
  "course_staff",
  {
    course_id: text("course_id").notNull(),
    staff_id: text("staff_id").notNull(),
    role: text("role", { enum: GRANT_ROLES }).notNull(),
    cohort_ids: text("cohort_ids", { mode: "json" }).$type<string[]>(),
    granted_by: text("granted_by").notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("course_staff_pk").on(t.course_id, t.staff_id),
    // A staff request reads its own grants: by subject.
    index("course_staff_by_staff").on(t.staff_id),
  ],
);

/** Cohorts (sections, groups) of a course. Archiving stamps `archived_at`: memberships and grants naming it stay. */
export const cohorts = sqliteTable(
  "cohorts",
  {
    id: text("id").primaryKey(),
    course_id: text("course_id").notNull(),
    name: text("name").notNull(),
    created_by: text("created_by").notNull(),
    ...timestamps,
    archived_at: text("archived_at"),
  },
  (t) => [
    index("cohorts_by_course").on(t.course_id, t.archived_at, t.id),
    // Two live cohorts of a course never share a name (compared without case).
    uniqueIndex("cohorts_live_name").on(t.course_id, sql`lower(${t.name})`).where(sql`${t.archived_at} IS NULL`),
  ],
);

/** A participant's place in a cohort; one participant may be in several cohorts of a course. */
export const cohortMembers = sqliteTable(
  "cohort_members",
  {
    cohort_id: text("cohort_id").notNull(),
    participant_id: text("participant_id").notNull(),
    added_by: text("added_by").notNull(),
    added_at: text("added_at").notNull(),
  },
  (t) => [
    // Keyset pages of a cohort's members walk this index (cohort_id, participant_id).
    uniqueIndex("cohort_members_pk").on(t.cohort_id, t.participant_id),
    // A participant's cohorts (grant limits, erasure).
    index("cohort_members_by_participant").on(t.participant_id),
  ],
);

/** Question banks, shared across courses and exams. Deleting archives: forms and attempts that used them keep working. */
export const questionBanks = sqliteTable(
  "question_banks",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    created_by: text("created_by").notNull(),
    ...timestamps,
    archived_at: text("archived_at"),
  },
  (t) => [index("question_banks_live").on(t.archived_at, t.id)],
);

/**
 * Immutable question versions, addressed by the SHA-256 of their canonical JSON (domain/banks.ts
 * canonicalQuestion): a version is written once, whoever uses it.
 */
export const questionVersions = sqliteTable("question_versions", {
  hash: text("hash").primaryKey(),
  body: text("body", { mode: "json" }).notNull().$type<Omit<QuestionRecord, "question_id">>(),
  created_at: text("created_at").notNull(),
});

/**
 * The ordered questions one or more attempts were shown: `items` is `[[question_id, version hash], …]`, the set's
 * key the SHA-256 of that JSON. An exam that neither draws nor shuffles gives all its attempts one set.
 */
export const questionSets = sqliteTable("question_sets", {
  hash: text("hash").primaryKey(),
  items: text("items", { mode: "json" }).notNull().$type<[string, string][]>(),
  created_at: text("created_at").notNull(),
});

/** A bank's questions at their current version; `question_text` and `question_type` copy it for search and lists. */
export const bankQuestions = sqliteTable(
  "bank_questions",
  {
    id: text("id").primaryKey(),
    bank_id: text("bank_id").notNull(),
    version: integer("version").notNull(),
    version_hash: text("version_hash").notNull(),
    question_type: text("question_type", { enum: QUESTION_TYPES }).notNull(),
    question_text: text("question_text").notNull(),
    name: text("name"),
    tags: text("tags", { mode: "json" }).notNull().$type<string[]>(),
    created_by: text("created_by").notNull(),
    updated_by: text("updated_by").notNull(),
    ...timestamps,
    archived_at: text("archived_at"),
  },
  (t) => [index("bank_questions_by_bank").on(t.bank_id, t.archived_at, t.id)],
);

/** Every version a bank question has had; `used_at` is stamped when an attempt first draws it (it is then frozen). */
export const bankQuestionVersions = sqliteTable(
  "bank_question_versions",
  {
    question_id: text("question_id").notNull(),
    version: integer("version").notNull(),
    hash: text("hash").notNull(),
    created_by: text("created_by").notNull(),
    created_at: text("created_at").notNull(),
    used_at: text("used_at"),
  },
  (t) => [uniqueIndex("bank_question_versions_pk").on(t.question_id, t.version)],
);

/** A live bank question's tags, one row each, for drawing and listing by tag along the index. */
export const bankQuestionTags = sqliteTable(
  "bank_question_tags",
  {
    bank_id: text("bank_id").notNull(),
    tag: text("tag").notNull(),
    question_id: text("question_id").notNull(),
  },
  (t) => [
    uniqueIndex("bank_question_tags_pk").on(t.bank_id, t.tag, t.question_id),
    index("bank_question_tags_by_question").on(t.question_id),
  ],
);

/**
 * The version of an exam's results: bumped in the batch of every write that changes what its item analytics read
 * (a submit, an attempt closed at its deadline, a grade, an erasure), and the analytics last computed with the
 * version they were computed at. A stored figure is served only while its version is the current one; a write racing
 * a computation moves the version on, so the late computation is never served.
 */
export const examResults = sqliteTable("exam_results", {
  form_id: text("form_id").primaryKey(),
  version: integer("version").notNull().default(0),
  analytics_version: integer("analytics_version"),
  analytics: text("analytics"),
});

/**
 * A course-completion certificate (issue #28): written in the batch that stamps the enrolment's `completed_at`
 * (progress/milestones.ts), with what the credential will say frozen at that moment; signed as an Open Badges 3.0
 * VC-JWT on its first read (certificates/), when its revocation bit is allocated. Never deleted: revocation
 * flips its bit in the status list instead. The id is 96 random bits (it is the public URL).
 */
export const certificates = sqliteTable(
  "certificates",
  {
    id: text("id").primaryKey(),
    participant_id: text("participant_id").notNull(),
    course_id: text("course_id").notNull(),
    issued_at: text("issued_at").notNull(),
    course_name: text("course_name").notNull(),
    course_description: text("course_description"),
    config: text("config", { mode: "json" }).$type<CertificateConfig>().notNull(),
    recipient_name: text("recipient_name"),
    recipient_email_hash: text("recipient_email_hash"),
    recipient_salt: text("recipient_salt"),
    status_list_id: text("status_list_id"),
    status_index: integer("status_index"),
    kid: text("kid"),
    credential_jwt: text("credential_jwt"),
    signed_at: text("signed_at"),
    revoked_at: text("revoked_at"),
    revoked_by: text("revoked_by"),
    revocation_reason: text("revocation_reason"),
    // The participant's data was erased: the row stays as a tombstone holding its revoked status bit (copies
    // handed out fail verification), without the person or the credential; its public reads are 404.
    erased_at: text("erased_at"),
  },
  (t) => [
    // Completing a course again (a retake, a re-approval) never issues a second certificate.
    uniqueIndex("certificates_participant_course").on(t.participant_id, t.course_id),
    // One certificate per bit: two first reads racing for the same random index cannot both take it.
    uniqueIndex("certificates_status_entry").on(t.status_list_id, t.status_index).where(sql`${t.status_list_id} IS NOT NULL`),
    // The revoked bits of one list, read whole each time the list is served.
    index("certificates_revoked_in_list").on(t.status_list_id, t.status_index).where(sql`${t.revoked_at} IS NOT NULL`),
  ],
);

/** W3C Bitstring Status Lists (revocation): a certificate takes a random free bit of the newest list with room. */
export const statusLists = sqliteTable("status_lists", {
  id: text("id").primaryKey(),
  created_at: text("created_at").notNull(),
});
