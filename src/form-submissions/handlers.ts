import { and, eq, gte, inArray, sql, type SQL } from "drizzle-orm";
import { accommodations, enrollments, examOverrides, formSubmissions, forms, steps } from "../db/schema";
import {
  answeredTheory,
  answersOf,
  approvalOutcome,
  attemptDeadline,
  attemptScores,
  canReview,
  checkAnswers,
  checkGrades,
  decideStart,
  effectiveTerms,
  isExpired,
  remainingSeconds,
  reviewTransition,
  scoreMcq,
  timing,
  ungradedTheory,
  windowState,
  type Answers,
  type ReviewAction,
} from "../domain/exams";
import { drawAttempt, publicQuestions } from "../domain/forms";
import type { AppContext } from "../env";
import { actingParticipant, assertManagerId } from "../lib/auth";
import { ApiError, badRequest, conflict, forbidden, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { cryptoRandomInt } from "../lib/random";
import { batch } from "../db/batch";
import { now as clockNow } from "../lib/clock";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { courseOfStep, milestoneWrites, progressQuery, stepRefusal } from "../progress";
import { examClock } from "../lib/clock";
import { progressError } from "../lib/progress-errors";
import { findStepWithExam } from "../steps/queries";
import { assertClaimAllows, claimAllows, claimFilter, claimTakenMeanwhile, claimView, releaseClaim, takeClaim } from "../lib/claims";
import { audit, emit, emitter } from "../lib/journal";
import { reviewChanges } from "../domain/audited";
import {
  awaitingReview,
  closeExpiredNow,
  expiredOpenAttempts,
  findSubmission,
  submissionPage,
  toDetail,
  type NamedSubmission,
  submissionRef,
  toSummary,
  type SubmissionRow,
} from "./queries";
import type * as routes from "./routes";

const grace = (c: AppContext) => examClock(c).graceSeconds;

const expiredError = (row: SubmissionRow) =>
  conflict("attempt_expired", `The attempt ended at ${row.deadline_at}; it was closed with the answers saved until then`);

const startRefusals: Record<string, string> = {
  step_locked: "This step is locked until the step before it is completed",
  materials_incomplete: "Complete the step's mandatory materials before starting the exam",
  exam_already_approved: "This exam is already approved",
  awaiting_review: "Your last attempt is awaiting review",
  no_attempts_left: "No attempts left for this exam",
  exam_not_open: "This exam is not open yet",
  exam_closed: "This exam is closed",
};

function attemptView(row: SubmissionRow, form: { id: string; name: string; duration_minutes: number }, now: Date) {
  // Set at start (override + accommodation); attempts from before accommodations existed ran on the form's.
  const effective = row.effective_duration_minutes ?? form.duration_minutes;
  const answers = (row.answers ?? {}) as Partial<Answers>;
  return {
    submission_id: row.id,
    form: {
      id: form.id,
      name: form.name,
      duration_minutes: form.duration_minutes,
      questions: publicQuestions(row.questions_snapshot ?? []),
    },
    duration_minutes: form.duration_minutes,
    started_at: row.started_at,
    attempt_number: row.attempt_number,
    deadline_at: row.deadline_at!,
    remaining_seconds: remainingSeconds(now, new Date(row.deadline_at!)),
    effective_duration_minutes: effective,
    answers: { mcq_answers: answers.mcq_answers ?? [], theory_answers: answers.theory_answers ?? [] },
  };
}

export const startExam: Handler<typeof routes.startExam> = async (c) => {
  const caller = c.get("caller");
  if (caller.role !== "participant") throw forbidden("Only participants take exams", "participants_only");
  const { step_id } = c.req.valid("param");
  const participantId = actingParticipant(caller, c.req.valid("query").participant_id);
  const db = c.get("db");
  const now = c.get("now");
  const examOfStep = sql`(SELECT ${steps.exam_id} FROM ${steps} WHERE ${steps.id} = ${step_id})`;
  const openAttempt = db
    .select()
    .from(formSubmissions)
    .where(
      and(
        eq(formSubmissions.participant_id, participantId),
        eq(formSubmissions.form_id, examOfStep),
        eq(formSubmissions.submission_status, "InProgress"),
      ),
    );
  const query = progressQuery(db, participantId, courseOfStep(step_id), examClock(c));
  const [[found], [form], [open], [accommodation], [override], ...own] = await db.batch([
    findStepWithExam(db, step_id),
    db.select().from(forms).where(eq(forms.id, examOfStep)),
    openAttempt,
    db.select().from(accommodations).where(eq(accommodations.participant_id, participantId)),
    db
      .select()
      .from(examOverrides)
      .where(and(eq(examOverrides.form_id, examOfStep), eq(examOverrides.participant_id, participantId))),
    ...query.statements,
  ]);
  if (found?.course_active !== 1) throw notFound("Step", step_id);
  if (!form || form.archived_at) throw new ApiError(404, "exam_not_found", "This step has no exam");
  // An open attempt is resumed, or — when its time ran out unseen — closed now and refused.
  if (open) {
    if (isExpired(open, now, grace(c))) {
      await closeExpiredNow(db, [open]);
      throw expiredError(open);
    }
    return c.json(attemptView(open, form, now), 200);
  }
  const progress = (await query.finish(own)).get(found.step.course_id);
  const refusal = stepRefusal(progress, step_id);
  if (refusal) throw progressError(refusal, step_id);
  const state = progress!.state.byId.get(step_id)!;
  const attempts = progress!.attempts
    .filter((a) => a.form_id === form.id)
    .map((a) => ({ id: a.id, submission_status: a.submission_status }));
  const terms = effectiveTerms(form, override ?? null, accommodation ?? null);
  const decision = decideStart({
    has_exam: true,
    is_locked: state.is_locked,
    materials_completed: state.materials_completed,
    max_attempts: terms.max_attempts,
    attempts,
    window: windowState(now, terms),
  });

  if (decision.kind === "resume") throw conflict("attempt_conflict", "The exam state changed while starting; reload and try again");
  if (decision.kind === "refuse") throw conflict(decision.reason, startRefusals[decision.reason] ?? decision.reason);

  // One conditional INSERT holds the rules against concurrent starts: no open, pending or approved attempt,
  // attempts left (retakes add one each); the unique indexes refuse a second open attempt or number.
  const stamp = now.toISOString();
  const deadline = attemptDeadline(now, terms).toISOString();
  // This attempt's own exam (drawn, ordered), stored as its snapshot: every later view and the scoring use it.
  const snapshot = drawAttempt(form.questions, form, cryptoRandomInt);
  const mine = sql`${formSubmissions.participant_id} = ${participantId} AND ${formSubmissions.form_id} = ${form.id}`;
  const inserted = await db.all<SubmissionRow>(sql`
    INSERT INTO form_submissions (id, form_id, step_id, course_id, participant_id, attempt_number, submission_status,
                                  started_at, deadline_at, questions_snapshot, answers, is_late, auto_submitted,
                                  effective_duration_minutes)
    SELECT ${newId(now)}, ${form.id}, ${step_id}, ${found.step.course_id}, ${participantId},
           (SELECT COALESCE(MAX(attempt_number), 0) + 1 FROM form_submissions WHERE ${mine}),
           'InProgress', ${stamp}, ${deadline}, ${JSON.stringify(snapshot)}, '{}', 0, 0, ${terms.duration_minutes}
    WHERE NOT EXISTS (SELECT 1 FROM form_submissions WHERE ${mine}
                        AND submission_status IN ('InProgress', 'Submitted', 'UnderReview', 'Approved'))
      AND (SELECT COUNT(*) FROM form_submissions WHERE ${mine})
          < ${terms.max_attempts} + (SELECT COUNT(*) FROM form_submissions WHERE ${mine} AND submission_status = 'RetakeRequested')
    ON CONFLICT DO NOTHING
    RETURNING *`);
  if (inserted[0]) {
    const row = { ...inserted[0], questions_snapshot: snapshot, answers: {} } as SubmissionRow;
    return c.json(attemptView(row, form, now), 201);
  }
  // Lost a race: a concurrent call opened the attempt first; resume it.
  const [raced] = await openAttempt;
  if (raced) return c.json(attemptView(raced, form, now), 200);
  throw conflict("attempt_conflict", "The exam state changed while starting; reload and try again");
};

/**
 * The open attempt a participant is writing to, or why they may not — judged at `received`, the moment the
 * answers were in (after the body was read), not when the request's headers arrived: a body trickled in
 * slowly must not carry answers past the deadline.
 */
async function ownOpenAttempt(c: AppContext, submissionId: string, received: Date): Promise<SubmissionRow> {
  const caller = c.get("caller");
  const db = c.get("db");
  const [row] = await db.select().from(formSubmissions).where(eq(formSubmissions.id, submissionId));
  if (!row) throw notFound("Submission", submissionId);
  if (caller.role !== "participant" || row.participant_id !== caller.id)
    throw forbidden("Only the attempt's owner may answer it", "not_your_attempt");
  if (row.submission_status !== "InProgress") throw conflict("already_submitted", "This attempt has already been submitted");
  if (isExpired(row, received, grace(c))) {
    await closeExpiredNow(db, [row]);
    throw expiredError(row);
  }
  return row;
}

/**
 * The condition every answer write carries: the attempt is still open and its deadline + grace has not
 * passed at `received`. Held in the UPDATE itself, so no retry, replay or delay between read and write can
 * get past the cut-off.
 */
const stillAnswerable = (id: string, received: Date, graceSeconds: number) =>
  and(
    eq(formSubmissions.id, id),
    eq(formSubmissions.submission_status, "InProgress"),
    gte(formSubmissions.deadline_at, new Date(received.getTime() - graceSeconds * 1000).toISOString()),
  );

/** Why an answer write matched nothing: the attempt ran out of time meanwhile (closed now), or was submitted. */
async function answerRefusal(c: AppContext, row: SubmissionRow, received: Date): Promise<never> {
  if (isExpired(row, received, grace(c))) {
    await closeExpiredNow(c.get("db"), [row]);
    throw expiredError(row);
  }
  throw conflict("already_submitted", "This attempt has already been submitted");
}

function validAnswers(row: SubmissionRow, body: Answers) {
  const problems = checkAnswers(row.questions_snapshot ?? [], body);
  if (problems.length > 0) throw badRequest("invalid_answers", `Invalid answers: ${problems[0]!.path}: ${problems[0]!.message}`, problems);
}

export const saveAnswers: Handler<typeof routes.saveAnswers> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = answersOf(c.req.valid("json"));
  const received = clockNow();
  const row = await ownOpenAttempt(c, submission_id, received);
  validAnswers(row, body);
  const [saved] = await c
    .get("db")
    .update(formSubmissions)
    .set({ answers: body })
    .where(stillAnswerable(submission_id, received, grace(c)))
    .returning({ id: formSubmissions.id });
  if (!saved) return answerRefusal(c, row, received);
  return c.json(
    {
      submission_id,
      saved_at: received.toISOString(),
      deadline_at: row.deadline_at!,
      remaining_seconds: remainingSeconds(received, new Date(row.deadline_at!)),
    },
    200,
  );
};

export const submitExam: Handler<typeof routes.submitExam> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = answersOf(c.req.valid("json"));
  const received = clockNow();
  const row = await ownOpenAttempt(c, submission_id, received);
  validAnswers(row, body);
  const late = timing(received, new Date(row.deadline_at!), grace(c)) === "late";
  const mcq = scoreMcq(row.questions_snapshot ?? [], body.mcq_answers);
  const scores = attemptScores(row.questions_snapshot ?? [], body, {}, mcq);
  // Conditional on the attempt still being open and in time: of many parallel submits exactly one is scored
  // (and announced: the event is written only if this UPDATE landed).
  const db = c.get("db");
  const written = await batch(db, {
    done: db
      .update(formSubmissions)
      .set({
        answers: body,
        mcq_score: mcq,
        ...scores,
        submission_status: "Submitted",
        submitted_at: received.toISOString(),
        is_late: late,
      })
      .where(stillAnswerable(submission_id, received, grace(c)))
      .returning(),
    event: emit(c, "submission.submitted", {
      ...submissionRef(row),
      mcq_score: mcq,
      total_score: scores.total_score,
      submitted_at: received.toISOString(),
      is_late: late,
    }),
  });
  const [done] = written.done;
  if (!done) return answerRefusal(c, row, received);
  return c.json(
    {
      submission_id,
      mcq_score: mcq,
      theory_score: scores.theory_score,
      total_score: scores.total_score,
      submission_status: "Submitted" as const,
      submitted_at: done.submitted_at!,
      is_late: late,
    },
    200,
  );
};

/* ------------------------------------------------- review ------------------------------------------------- */

/** Why a decision's conditional UPDATE matched nothing: a claim taken meanwhile, or a decision made meanwhile. */
async function decisionMissed(c: AppContext, submissionId: string): Promise<never> {
  throw (await claimTakenMeanwhile(c, formSubmissions, submissionId)) ?? conflict("not_reviewable", "The submission was decided meanwhile");
}

const pastTense: Record<ReviewAction, string> = {
  grade: "graded",
  approve: "approved",
  reject: "rejected",
  request_retake: "sent back for a retake",
};

/** Loads a submission for review, closing it first if its time ran out unseen. */
async function loadForReview(c: AppContext, submissionId: string, action: ReviewAction, managerId: string | undefined) {
  const [named] = await findSubmission(c.get("db"), submissionId);
  return reviewable(c, named, submissionId, action, managerId);
}

/** The checks a review decision makes on the submission it read. */
async function reviewable(
  c: AppContext,
  read: NamedSubmission | undefined,
  submissionId: string,
  action: ReviewAction,
  managerId: string | undefined,
) {
  assertManagerId(c.get("caller"), managerId);
  let named = read;
  if (!named) throw notFound("Submission", submissionId);
  if (isExpired(named.submission, c.get("now"), grace(c))) {
    const [closed] = await closeExpiredNow(c.get("db"), [named.submission]);
    if (closed) named = { ...named, submission: closed };
  }
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
  );

/** A decision ends the review: the claim goes with it. */
const unclaimed = { claimed_by: null, claim_expires_at: null };

export const gradeSubmission: Handler<typeof routes.gradeSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const named = await loadForReview(c, submission_id, "grade", c.req.valid("query").manager_id);
  const s = named.submission;
  const questions = s.questions_snapshot ?? [];
  const problems = checkGrades(questions, body.theory_grades);
  if (problems.length > 0) throw badRequest("invalid_grades", `Invalid grades: ${problems[0]!.path}: ${problems[0]!.message}`, problems);
  const grades = { ...(s.theory_grades ?? {}) };
  for (const g of body.theory_grades) grades[g.question_id] = g.marks_awarded;
  const db = c.get("db");
  const set = {
    theory_grades: grades,
    ...attemptScores(questions, s.answers as Partial<Answers> | null, grades, s.mcq_score),
    feedback: body.feedback,
    submission_status: reviewTransition("grade").to,
    reviewed_by: c.get("caller").id,
    reviewed_at: c.get("now").toISOString(),
  };
  // Written only over the grades this request read: two managers grading at once never lose each other's
  // marks (the later one gets a 409 and retries on fresh data). The grading keeps the grader's claim: approving
  // comes next. Audit and event are written only if the UPDATE landed.
  const written = await batch(db, {
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
  return c.json(toDetail({ ...named, submission: row }, c.get("caller")), 200);
};

export const approveSubmission: Handler<typeof routes.approveSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = (c.req.valid("json") ?? {}) as { feedback?: string | null; unlock_next_course?: boolean };
  const db = c.get("db");
  // The submission and its participant's progress in one batch: whose and which course come from the row.
  const ofSubmission = (column: typeof formSubmissions.participant_id | typeof formSubmissions.course_id) =>
    sql`(SELECT ${column} FROM ${formSubmissions} WHERE ${formSubmissions.id} = ${submission_id})`;
  const query = progressQuery(db, ofSubmission(formSubmissions.participant_id), ofSubmission(formSubmissions.course_id), examClock(c));
  const [[read], ...own] = await db.batch([findSubmission(db, submission_id), ...query.statements]);
  const named = await reviewable(c, read, submission_id, "approve", c.req.valid("query").manager_id);
  const s = named.submission;
  const questions = s.questions_snapshot ?? [];
  const grades = s.theory_grades ?? {};
  const ungraded = ungradedTheory(questions, grades, answeredTheory(s.answers as Partial<Answers> | null));
  if (ungraded.length > 0) throw conflict("ungraded_answers", `Grade every THEORY answer first: ${ungraded.join(", ")}`);

  const progress = await query.finish(own, s.participant_id);
  const before = progress.get(s.course_id);
  const after = progress.after({ approvedAttempt: s.id }).get(s.course_id);
  const outcome =
    before && after
      ? approvalOutcome(before.state, after.state, body.unlock_next_course === true)
      : { next_step_unlocked: false, next_step_id: null, course_completed: false, enrol_next_course: body.unlock_next_course === true };

  // One batch: the decision, then writes that only happen if this request's decision is the one stored.
  const caller = c.get("caller");
  const stamp = c.get("now").toISOString();
  const mine = sql`EXISTS (SELECT 1 FROM form_submissions WHERE id = ${submission_id} AND submission_status = 'Approved' AND reviewed_at = ${stamp} AND reviewed_by = ${caller.id})`;
  const milestone = milestoneWrites(db, s.participant_id, after, {
    stamp,
    newId: () => newId(c.get("now")),
    guard: mine,
    enrolNext: body.unlock_next_course === true,
    emit: emitter(c),
  });
  const scores = attemptScores(questions, s.answers as Partial<Answers> | null, grades, s.mcq_score);
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
      .set({ ...set, ...unclaimed })
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
  const named = await loadForReview(c, submissionId, action, managerId);
  const db = c.get("db");
  const to = reviewTransition(action).to;
  const change = { ...set, submission_status: to, reviewed_by: c.get("caller").id, reviewed_at: c.get("now").toISOString() };
  const written = await batch(db, {
    row: db
      .update(formSubmissions)
      .set({ ...change, ...unclaimed })
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
  const body = (c.req.valid("json") ?? {}) as { feedback?: string | null };
  const result = await simpleDecision(c, submission_id, c.req.valid("query").manager_id, "reject", { feedback: body.feedback });
  return c.json({ message: "Submission rejected", ...result }, 200);
};

export const requestRetake: Handler<typeof routes.requestRetake> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = (c.req.valid("json") ?? {}) as { reason?: string | null };
  const result = await simpleDecision(c, submission_id, c.req.valid("query").manager_id, "request_retake", { retake_reason: body.reason });
  return c.json({ message: "Retake requested", ...result }, 200);
};

/* ------------------------------------------------- reads -------------------------------------------------- */

/**
 * Runs a list query, first closing any expired open attempt in its scope, so lists never show stale time.
 * The extra round trips happen only when an attempt actually expired unseen.
 */
async function listClosingExpired(c: AppContext, scope: SQL | undefined, list: () => ReturnType<typeof submissionPage>) {
  const db = c.get("db");
  const [expired, rows] = await db.batch([expiredOpenAttempts(db, c.get("now"), grace(c), scope), list()]);
  if (expired.length === 0) return rows;
  await closeExpiredNow(db, expired);
  return list();
}

export const listPending: Handler<typeof routes.listPending> = async (c) => {
  const { step_id, course_id, claimed, limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const after = decodeCursor(cursor, ["string", "string"]);
  const now = c.get("now");
  const scope = and(
    step_id ? eq(formSubmissions.step_id, step_id) : undefined,
    course_id ? eq(formSubmissions.course_id, course_id) : undefined,
  );
  const pending = and(scope, awaitingReview, claimFilter(formSubmissions, claimed, c.get("caller").id, now));
  const rows = await listClosingExpired(c, scope, () => submissionPage(c.get("db"), pending, "submitted_at", after, limit));
  return c.json(
    page(c, rows, limit, (r) => [r.submission.submitted_at, r.submission.id]).map((r) => ({
      ...toSummary(r),
      ...claimView(r.submission, now),
    })),
    200,
  );
};

export const listForParticipant: Handler<typeof routes.listForParticipant> = async (c) => {
  const { participant_id } = c.req.valid("param");
  const { limit: requested, cursor } = c.req.valid("query");
  actingParticipant(c.get("caller"), participant_id);
  const limit = limitOf(requested);
  const after = decodeCursor(cursor, ["string", "string"]);
  const scope = eq(formSubmissions.participant_id, participant_id);
  const rows = await listClosingExpired(c, scope, () => submissionPage(c.get("db"), scope, "started_at", after, limit));
  return c.json(page(c, rows, limit, (r) => [r.submission.started_at, r.submission.id]).map(toSummary), 200);
};

export const getSubmission: Handler<typeof routes.getSubmission> = async (c) => {
  const caller = c.get("caller");
  const { submission_id } = c.req.valid("param");
  const db = c.get("db");
  let [named] = await findSubmission(db, submission_id);
  // Another participant's submission is simply not there for them.
  if (!named || (caller.role === "participant" && named.submission.participant_id !== caller.id))
    throw notFound("Submission", submission_id);
  if (isExpired(named.submission, c.get("now"), grace(c))) {
    const [closed] = await closeExpiredNow(db, [named.submission]);
    if (closed) named = { ...named, submission: closed };
  }
  return c.json(toDetail(named, caller), 200);
};

/* ------------------------------------------------- claims ------------------------------------------------- */

export const claimSubmission: Handler<typeof routes.claimSubmission> = async (c) => {
  const { submission_id } = c.req.valid("param");
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
    const db = c.get("db");
    const expired = await expiredOpenAttempts(db, c.get("now"), grace(c), eq(formSubmissions.id, submission_id));
    if (expired.length === 0) throw refusal;
    await closeExpiredNow(db, expired);
    return c.json(await claim(), 200);
  }
};

export const releaseSubmissionClaim: Handler<typeof routes.releaseSubmissionClaim> = async (c) => {
  const { submission_id } = c.req.valid("param");
  await releaseClaim(c, formSubmissions, submission_id, c.req.valid("query").force === "true", {
    action: "submission.claim_forced",
    type: "form_submission",
  });
  return c.body(null, 204);
};
