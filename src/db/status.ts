/**
 * Submission statuses as SQL literals, from the vocabulary: a literal (not a bound value) lets SQLite match a
 * partial index written with it (schema.ts, e.g. `form_submissions_open_by_deadline`), and keeps the status words
 * in one place. The values are the vocabulary's own constants, never input.
 */
import { sql } from "drizzle-orm";
import type { SubmissionStatus } from "../domain/vocabulary";

export const statusLiteral = (status: SubmissionStatus) => sql.raw(`'${status}'`);
export const statusLiterals = (statuses: readonly SubmissionStatus[]) => sql.raw(`(${statuses.map((s) => `'${s}'`).join(", ")})`);
