import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, security } from "../lib/openapi";
import { forReaders, inBody, inPath, withGrant } from "../lib/policy";
import {
  CreateFormSchema,
  FormAnalyticsSchema,
  FormParams,
  FormSchema,
  FormSummarySchema,
  ListFormsQuery,
  ListOverridesQuery,
  OverrideInputSchema,
  OverrideParams,
  OverrideSchema,
  UpdateFormSchema,
} from "./schemas";

const tags = ["Forms"];

export const listForms = createRoute({
  operationId: "listForms",
  ...forReaders,
  method: "get",
  path: "/forms",
  tags,
  security,
  summary: "List exam forms, optionally of one step, with question counts",
  request: { query: ListFormsQuery },
  responses: { 200: jsonResponse(z.array(FormSummarySchema), "Forms") },
});

export const getForm = createRoute({
  operationId: "getForm",
  ...forReaders,
  method: "get",
  path: "/forms/{form_id}",
  tags,
  security,
  summary: "A form with its questions (`is_correct` for managers only)",
  request: { params: FormParams },
  responses: { 200: jsonResponse(FormSchema, "The form") },
});

export const createForm = createRoute({
  operationId: "createForm",
  ...withGrant("author", inBody("step", "step_id"), { required: true }),
  method: "post",
  path: "/forms",
  tags,
  security,
  summary: "Create an exam form; with step_id it becomes that step's exam",
  request: { body: jsonBody(CreateFormSchema) },
  responses: { 201: jsonResponse(FormSchema, "Created") },
});

export const updateForm = createRoute({
  operationId: "updateForm",
  ...withGrant("author", inPath("form", "form_id"), { also: [inBody("step", "step_id")] }),
  method: "put",
  path: "/forms/{form_id}",
  tags,
  security,
  summary: "Update a form; omitted fields keep their values, questions are replaced whole",
  request: { params: FormParams, body: jsonBody(UpdateFormSchema) },
  responses: { 200: jsonResponse(FormSchema, "Updated") },
});

export const deleteForm = createRoute({
  operationId: "deleteForm",
  ...withGrant("author", inPath("form", "form_id")),
  method: "delete",
  path: "/forms/{form_id}",
  tags,
  security,
  summary: "Delete a form: erased if never attempted, archived otherwise",
  request: { params: FormParams },
  responses: { 204: { description: "Deleted" } },
});

const overrideTags = ["Exam overrides"];

export const putOverride = createRoute({
  operationId: "putOverride",
  ...withGrant("enrol", inPath("form", "form_id"), { participant: { in: "param", key: "participant_id" } }),
  method: "put",
  path: "/forms/{form_id}/overrides/{participant_id}",
  tags: overrideTags,
  security,
  summary: "Set one participant's duration, attempts or closing time for this exam (accommodations apply on top)",
  request: { params: OverrideParams, body: jsonBody(OverrideInputSchema) },
  responses: { 200: jsonResponse(OverrideSchema, "Stored") },
});

export const listOverrides = createRoute({
  operationId: "listOverrides",
  ...withGrant("enrol", inPath("form", "form_id")),
  method: "get",
  path: "/forms/{form_id}/overrides",
  tags: overrideTags,
  security,
  summary: "This exam's overrides, by participant id",
  request: { params: FormParams, query: ListOverridesQuery },
  responses: { 200: jsonResponse(z.array(OverrideSchema), "Overrides") },
});

export const deleteOverride = createRoute({
  operationId: "deleteOverride",
  ...withGrant("enrol", inPath("form", "form_id"), { participant: { in: "param", key: "participant_id" } }),
  method: "delete",
  path: "/forms/{form_id}/overrides/{participant_id}",
  tags: overrideTags,
  security,
  summary: "Remove one participant's override (attempts in progress keep their deadlines)",
  request: { params: OverrideParams },
  responses: { 204: { description: "Removed" } },
});

export const formAnalytics = createRoute({
  operationId: "formAnalytics",
  ...withGrant("analytics", inPath("form", "form_id")),
  method: "get",
  path: "/forms/{form_id}/analytics",
  tags,
  security,
  summary: "Item analytics over every scored attempt: scores, per-question difficulty and discrimination, reliability",
  request: { params: FormParams },
  responses: { 200: jsonResponse(FormAnalyticsSchema, "Analytics") },
});
