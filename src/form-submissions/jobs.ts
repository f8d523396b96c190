import { lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../db/schema";
import { graceSeconds } from "../domain/exams";
import type { Bindings } from "../env";
import { retryingD1 } from "../lib/d1";
import { closeExpiredNow, expiredOpenAttempts } from "./queries";

/**
 * Cron: closes attempts whose deadline and grace passed while nobody read them, so pending lists and
 * reports are right even for participants who closed the tab. Bounded per run; the next run continues.
 */
export async function closeExpiredAttempts(env: Bindings, now: Date, limit = 200): Promise<number> {
  const db = drizzle(retryingD1(env.DB), { schema });
  const expired = await expiredOpenAttempts(db, now, graceSeconds(env.EXAM_GRACE_SECONDS), undefined, limit);
  const closed = await closeExpiredNow(db, expired, now);
  return closed.length;
}

/** Idempotency keys are kept a day: long enough for any client retry, short enough to stay small. */
export async function purgeIdempotencyKeys(env: Bindings, now: Date): Promise<void> {
  const db = drizzle(retryingD1(env.DB), { schema });
  await db.delete(schema.idempotencyKeys).where(lt(schema.idempotencyKeys.created_at, new Date(now.getTime() - 86_400_000).toISOString()));
}
