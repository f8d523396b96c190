/**
 * The version of an exam's results (db/schema.ts `exam_results`): every write that changes what the exam's item
 * analytics read puts `resultsChanged` in its own batch, so a cached computation is never served past the change.
 * Put it before the write it accompanies: statements after a write read `changes()` to learn whether it landed,
 * and this one always changes a row. Unconditional on purpose — a refused write costs one recomputation, never a
 * stale figure.
 */
import { eq, type SQL, sql } from "drizzle-orm";
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

/*
 * Figures computed from an exam's results (its item analytics) are stored with the version they were computed at,
 * and are current while that version stands. The rule is here once, for SQL and for the Worker.
 */
type ResultsRow = typeof examResults.$inferSelect;

/** The exam's results row (version and stored figures), or none before its first change. */
export const resultsOf = (db: Db, formId: string) => db.select().from(examResults).where(eq(examResults.form_id, formId));

/** The stored figures (JSON) while current, else null. */
export const currentFigures = (row: ResultsRow | undefined): string | null =>
  row?.analytics != null && row.analytics_version === row.version ? row.analytics : null;

/** SQL: true while exam `formId` (SQL naming it) has no current figures — the gate of the statements computing them. */
export const noCurrentFigures = (formId: SQL) =>
  sql`NOT EXISTS (SELECT 1 FROM ${examResults} WHERE ${examResults.form_id} = ${formId} AND ${examResults.analytics_version} = ${examResults.version} AND ${examResults.analytics} IS NOT NULL)`;

/**
 * Stores figures computed at `version` (read in the computation's own batch): a result written meanwhile has moved
 * the version on, and the store then lands nowhere.
 */
export const storeFigures = (db: Db, formId: string, version: number, figures: string) =>
  db
    .insert(examResults)
    .values({ form_id: formId, version, analytics_version: version, analytics: figures })
    .onConflictDoUpdate({
      target: examResults.form_id,
      set: { analytics_version: version, analytics: figures },
      setWhere: sql`${examResults.version} = ${version}`,
    });
