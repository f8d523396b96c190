/** A question as answered by the form views and by an attempt's review details. */
import { z } from "@hono/zod-openapi";
import { QUESTION_TYPES } from "../domain/vocabulary";

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
