import { graceSeconds } from "../domain/exams";
import type { Bindings } from "../env";
import { openDb } from "../lib/d1";
import { moveAttemptQuestions } from "../shared/attempt-questions";
import { closeExpiredNow, expiredOpenAttempts } from "./queries";

/**
 * Cron: closes attempts whose deadline and grace passed while nobody read them, so pending lists and
 * reports are right even for participants who closed the tab. Bounded per run; the next run continues.
 */
export async function closeExpiredAttempts(env: Bindings, now: Date, limit = 200): Promise<number> {
  const db = openDb(env.DB);
  const expired = await expiredOpenAttempts(db, now, graceSeconds(env.EXAM_GRACE_SECONDS), undefined, limit);
  const closed = await closeExpiredNow(db, expired, now);
  return closed.length;
}

/**
 * Cron: moves attempts started before questions were stored by reference (their full copies) to the shared store,
 * a few bounded pages per run (each one batch) until none are left; the old column stays, emptied.
 */
export async function moveOldAttemptQuestions(env: Bindings, now: Date, pages = 4, pageSize = 50): Promise<number> {
  const db = openDb(env.DB);
  let moved = 0;
  for (let page = 0; page < pages; page++) {
    const count = await moveAttemptQuestions(db, now.toISOString(), pageSize);
    moved += count;
    if (count < pageSize) break;
  }
  return moved;
}
