/**
 * The questions a form's bank section may draw (its pool), read by the forms (to refuse a section that cannot be
 * filled when it is saved) and by exam start (to draw). A pool is the live questions of the section's bank that
 * carry every tag of `tags_all` and one of `tags_any`, each at its current version; it is read along
 * bank_questions_by_bank, the tags along bank_question_tags_pk.
 */
import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import { bankQuestions, bankQuestionTags, bankQuestionVersions, questionBanks, questionVersions } from "../db/schema";
import type { Db } from "../db/types";
import type { Candidate, Section } from "../domain/banks";
import { normaliseTags } from "../domain/banks";
import { chunk } from "../lib/chunk";

/** The section with its tags as stored (normalised), so that `Chapter 2` finds `chapter-2`. */
export const normalisedSection = (s: Section): Section => ({
  ...s,
  ...(s.tags_all ? { tags_all: normaliseTags(s.tags_all) } : {}),
  ...(s.tags_any ? { tags_any: normaliseTags(s.tags_any) } : {}),
});

/**
 * SQL: a question of the section's pool. Lists are bound as one JSON array each (json_each), so a section of 20 + 20
 * tags and 200 picked ids stays far under D1's 100 bound parameters.
 */
function poolConditions(section: Section): SQL | undefined {
  const tagged = (tags: readonly string[]) =>
    sql`EXISTS (SELECT 1 FROM ${bankQuestionTags} t WHERE t.bank_id = ${section.bank_id} AND t.question_id = ${bankQuestions.id}
      AND t.tag IN (SELECT value FROM json_each(${JSON.stringify(tags)})))`;
  const all = section.tags_all ?? [];
  return and(
    eq(bankQuestions.bank_id, section.bank_id),
    isNull(bankQuestions.archived_at),
    // Every tag of tags_all: as many of the question's tag rows match the list as the list has tags.
    all.length > 0
      ? sql`(SELECT COUNT(*) FROM ${bankQuestionTags} t WHERE t.bank_id = ${section.bank_id} AND t.question_id = ${bankQuestions.id}
          AND t.tag IN (SELECT value FROM json_each(${JSON.stringify(all)}))) = ${new Set(all).size}`
      : undefined,
    section.tags_any && section.tags_any.length > 0 ? tagged(section.tags_any) : undefined,
    section.question_ids ? sql`${bankQuestions.id} IN (SELECT value FROM json_each(${JSON.stringify(section.question_ids)}))` : undefined,
  );
}

/** Every question of a section's pool at its current version, for drawing. */
export const sectionPool = (db: Db, section: Section) =>
  db
    .select({
      id: bankQuestions.id,
      bank_id: bankQuestions.bank_id,
      version: bankQuestions.version,
      hash: bankQuestions.version_hash,
      tags: bankQuestions.tags,
      body: questionVersions.body,
    })
    .from(bankQuestions)
    .innerJoin(questionVersions, eq(questionVersions.hash, bankQuestions.version_hash))
    .where(poolConditions(section));

export type PoolRows = Awaited<ReturnType<typeof sectionPool>>;

export const toCandidates = (rows: PoolRows): Candidate[] =>
  rows.map((r) => ({
    id: r.id,
    bank_id: r.bank_id,
    version: r.version,
    hash: r.hash,
    tags: r.tags,
    question: { ...r.body, question_id: r.id },
  }));

/** How many questions a section's pool holds and the marks they carry (when saving a form), and whether its bank is live. */
export const sectionPoolStats = (db: Db, section: Section) =>
  db
    .select({
      bank_live: sql<number>`EXISTS (SELECT 1 FROM ${questionBanks} b WHERE b.id = ${section.bank_id} AND b.archived_at IS NULL)`.mapWith(
        Number,
      ),
      available: sql<number>`COUNT(${bankQuestions.id})`.mapWith(Number),
      min_marks: sql<number | null>`MIN(json_extract(${questionVersions.body}, '$.marks'))`,
      max_marks: sql<number | null>`MAX(json_extract(${questionVersions.body}, '$.marks'))`,
    })
    .from(bankQuestions)
    .innerJoin(questionVersions, eq(questionVersions.hash, bankQuestions.version_hash))
    .where(poolConditions(section));

export type PoolStats = Awaited<ReturnType<typeof sectionPoolStats>>[number];

/**
 * Bank questions drawn by an attempt, each at the version it saw, are frozen from now on (an edit forks a new
 * version). A version edited in place meanwhile has another hash and is not stamped: the attempt keeps the content
 * it was shown either way (by its hash). Three parameters a question, chunked to D1's 100 per statement.
 */
export const markUsed = (db: Db, refs: readonly { question_id: string; version: number; hash: string }[], stamp: string, when?: SQL) =>
  chunk(refs, 3).map((part) =>
    db
      .update(bankQuestionVersions)
      .set({ used_at: sql`COALESCE(${bankQuestionVersions.used_at}, ${stamp})` })
      .where(
        and(
          sql`(${bankQuestionVersions.question_id}, ${bankQuestionVersions.version}, ${bankQuestionVersions.hash}) IN (VALUES ${sql.join(
            part.map((r) => sql`(${r.question_id}, ${r.version}, ${r.hash})`),
            sql`, `,
          )})`,
          when,
        ),
      ),
  );
