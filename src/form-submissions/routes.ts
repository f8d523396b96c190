import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, managerQuery, participantQuery, security } from "../lib/openapi";
import { expensive, forParticipants, forParticipantsIdempotent, forReaders, forReviewers, forReviewersIdempotent } from "../lib/policy";
import { ClaimSchema, ReleaseQuery } from "../review/claims";
import { StepParams } from "../shared/steps";
import {
  AnswersSchema,
  ApproveResultSchema,
  ApproveSchema,
  AutosaveResultSchema,
  ExamAttemptSchema,
  GradeSchema,
  PageQuery,
  ParticipantParams,
  PendingQuery,
  PendingSubmissionSchema,
  RejectSchema,
  RetakeSchema,
  ReviewResultSchema,
  SubmissionDetailSchema,
  SubmissionParams,
  SubmissionSummarySchema,
  SubmitResultSchema,
} from "./schemas";

const exams = ["Exam attempts"];
const review = ["Submission review"];
const optionalBody = <T extends z.ZodType>(schema: T) => ({ required: false, content: { "application/json": { schema } } });

export const startExam = createRoute({
  operationId: "startExam",
  ...expensive(forParticipants),
  method: "post",
  path: "/steps/{step_id}/exam/start",
  tags: exams,
  security,
  summary: "Start the step's exam, or resume the open attempt (200, same submission_id)",
  request: { params: StepParams, query: participantQuery },
  responses: {
    200: jsonResponse(ExamAttemptSchema, "The open attempt, resumed"),
    201: jsonResponse(ExamAttemptSchema, "A new attempt"),
  },
});

export const saveAnswers = createRoute({
  operationId: "saveAnswers",
  ...forParticipants,
  method: "put",
  path: "/forms/submissions/{submission_id}/answers",
  tags: exams,
  security,
  summary: "Autosave answers during an open attempt (same body as submit)",
  request: { params: SubmissionParams, body: jsonBody(AnswersSchema) },
  responses: { 200: jsonResponse(AutosaveResultSchema, "Saved") },
});

// Not in the expensive class: an attempt is submitted once, and every attempt was opened by a start, which is. A submit
// that finds its attempt closed costs what an autosave does (one statement), and autosaves count as any request. The
// class only added a rate-limit call to every submit, the request that clusters at an exam's deadline.
export const submitExam = createRoute({
  operationId: "submitExam",
  ...forParticipantsIdempotent,
  method: "post",
  path: "/forms/submissions/{submission_id}/submit",
  tags: exams,
  security,
  summary: "Submit the attempt's answers; MCQs are scored at once",
  request: { params: SubmissionParams, body: jsonBody(AnswersSchema) },
  responses: { 200: jsonResponse(SubmitResultSchema, "Submitted") },
});

export const listPending = createRoute({
  operationId: "listPending",
  ...forReviewers,
  method: "get",
  path: "/form-submissions/pending",
  tags: review,
  security,
  summary: "Submissions awaiting review, oldest first",
  request: { query: PendingQuery },
  responses: { 200: jsonResponse(z.array(PendingSubmissionSchema), "Pending submissions") },
});

export const listForParticipant = createRoute({
  operationId: "listForParticipant",
  ...forReaders,
  method: "get",
  path: "/form-submissions/participant/{participant_id}",
  tags: review,
  security,
  summary: "A participant's attempts (managers: anyone's; participants: their own), oldest first",
  request: { params: ParticipantParams, query: PageQuery },
  responses: { 200: jsonResponse(z.array(SubmissionSummarySchema), "Attempts") },
});

export const getSubmission = createRoute({
  operationId: "getSubmission",
  ...forReaders,
  method: "get",
  path: "/form-submissions/{submission_id}",
  tags: review,
  security,
  summary: "A submission with questions and answers (`is_correct` for managers only)",
  request: { params: SubmissionParams },
  responses: { 200: jsonResponse(SubmissionDetailSchema, "The submission") },
});

export const gradeSubmission = createRoute({
  operationId: "gradeSubmission",
  ...expensive(forReviewersIdempotent),
  method: "post",
  path: "/form-submissions/{submission_id}/grade",
  tags: review,
  security,
  summary: "Grade THEORY answers; repeatable until a decision",
  request: { params: SubmissionParams, query: managerQuery, body: jsonBody(GradeSchema) },
  responses: { 200: jsonResponse(SubmissionDetailSchema, "Graded") },
});

export const approveSubmission = createRoute({
  operationId: "approveSubmission",
  ...expensive(forReviewersIdempotent),
  method: "post",
  path: "/form-submissions/{submission_id}/approve",
  tags: review,
  security,
  summary: "Approve: completes the step, unlocks the next, may complete the course",
  request: { params: SubmissionParams, query: managerQuery, body: optionalBody(ApproveSchema) },
  responses: { 200: jsonResponse(ApproveResultSchema, "Approved") },
});

export const rejectSubmission = createRoute({
  operationId: "rejectSubmission",
  ...expensive(forReviewersIdempotent),
  method: "post",
  path: "/form-submissions/{submission_id}/reject",
  tags: review,
  security,
  summary: "Reject; the participant may start again while attempts remain",
  request: { params: SubmissionParams, query: managerQuery, body: optionalBody(RejectSchema) },
  responses: { 200: jsonResponse(ReviewResultSchema, "Rejected") },
});

export const requestRetake = createRoute({
  operationId: "requestRetake",
  ...expensive(forReviewersIdempotent),
  method: "post",
  path: "/form-submissions/{submission_id}/request-retake",
  tags: review,
  security,
  summary: "Request a retake: grants one more attempt, even past max_attempts",
  request: { params: SubmissionParams, query: managerQuery, body: optionalBody(RetakeSchema) },
  responses: { 200: jsonResponse(ReviewResultSchema, "Retake requested") },
});

export const claimSubmission = createRoute({
  operationId: "claimSubmission",
  ...forReviewers,
  method: "post",
  path: "/form-submissions/{submission_id}/claim",
  tags: review,
  security,
  summary: "Claim a pending submission for review (a 15-minute lease; the claimant calling again renews it)",
  request: { params: SubmissionParams },
  responses: { 200: jsonResponse(ClaimSchema, "Claimed (or renewed)") },
});

export const releaseSubmissionClaim = createRoute({
  operationId: "releaseSubmissionClaim",
  ...forReviewers,
  method: "delete",
  path: "/form-submissions/{submission_id}/claim",
  tags: review,
  security,
  summary: "Release a review claim (another manager's only with ?force=true, which is audited)",
  request: { params: SubmissionParams, query: ReleaseQuery },
  responses: { 204: { description: "Released (or nothing was claimed)" } },
});
