/**
 * An attempt's questions as reads see them. New attempts store their questions by reference (question_sets of
 * question_versions, written by shared/attempt-questions.ts); older ones a full copy in `questions_snapshot` until
 * the backfill moves them. Reads rebuild the list in SQL, so every path that read the copy reads the same JSON.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { Question } from "../domain/vocabulary";
import { formSubmissions } from "./schema";

/**
 * SQL: the attempt's questions as the JSON array `questions_snapshot` held — from its set when stored by reference,
 * else the copy. Written with qualified columns of `form_submissions` (a bare name inside the subquery would be the
 * subquery's own). Mapped like the column, so a row reads as before.
 */
export const attemptQuestions = sql<Question[] | null>`COALESCE(form_submissions.questions_snapshot, (
    SELECT json_group_array(json(q) ORDER BY k) FROM (
      SELECT i.key AS k, json_set(v.body, '$.question_id', json_extract(i.value, '$[0]')) AS q
      FROM question_sets s JOIN json_each(s.items) i JOIN question_versions v ON v.hash = json_extract(i.value, '$[1]')
      WHERE s.hash = form_submissions.question_set)))`.mapWith((value: string | null): Question[] | null =>
  value === null ? null : (JSON.parse(value) as Question[]),
);

/**
 * Every column of an attempt, its questions rebuilt: select this wherever a row's questions are read. Aliased to the
 * column's name: D1's batch answers rows keyed by column name.
 */
export const submissionColumns = { ...getTableColumns(formSubmissions), questions_snapshot: attemptQuestions.as("questions_snapshot") };
