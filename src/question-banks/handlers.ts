import { and, eq, isNull } from "drizzle-orm";
import { batch } from "../db/batch";
import { first } from "../db/rows";
import { bankQuestions, bankQuestionTags, bankQuestionVersions, questionBanks } from "../db/schema";
import { BANK_FIELDS, BANK_QUESTION_FIELDS, changesBetween } from "../domain/audit";
import { mayChangeBank } from "../domain/authority";
import { editOutcome, normaliseTags } from "../domain/banks";
import { normalizeQuestions, type QuestionInput } from "../domain/forms";
import {
  type BankQuestionDraft,
  checkInputSize,
  FormatError,
  type ImportResult,
  parseGift,
  parseMoodleXml,
  toGift,
  toMoodleXml,
} from "../domain/question-formats";
import type { Caller } from "../env";
import { audit } from "../journal";
import { ApiError, badRequest, forbidden, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { flag, type Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { storeVersions, versionOf } from "../shared/attempt-questions";
import {
  type BankRow,
  banksPage,
  exportRows,
  findBank,
  findQuestion,
  type ImportedRow,
  importWrites,
  questionsPage,
  tagWrites,
  toBank,
  toBankQuestion,
  versionWrites,
} from "./queries";
import type * as routes from "./routes";
import { MAX_EXPORT_QUESTIONS, MAX_IMPORT_QUESTIONS } from "./schemas";

/** A bank that is there for the caller (live, or archived when asked) or 404. */
function liveBank<T extends BankRow>(rows: T[], id: string, allowArchived = false): T {
  const [bank] = rows;
  if (!bank || (bank.archived_at !== null && !allowArchived)) throw notFound("Question bank", id);
  return bank;
}

function assertMayChange(caller: Caller, bank: BankRow) {
  if (!mayChangeBank(caller, bank)) throw forbidden("Course staff change only the question banks they made", "insufficient_grant");
}

/** A question as written, checked as a form's question is (the same rules), with its content hash. */
export async function settleQuestion(input: Omit<QuestionInput, "question_id">) {
  const { questions, problems } = normalizeQuestions([{ ...input, question_id: "q" }]);
  const [problem] = problems;
  if (problem) {
    const errors = problems.map((p) => ({ path: p.path.replace(/^questions\.0\.?/, ""), message: p.message }));
    throw badRequest("invalid_question", `Invalid question: ${errors[0]?.path}: ${problem.message}`, errors);
  }
  const { question_id: _id, ...body } = first(questions, "the question normalizeQuestions returned");
  return versionOf(body);
}

export const createBank: Handler<typeof routes.createBank> = async (c) => {
  const body = c.req.valid("json");
  const db = c.get("db");
  const now = c.get("now");
  const stamp = now.toISOString();
  const row = {
    id: newId(now),
    name: body.name,
    description: body.description ?? null,
    created_by: c.get("caller").id,
    created_at: stamp,
    updated_at: stamp,
    archived_at: null,
  };
  await batch(db, {
    insert: db.insert(questionBanks).values(row),
    audit: audit(c, "question_bank.created", { type: "question_bank", id: row.id }, changesBetween(null, row, BANK_FIELDS)),
  });
  return c.json(toBank({ ...row, question_count: 0 }), 201);
};

export const listBanks: Handler<typeof routes.listBanks> = async (c) => {
  const query = c.req.valid("query");
  const limit = limitOf(query.limit);
  const after = decodeCursor(query.cursor, ["string"]);
  const rows = await banksPage(c.get("db"), (after?.[0] as string | undefined) ?? null, limit + 1, flag(query.include_archived) === true);
  return c.json(page(c, rows, limit, (r) => [r.id]).map(toBank), 200);
};

export const getBank: Handler<typeof routes.getBank> = async (c) => {
  const { bank_id } = c.req.valid("param");
  return c.json(toBank(liveBank(await findBank(c.get("db"), bank_id), bank_id, true)), 200);
};

export const updateBank: Handler<typeof routes.updateBank> = async (c) => {
  const { bank_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const bank = liveBank(await findBank(db, bank_id), bank_id);
  assertMayChange(c.get("caller"), bank);
  const next = { ...bank, name: body.name ?? bank.name, description: body.description === undefined ? bank.description : body.description };
  const written = await batch(db, {
    update: db
      .update(questionBanks)
      .set({ name: next.name, description: next.description, updated_at: stamp })
      .where(and(eq(questionBanks.id, bank_id), isNull(questionBanks.archived_at)))
      .returning(),
    audit: audit(c, "question_bank.updated", { type: "question_bank", id: bank_id }, changesBetween(bank, next, BANK_FIELDS)),
  });
  const [updated] = written.update;
  if (!updated) throw notFound("Question bank", bank_id);
  return c.json(toBank({ ...updated, question_count: bank.question_count }), 200);
};

/** Deleting archives: forms whose sections draw from it and attempts that drew from it keep working. */
export const deleteBank: Handler<typeof routes.deleteBank> = async (c) => {
  const { bank_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const bank = liveBank(await findBank(db, bank_id), bank_id);
  assertMayChange(c.get("caller"), bank);
  const written = await batch(db, {
    archive: db
      .update(questionBanks)
      .set({ archived_at: stamp, updated_at: stamp })
      .where(and(eq(questionBanks.id, bank_id), isNull(questionBanks.archived_at)))
      .returning({ id: questionBanks.id }),
    audit: audit(c, "question_bank.deleted", { type: "question_bank", id: bank_id }, changesBetween(bank, null, BANK_FIELDS)),
  });
  if (written.archive.length === 0) throw notFound("Question bank", bank_id);
  return c.body(null, 204);
};

export const createQuestion: Handler<typeof routes.createQuestion> = async (c) => {
  const { bank_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const db = c.get("db");
  const caller = c.get("caller");
  const now = c.get("now");
  const stamp = now.toISOString();
  const { body, hash } = await settleQuestion(input);
  const bank = liveBank(await findBank(db, bank_id), bank_id);
  assertMayChange(caller, bank);
  const tags = normaliseTags(input.tags ?? []);
  const id = newId(now);
  const row = {
    id,
    bank_id,
    version: 1,
    version_hash: hash,
    question_type: body.question_type,
    question_text: body.question_text,
    name: input.name ?? null,
    tags,
    created_by: caller.id,
    updated_by: caller.id,
    created_at: stamp,
    updated_at: stamp,
    archived_at: null,
  };
  await batch(db, {
    version: storeVersions(db, [{ hash, body }], stamp),
    question: db.insert(bankQuestions).values(row),
    audit: audit(
      c,
      "bank_question.created",
      { type: "bank_question", id },
      changesBetween(null, { ...row, marks: body.marks }, BANK_QUESTION_FIELDS),
    ),
    history: db.insert(bankQuestionVersions).values({ question_id: id, version: 1, hash, created_by: caller.id, created_at: stamp }),
    ...tagWrites(db, bank_id, id, tags),
  });
  return c.json(toBankQuestion({ question: row, version: 1, body }), 201);
};

export const listQuestions: Handler<typeof routes.listQuestions> = async (c) => {
  const { bank_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const db = c.get("db");
  const limit = limitOf(query.limit);
  const after = (decodeCursor(query.cursor, ["string"])?.[0] as string | undefined) ?? null;
  const filters = {
    tag: query.tag === undefined ? undefined : normaliseTags([query.tag])[0],
    q: query.q,
    includeArchived: flag(query.include_archived) === true,
  };
  const read = await batch(db, { bank: findBank(db, bank_id), rows: questionsPage(db, bank_id, filters, after, limit + 1) });
  liveBank(read.bank, bank_id, true);
  return c.json(page(c, read.rows, limit, (r) => [r.question.id]).map(toBankQuestion), 200);
};

export const getQuestion: Handler<typeof routes.getQuestion> = async (c) => {
  const { bank_id, question_id } = c.req.valid("param");
  const { version } = c.req.valid("query");
  const db = c.get("db");
  const read = await batch(db, { bank: findBank(db, bank_id), question: findQuestion(db, bank_id, question_id, version) });
  liveBank(read.bank, bank_id, true);
  const [row] = read.question;
  if (!row) throw notFound("Bank question", question_id);
  return c.json(toBankQuestion(row), 200);
};

/**
 * Saving a question: content that reads the same changes only its name and tags; new content changes an unused
 * version in place and forks a new version of one an attempt has drawn (decided again in SQL, queries.ts
 * versionWrites, so an attempt starting meanwhile cannot lose the version it saw).
 */
export const updateQuestion: Handler<typeof routes.updateQuestion> = async (c) => {
  const { bank_id, question_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const db = c.get("db");
  const caller = c.get("caller");
  const stamp = c.get("now").toISOString();
  const { body, hash } = await settleQuestion(input);
  const read = await batch(db, {
    bank: findBank(db, bank_id),
    question: findQuestion(db, bank_id, question_id),
    used: db
      .select({ used_at: bankQuestionVersions.used_at })
      .from(bankQuestionVersions)
      .innerJoin(
        bankQuestions,
        and(eq(bankQuestions.id, bankQuestionVersions.question_id), eq(bankQuestions.version, bankQuestionVersions.version)),
      )
      .where(eq(bankQuestionVersions.question_id, question_id)),
  });
  const bank = liveBank(read.bank, bank_id);
  assertMayChange(caller, bank);
  const [current] = read.question;
  if (!current || current.question.archived_at !== null) throw notFound("Bank question", question_id);
  const outcome = editOutcome({ hash: current.question.version_hash, used: read.used[0]?.used_at != null }, hash);
  const tags = input.tags === undefined ? current.question.tags : normaliseTags(input.tags);
  const name = input.name === undefined ? current.question.name : input.name;
  const versions = versionWrites(db, question_id, hash, caller.id, stamp);
  const written = await batch(db, {
    version: storeVersions(db, [{ hash, body }], stamp),
    inPlace: versions.inPlace,
    fork: versions.fork,
    point: versions.point,
    row: db
      .update(bankQuestions)
      .set({ question_type: body.question_type, question_text: body.question_text, name, tags, updated_by: caller.id, updated_at: stamp })
      .where(and(eq(bankQuestions.id, question_id), isNull(bankQuestions.archived_at)))
      .returning(),
    audit: audit(
      c,
      "bank_question.updated",
      { type: "bank_question", id: question_id },
      changesBetween(
        { ...current.question, marks: current.body.marks, version: current.version },
        {
          name,
          tags,
          question_type: body.question_type,
          marks: body.marks,
          version: outcome === "new_version" ? current.version + 1 : current.version,
        },
        BANK_QUESTION_FIELDS,
      ),
    ),
    ...tagWrites(db, bank_id, question_id, tags),
  });
  const [row] = written.row;
  if (!row) throw notFound("Bank question", question_id);
  return c.json(toBankQuestion({ question: row, version: row.version, body }), 200);
};

export const deleteQuestion: Handler<typeof routes.deleteQuestion> = async (c) => {
  const { bank_id, question_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const read = await batch(db, { bank: findBank(db, bank_id), question: findQuestion(db, bank_id, question_id) });
  assertMayChange(c.get("caller"), liveBank(read.bank, bank_id));
  const [current] = read.question;
  if (!current || current.question.archived_at !== null) throw notFound("Bank question", question_id);
  const written = await batch(db, {
    archive: db
      .update(bankQuestions)
      .set({ archived_at: stamp, updated_at: stamp, updated_by: c.get("caller").id })
      .where(and(eq(bankQuestions.id, question_id), isNull(bankQuestions.archived_at)))
      .returning({ id: bankQuestions.id }),
    audit: audit(
      c,
      "bank_question.deleted",
      { type: "bank_question", id: question_id },
      changesBetween({ ...current.question, marks: current.body.marks, version: current.version }, null, BANK_QUESTION_FIELDS),
    ),
    // An archived question is drawn no more: its tag rows go (the tags stay on the row).
    untag: db.delete(bankQuestionTags).where(eq(bankQuestionTags.question_id, question_id)),
  });
  if (written.archive.length === 0) throw notFound("Bank question", question_id);
  return c.body(null, 204);
};

const OPTION_IDS = "abcdefghijklmnopqrstuvwxyz";

/** A parsed draft as a bank question input: its options get the ids a, b, c, … in the file's order. */
const asInput = (draft: BankQuestionDraft) => ({
  question_type: draft.question_type,
  question_text: draft.question_text,
  options: draft.options.map((o, i) => ({ option_id: OPTION_IDS[i] ?? `o${i + 1}`, text: o.text, is_correct: o.is_correct })),
  marks: draft.marks,
  max_words: draft.question_type === "THEORY" ? draft.max_words : null,
  name: draft.name,
  tags: draft.tags,
});

/** Which format a body is, by its Content-Type (the route admits only these). */
const formatOf = (contentType: string | undefined) => (/^text\/plain\b/i.test(contentType ?? "") ? "gift" : "moodle-xml");

/**
 * Reads a GIFT or Moodle XML file whole, then imports every question it can — all or nothing: malformed input is
 * 400 `invalid_import` naming the line (or `<question>` element) and nothing is written; items of kinds this API
 * cannot score are skipped and reported. One batch writes the rest.
 */
export const importQuestions: Handler<typeof routes.importQuestions> = async (c) => {
  const { bank_id } = c.req.valid("param");
  const dryRun = flag(c.req.valid("query").dry_run) === true;
  const db = c.get("db");
  const caller = c.get("caller");
  const now = c.get("now");
  const stamp = now.toISOString();
  const format = formatOf(c.req.header("content-type"));
  const text = await c.req.text();
  if (text.trim() === "")
    throw badRequest("invalid_import", "The body is empty: send a GIFT (text/plain) or Moodle XML (application/xml) file");
  let parsed: ImportResult;
  try {
    checkInputSize(text);
    parsed = format === "gift" ? parseGift(text) : parseMoodleXml(text);
  } catch (error) {
    if (error instanceof FormatError) throw badRequest("invalid_import", `${error.message}; nothing was imported`);
    throw error;
  }
  if (parsed.questions.length > MAX_IMPORT_QUESTIONS)
    throw badRequest(
      "invalid_import",
      `The file holds ${parsed.questions.length} questions; at most ${MAX_IMPORT_QUESTIONS} per import: split it`,
    );
  const skipped = [...parsed.skipped];
  const rows: ImportedRow[] = [];
  const preview: ReturnType<typeof asInput>[] = [];
  for (const [i, draft] of parsed.questions.entries()) {
    const input = asInput(draft);
    try {
      const { body, hash } = await settleQuestion(input);
      preview.push(input);
      rows.push({ id: newId(now), hash, body, name: input.name, tags: normaliseTags(input.tags) });
    } catch (error) {
      // The parser keeps what the formats allow; this API's own rules (marks, lengths) may still refuse one.
      if (!(error instanceof ApiError)) throw error;
      skipped.push({ index: i, type: draft.question_type === "MCQ" ? "multichoice" : "essay", reason: error.detail });
    }
  }
  const bank = liveBank(await findBank(db, bank_id), bank_id);
  assertMayChange(caller, bank);
  if (!dryRun && rows.length > 0) {
    const writes = importWrites(db, bank_id, rows, caller.id, stamp);
    await batch(db, {
      versions: writes.versions,
      questions: writes.questions,
      // Right after the questions' insert: `changes()` is that statement's.
      audit: audit(
        c,
        "question_bank.imported",
        { type: "question_bank", id: bank_id },
        { format: [null, format], imported: [null, rows.length], skipped: [null, skipped.length] },
      ),
      history: writes.history,
      tags: writes.tags,
    });
  }
  return c.json(
    { imported: rows.length, skipped, questions: dryRun ? [] : rows.map((r) => r.id), dry_run: dryRun, preview: dryRun ? preview : [] },
    200,
  );
};

/** The bank's live questions as a file that the import reads back to the same questions. */
export const exportQuestions: Handler<typeof routes.exportQuestions> = async (c) => {
  const { bank_id } = c.req.valid("param");
  const format = c.req.valid("query").format ?? "gift";
  const db = c.get("db");
  const read = await batch(db, { bank: findBank(db, bank_id), rows: exportRows(db, bank_id, MAX_EXPORT_QUESTIONS) });
  const bank = liveBank(read.bank, bank_id, true);
  const drafts: BankQuestionDraft[] = read.rows.map(({ question, body }) => ({
    name: question.name,
    question_type: body.question_type,
    question_text: body.question_text,
    options: body.options.map((o) => ({ text: o.text, is_correct: o.is_correct })),
    marks: body.marks,
    max_words: body.max_words,
    tags: question.tags,
  }));
  const file = format === "gift" ? toGift(drafts) : toMoodleXml(drafts);
  const ascii = bank.name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const extension = format === "gift" ? "gift.txt" : "xml";
  return c.body(file, 200, {
    "content-type": format === "gift" ? "text/plain; charset=utf-8" : "application/xml; charset=utf-8",
    "content-disposition": `attachment; filename="${ascii}.${extension}"; filename*=UTF-8''${encodeURIComponent(bank.name)}.${extension}`,
  }) as never;
};
