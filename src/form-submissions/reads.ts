/** Reading exam attempts: the review queue, one participant's attempts, one attempt's details. */
import { and, eq } from "drizzle-orm";
import { batch } from "../db/batch";
import { formSubmissions } from "../db/schema";
import { actingParticipant } from "../lib/auth";
import { notFound } from "../lib/errors";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { claimFilter, claimView } from "../review/claims";
import { staffAccessOf } from "../visibility/grants";
import { closeIfExpired, listClosingExpired } from "./expiry";
import {
  awaitingReview,
  findSubmission,
  staffGrantOfSubmission,
  staffReachesSubmission,
  submissionPage,
  toDetail,
  toSummary,
} from "./queries";
import type * as routes from "./routes";

export const listPending: Handler<typeof routes.listPending> = async (c) => {
  const { step_id, course_id, claimed, limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const after = decodeCursor(cursor, ["string", "string"]);
  const now = c.get("now");
  const scope = and(
    step_id ? eq(formSubmissions.step_id, step_id) : undefined,
    course_id ? eq(formSubmissions.course_id, course_id) : undefined,
  );
  // Course staff see the submissions their grant lets them review: its course, and its cohorts if it has a list.
  const reach = staffReachesSubmission(c.get("caller"), "review");
  const pending = and(scope, awaitingReview, claimFilter(formSubmissions, claimed, c.get("caller").id, now), reach);
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
  // Course staff see the attempts of the courses (and cohorts) their grant reads, and no others.
  const scope = and(eq(formSubmissions.participant_id, participant_id), staffReachesSubmission(c.get("caller"), "read"));
  const rows = await listClosingExpired(c, scope, () => submissionPage(c.get("db"), scope, "started_at", after, limit));
  return c.json(page(c, rows, limit, (r) => [r.submission.started_at, r.submission.id]).map(toSummary), 200);
};

export const getSubmission: Handler<typeof routes.getSubmission> = async (c) => {
  const caller = c.get("caller");
  const { submission_id } = c.req.valid("param");
  const db = c.get("db");
  const read = await batch(db, { submission: findSubmission(db, submission_id), grant: staffGrantOfSubmission(db, caller, submission_id) });
  const [named] = read.submission;
  // Another participant's submission is simply not there for them; nor, for course staff, one outside their grant.
  if (!named || (caller.role === "participant" && named.submission.participant_id !== caller.id))
    throw notFound("Submission", submission_id);
  if (read.grant && staffAccessOf(read.grant, "read") !== "allowed") throw notFound("Submission", submission_id);
  return c.json(toDetail({ ...named, submission: (await closeIfExpired(c, named.submission)).row }, caller), 200);
};
