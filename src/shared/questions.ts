/** A question as answered by the form views and by an attempt's review details. */
import { z } from "@hono/zod-openapi";
import { MAX_TAG_LENGTH, MAX_TAGS } from "../domain/banks";
import { MARKS_STEP, MAX_QUESTION_MARKS } from "../domain/forms";
import { QUESTION_TYPE_INPUTS, QUESTION_TYPES } from "../domain/vocabulary";
import { objectId } from "../lib/openapi";

export const QuestionSchema = z
  .object({
    question_id: z.string(),
    question_type: z.enum(QUESTION_TYPES),
    question_text: z.string(),
    options: z.array(
      z.object({
        option_id: z.string(),
        text: z.string(),
        is_correct: z.boolean().optional().openapi({ description: "Managers only" }),
      }),
    ),
    marks: z.number(),
    max_words: z.number().int().nullable(),
  })
  .openapi("Question");

/** A question as written: in a form's `questions`, and (without its id) in a question bank. */
export const marks = () =>
  z
    .number()
    .min(MARKS_STEP)
    .max(MAX_QUESTION_MARKS)
    .multipleOf(MARKS_STEP, `marks must be a multiple of ${MARKS_STEP}`)
    .openapi({ description: `${MARKS_STEP} … ${MAX_QUESTION_MARKS}, in steps of ${MARKS_STEP}` });

export const OptionInputSchema = z
  .object({
    option_id: z.string().trim().min(1).max(64),
    text: z.string().min(1).max(1000),
    is_correct: z.boolean().optional(),
  })
  .strict();

export const QuestionInputSchema = z
  .object({
    question_id: z.string().trim().min(1).max(64),
    question_type: z.enum(QUESTION_TYPE_INPUTS).openapi({ description: "`Theory` is accepted and stored as `THEORY`" }),
    question_text: z.string().trim().min(1).max(5000),
    options: z.array(OptionInputSchema).max(20).optional(),
    marks: marks(),
    max_words: z.number().int().positive().max(100_000).nullable().optional(),
  })
  .strict()
  .openapi("QuestionInput");

/** A question's tag as written (stored normalised: domain/banks.ts normaliseTag), in banks and in form sections. */
export const tagSchema = () =>
  z
    .string()
    .trim()
    .min(1)
    .max(MAX_TAG_LENGTH)
    .openapi({ example: "chapter-2", description: "Compared without case; inner spaces become `-` (`Chapter 2` → `chapter-2`)" });
export const tagList = () => z.array(tagSchema()).max(MAX_TAGS);

/** A form's bank section: `count` questions drawn per attempt from a bank, by tag. */
export const SectionSchema = z
  .object({
    bank_id: objectId("bank_id"),
    tags_all: tagList().optional().openapi({ description: "Questions carrying every one of these tags" }),
    tags_any: tagList().optional().openapi({ description: "Questions carrying at least one of these tags" }),
    question_ids: z
      .array(objectId("question_ids"))
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Only these questions of the bank (picked by id: each attempt gets their latest version)" }),
    count: z.number().int().min(1).max(200).openapi({ description: "Questions each attempt draws from this section" }),
    marks_each: marks()
      .optional()
      .openapi({ description: "Marks of each drawn question (default: the marks its pool's questions share; required when they differ)" }),
  })
  .strict()
  .openapi("FormSection");
