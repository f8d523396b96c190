/**
 * Attempts whose deadline and grace passed while nobody wrote to them are closed by whichever request meets them
 * first (a read, a review, a claim, the participant's own late write) or by the cron: this is the one step every
 * request path takes for it.
 */
import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batch } from "../db/batch";
import { isExpired } from "../domain/exams";
import type { AppContext } from "../env";
import { emitter } from "../journal";
import { examClock } from "../lib/clock";
import { conflict } from "../lib/errors";
import { closeExpiredNow, expiredOpenAttempts, type SubmissionRow } from "./queries";

export const grace = (c: AppContext) => examClock(c).graceSeconds;

export const expiredError = (row: SubmissionRow) =>
  conflict("attempt_expired", `The attempt ended at ${row.deadline_at}; it was closed with the answers saved until then`);

/**
 * The attempt as it stands at `at` (default: the request's time): one whose time ran out unseen is closed now —
 * `Submitted`, `auto_submitted`, with the answers saved until its deadline — and its `submission.submitted`
 * event is published after the response like any other. `expired` says whether it had run out.
 */
export async function closeIfExpired(c: AppContext, row: SubmissionRow, at: Date = c.get("now")) {
  if (!isExpired(row, at, grace(c))) return { row, expired: false };
  const [closed] = await closeExpiredNow(c.get("db"), [row], c.get("now"), emitter(c));
  // Not closed by this request: another closed it meanwhile; the row as read is still the one to report on.
  return { row: closed ?? row, expired: true };
}

/**
 * Runs a list query, first closing any expired open attempt in its scope, so lists never show stale time.
 * The extra round trips happen only when an attempt actually expired unseen.
 */
export async function listClosingExpired<Q extends BatchItem<"sqlite">>(c: AppContext, scope: SQL | undefined, list: () => Q) {
  const db = c.get("db");
  const read = await batch(db, { expired: expiredOpenAttempts(db, c.get("now"), grace(c), scope), rows: list() });
  if (read.expired.length === 0) return read.rows;
  await closeExpiredNow(db, read.expired, c.get("now"), emitter(c));
  return (await list()) as Awaited<Q>;
}
