/**
 * An attempt's questions, stored once: each question as shown (options in the attempt's order) is an immutable
 * version addressed by the SHA-256 of its canonical JSON (question_versions), and the ordered list a set of
 * `[question_id, version hash]` pairs addressed the same way (question_sets). Attempts shown the same questions share
 * one set; the same question shown anywhere is one row. Reads rebuild the list in SQL (`attemptQuestions`), so every
 * path that read `questions_snapshot` reads the same JSON whether the attempt is stored by reference or, from before
 * this change (until the backfill moves it), in full.
 */
import { getTableColumns, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { formSubmissions, questionSets, questionVersions } from "../db/schema";
import type { Db } from "../db/types";
import { canonicalQuestion } from "../domain/banks";
import type { Question } from "../domain/vocabulary";
import { sha256Hex } from "../lib/hash";

/** An immutable question version: its content and the SHA-256 of its canonical JSON (domain/banks.ts). */
export type QuestionVersion = { hash: string; body: Omit<Question, "question_id"> };

/** The version a question's content is — bank questions, imports and attempts all address it the same way. */
export const versionOf = async (body: Omit<Question, "question_id">): Promise<QuestionVersion> => ({
  hash: await sha256Hex(canonicalQuestion(body)),
  body,
});

/**
 * Stores versions once each, whoever wrote them first: one statement reading one bound JSON array (json_each),
 * whatever the count (D1 binds at most 100).
 */
export const storeVersions = (db: Db, versions: readonly QuestionVersion[], stamp: string) =>
  db
    .insert(questionVersions)
    .select(
      sql`SELECT json_extract(v.value, '$.hash'), json(json_extract(v.value, '$.body')), ${stamp}
        FROM json_each(${JSON.stringify(versions)}) v WHERE true`,
    )
    .onConflictDoNothing();

/** The references an attempt's questions are written as: their versions, the set, and the set's key. */
export type StoredQuestions = { set: string; items: [string, string][]; versions: QuestionVersion[] };

export async function storedQuestions(questions: readonly Question[]): Promise<StoredQuestions> {
  const versions: StoredQuestions["versions"] = [];
  const items: [string, string][] = [];
  for (const { question_id, ...body } of questions) {
    const { hash } = await versionOf(body);
    items.push([question_id, hash]);
    if (!versions.some((v) => v.hash === hash)) versions.push({ hash, body });
  }
  return { set: await sha256Hex(JSON.stringify(items)), items, versions };
}

/**
 * The statements that store an attempt's questions (before its own insert, in the same batch): each version and the
 * set once, whoever wrote them first. One bound JSON array each, whatever the count (D1 binds at most 100).
 */
export function questionWrites(
  db: Db,
  { versions, sets }: { versions: StoredQuestions["versions"]; sets: { hash: string; items: [string, string][] }[] },
  stamp: string,
) {
  return {
    versions: storeVersions(db, versions, stamp),
    set: db
      .insert(questionSets)
      .select(
        sql`SELECT json_extract(t.value, '$.hash'), json(json_extract(t.value, '$.items')), ${stamp} FROM json_each(${JSON.stringify(sets)}) t WHERE true`,
      )
      .onConflictDoNothing(),
  };
}

/** Old attempts whose questions are still copied in full, a page at a time (along form_submissions_unmoved). */
export const unmovedAttempts = (db: Db, limit: number) =>
  db
    .select({ id: formSubmissions.id, questions_snapshot: formSubmissions.questions_snapshot })
    .from(formSubmissions)
    .where(sql`${isNull(formSubmissions.question_set)} AND ${isNotNull(formSubmissions.questions_snapshot)}`)
    .orderBy(formSubmissions.id)
    .limit(limit);

type SubmissionColumn = keyof typeof formSubmissions.$inferSelect;

/**
 * `SELECT <every column of form_submissions, in the table's order> WHERE <when>` for an INSERT … SELECT: drizzle
 * names every column of the table in such an insert, so the values are laid out from the table itself (a column
 * added later reads NULL here until its writer says otherwise) and the write stays a batchable statement.
 */
export function attemptRow(values: Partial<Record<SubmissionColumn, SQL>>, when: SQL): SQL {
  const names = Object.keys(getTableColumns(formSubmissions)) as SubmissionColumn[];
  return sql`SELECT ${sql.join(
    names.map((name) => values[name] ?? sql`NULL`),
    sql`, `,
  )} WHERE ${when}`;
}

/**
 * Moves old attempts' copied questions to the shared store, one bounded page: their versions and sets are written
 * (once each), then each attempt names its set and drops its copy — in one batch, so an attempt never names a set
 * that is not there. An attempt's questions never change, so a move racing another changes nothing twice.
 */
export async function moveAttemptQuestions(db: Db, stamp: string, limit: number): Promise<number> {
  const rows = await unmovedAttempts(db, limit);
  const moved: { id: string; stored: StoredQuestions }[] = [];
  for (const row of rows) if (row.questions_snapshot) moved.push({ id: row.id, stored: await storedQuestions(row.questions_snapshot) });
  if (moved.length === 0) return 0;
  const versions = new Map(moved.flatMap((m) => m.stored.versions.map((v) => [v.hash, v] as const)));
  const sets = new Map(moved.map((m) => [m.stored.set, m.stored.items] as const));
  await batch(db, {
    ...questionWrites(db, { versions: [...versions.values()], sets: [...sets].map(([hash, items]) => ({ hash, items })) }, stamp),
    attempts: moved.map((m) =>
      db
        .update(formSubmissions)
        .set({ question_set: m.stored.set, questions_snapshot: null })
        .where(sql`${formSubmissions.id} = ${m.id} AND ${isNull(formSubmissions.question_set)}`),
    ),
  });
  return moved.length;
}
