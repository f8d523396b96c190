import { and, asc, eq, getTableColumns, gt, isNull, type SQL, sql } from "drizzle-orm";
import { bankQuestions, bankQuestionTags, bankQuestionVersions, questionBanks, questionVersions } from "../db/schema";
import type { Db } from "../db/types";
import type { Question } from "../domain/vocabulary";
import { storeVersions } from "../shared/attempt-questions";

export type BankRow = typeof questionBanks.$inferSelect;
export type BankQuestionRow = typeof bankQuestions.$inferSelect;
export type VersionBody = Omit<Question, "question_id">;

/**
 * Counted along bank_questions_by_bank (bank_id, archived_at, id). The outer column is written qualified: drizzle
 * leaves a single-table select's columns bare, and a bare `id` would be the subquery's own.
 */
const questionCount =
  sql<number>`(SELECT COUNT(*) FROM bank_questions q WHERE q.bank_id = question_banks.id AND q.archived_at IS NULL)`.mapWith(Number);
const bankWithCount = { ...getTableColumns(questionBanks), question_count: questionCount };

export const toBank = (row: BankRow & { question_count: number }) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  question_count: row.question_count,
  created_by: row.created_by,
  created_at: row.created_at,
  updated_at: row.updated_at,
  archived_at: row.archived_at,
});

export const findBank = (db: Db, id: string) => db.select(bankWithCount).from(questionBanks).where(eq(questionBanks.id, id));

export const banksPage = (db: Db, after: string | null, limit: number, includeArchived: boolean) =>
  db
    .select(bankWithCount)
    .from(questionBanks)
    .where(and(includeArchived ? undefined : isNull(questionBanks.archived_at), after ? gt(questionBanks.id, after) : undefined))
    .orderBy(asc(questionBanks.id))
    .limit(limit);

/** A bank question with the body of one of its versions (the current one unless `version` is given), along the pks. */
export const findQuestion = (db: Db, bankId: string, questionId: string, version?: number) =>
  db
    // Named apart from bank_questions.version: D1's batch answers rows keyed by column name.
    .select({
      question: bankQuestions,
      version: sql<number>`${bankQuestionVersions.version}`.as("shown_version"),
      body: questionVersions.body,
    })
    .from(bankQuestions)
    .innerJoin(
      bankQuestionVersions,
      and(
        eq(bankQuestionVersions.question_id, bankQuestions.id),
        eq(bankQuestionVersions.version, version === undefined ? bankQuestions.version : sql`${version}`),
      ),
    )
    .innerJoin(questionVersions, eq(questionVersions.hash, bankQuestionVersions.hash))
    .where(and(eq(bankQuestions.id, questionId), eq(bankQuestions.bank_id, bankId)));

/** `%`, `_` and the escape itself taken literally in a LIKE pattern. */
const likeLiteral = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/**
 * A page of a bank's questions by id, along bank_questions_by_bank; `tag` along bank_question_tags_pk; `q` filters
 * the rows of that range by their text (a contains-search has no index; the bank bounds the scan).
 */
export function questionsPage(
  db: Db,
  bankId: string,
  filters: { tag?: string; q?: string; includeArchived: boolean },
  after: string | null,
  limit: number,
) {
  const conditions: (SQL | undefined)[] = [
    eq(bankQuestions.bank_id, bankId),
    filters.includeArchived ? undefined : isNull(bankQuestions.archived_at),
    after ? gt(bankQuestions.id, after) : undefined,
    filters.tag
      ? sql`EXISTS (SELECT 1 FROM ${bankQuestionTags} t WHERE t.bank_id = ${bankId} AND t.tag = ${filters.tag} AND t.question_id = ${bankQuestions.id})`
      : undefined,
    filters.q ? sql`${bankQuestions.question_text} LIKE ${likeLiteral(filters.q)} ESCAPE '\\'` : undefined,
  ];
  return db
    .select({ question: bankQuestions, body: questionVersions.body })
    .from(bankQuestions)
    .innerJoin(questionVersions, eq(questionVersions.hash, bankQuestions.version_hash))
    .where(and(...conditions))
    .orderBy(asc(bankQuestions.id))
    .limit(limit);
}

export function toBankQuestion(row: { question: BankQuestionRow; version?: number; body: VersionBody }) {
  const q = row.question;
  return {
    question_id: q.id,
    bank_id: q.bank_id,
    version: row.version ?? q.version,
    name: q.name,
    question_type: row.body.question_type,
    question_text: row.body.question_text,
    options: row.body.options.map((o) => ({ option_id: o.option_id, text: o.text, is_correct: o.is_correct })),
    marks: row.body.marks,
    max_words: row.body.max_words,
    tags: q.tags,
    created_by: q.created_by,
    updated_by: q.updated_by,
    created_at: q.created_at,
    updated_at: q.updated_at,
    archived_at: q.archived_at,
  };
}

/** A question's tag rows replaced (delete, then insert when it has any). */
export function tagWrites(db: Db, bankId: string, questionId: string, tags: readonly string[]) {
  return {
    clearTags: db.delete(bankQuestionTags).where(eq(bankQuestionTags.question_id, questionId)),
    addTags:
      tags.length > 0 ? db.insert(bankQuestionTags).values(tags.map((tag) => ({ bank_id: bankId, tag, question_id: questionId }))) : null,
  };
}

/**
 * A new version of a bank question, race-safe in SQL: the current version changes in place while no attempt has
 * drawn it; once one has (its `used_at` is stamped by the attempt's start), a new version is added instead. Both
 * statements run; at most one matches, whatever happened since the handler read the question. The question row
 * then points at its latest version.
 */
export function versionWrites(db: Db, questionId: string, hash: string, actor: string, stamp: string) {
  const latest = sql`(SELECT MAX(v.version) FROM ${bankQuestionVersions} v WHERE v.question_id = ${questionId})`;
  return {
    inPlace: db
      .update(bankQuestionVersions)
      .set({ hash, created_by: actor, created_at: stamp })
      .where(
        and(
          eq(bankQuestionVersions.question_id, questionId),
          sql`${bankQuestionVersions.version} = ${latest}`,
          isNull(bankQuestionVersions.used_at),
          sql`${bankQuestionVersions.hash} <> ${hash}`,
        ),
      ),
    fork: db.insert(bankQuestionVersions).select(
      db
        .select({
          question_id: bankQuestionVersions.question_id,
          version: sql<number>`${bankQuestionVersions.version} + 1`.as("version"),
          hash: sql<string>`${hash}`.as("hash"),
          created_by: sql<string>`${actor}`.as("created_by"),
          created_at: sql<string>`${stamp}`.as("created_at"),
          used_at: sql<string | null>`NULL`.as("used_at"),
        })
        .from(bankQuestionVersions)
        .where(
          and(
            eq(bankQuestionVersions.question_id, questionId),
            sql`${bankQuestionVersions.version} = ${latest}`,
            sql`${bankQuestionVersions.used_at} IS NOT NULL`,
            sql`${bankQuestionVersions.hash} <> ${hash}`,
          ),
        ),
    ),
    point: db
      .update(bankQuestions)
      .set({
        version: sql`${latest}`,
        version_hash: sql`(SELECT v.hash FROM ${bankQuestionVersions} v WHERE v.question_id = ${questionId} AND v.version = ${latest})`,
      })
      .where(eq(bankQuestions.id, questionId)),
  };
}

/** One question an import writes. */
export type ImportedRow = { id: string; hash: string; body: VersionBody; name: string | null; tags: string[] };

/**
 * An import's rows, written in one all-or-nothing batch of a few statements whatever the count: each statement
 * reads the questions from one bound JSON array (json_each), so D1's 100-parameter cap never splits the file.
 */
export function importWrites(db: Db, bankId: string, rows: readonly ImportedRow[], actor: string, stamp: string) {
  const json = JSON.stringify(rows);
  const each = sql`json_each(${json}) q`;
  const field = (path: string) => sql.raw(`json_extract(q.value, '$.${path}')`);
  return {
    versions: storeVersions(
      db,
      rows.map(({ hash, body }) => ({ hash, body })),
      stamp,
    ),
    questions: db.insert(bankQuestions).select(
      sql`SELECT ${field("id")}, ${bankId}, 1, ${field("hash")}, ${field("body.question_type")}, ${field("body.question_text")},
          ${field("name")}, json(json_extract(q.value, '$.tags')), ${actor}, ${actor}, ${stamp}, ${stamp}, NULL FROM ${each}`,
    ),
    history: db.insert(bankQuestionVersions).select(sql`SELECT ${field("id")}, 1, ${field("hash")}, ${actor}, ${stamp}, NULL FROM ${each}`),
    tags: db.insert(bankQuestionTags).select(sql`SELECT ${bankId}, t.value, ${field("id")} FROM ${each}, json_each(q.value, '$.tags') t`),
  };
}

/** A bank's live questions at their current version, by id, for an export (at most `limit`). */
export const exportRows = (db: Db, bankId: string, limit: number) =>
  db
    .select({ question: bankQuestions, body: questionVersions.body })
    .from(bankQuestions)
    .innerJoin(questionVersions, eq(questionVersions.hash, bankQuestions.version_hash))
    .where(and(eq(bankQuestions.bank_id, bankId), isNull(bankQuestions.archived_at)))
    .orderBy(asc(bankQuestions.id))
    .limit(limit);
