import { graceSeconds } from "../domain/exams";
import type { Bindings } from "../env";
import { openDb } from "../lib/d1";
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
