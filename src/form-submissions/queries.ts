import { and, asc, eq, gt, lt, or, type SQL, sql } from "drizzle-orm";
import { submissionColumns } from "../db/attempts";
import { batch } from "../db/batch";
import { courses, formSubmissions, forms, steps } from "../db/schema";
import { statusLiteral, statusLiterals } from "../db/status";
import type { Db } from "../db/types";
import type { Capability } from "../domain/authority";
import { type Answers, AWAITING_REVIEW, answerableSince, answersOf, closeExpired, deadlineOf } from "../domain/exams";
import { attemptTotals, publicQuestions } from "../domain/forms";
import type { Caller } from "../env";
import { type EventWriter, outboxWriter } from "../journal";
import { now as clockNow } from "../lib/clock";
import type { CursorValues } from "../lib/pagination";
import { resultsChanged } from "../shared/exam-results";
import { staffGrantFor, staffReachSql } from "../visibility/grants";

export type SubmissionRow = typeof formSubmissions.$inferSelect;

/** The answers an attempt holds (none before its first autosave). */
export const savedAnswers = (row: Pick<SubmissionRow, "answers">): Answers => answersOf(row.answers ?? {});

/**
 * A submission with the names around it. Joined columns carry unique aliases: D1 batch rows are keyed by
 * column name, so a second `name` or `id` would overwrite the first.
 */
const withNames = {
  submission: submissionColumns,
  form_name: sql<string | null>`${forms.name}`.as("form_name"),
  form_total_marks: sql<number | null>`${forms.total_marks}`.as("form_total_marks"),
  form_passing_marks: sql<number | null>`${forms.passing_marks}`.as("form_passing_marks"),
  form_passing_percentage: sql<number | null>`${forms.passing_percentage}`.as("form_passing_percentage"),
  step_name: sql<string | null>`${steps.name}`.as("step_name"),
  course_name: sql<string | null>`${courses.name}`.as("course_name"),
  next_course_id: sql<string | null>`${courses.next_course_id}`.as("course_next_id"),
};

export const submissionsWithNames = (db: Db, where: SQL | undefined) =>
  db
    .select(withNames)
    .from(formSubmissions)
    .leftJoin(forms, eq(forms.id, formSubmissions.form_id))
    .leftJoin(steps, eq(steps.id, formSubmissions.step_id))
    .leftJoin(courses, eq(courses.id, formSubmissions.course_id))
    .where(where);

/**
 * Awaiting a manager's review: the pending lists and claims. Written as a literal so SQLite can use the partial
 * "pending" indexes (a bound list could not prove it matches their WHERE).
 */
export const awaitingReview = sql`${formSubmissions.submission_status} IN ${statusLiterals(AWAITING_REVIEW)}`;

/** A page of submissions ordered by `column` then id, after a keyset cursor. */
export function submissionPage(
  db: Db,
  where: SQL | undefined,
  column: "submitted_at" | "started_at",
  after: CursorValues | null,
  limit: number,
) {
  const col = formSubmissions[column];
  const keyset = after
    ? or(gt(col, after[0] as string), and(eq(col, after[0] as string), gt(formSubmissions.id, after[1] as string)))
    : undefined;
  return submissionsWithNames(db, and(where, keyset))
    .orderBy(asc(col), asc(formSubmissions.id))
    .limit(limit + 1);
}

export type NamedSubmission = Awaited<ReturnType<typeof submissionsWithNames>>[number];

export const findSubmission = (db: Db, id: string) => submissionsWithNames(db, eq(formSubmissions.id, id));

/** SQL: one column of a submission, as a subquery, so statements about it can sit in the batch that reads it. */
export const ofSubmission = (id: string, column: typeof formSubmissions.participant_id | typeof formSubmissions.course_id) =>
  sql`(SELECT ${column} FROM ${formSubmissions} WHERE ${formSubmissions.id} = ${id})`;

/**
 * For a staff caller: their grant in the submission's course, with its participant's cohorts (`staffAccessOf`);
 * null for anyone else. Read in the handler's own load batch.
 */
export const staffGrantOfSubmission = (db: Db, caller: Caller, id: string) =>
  caller.role === "staff"
    ? staffGrantFor(db, caller.id, ofSubmission(id, formSubmissions.course_id), ofSubmission(id, formSubmissions.participant_id))
    : null;

/** SQL for a staff caller's conditional writes and lists: the submission's participant is within their `capability`. */
export const staffReachesSubmission = (caller: Caller, capability: Capability) =>
  caller.role === "staff" ? staffReachSql(caller.id, formSubmissions.course_id, formSubmissions.participant_id, capability) : undefined;

/** Open attempts whose deadline and grace have passed, oldest first. */
export const expiredOpenAttempts = (db: Db, now: Date, graceSeconds: number, where?: SQL, limit = 100) =>
  db
    .select(submissionColumns)
    .from(formSubmissions)
    .where(
      and(
        // A literal, so SQLite can use the partial index of open attempts by deadline.
        sql`${formSubmissions.submission_status} = ${statusLiteral("InProgress")}`,
        lt(formSubmissions.deadline_at, answerableSince(now, graceSeconds)),
        where,
      ),
    )
    .orderBy(asc(formSubmissions.deadline_at))
    .limit(limit);

/** What a webhook event says about a submission: ids only, never answers. */
export const submissionRef = (
  s: Pick<SubmissionRow, "id" | "participant_id" | "form_id" | "step_id" | "course_id" | "attempt_number">,
) => ({
  submission_id: s.id,
  participant_id: s.participant_id,
  form_id: s.form_id,
  step_id: s.step_id,
  course_id: s.course_id,
  attempt_number: s.attempt_number,
});

/**
 * Closing writes for expired attempts, one named pair per attempt: the close, conditional on the attempt still
 * being open, then its `submission.submitted` event, written only if that close landed (an attempt closed at its
 * deadline is awaiting review like any other).
 */
export function closeExpiredWrites(db: Db, rows: SubmissionRow[], now: Date, emit: EventWriter = outboxWriter(db, now)) {
  return rows.map((row) => {
    const closed = closeExpired(row.questions_snapshot ?? [], row.answers, new Date(deadlineOf(row)));
    return {
      close: db
        .update(formSubmissions)
        .set(closed)
        .where(and(eq(formSubmissions.id, row.id), eq(formSubmissions.submission_status, "InProgress")))
        .returning(),
      event: emit("submission.submitted", {
        ...submissionRef(row),
        mcq_score: closed.mcq_score,
        total_score: closed.total_score,
        submitted_at: closed.submitted_at,
        is_late: closed.is_late,
        auto_submitted: true,
      }),
    };
  });
}

export async function closeExpiredNow(db: Db, rows: SubmissionRow[], now: Date = clockNow(), emit?: EventWriter): Promise<SubmissionRow[]> {
  const { attempts } = await batch(db, {
    // Each exam whose attempts close has new results: once per exam, before the closes (their events read changes()).
    results: [...new Set(rows.map((r) => r.form_id))].map((formId) => resultsChanged(db, formId)),
    attempts: closeExpiredWrites(db, rows, now, emit),
  });
  // RETURNING gives the stored columns: the questions (stored by reference) are the ones read with the row.
  return attempts.flatMap((written, i) =>
    written.close.map((row) => ({ ...row, questions_snapshot: rows[i]?.questions_snapshot ?? null })),
  );
}

export function toSummary(row: NamedSubmission) {
  const s = row.submission;
  return {
    submission_id: s.id,
    participant_id: s.participant_id,
    form_id: s.form_id,
    form_name: row.form_name,
    step_id: s.step_id,
    step_name: row.step_name,
    course_id: s.course_id,
    course_name: row.course_name,
    mcq_score: s.mcq_score,
    theory_score: s.theory_score,
    total_score: s.total_score,
    submission_status: s.submission_status,
    started_at: s.started_at,
    deadline_at: s.deadline_at,
    submitted_at: s.submitted_at,
    attempt_number: s.attempt_number,
    is_late: s.is_late,
    feedback: s.feedback,
  };
}

/** The full view; participants never receive `is_correct`. */
export function toDetail(row: NamedSubmission, caller: Caller) {
  const s = row.submission;
  const answers = savedAnswers(s);
  const grades = s.theory_grades ?? {};
  const questions = s.questions_snapshot ?? [];
  const visible = caller.role === "manager" ? questions : publicQuestions(questions);
  const { form_name: _form, course_name: _course, ...common } = toSummary(row);
  return {
    ...common,
    auto_submitted: s.auto_submitted,
    retake_reason: s.retake_reason,
    reviewed_by: s.reviewed_by,
    reviewed_at: s.reviewed_at,
    questions: visible.map((q) => {
      const answer =
        q.question_type === "MCQ"
          ? answers.mcq_answers?.find((a) => a.question_id === q.question_id)
          : answers.theory_answers?.find((a) => a.question_id === q.question_id);
      return {
        ...q,
        participant_answer: answer ? { ...answer } : null,
        ...(q.question_type === "THEORY" ? { marks_awarded: grades[q.question_id] ?? null } : {}),
      };
    }),
    form: { total_marks: row.form_total_marks ?? 0, passing_marks: row.form_passing_marks ?? 0 },
    // What this attempt could score: its own (drawn) questions; it passes at the form's percentage of that.
    attempt: attemptTotals(questions, row.form_passing_percentage ?? 0),
  };
}
