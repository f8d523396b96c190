/**
 * Reviewing exam attempts: grade, approve (which may complete the step or course and enrol the next), reject,
 * send back for a retake, and the claims that say who is on which. Every decision is one conditional UPDATE that
 * lands only on a submission still in a state it may leave and not claimed by another manager; what it records
 * and announces is written in the same batch, only if it landed.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { submissionColumns } from "../db/attempts";
import { batch } from "../db/batch";
import { enrollments, formSubmissions } from "../db/schema";
import { statusLiteral } from "../db/status";
import { reviewChanges } from "../domain/audit";
import {
  answeredTheory,
  approvalOutcome,
  attemptScores,
  canReview,
  checkGrades,
  type ReviewAction,
  reviewTransition,
  ungradedTheory,
} from "../domain/exams";
import type { AppContext } from "../env";
import { audit, emit, emitter } from "../journal";
import { assertManagerId } from "../lib/auth";
import { examClock } from "../lib/clock";
import { ApiError, badRequest, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Handler } from "../lib/openapi";
import { milestoneWrites, progressQuery } from "../progress";
import { assertClaimAllows, claimAllows, claimEnded, claimTakenMeanwhile, releaseClaim, takeClaim } from "../review/claims";
import { assertStaffReview } from "../review/staff";
import { resultsChanged } from "../shared/exam-results";
import type { StaffGrantRows } from "../visibility/grants";
import { closeIfExpired } from "./expiry";
import {
  awaitingReview,
  findSubmission,
  type NamedSubmission,
  ofSubmission,
  staffGrantOfSubmission,
  staffReachesSubmission,
  submissionRef,
  toDetail,
} from "./queries";
import type * as routes from "./routes";

/**
 * Why a decision's conditional UPDATE matched nothing: for course staff, a grant revoked or narrowed meanwhile
 * (answered as the load would now answer it); else a claim taken meanwhile, or a decision made meanwhile.
 */
async function decisionMissed(c: AppContext, submissionId: string): Promise<never> {
  const grant = staffGrantOfSubmission(c.get("db"), c.get("caller"), submissionId);
  if (grant) assertStaffReview(await grant, submissionId);
  throw (await claimTakenMeanwhile(c, formSubmissions, submissionId)) ?? conflict("not_reviewable", "The submission was decided meanwhile");
}

/** For staff only: the submission is theirs to review, read in one round trip (the claim routes, before claiming). */
async function assertMayReview(c: AppContext, submissionId: string) {
  const grant = staffGrantOfSubmission(c.get("db"), c.get("caller"), submissionId);
  if (grant) assertStaffReview(await grant, submissionId);
}

const pastTense: Record<ReviewAction, string> = {
  grade: "graded",
  approve: "approved",
  reject: "rejected",
  request_retake: "sent back for a retake",
};

/** Loads a submission for review, closing it first if its time ran out unseen. */
async function loadAttemptForReview(c: AppContext, submissionId: string, action: ReviewAction, managerId: string | undefined) {
  const db = c.get("db");
  const read = await batch(db, {
    submission: findSubmission(db, submissionId),
    grant: staffGrantOfSubmission(db, c.get("caller"), submissionId),
  });
  return reviewable(c, read.submission[0], submissionId, action, managerId, read.grant);
}

/** The checks a review decision makes on the submission it read. */
async function reviewable(
  c: AppContext,
  read: NamedSubmission | undefined,
  submissionId: string,
  action: ReviewAction,
  managerId: string | undefined,
  grant: StaffGrantRows | null | undefined,
) {
  assertManagerId(c.get("caller"), managerId);
  if (!read) throw notFound("Submission", submissionId);
  assertStaffReview(grant, submissionId);
  const named = { ...read, submission: (await closeIfExpired(c, read.submission)).row };
  const status = named.submission.submission_status;
  if (!canReview(status, action)) throw conflict("not_reviewable", `A submission that is ${status} cannot be ${pastTense[action]}`);
  assertClaimAllows(c, named.submission);
  return named;
}

/** The grades are still those a decision was computed from. */
const gradesUnchanged = (read: Record<string, number> | null) =>
  sql`json(COALESCE(${formSubmissions.theory_grades}, '{}')) = json(${JSON.stringify(read ?? {})})`;

/**
 * The conditional a decision's UPDATE carries: it only lands on a submission still in a state it may leave and
 * not claimed by another manager.
 */
const decided = (c: AppContext, id: string, action: ReviewAction) =>
  and(
    eq(formSubmissions.id, id),
    inArray(formSubmissions.submission_status, [...reviewTransition(action).from]),
    claimAllows(formSubmissions, c.get("caller").id, c.get("now")),
    // A staff reviewer's grant is checked again by the write itself: revoked meanwhile, the decision does not land.
    staffReachesSubmission(c.get("caller"), "review"),
  );

export const gradeSubmission: Handler<typeof routes.gradeSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const named = await loadAttemptForReview(c, submission_id, "grade", c.req.valid("query").manager_id);
  const s = named.submission;
  const questions = s.questions_snapshot ?? [];
  const problems = checkGrades(questions, body.theory_grades);
  const [problem] = problems;
  if (problem) throw badRequest("invalid_grades", `Invalid grades: ${problem.path}: ${problem.message}`, problems);
  const grades = { ...(s.theory_grades ?? {}) };
  for (const g of body.theory_grades) grades[g.question_id] = g.marks_awarded;
  const db = c.get("db");
  const set = {
    theory_grades: grades,
    ...attemptScores(questions, s.answers, grades, s.mcq_score),
    feedback: body.feedback,
    submission_status: reviewTransition("grade").to,
    reviewed_by: c.get("caller").id,
    reviewed_at: c.get("now").toISOString(),
  };
  // Written only over the grades this request read: two managers grading at once never lose each other's
  // marks (the later one gets a 409 and retries on fresh data). The grading keeps the grader's claim: approving
  // comes next. Audit and event are written only if the UPDATE landed.
  const written = await batch(db, {
    results: resultsChanged(db, s.form_id),
    row: db
      .update(formSubmissions)
      .set(set)
      .where(and(decided(c, submission_id, "grade"), gradesUnchanged(s.theory_grades)))
      .returning(),
    audit: audit(c, "submission.graded", { type: "form_submission", id: submission_id }, reviewChanges(s, set)),
    event: emit(c, "submission.graded", {
      ...submissionRef(s),
      theory_score: set.theory_score,
      total_score: set.total_score,
      submission_status: set.submission_status,
    }),
  });
  const [row] = written.row;
  if (!row) return decisionMissed(c, submission_id);
  // RETURNING gives the stored columns: the questions (stored by reference) are the ones read with the row.
  return c.json(
    toDetail({ ...named, submission: { ...row, questions_snapshot: named.submission.questions_snapshot } }, c.get("caller")),
    200,
  );
};

export const approveSubmission: Handler<typeof routes.approveSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.get("db");
  // The submission and its participant's progress in one batch: whose and which course come from the row.
  const query = progressQuery(
    db,
    ofSubmission(submission_id, formSubmissions.participant_id),
    ofSubmission(submission_id, formSubmissions.course_id),
    examClock(c),
  );
  const read = await batch(db, {
    submission: findSubmission(db, submission_id),
    own: query.own,
    grant: staffGrantOfSubmission(db, c.get("caller"), submission_id),
  });
  const named = await reviewable(c, read.submission[0], submission_id, "approve", c.req.valid("query").manager_id, read.grant);
  const s = named.submission;
  const questions = s.questions_snapshot ?? [];
  const grades = s.theory_grades ?? {};
  const ungraded = ungradedTheory(questions, grades, answeredTheory(s.answers));
  if (ungraded.length > 0) throw conflict("ungraded_answers", `Grade every THEORY answer first: ${ungraded.join(", ")}`);

  const progress = await query.finish(read.own, s.participant_id);
  const before = progress.get(s.course_id);
  const after = progress.after({ approvedAttempt: s.id }).get(s.course_id);
  const outcome =
    before && after
      ? approvalOutcome(before.state, after.state, body.unlock_next_course === true)
      : { next_step_unlocked: false, next_step_id: null, course_completed: false, enrol_next_course: body.unlock_next_course === true };

  // One batch: the decision, then writes that only happen if this request's decision is the one stored.
  const caller = c.get("caller");
  const stamp = c.get("now").toISOString();
  const thisApproval = sql`EXISTS (SELECT 1 FROM form_submissions WHERE id = ${submission_id} AND submission_status = ${statusLiteral("Approved")} AND reviewed_at = ${stamp} AND reviewed_by = ${caller.id})`;
  const milestone = milestoneWrites(db, s.participant_id, after, {
    stamp,
    newId: () => newId(c.get("now")),
    guard: thisApproval,
    enrolNext: body.unlock_next_course === true,
    emit: emitter(c),
  });
  const scores = attemptScores(questions, s.answers, grades, s.mcq_score);
  const nextCourse = milestone.nextCourseId;
  const set = {
    submission_status: "Approved" as const,
    feedback: body.feedback ?? s.feedback,
    ...scores,
    reviewed_by: caller.id,
    reviewed_at: stamp,
  };
  const written = await batch(db, {
    decision: db
      .update(formSubmissions)
      .set({ ...set, ...claimEnded })
      // The scores written are those of the grades read: a grade landing meanwhile makes this a 409.
      .where(and(decided(c, submission_id, "approve"), gradesUnchanged(s.theory_grades)))
      .returning({ id: formSubmissions.id }),
    // Right after the decision (changes() > 0): a refused twin of this request, even one stamped in the same
    // millisecond, records and announces nothing; the event follows the audit row, which landed with it.
    audit: audit(c, "submission.approved", { type: "form_submission", id: submission_id }, reviewChanges(s, set)),
    event: emit(c, "submission.approved", { ...submissionRef(s), submission_status: "Approved", total_score: scores.total_score }),
    milestone: milestone.writes,
    // Read back in the same batch whether the participant is (now) enrolled in the next course: an inactive or
    // archived next course enrols nobody, and the answer must not claim otherwise.
    nextEnrolment:
      nextCourse !== null &&
      db
        .select({ course_id: enrollments.course_id })
        .from(enrollments)
        .where(and(eq(enrollments.participant_id, s.participant_id), eq(enrollments.course_id, nextCourse))),
  });
  if (written.decision.length === 0) return decisionMissed(c, submission_id);
  const enrolledNext = written.nextEnrolment?.length ? nextCourse : null;
  const { next_step_unlocked, next_step_id } = outcome;
  return c.json(
    {
      message: "Submission approved",
      next_step_unlocked,
      next_step_id,
      course_completed: milestone.completes,
      next_course_id: enrolledNext,
    },
    200,
  );
};

const decisionEvents = { reject: "submission.rejected", request_retake: "submission.retake_requested" } as const;

async function simpleDecision(
  c: AppContext,
  submissionId: string,
  managerId: string | undefined,
  action: "reject" | "request_retake",
  set: { feedback?: string | null; retake_reason?: string | null },
) {
  const named = await loadAttemptForReview(c, submissionId, action, managerId);
  const db = c.get("db");
  const to = reviewTransition(action).to;
  const change = { ...set, submission_status: to, reviewed_by: c.get("caller").id, reviewed_at: c.get("now").toISOString() };
  const written = await batch(db, {
    row: db
      .update(formSubmissions)
      .set({ ...change, ...claimEnded })
      .where(decided(c, submissionId, action))
      .returning({ id: formSubmissions.id }),
    audit: audit(c, decisionEvents[action], { type: "form_submission", id: submissionId }, reviewChanges(named.submission, change)),
    event: emit(c, decisionEvents[action], { ...submissionRef(named.submission), submission_status: to }),
  });
  if (written.row.length === 0) return decisionMissed(c, submissionId);
  return { submission_id: submissionId, submission_status: to };
}

export const rejectSubmission: Handler<typeof routes.rejectSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const result = await simpleDecision(c, submission_id, c.req.valid("query").manager_id, "reject", { feedback: body.feedback });
  return c.json({ message: "Submission rejected", ...result }, 200);
};

export const requestRetake: Handler<typeof routes.requestRetake> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const result = await simpleDecision(c, submission_id, c.req.valid("query").manager_id, "request_retake", { retake_reason: body.reason });
  return c.json({ message: "Retake requested", ...result }, 200);
};

/* ------------------------------------------------- claims ------------------------------------------------- */

export const claimSubmission: Handler<typeof routes.claimSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
  await assertMayReview(c, submission_id);
  const claim = () =>
    takeClaim(c, formSubmissions, submission_id, awaitingReview, () =>
      conflict("not_reviewable", "Only a submitted submission awaiting review can be claimed"),
    );
  try {
    return c.json(await claim(), 200);
  } catch (refusal) {
    // An attempt whose time ran out but that nobody has closed yet is, in all but its stored status, submitted:
    // close it as grading would, then claim. Only this refusal path pays the extra round trips.
    if (!(refusal instanceof ApiError && refusal.code === "not_reviewable")) throw refusal;
    const [row] = await c.get("db").select(submissionColumns).from(formSubmissions).where(eq(formSubmissions.id, submission_id));
    if (!row || !(await closeIfExpired(c, row)).expired) throw refusal;
    return c.json(await claim(), 200);
  }
};

export const releaseSubmissionClaim: Handler<typeof routes.releaseSubmissionClaim> = async (c) => {
  const { submission_id } = c.req.valid("param");
  await assertMayReview(c, submission_id);
  await releaseClaim(c, formSubmissions, submission_id, c.req.valid("query").force === "true", {
    action: "submission.claim_forced",
    type: "form_submission",
  });
  return c.body(null, 204);
};
