/**
 * The version of an exam's results (db/schema.ts `exam_results`): every write that changes what the exam's item
 * analytics read puts `resultsChanged` in its own batch, so a cached computation is never served past the change.
 * Put it before the write it accompanies: statements after a write read `changes()` to learn whether it landed,
 * and this one always changes a row. Unconditional on purpose — a refused write costs one recomputation, never a
 * stale figure.
 */
import { type SQL, sql } from "drizzle-orm";
import { examResults } from "../db/schema";
import { statusLiteral } from "../db/status";
import type { Db } from "../db/types";

const bump = { version: sql`${examResults.version} + 1` };

/** The results of exam `formId` changed (a literal id, or SQL naming it). */
export const resultsChanged = (db: Db, formId: string | SQL) =>
  db.insert(examResults).values({ form_id: formId, version: 1 }).onConflictDoUpdate({ target: examResults.form_id, set: bump });

/** The results of every exam `participantId` has a scored attempt in changed (their attempts are about to go). */
export const participantResultsChanged = (db: Db, participantId: string) =>
  db
    .insert(examResults)
    .select(
      sql`SELECT DISTINCT form_id, 1, NULL, NULL FROM form_submissions WHERE participant_id = ${participantId} AND submission_status <> ${statusLiteral("InProgress")}`,
    )
    .onConflictDoUpdate({ target: examResults.form_id, set: bump });
