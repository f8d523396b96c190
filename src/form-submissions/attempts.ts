/**
 * Taking an exam: start (or resume) an attempt, autosave its answers, submit it. Every write is conditional on
 * the attempt still being open and in time, so no retry, replay or delay between read and write gets past the
 * deadline.
 */
import { and, eq, gte, type SQL, sql } from "drizzle-orm";
import { submissionColumns } from "../db/attempts";
import { batch } from "../db/batch";
import { accommodations, examOverrides, formSubmissions, forms, steps } from "../db/schema";
import { statusLiteral, statusLiterals } from "../db/status";
import type { Db } from "../db/types";
import { type DrawnRef, drawSections, type Section, seenCounts } from "../domain/banks";
import {
  ADDS_AN_ATTEMPT,
  type Answers,
  answerableSince,
  answersOf,
  attemptDeadline,
  attemptScores,
  BLOCKS_NEW_ATTEMPT,
  checkAnswers,
  deadlineOf,
  decideStart,
  effectiveTerms,
  remainingSeconds,
  scoreMcq,
  timing,
  windowState,
} from "../domain/exams";
import { drawAttempt, publicQuestions } from "../domain/forms";
import type { AppContext } from "../env";
import { emit } from "../journal";
import { actingParticipant } from "../lib/auth";
import { now as clockNow, examClock } from "../lib/clock";
import { ApiError, badRequest, conflict, forbidden, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Handler } from "../lib/openapi";
import { progressError } from "../lib/progress-errors";
import { cryptoRandomInt } from "../lib/random";
import { courseOfStep, progressQuery, stepAccess } from "../progress";
import { attemptRow, questionWrites, storedQuestions } from "../shared/attempt-questions";
import { markUsed, sectionPool, toCandidates } from "../shared/bank-pools";
import { resultsChanged } from "../shared/exam-results";
import { findStepWithExam } from "../shared/steps";
import { courseFlagVisible } from "../visibility";
import { saveInGroup } from "./autosave-group";
import { closeIfExpired, expiredError, grace } from "./expiry";
import { forgetAttempt, type KnownAttempt, knownAttempt, knownSet, rememberAttempt } from "./known-attempts";
import { type SubmissionRow, savedAnswers, submissionRef } from "./queries";
import type * as routes from "./routes";

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
  const deadline = deadlineOf(row);
  const answers = savedAnswers(row);
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
    deadline_at: deadline,
    remaining_seconds: remainingSeconds(now, new Date(deadline)),
    effective_duration_minutes: effective,
    answers: { mcq_answers: answers.mcq_answers ?? [], theory_answers: answers.theory_answers ?? [] },
  };
}

/**
 * Draws a form's bank sections for one attempt (domain/banks.ts drawSections): every pool in one round trip; a
 * section that cannot be filled now (its pool shrank since the form was saved) refuses the start, naming it.
 */
async function drawFromBanks(db: Db, sections: readonly Section[], earlier: readonly { refs: DrawnRef[] | null }[]) {
  const pools = await batch(db, { pools: sections.map((section) => sectionPool(db, section)) });
  const candidates = pools.pools.flatMap(toCandidates);
  const draw = drawSections(sections, candidates, seenCounts(earlier.map((e) => e.refs)), cryptoRandomInt);
  if (!draw.ok)
    throw conflict(
      "bank_pool_too_small",
      `sections.${draw.section} draws ${draw.wanted} questions but its bank holds ${draw.available} that match`,
    );
  return draw;
}

export const startExam: Handler<typeof routes.startExam> = async (c) => {
  // Only participants reach here: the route's policy says so (routes.ts).
  const caller = c.get("caller");
  const { step_id } = c.req.valid("param");
  const participantId = actingParticipant(caller, c.req.valid("query").participant_id);
  const db = c.get("db");
  const now = c.get("now");
  const examOfStep = sql`(SELECT ${steps.exam_id} FROM ${steps} WHERE ${steps.id} = ${step_id})`;
  const openAttempt = db
    .select(submissionColumns)
    .from(formSubmissions)
    .where(
      and(
        eq(formSubmissions.participant_id, participantId),
        eq(formSubmissions.form_id, examOfStep),
        eq(formSubmissions.submission_status, "InProgress"),
      ),
    );
  const query = progressQuery(db, participantId, courseOfStep(step_id), examClock(c));
  const read = await batch(db, {
    step: findStepWithExam(db, step_id),
    form: db.select().from(forms).where(eq(forms.id, examOfStep)),
    open: openAttempt,
    accommodation: db.select().from(accommodations).where(eq(accommodations.participant_id, participantId)),
    override: db
      .select()
      .from(examOverrides)
      .where(and(eq(examOverrides.form_id, examOfStep), eq(examOverrides.participant_id, participantId))),
    own: query.own,
    // Which bank questions this participant's earlier attempts drew (least-seen first, no repeats until used up).
    earlier: db
      .select({ refs: formSubmissions.question_refs })
      .from(formSubmissions)
      .where(and(eq(formSubmissions.participant_id, participantId), eq(formSubmissions.form_id, examOfStep))),
  });
  const [found] = read.step;
  const [form] = read.form;
  const [open] = read.open;
  const [accommodation] = read.accommodation;
  const [override] = read.override;
  if (!found || !courseFlagVisible(caller, found.course_active)) throw notFound("Step", step_id);
  if (!form || form.archived_at) throw new ApiError(404, "exam_not_found", "This step has no exam");
  // An open attempt is resumed, or — when its time ran out unseen — closed now and refused.
  if (open) {
    if ((await closeIfExpired(c, open)).expired) throw expiredError(open);
    return c.json(attemptView(open, form, now), 200);
  }
  const access = stepAccess((await query.finish(read.own)).get(found.step.course_id), step_id);
  if (access.refusal) throw progressError(access.refusal, step_id);
  const { progress, state } = access;
  const attempts = progress.attempts
    .filter((a) => a.form_id === form.id)
    .map((a) => ({ id: a.id, submission_status: a.submission_status }));
  const terms = effectiveTerms(form, override ?? null, accommodation ?? null);
  const decision = decideStart({
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
  // A form with bank sections reads their pools now: which pools, only the form row (read above) says, so this is
  // a second round trip for those exams alone.
  const drawn = form.sections?.length ? await drawFromBanks(db, form.sections, read.earlier) : null;
  // This attempt's own exam (drawn, ordered), stored as its snapshot: every later view and the scoring use it.
  const snapshot = drawAttempt([...form.questions, ...(drawn?.questions ?? [])], form, cryptoRandomInt);
  const shown = new Set(snapshot.map((q) => q.question_id));
  const refs = drawn ? drawn.refs.filter((r) => shown.has(r.question_id)) : null;
  const sameExam = sql`${formSubmissions.participant_id} = ${participantId} AND ${formSubmissions.form_id} = ${form.id}`;
  const id = newId(now);
  // The questions are stored by reference (shared/attempt-questions.ts): their versions and set first, then the
  // attempt naming the set — one batch, so the attempt never names a set that is not there. A set this isolate has
  // already seen written (every taker of a fixed-order exam shares one) is not written again: the attempt's insert
  // then requires the set to exist, and should it not (a database restored to before it), the start is written
  // again with its set.
  const stored = await storedQuestions(snapshot);
  const attempt = db
    .insert(formSubmissions)
    .select(
      attemptRow(
        {
          id: sql`${id}`,
          form_id: sql`${form.id}`,
          step_id: sql`${step_id}`,
          course_id: sql`${found.step.course_id}`,
          participant_id: sql`${participantId}`,
          attempt_number: sql`(SELECT COALESCE(MAX(attempt_number), 0) + 1 FROM form_submissions WHERE ${sameExam})`,
          submission_status: statusLiteral("InProgress"),
          started_at: sql`${stamp}`,
          deadline_at: sql`${deadline}`,
          answers: sql`'{}'`,
          is_late: sql`0`,
          auto_submitted: sql`0`,
          effective_duration_minutes: sql`${terms.duration_minutes}`,
          question_refs: refs ? sql`${JSON.stringify(refs)}` : sql`NULL`,
          question_set: sql`${stored.set}`,
        },
        sql`NOT EXISTS (SELECT 1 FROM form_submissions WHERE ${sameExam} AND submission_status IN ${statusLiterals(BLOCKS_NEW_ATTEMPT)})
          AND (SELECT COUNT(*) FROM form_submissions WHERE ${sameExam})
            < ${terms.max_attempts} + (SELECT COUNT(*) FROM form_submissions WHERE ${sameExam} AND submission_status IN ${statusLiterals([ADDS_AN_ATTEMPT])})
          AND EXISTS (SELECT 1 FROM question_sets WHERE hash = ${stored.set})`,
      ),
    )
    .onConflictDoNothing()
    .returning();
  const write = (withSet: boolean) =>
    batch(db, {
      ...(withSet ? questionWrites(db, { versions: stored.versions, sets: [{ hash: stored.set, items: stored.items }] }, stamp) : {}),
      attempt,
      // The bank versions it drew are frozen now (an edit forks a new version) — only if the attempt was written.
      used: refs?.length ? markUsed(db, refs, stamp, sql`EXISTS (SELECT 1 FROM form_submissions WHERE id = ${id})`) : null,
    });
  const setKnown = knownSet(stored.set);
  let written = await write(!setKnown);
  if (setKnown && !written.attempt[0]) written = await write(true);
  if (written.attempt[0]) {
    const row = { ...written.attempt[0], questions_snapshot: snapshot, answers: {} } as SubmissionRow;
    rememberAttempt({ ...row, deadline_at: deadline, questions: snapshot });
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
 * slowly must not carry answers past the deadline. An attempt read here is remembered for the next write.
 */
async function ownOpenAttempt(c: AppContext, submissionId: string, received: Date): Promise<SubmissionRow & { deadline_at: string }> {
  const caller = c.get("caller");
  const db = c.get("db");
  const [row] = await db.select(submissionColumns).from(formSubmissions).where(eq(formSubmissions.id, submissionId));
  if (!row) throw notFound("Submission", submissionId);
  if (caller.role !== "participant" || row.participant_id !== caller.id)
    throw forbidden("Only the attempt's owner may answer it", "not_your_attempt");
  if (row.submission_status !== "InProgress") throw conflict("already_submitted", "This attempt has already been submitted");
  if ((await closeIfExpired(c, row, received)).expired) throw expiredError(row);
  const open = { ...row, deadline_at: deadlineOf(row) };
  rememberAttempt({ ...open, questions: row.questions_snapshot });
  return open;
}

/**
 * The attempt as this isolate remembers it (known-attempts.ts), when the caller owns it and the answers fit its
 * questions: then the write is the request's only statement. Null sends the request down the reading path, which
 * also words every refusal in its usual order (a wrong answer to a submitted attempt is still "already submitted").
 */
function remembered(c: AppContext, submissionId: string, body: Answers): KnownAttempt | null {
  const caller = c.get("caller");
  const known = knownAttempt(submissionId);
  if (!known || caller.role !== "participant" || known.participant_id !== caller.id) return null;
  return checkAnswers(known.questions, body).length === 0 ? known : null;
}

/** On the remembered path the write also holds what was remembered: the owner and the deadline. */
const asRemembered = (a: KnownAttempt) =>
  and(eq(formSubmissions.participant_id, a.participant_id), eq(formSubmissions.deadline_at, a.deadline_at));

const openAttemptOf = (row: SubmissionRow & { deadline_at: string }): KnownAttempt => ({ ...row, questions: row.questions_snapshot ?? [] });

/**
 * The condition every answer write carries: the attempt is still open and its deadline + grace has not
 * passed at `received`. Held in the UPDATE itself, so no retry, replay or delay between read and write can
 * get past the cut-off.
 */
const stillAnswerable = (id: string, received: Date, graceSeconds: number) =>
  and(
    eq(formSubmissions.id, id),
    eq(formSubmissions.submission_status, "InProgress"),
    gte(formSubmissions.deadline_at, answerableSince(received, graceSeconds)),
  );

/** Why an answer write matched nothing: the attempt ran out of time meanwhile (closed now), or was submitted. */
async function answerRefusal(c: AppContext, row: SubmissionRow, received: Date): Promise<never> {
  if ((await closeIfExpired(c, row, received)).expired) throw expiredError(row);
  throw conflict("already_submitted", "This attempt has already been submitted");
}

function validAnswers(row: SubmissionRow, body: Answers) {
  const problems = checkAnswers(row.questions_snapshot ?? [], body);
  const [problem] = problems;
  if (problem) throw badRequest("invalid_answers", `Invalid answers: ${problem.path}: ${problem.message}`, problems);
}

/** Saves the answers if the attempt is still answerable; the response, or null when it was not. */
async function save(c: AppContext, attempt: KnownAttempt, body: Answers, received: Date) {
  const [saved] = await c
    .get("db")
    .update(formSubmissions)
    .set({ answers: body })
    .where(stillAnswerable(attempt.id, received, grace(c)))
    .returning({ id: formSubmissions.id });
  return saved ? savedView(c, attempt, received) : null;
}

/** The request's `waitUntil`; nothing where the app runs without one (a script's `app.request`), whose request awaits the write anyway. */
function keepAliveOf(c: AppContext): (work: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (work) => ctx.waitUntil(work);
  } catch {
    return () => {};
  }
}

/**
 * A remembered attempt's autosave, written with the others arriving now (autosave-group.ts): the group's statement
 * holds the same conditions as a lone write, row by row. The response, or null when its row was not written.
 */
async function saveRemembered(c: AppContext, attempt: KnownAttempt, body: Answers, received: Date) {
  const cutoff = answerableSince(received, grace(c));
  const { written, bookmark } = await saveInGroup(
    c.get("db"),
    { id: attempt.id, participant_id: attempt.participant_id, deadline_at: attempt.deadline_at, cutoff, answers: body },
    { keepAlive: keepAliveOf(c), bookmark: c.get("bookmark") },
  );
  if (!written) return null;
  if (bookmark) c.header("x-d1-bookmark", bookmark);
  return savedView(c, attempt, received);
}

function savedView(c: AppContext, attempt: KnownAttempt, received: Date) {
  return c.json(
    {
      submission_id: attempt.id,
      saved_at: received.toISOString(),
      deadline_at: attempt.deadline_at,
      remaining_seconds: remainingSeconds(received, new Date(attempt.deadline_at)),
    },
    200,
  );
}

export const saveAnswers: Handler<typeof routes.saveAnswers> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = answersOf(c.req.valid("json"));
  const received = clockNow();
  const known = remembered(c, submission_id, body);
  const fast = known ? await saveRemembered(c, known, body, received) : null;
  if (fast) return fast;
  const row = await ownOpenAttempt(c, submission_id, received);
  validAnswers(row, body);
  return (await save(c, openAttemptOf(row), body, received)) ?? answerRefusal(c, row, received);
};

/**
 * Scores and closes the attempt if it is still answerable (and `also` holds): of many parallel submits exactly one
 * is scored, and announced — the event is written only if the UPDATE landed. The response, or null when it did not.
 */
async function close(c: AppContext, attempt: KnownAttempt, body: Answers, received: Date, also?: SQL) {
  const submittedAt = received.toISOString();
  const late = timing(received, new Date(attempt.deadline_at), grace(c)) === "late";
  const mcq = scoreMcq(attempt.questions, body.mcq_answers);
  const scores = attemptScores(attempt.questions, body, {}, mcq);
  const db = c.get("db");
  const written = await batch(db, {
    results: resultsChanged(db, attempt.form_id),
    done: db
      .update(formSubmissions)
      .set({
        answers: body,
        mcq_score: mcq,
        ...scores,
        submission_status: "Submitted",
        submitted_at: submittedAt,
        is_late: late,
      })
      .where(and(stillAnswerable(attempt.id, received, grace(c)), also))
      .returning({ id: formSubmissions.id }),
    event: emit(c, "submission.submitted", {
      ...submissionRef(attempt),
      mcq_score: mcq,
      total_score: scores.total_score,
      submitted_at: submittedAt,
      is_late: late,
    }),
  });
  if (!written.done[0]) return null;
  forgetAttempt(attempt.id);
  return c.json(
    {
      submission_id: attempt.id,
      mcq_score: mcq,
      theory_score: scores.theory_score,
      total_score: scores.total_score,
      submission_status: "Submitted" as const,
      submitted_at: submittedAt,
      is_late: late,
    },
    200,
  );
}

export const submitExam: Handler<typeof routes.submitExam> = async (c) => {
  const { submission_id } = c.req.valid("param");
  const body = answersOf(c.req.valid("json"));
  const received = clockNow();
  const known = remembered(c, submission_id, body);
  const fast = known ? await close(c, known, body, received, asRemembered(known)) : null;
  if (fast) return fast;
  const row = await ownOpenAttempt(c, submission_id, received);
  validAnswers(row, body);
  return (await close(c, openAttemptOf(row), body, received)) ?? answerRefusal(c, row, received);
};
