/**
 * The answers an attempt holds, as a participant sends them (autosave, submit) and as they are stored and shown
 * again (the attempt, its review details, the participant's export): one definition, so the two answer shapes a
 * client reads are exactly those the server accepted.
 */
import { z } from "@hono/zod-openapi";
import { THEORY_ANSWER_MAX_CHARS } from "../domain/exams";

const questionId = () => z.string().min(1).max(64);

export const McqAnswerSchema = z
  .object({ question_id: questionId(), selected_option_id: z.string().min(1).max(64) })
  .strict()
  .openapi("McqAnswer", { description: "An MCQ question's answer: the option chosen" });

export const TheoryAnswerSchema = z
  .object({ question_id: questionId(), answer_text: z.string().max(THEORY_ANSWER_MAX_CHARS) })
  .strict()
  .openapi("TheoryAnswer", { description: "A THEORY question's answer: the text written" });

export const AnswersSchema = z
  .object({
    mcq_answers: z.array(McqAnswerSchema).max(200).optional().openapi({ description: "Omitted: no MCQ answered" }),
    theory_answers: z.array(TheoryAnswerSchema).max(200).optional().openapi({ description: "Omitted: no THEORY question answered" }),
  })
  .strict()
  .openapi("Answers");
