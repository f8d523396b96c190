import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, security } from "../lib/openapi";
import { forBankAuthors } from "../lib/policy";
import {
  BankParams,
  BankQuestionInputSchema,
  BankQuestionParams,
  BankQuestionQuery,
  BankQuestionSchema,
  BankSchema,
  CreateBankSchema,
  ExportQuery,
  ImportQuery,
  ImportResultSchema,
  ListBankQuestionsQuery,
  ListBanksQuery,
  UpdateBankSchema,
} from "./schemas";

const tags = ["Question banks"];

export const createBank = createRoute({
  operationId: "createQuestionBank",
  ...forBankAuthors,
  method: "post",
  path: "/question-banks",
  tags,
  security,
  summary: "Create a question bank",
  request: { body: jsonBody(CreateBankSchema) },
  responses: { 201: jsonResponse(BankSchema, "Created") },
});

export const listBanks = createRoute({
  operationId: "listQuestionBanks",
  ...forBankAuthors,
  method: "get",
  path: "/question-banks",
  tags,
  security,
  summary: "Question banks, by id (live ones unless include_archived=true)",
  request: { query: ListBanksQuery },
  responses: { 200: jsonResponse(z.array(BankSchema), "Question banks") },
});

export const getBank = createRoute({
  operationId: "getQuestionBank",
  ...forBankAuthors,
  method: "get",
  path: "/question-banks/{bank_id}",
  tags,
  security,
  summary: "A question bank",
  request: { params: BankParams },
  responses: { 200: jsonResponse(BankSchema, "The question bank") },
});

export const updateBank = createRoute({
  operationId: "updateQuestionBank",
  ...forBankAuthors,
  method: "put",
  path: "/question-banks/{bank_id}",
  tags,
  security,
  summary: "Rename or describe a question bank",
  request: { params: BankParams, body: jsonBody(UpdateBankSchema) },
  responses: { 200: jsonResponse(BankSchema, "Updated") },
});

export const deleteBank = createRoute({
  operationId: "deleteQuestionBank",
  ...forBankAuthors,
  method: "delete",
  path: "/question-banks/{bank_id}",
  tags,
  security,
  summary: "Delete (archive) a question bank",
  request: { params: BankParams },
  responses: { 204: { description: "Archived" } },
});

export const createQuestion = createRoute({
  operationId: "createBankQuestion",
  ...forBankAuthors,
  method: "post",
  path: "/question-banks/{bank_id}/questions",
  tags,
  security,
  summary: "Add a question to a bank (the bank assigns its id)",
  request: { params: BankParams, body: jsonBody(BankQuestionInputSchema) },
  responses: { 201: jsonResponse(BankQuestionSchema, "Created") },
});

export const listQuestions = createRoute({
  operationId: "listBankQuestions",
  ...forBankAuthors,
  method: "get",
  path: "/question-banks/{bank_id}/questions",
  tags,
  security,
  summary: "A bank's questions at their current version, by id (filter by tag or text)",
  request: { params: BankParams, query: ListBankQuestionsQuery },
  responses: { 200: jsonResponse(z.array(BankQuestionSchema), "Questions") },
});

export const getQuestion = createRoute({
  operationId: "getBankQuestion",
  ...forBankAuthors,
  method: "get",
  path: "/question-banks/{bank_id}/questions/{question_id}",
  tags,
  security,
  summary: "A bank question at its current version, or at `version`",
  request: { params: BankQuestionParams, query: BankQuestionQuery },
  responses: { 200: jsonResponse(BankQuestionSchema, "The question") },
});

export const updateQuestion = createRoute({
  operationId: "updateBankQuestion",
  ...forBankAuthors,
  method: "put",
  path: "/question-banks/{bank_id}/questions/{question_id}",
  tags,
  security,
  summary: "Replace a bank question (a version an attempt used stays; a new version is made)",
  request: { params: BankQuestionParams, body: jsonBody(BankQuestionInputSchema) },
  responses: { 200: jsonResponse(BankQuestionSchema, "Saved") },
});

export const deleteQuestion = createRoute({
  operationId: "deleteBankQuestion",
  ...forBankAuthors,
  method: "delete",
  path: "/question-banks/{bank_id}/questions/{question_id}",
  tags,
  security,
  summary: "Delete (archive) a bank question: drawn no more, kept for the attempts that used it",
  request: { params: BankQuestionParams },
  responses: { 204: { description: "Archived" } },
});

export const importQuestions = createRoute({
  operationId: "importBankQuestions",
  ...forBankAuthors,
  method: "post",
  path: "/question-banks/{bank_id}/import",
  tags,
  security,
  summary: "Import questions from a GIFT (text/plain) or Moodle XML (application/xml) file",
  request: {
    params: BankParams,
    query: ImportQuery,
    body: {
      required: true,
      content: {
        "text/plain": { schema: z.string().openapi({ description: "GIFT, UTF-8" }) },
        "application/xml": { schema: z.string().openapi({ description: "Moodle XML, UTF-8" }) },
      },
    },
  },
  responses: { 200: jsonResponse(ImportResultSchema, "Imported (or, on a dry run, checked)") },
});

export const exportQuestions = createRoute({
  operationId: "exportBankQuestions",
  ...forBankAuthors,
  method: "get",
  path: "/question-banks/{bank_id}/export",
  tags,
  security,
  summary: "The bank's live questions as a GIFT or Moodle XML file",
  request: { params: BankParams, query: ExportQuery },
  responses: {
    200: {
      description: "The file (Content-Disposition: attachment)",
      content: {
        "text/plain": { schema: z.string().openapi({ description: "GIFT" }) },
        "application/xml": { schema: z.string().openapi({ description: "Moodle XML" }) },
      },
    },
  },
});
