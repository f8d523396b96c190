import { and, eq, isNull, ne, or, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { requirementRows, requirementSubmissions, requirementTables } from "../db/schema";
import { rowReviewChanges } from "../domain/audit";
import {
  allApproved,
  approveAllSerials,
  canEditRow,
  canReviewRow,
  isTableCompleted,
  missingSerials,
  rowStatuses,
  type StoredRow,
} from "../domain/requirements";
import type { AppContext } from "../env";
import { audit, emit, emitter } from "../journal";
import { assertManagerId, participantFor } from "../lib/auth";
import { examClock } from "../lib/clock";
import { ApiError, conflict, forbidden, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { coursesShowingTable, milestoneWrites, type ProgressSet, progressQuery } from "../progress";
import { assertClaimAllows, claimAllows, claimFilter, claimTakenMeanwhile, claimView, releaseClaim, takeClaim } from "../review/claims";
import { assertStaffReview } from "../review/staff";
import { tableVisible } from "../visibility";
import { staffReachSql } from "../visibility/grants";
import {
  awaitingApproval,
  courseOfStep,
  currentSerials,
  ofSubmission,
  pendingSubmissions,
  restampApproval,
  rowsOf,
  rowsOfParticipantTable,
  type SubmissionWithTable,
  staffGrantOfSubmission,
  staffReachesSubmission,
  submissionWithTable,
} from "./submission-queries";
import type * as routes from "./submission-routes";

/** No other manager holds a live claim on the submission, as a condition inside a row write. */
const unclaimedByOthers = (c: AppContext, submissionId: string) =>
  sql`EXISTS (SELECT 1 FROM ${requirementSubmissions} WHERE ${requirementSubmissions.id} = ${submissionId} AND ${claimAllows(requirementSubmissions, c.get("caller").id, c.get("now"))})`;

/** The submission is (still) submitted for review, as a condition inside a write. */
const submittedNow = (submissionId: string) =>
  sql`EXISTS (SELECT 1 FROM ${requirementSubmissions} WHERE ${requirementSubmissions.id} = ${submissionId} AND ${requirementSubmissions.submitted_at} IS NOT NULL)`;

const unknownSerial = (serial: number) => new ApiError(404, "serial_not_found", `Requirement ${serial} is not in this table`);

/** For staff only: the submission is theirs to review, read in one round trip (the claim routes, before claiming). */
async function assertMayReview(c: AppContext, submissionId: string) {
  const grant = staffGrantOfSubmission(c.get("db"), c.get("caller"), submissionId);
  if (grant) assertStaffReview(await grant, submissionId);
}

/**
 * Reads a submission and its rows in one round trip, for the participant it belongs to (`named`: the validated
 * `participant_id` a manager acting for a participant sends).
 */
async function loadOwn(c: AppContext, submissionId: string, named: string | undefined) {
  const db = c.get("db");
  const read = await batch(db, { submission: submissionWithTable(db, submissionId), rows: rowsOf(db, submissionId) });
  const [submission] = read.submission;
  if (!submission) throw notFound("Submission", submissionId);
  const caller = c.get("caller");
  if (submission.participant_id !== participantFor(caller, named)) {
    // A participant is not told that someone else's submission exists.
    if (caller.role === "participant") throw notFound("Submission", submissionId);
    throw forbidden("participant_id does not own this submission", "not_your_data");
  }
  return { submission, rows: read.rows };
}

function view(
  submission: Pick<
    SubmissionWithTable,
    "id" | "participant_id" | "requirement_table_id" | "table_name" | "table_description" | "requirements" | "submitted_at" | "approved_at"
  >,
  rows: StoredRow[],
) {
  return {
    submission_id: submission.id,
    participant_id: submission.participant_id,
    requirement_table: { id: submission.requirement_table_id, name: submission.table_name, description: submission.table_description },
    row_statuses: rowStatuses(submission.requirements, rows),
    is_completed: isTableCompleted(submission.requirements, rows),
    is_approved: submission.approved_at !== null,
    submitted_at: submission.submitted_at,
    approved_at: submission.approved_at,
  };
}

export const mySubmission: Handler<typeof routes.mySubmission> = async (c) => {
  const { table_id } = c.req.valid("param");
  const caller = c.get("caller");
  const participantId = participantFor(caller, c.req.valid("query").participant_id);
  // A participant fills only a published table (as GET /requirement-tables/{id} shows them). Course staff read a
  // table of their course for a participant their grant reaches; for anyone else the table is not there, and the
  // conditional INSERT below creates nothing.
  const visible =
    caller.role === "staff"
      ? staffReachSql(caller.id, courseOfStep(requirementTables.step_id), participantId, "read")
      : tableVisible(caller);
  const db = c.get("db");
  const now = c.get("now");
  // Created on first read by one conditional INSERT; the unique index makes concurrent first reads agree.
  const create = db
    .insert(requirementSubmissions)
    .select(
      db
        .select({
          id: sql<string>`${newId(now)}`.as("id"),
          requirement_table_id: requirementTables.id,
          participant_id: sql<string>`${participantId}`.as("participant_id"),
          created_at: sql<string>`${now.toISOString()}`.as("created_at"),
          submitted_at: sql<string | null>`NULL`.as("submitted_at"),
          approved_at: sql<string | null>`NULL`.as("approved_at"),
          claimed_by: sql<string | null>`NULL`.as("claimed_by"),
          claim_expires_at: sql<string | null>`NULL`.as("claim_expires_at"),
        })
        .from(requirementTables)
        .where(and(eq(requirementTables.id, table_id), isNull(requirementTables.archived_at), visible)),
    )
    .onConflictDoNothing({ target: [requirementSubmissions.participant_id, requirementSubmissions.requirement_table_id] });
  const read = await batch(db, {
    create,
    table: db
      .select()
      .from(requirementTables)
      .where(and(eq(requirementTables.id, table_id), isNull(requirementTables.archived_at), visible)),
    submission: db
      .select()
      .from(requirementSubmissions)
      .where(and(eq(requirementSubmissions.participant_id, participantId), eq(requirementSubmissions.requirement_table_id, table_id))),
    rows: rowsOfParticipantTable(db, participantId, table_id),
  });
  const [table] = read.table;
  const [submission] = read.submission;
  if (!table || !submission) throw notFound("Requirement table", table_id);
  return c.json(
    view({ ...submission, table_name: table.name, table_description: table.description, requirements: table.requirements }, read.rows),
    200,
  );
};

export const updateRow: Handler<typeof routes.updateRow> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const { submission, rows } = await loadOwn(c, submission_id, c.req.valid("query").participant_id);
  const refusal = canEditRow(submission.requirements, rows, body.serial_number);
  if (refusal === "unknown_serial") throw unknownSerial(body.serial_number);
  if (refusal === "row_approved") throw conflict("row_approved", `Requirement ${body.serial_number} is already approved and cannot change`);
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const values = {
    completed: body.completed,
    completed_value: body.completed_value ?? null,
    remarks: body.remarks ?? null,
    completed_at: body.completed ? stamp : null,
    // A rejected row that changes goes back to unreviewed; the manager's remarks stay for context.
    approved: null,
    approved_by: null,
    approved_at: null,
    updated_at: stamp,
  };
  // The upsert only lands on a row that is not approved, so a concurrent approval is never overwritten.
  const result = await batch(db, {
    written: db
      .insert(requirementRows)
      .values({ submission_id, serial_number: body.serial_number, ...values })
      .onConflictDoUpdate({
        target: [requirementRows.submission_id, requirementRows.serial_number],
        set: values,
        setWhere: or(isNull(requirementRows.approved), ne(requirementRows.approved, true)),
      })
      .returning({ serial_number: requirementRows.serial_number }),
    after: rowsOf(db, submission_id),
  });
  if (result.written.length === 0)
    throw conflict("row_approved", `Requirement ${body.serial_number} is already approved and cannot change`);
  return c.json({ message: "Row updated", is_completed: isTableCompleted(submission.requirements, result.after) }, 200);
};

export const submitTable: Handler<typeof routes.submitTable> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const { submission, rows } = await loadOwn(c, submission_id, c.req.valid("query").participant_id);
  const missing = missingSerials(submission.requirements, rows);
  if (missing.length > 0)
    throw new ApiError(
      409,
      "incomplete_table",
      `Complete every requirement before submitting; missing: ${missing.join(", ")}`,
      missing.map((s) => ({ path: `serial_number.${s}`, message: "not completed" })),
    );
  if (submission.approved_at) throw conflict("already_approved", "This table is already approved");
  const stamp = c.get("now").toISOString();
  const db = c.get("db");
  await batch(db, {
    submitted: db.update(requirementSubmissions).set({ submitted_at: stamp }).where(eq(requirementSubmissions.id, submission_id)),
    event: emit(c, "requirement_submission.submitted", {
      submission_id,
      participant_id: submission.participant_id,
      requirement_table_id: submission.requirement_table_id,
      submitted_at: stamp,
    }),
  });
  return c.json({ message: "Submitted for review", submitted_at: stamp }, 200);
};

export const pendingTables: Handler<typeof routes.pendingTables> = async (c) => {
  const { step_id, claimed, limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const now = c.get("now");
  const caller = c.get("caller");
  const claim = claimFilter(requirementSubmissions, claimed, caller.id, now);
  // Course staff see the submissions their grant lets them review: its course, and its cohorts if it has a list.
  const reach =
    caller.role === "staff"
      ? staffReachSql(caller.id, courseOfStep(requirementTables.step_id), requirementSubmissions.participant_id, "review")
      : undefined;
  const rows = await pendingSubmissions(c.get("db"), step_id, and(claim, reach), decodeCursor(cursor, ["string", "string"]), limit);
  return c.json(
    page(c, rows, limit, (r) => [r.submitted_at, r.submission_id]).map((r) => ({ ...r, ...claimView(r, now) })),
    200,
  );
};

/**
 * A reviewer's load: the submission, its rows, its participant's progress in every course showing the table and,
 * for course staff, their grant in the table's course, in one batch (whose and which table come from the
 * submission row, in SQL).
 */
async function loadTableForReview(c: AppContext, submissionId: string, managerId: string | undefined) {
  assertManagerId(c.get("caller"), managerId);
  const db = c.get("db");
  const query = progressQuery(
    db,
    ofSubmission(submissionId, requirementSubmissions.participant_id),
    coursesShowingTable(ofSubmission(submissionId, requirementSubmissions.requirement_table_id)),
    examClock(c),
  );
  const read = await batch(db, {
    submission: submissionWithTable(db, submissionId),
    rows: rowsOf(db, submissionId),
    own: query.own,
    grant: staffGrantOfSubmission(db, c.get("caller"), submissionId),
  });
  const [submission] = read.submission;
  if (!submission) throw notFound("Submission", submissionId);
  assertStaffReview(read.grant, submissionId);
  assertClaimAllows(c, submission);
  return { db, submission, rows: read.rows, progress: await query.finish(read.own, submission.participant_id) };
}

/**
 * Milestones of every course the table's approval completes, conditional on the approval being stamped by
 * this batch's restamp (which runs before them). Written with the row decision or not at all.
 */
function milestonesOnApproval(c: AppContext, progress: ProgressSet, submission: SubmissionWithTable, approves: boolean, stamp: string) {
  if (!approves || submission.approved_at) return [];
  const after = progress.after({ approvedTables: [submission.requirement_table_id] });
  const approvedNow = sql`EXISTS (SELECT 1 FROM ${requirementSubmissions} WHERE ${requirementSubmissions.id} = ${submission.id} AND ${requirementSubmissions.approved_at} IS NOT NULL)`;
  // The table's approval is announced once: by the batch whose restamp set approved_at (to this stamp).
  const stampedNow = sql`EXISTS (SELECT 1 FROM ${requirementSubmissions} WHERE ${requirementSubmissions.id} = ${submission.id} AND ${requirementSubmissions.approved_at} = ${stamp})`;
  const approvedEvent = emit(
    c,
    "requirement_submission.approved",
    {
      submission_id: submission.id,
      participant_id: submission.participant_id,
      requirement_table_id: submission.requirement_table_id,
      approved_at: stamp,
    },
    stampedNow,
  );
  return [
    approvedEvent,
    ...after.all().flatMap(
      (p) =>
        milestoneWrites(c.get("db"), submission.participant_id, p, {
          stamp,
          newId: () => newId(c.get("now")),
          guard: approvedNow,
          emit: emitter(c),
        }).writes,
    ),
  ];
}

export const approveRow: Handler<typeof routes.approveRow> = async (c) => {
  const { submission_id, serial_number } = c.req.valid("param");
  const body = c.req.valid("json");
  const { db, submission, rows, progress } = await loadTableForReview(c, submission_id, c.req.valid("query").manager_id);
  const refusal = canReviewRow(submission.requirements, rows, submission.submitted_at !== null, serial_number);
  if (refusal === "unknown_serial") throw unknownSerial(serial_number);
  if (refusal === "not_submitted") throw conflict("not_submitted", "The participant has not submitted this table yet");
  if (refusal === "row_not_completed") throw conflict("row_not_completed", `Requirement ${serial_number} is not completed`);
  const stamp = c.get("now").toISOString();
  const decided = rows.map((r) => (r.serial_number === serial_number ? { ...r, approved: body.approved } : r));
  const approves = allApproved(submission.requirements, decided);
  const rowChanges = rowReviewChanges(
    serial_number,
    rows.find((r) => r.serial_number === serial_number),
    body,
  );
  // The checks above hold in SQL too: a participant unticking the row meanwhile makes this a 409, and so does
  // another manager's claim taken meanwhile. The audit event follows the row write and lands only with it.
  const written = await batch(db, {
    reviewed: db
      .update(requirementRows)
      .set({
        approved: body.approved,
        approved_by: c.get("caller").id,
        approved_at: stamp,
        approval_remarks: body.approval_remarks ?? null,
        updated_at: stamp,
      })
      .where(
        and(
          eq(requirementRows.submission_id, submission_id),
          eq(requirementRows.serial_number, serial_number),
          eq(requirementRows.completed, true),
          submittedNow(submission_id),
          unclaimedByOthers(c, submission_id),
          // A staff reviewer's grant is checked again by the write itself: revoked meanwhile, the decision does not land.
          staffReachesSubmission(c.get("caller"), submission_id, "review"),
        ),
      )
      .returning({ serial_number: requirementRows.serial_number }),
    audited: audit(
      c,
      body.approved ? "requirement_submission.row_approved" : "requirement_submission.row_rejected",
      { type: "requirement_submission", id: submission_id },
      rowChanges,
    ),
    stamped: restampApproval(db, submission_id, stamp),
    milestones: milestonesOnApproval(c, progress, submission, approves, stamp),
    after: rowsOf(db, submission_id),
  });
  const [stamped] = written.stamped;
  if (written.reviewed.length === 0) {
    // For course staff, first: a grant revoked or narrowed meanwhile, answered as the load would now answer it.
    await assertMayReview(c, submission_id);
    throw (
      (await claimTakenMeanwhile(c, requirementSubmissions, submission_id)) ??
      conflict("row_changed", `Requirement ${serial_number} changed meanwhile; reload and review again`)
    );
  }
  return c.json(
    {
      message: "Row updated",
      approved: body.approved,
      all_approved: stamped?.approved_at != null && allApproved(submission.requirements, written.after),
    },
    200,
  );
};

export const approveTable: Handler<typeof routes.approveTable> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const { db, submission, rows, progress } = await loadTableForReview(c, submission_id, c.req.valid("query").manager_id);
  if (submission.submitted_at === null) throw conflict("not_submitted", "The participant has not submitted this table yet");
  const missing = missingSerials(submission.requirements, rows);
  if (missing.length > 0) throw conflict("incomplete_table", `Requirements not completed: ${missing.join(", ")}`);
  const stamp = c.get("now").toISOString();
  // The audit diff: what the UPDATE below approves, by the same rule.
  const serials = approveAllSerials(submission.requirements, rows);
  // Rows already approved keep their reviewer, time and remarks; every row approved now gets the remarks given
  // now — a rejection's remark must not stand beside an approval.
  const written = await batch(db, {
    approvedRows: db
      .update(requirementRows)
      .set({
        approved: true,
        approved_by: c.get("caller").id,
        approved_at: stamp,
        approval_remarks: body.approval_remarks ?? null,
        updated_at: stamp,
      })
      .where(
        and(
          eq(requirementRows.submission_id, submission_id),
          or(isNull(requirementRows.approved), ne(requirementRows.approved, true)),
          eq(requirementRows.completed, true),
          submittedNow(submission_id),
          // Rows of serials removed from the table stay as they were: they are history, not under review.
          sql`${requirementRows.serial_number} IN ${currentSerials(submission.requirement_table_id)}`,
          unclaimedByOthers(c, submission_id),
          staffReachesSubmission(c.get("caller"), submission_id, "review"),
        ),
      )
      .returning({ serial_number: requirementRows.serial_number }),
    audited: audit(
      c,
      "requirement_submission.approved",
      { type: "requirement_submission", id: submission_id },
      { approved_serials: [serials.before, serials.after] },
    ),
    stamped: restampApproval(db, submission_id, stamp),
    milestones: milestonesOnApproval(c, progress, submission, true, stamp),
  });
  const [stamped] = written.stamped;
  // Nothing approved now: for course staff, perhaps a grant revoked or narrowed meanwhile, answered as the load would
  // now answer it (a table already wholly approved reads the grant once more: rare, and staff-only).
  if (written.approvedRows.length === 0) await assertMayReview(c, submission_id);
  if (written.approvedRows.length === 0 && stamped?.approved_at == null) {
    const claimed = await claimTakenMeanwhile(c, requirementSubmissions, submission_id);
    if (claimed) throw claimed;
  }
  return c.json(
    {
      message: "Requirement table approved",
      submission_id,
      is_approved: stamped?.approved_at != null,
      approved_at: stamped?.approved_at ?? null,
    },
    200,
  );
};

/* ------------------------------------------------- claims ------------------------------------------------- */

export const claimTableSubmission: Handler<typeof routes.claimTableSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
  await assertMayReview(c, submission_id);
  const claim = await takeClaim(c, requirementSubmissions, submission_id, awaitingApproval, () =>
    conflict("not_submitted", "Only a submitted table awaiting approval can be claimed"),
  );
  return c.json(claim, 200);
};

export const releaseTableSubmissionClaim: Handler<typeof routes.releaseTableSubmissionClaim> = async (c) => {
  const { submission_id } = c.req.valid("param");
  await assertMayReview(c, submission_id);
  await releaseClaim(c, requirementSubmissions, submission_id, c.req.valid("query").force === "true", {
    action: "requirement_submission.claim_forced",
    type: "requirement_submission",
  });
  return c.body(null, 204);
};
