import { type AnyColumn, and, asc, eq, gt, isNull, or, type SQL, sql } from "drizzle-orm";
import { requirementRows, requirementSubmissions, requirementTables, steps } from "../db/schema";
import type { Db } from "../db/types";
import type { Capability } from "../domain/authority";
import type { Caller } from "../env";
import type { CursorValues } from "../lib/pagination";
import { rowCount } from "../progress";
import { staffGrantFor, staffReachSql } from "../visibility/grants";

/**
 * SQL: the course a table belongs to, its step's. A table on no step belongs to no course, so course staff never
 * reach it (a material of another course showing it does not make that course its owner).
 */
export const courseOfStep = (stepId: SQL | AnyColumn) => sql`(SELECT s.course_id FROM ${steps} s WHERE s.id = ${stepId})`;
export const courseOfTable = (tableId: string | SQL) =>
  courseOfStep(sql`(SELECT t.step_id FROM ${requirementTables} t WHERE t.id = ${tableId})`);

/** SQL: one column of a submission, as a subquery, so statements about it can sit in the batch that reads it. */
export const ofSubmission = (
  id: string,
  column: typeof requirementSubmissions.participant_id | typeof requirementSubmissions.requirement_table_id,
) => sql`(SELECT ${column} FROM ${requirementSubmissions} WHERE ${requirementSubmissions.id} = ${id})`;

const courseOfSubmission = (id: string) => courseOfTable(ofSubmission(id, requirementSubmissions.requirement_table_id));

/**
 * For a staff caller: their grant in the course of the submission's table, with its participant's cohorts
 * (`staffAccessOf`); null for anyone else, so managers' and participants' batches stay as they were.
 */
export const staffGrantOfSubmission = (db: Db, caller: Caller, id: string) =>
  caller.role === "staff"
    ? staffGrantFor(db, caller.id, courseOfSubmission(id), ofSubmission(id, requirementSubmissions.participant_id))
    : null;

/** SQL for a staff caller's conditional writes: the submission's participant is within their `capability`. */
export const staffReachesSubmission = (caller: Caller, id: string, capability: Capability) =>
  caller.role === "staff"
    ? staffReachSql(caller.id, courseOfSubmission(id), ofSubmission(id, requirementSubmissions.participant_id), capability)
    : undefined;

/** A submission with its table (aliased: D1 batch rows are keyed by column name). */
export const submissionWithTable = (db: Db, submissionId: string) =>
  db
    .select({
      id: requirementSubmissions.id,
      participant_id: requirementSubmissions.participant_id,
      requirement_table_id: requirementSubmissions.requirement_table_id,
      submitted_at: requirementSubmissions.submitted_at,
      approved_at: requirementSubmissions.approved_at,
      claimed_by: requirementSubmissions.claimed_by,
      claim_expires_at: requirementSubmissions.claim_expires_at,
      table_name: sql<string>`${requirementTables.name}`.as("table_name"),
      table_description: sql<string | null>`${requirementTables.description}`.as("table_description"),
      requirements: requirementTables.requirements,
    })
    .from(requirementSubmissions)
    .innerJoin(
      requirementTables,
      and(eq(requirementTables.id, requirementSubmissions.requirement_table_id), isNull(requirementTables.archived_at)),
    )
    .where(eq(requirementSubmissions.id, submissionId));

export type SubmissionWithTable = Awaited<ReturnType<typeof submissionWithTable>>[number];

const rowColumns = {
  serial_number: requirementRows.serial_number,
  completed: requirementRows.completed,
  completed_value: requirementRows.completed_value,
  remarks: requirementRows.remarks,
  completed_at: requirementRows.completed_at,
  approved: requirementRows.approved,
  approved_by: requirementRows.approved_by,
  approved_at: requirementRows.approved_at,
  approval_remarks: requirementRows.approval_remarks,
};

export const rowsOf = (db: Db, submissionId: string) =>
  db
    .select(rowColumns)
    .from(requirementRows)
    .where(eq(requirementRows.submission_id, submissionId))
    .orderBy(asc(requirementRows.serial_number));

/** Rows of the participant's submission for a table, without knowing the submission id yet. */
export const rowsOfParticipantTable = (db: Db, participantId: string, tableId: string) =>
  db
    .select(rowColumns)
    .from(requirementRows)
    .where(
      eq(
        requirementRows.submission_id,
        sql`(SELECT ${requirementSubmissions.id} FROM ${requirementSubmissions} WHERE ${requirementSubmissions.participant_id} = ${participantId} AND ${requirementSubmissions.requirement_table_id} = ${tableId})`,
      ),
    )
    .orderBy(asc(requirementRows.serial_number));

/** Submitted and not yet approved: the pending list and claims (matches the partial "pending" index). */
export const awaitingApproval = sql`${requirementSubmissions.submitted_at} IS NOT NULL AND ${requirementSubmissions.approved_at} IS NULL`;

/**
 * Submitted, not yet approved submissions with their row counts, oldest first.
 */
export const pendingSubmissions = (
  db: Db,
  stepId: string | undefined,
  claimed: SQL | undefined,
  after: CursorValues | null,
  limit: number,
) =>
  db
    .select({
      submission_id: requirementSubmissions.id,
      participant_id: requirementSubmissions.participant_id,
      requirement_table_id: requirementSubmissions.requirement_table_id,
      table_name: requirementTables.name,
      step_id: requirementTables.step_id,
      total_rows: requirementTables.requirement_count,
      completed_rows: rowCount("completed", "completed_rows"),
      approved_rows: rowCount("approved", "approved_rows"),
      submitted_at: sql<string>`${requirementSubmissions.submitted_at}`.as("submitted_at"),
      claimed_by: requirementSubmissions.claimed_by,
      claim_expires_at: requirementSubmissions.claim_expires_at,
    })
    .from(requirementSubmissions)
    .innerJoin(
      requirementTables,
      and(eq(requirementTables.id, requirementSubmissions.requirement_table_id), isNull(requirementTables.archived_at)),
    )
    .where(
      and(
        awaitingApproval,
        stepId ? eq(requirementTables.step_id, stepId) : undefined,
        claimed,
        after
          ? or(
              gt(requirementSubmissions.submitted_at, after[0] as string),
              and(eq(requirementSubmissions.submitted_at, after[0] as string), gt(requirementSubmissions.id, after[1] as string)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(requirementSubmissions.submitted_at), asc(requirementSubmissions.id))
    .limit(limit + 1);

/** The table's current serial numbers, as SQL over its requirements JSON. */
export const currentSerials = (tableId: SQL | string) =>
  sql`(SELECT json_extract(j.value, '$.serial_number') FROM json_each((SELECT requirements FROM ${requirementTables} WHERE id = ${tableId})) j)`;

/**
 * Stamps (or clears) submissions' approval from their rows in SQL, so the stamp always agrees with the rows
 * whatever else ran in between: approved exactly when every current serial has an approved row. Run after
 * every row decision and after every edit of a table's requirements.
 */
export const restampApprovals = (db: Db, where: SQL, stamp: string) =>
  db
    .update(requirementSubmissions)
    .set({
      approved_at: sql`CASE WHEN (
          SELECT COUNT(*) FROM json_each((SELECT requirements FROM ${requirementTables} WHERE id = ${requirementSubmissions.requirement_table_id})) j
          WHERE NOT EXISTS (SELECT 1 FROM ${requirementRows} r WHERE r.submission_id = ${requirementSubmissions.id}
                            AND r.serial_number = json_extract(j.value, '$.serial_number') AND r.approved = 1)
        ) = 0 THEN COALESCE(${requirementSubmissions.approved_at}, ${stamp}) ELSE NULL END`,
    })
    .where(where)
    .returning({ approved_at: requirementSubmissions.approved_at });

export const restampApproval = (db: Db, submissionId: string, stamp: string) =>
  restampApprovals(db, eq(requirementSubmissions.id, submissionId), stamp);
