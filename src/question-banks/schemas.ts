import { z } from "@hono/zod-openapi";
import { QUESTION_TYPES } from "../domain/vocabulary";
import { boolQuery, DECIMAL_ONLY, decimalInt, fields, objectId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { QuestionInputSchema, tagList, tagSchema } from "../shared/questions";

export const CreateBankSchema = z
  .object({ name: fields.name().openapi({ example: "Bhagavad-gita, chapters 1–6" }), description: fields.description().optional() })
  .strict()
  .openapi("CreateQuestionBank");

export const UpdateBankSchema = z
  .object({ name: fields.name().optional(), description: fields.description().optional() })
  .strict()
  .openapi("UpdateQuestionBank");

export const BankSchema = z
  .object({
    id: objectId("id"),
    name: z.string(),
    description: z.string().nullable(),
    question_count: z.number().int().min(0).openapi({ description: "Live questions in the bank" }),
    created_by: z.string().openapi({ description: "Who made it (their token's `sub`)" }),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
    archived_at: fields.timestamp().nullable().openapi({ description: "When it was deleted (archived); null: live" }),
  })
  .openapi("QuestionBank");

/** A bank question as written: today's `Question` without its id (the bank assigns it), with tags and a name. */
export const BankQuestionInputSchema = QuestionInputSchema.omit({ question_id: true })
  .extend({
    name: z.string().trim().min(1).max(200).nullable().optional().openapi({ description: "A short label (GIFT `::title::`)" }),
    tags: tagList().optional(),
  })
  .strict()
  .openapi("BankQuestionInput");

export const BankQuestionSchema = z
  .object({
    question_id: objectId("question_id"),
    bank_id: objectId("bank_id"),
    version: z.number().int().min(1).openapi({ description: "Edits after an attempt used a version make a new one" }),
    name: z.string().nullable(),
    question_type: z.enum(QUESTION_TYPES),
    question_text: z.string(),
    options: z.array(z.object({ option_id: z.string(), text: z.string(), is_correct: z.boolean() })),
    marks: z.number(),
    max_words: z.number().int().nullable(),
    tags: z.array(z.string()),
    created_by: z.string(),
    updated_by: z.string(),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
    archived_at: fields.timestamp().nullable(),
  })
  .openapi("BankQuestion");

export const BankParams = z.object({ bank_id: objectId("bank_id") });
export const BankQuestionParams = z.object({ bank_id: objectId("bank_id"), question_id: objectId("question_id") });

export const ListBanksQuery = z.object({
  include_archived: boolQuery.optional().openapi({ description: "`true`: deleted (archived) banks too" }),
  ...pageQuery,
});

export const ListBankQuestionsQuery = z.object({
  tag: tagSchema().optional().openapi({ description: "Only questions with this tag" }),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Only questions whose text contains this (case-insensitive for ASCII letters)" }),
  include_archived: boolQuery.optional(),
  ...pageQuery,
});

export const BankQuestionQuery = z.object({
  version: decimalInt(1, 1_000_000)
    .optional()
    .openapi({ description: `An earlier version (default: the current one). ${DECIMAL_ONLY}` }),
});

export const ImportQuery = z.object({
  dry_run: boolQuery
    .optional()
    .openapi({ description: "`true`: read and check the file, import nothing, and show what would be imported" }),
});

export const ImportSkippedSchema = z
  .object({
    line: z.number().int().optional().openapi({ description: "GIFT: the 1-based line where the item starts" }),
    index: z.number().int().optional().openapi({ description: "Moodle XML: the 0-based position among the file's <question> elements" }),
    type: z.string().openapi({ example: "matching", description: "Moodle's name for the kind of item" }),
    reason: z.string(),
  })
  .openapi("ImportSkipped");

export const ImportResultSchema = z
  .object({
    imported: z.number().int().openapi({ description: "Questions imported (a dry run: that would be)" }),
    skipped: z.array(ImportSkippedSchema),
    questions: z.array(z.string()).openapi({ description: "The new questions' ids, in the file's order (empty on a dry run)" }),
    dry_run: z.boolean(),
    preview: z
      .array(BankQuestionInputSchema)
      .openapi({ description: "A dry run: the questions as they would be imported (option ids a, b, c, …); otherwise empty" }),
  })
  .openapi("ImportResult");

export const ExportQuery = z.object({
  format: z.enum(["gift", "moodle-xml"]).optional().openapi({ description: "Default `gift`" }),
});

/** At most this many questions per import: each is four rows, written in one all-or-nothing batch. */
export const MAX_IMPORT_QUESTIONS = 500;
/** An export holds at most this many questions (a bank's live ones, by id). */
export const MAX_EXPORT_QUESTIONS = 5000;
