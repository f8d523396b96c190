import { createRoute, z } from "@hono/zod-openapi";
import { actingForQuery, jsonBody, jsonResponse, managerQuery, security } from "../lib/openapi";
import { expensive, forEveryone, forReaders, forReviewers } from "../lib/policy";
import { ClaimSchema, ReleaseQuery } from "../review/claims";
import {
  ApproveRowSchema,
  ApproveTableSchema,
  MySubmissionSchema,
  PendingQuery,
  PendingRequirementSchema,
  RowApprovedSchema,
  RowParams,
  RowUpdatedSchema,
  SubmissionParams,
  SubmittedSchema,
  TableApprovedSchema,
  TableParams,
  UpdateRowSchema,
} from "./submission-schemas";

const tags = ["Requirement tracking"];

export const mySubmission = createRoute({
  operationId: "mySubmission",
  ...forReaders,
  method: "get",
  path: "/requirement-tables/{table_id}/my-submission",
  tags,
  security,
  summary: "The caller's submission for a table, created on first read",
  request: { params: TableParams, query: actingForQuery },
  responses: { 200: jsonResponse(MySubmissionSchema, "The submission") },
});

export const updateRow = createRoute({
  operationId: "updateRow",
  ...forEveryone,
  method: "post",
  path: "/requirement-tables/submissions/{submission_id}/rows",
  tags,
  security,
  summary: "Update one row of the caller's submission",
  request: { params: SubmissionParams, query: actingForQuery, body: jsonBody(UpdateRowSchema) },
  responses: { 200: jsonResponse(RowUpdatedSchema, "Updated") },
});

export const submitTable = createRoute({
  operationId: "submitTable",
  ...forEveryone,
  method: "post",
  path: "/requirement-tables/submissions/{submission_id}/submit",
  tags,
  security,
  summary: "Submit the table for review (every row completed)",
  request: { params: SubmissionParams, query: actingForQuery },
  responses: { 200: jsonResponse(SubmittedSchema, "Submitted") },
});

export const pendingTables = createRoute({
  operationId: "pendingTables",
  ...forReviewers,
  method: "get",
  path: "/requirement-tables/submissions/pending",
  tags,
  security,
  summary: "Submitted tables not fully approved",
  request: { query: PendingQuery },
  responses: { 200: jsonResponse(z.array(PendingRequirementSchema), "Pending") },
});

export const approveRow = createRoute({
  operationId: "approveRow",
  ...expensive(forReviewers),
  method: "post",
  path: "/requirement-tables/submissions/{submission_id}/rows/{serial_number}/approve",
  tags,
  security,
  summary: "Approve or reject one row",
  request: { params: RowParams, query: managerQuery, body: jsonBody(ApproveRowSchema) },
  responses: { 200: jsonResponse(RowApprovedSchema, "Reviewed") },
});

export const approveTable = createRoute({
  operationId: "approveTable",
  ...expensive(forReviewers),
  method: "post",
  path: "/requirement-tables/submissions/{submission_id}/approve",
  tags,
  security,
  summary: "Approve every row at once, keeping remarks already given",
  request: {
    params: SubmissionParams,
    query: managerQuery,
    body: { required: false, content: { "application/json": { schema: ApproveTableSchema } } },
  },
  responses: { 200: jsonResponse(TableApprovedSchema, "Approved") },
});

export const claimTableSubmission = createRoute({
  operationId: "claimTableSubmission",
  ...forReviewers,
  method: "post",
  path: "/requirement-tables/submissions/{submission_id}/claim",
  tags,
  security,
  summary: "Claim a submitted table for review (a 15-minute lease; the claimant calling again renews it)",
  request: { params: SubmissionParams },
  responses: { 200: jsonResponse(ClaimSchema, "Claimed (or renewed)") },
});

export const releaseTableSubmissionClaim = createRoute({
  operationId: "releaseTableSubmissionClaim",
  ...forReviewers,
  method: "delete",
  path: "/requirement-tables/submissions/{submission_id}/claim",
  tags,
  security,
  summary: "Release a review claim (another manager's only with ?force=true, which is audited)",
  request: { params: SubmissionParams, query: ReleaseQuery },
  responses: { 204: { description: "Released (or nothing was claimed)" } },
});
