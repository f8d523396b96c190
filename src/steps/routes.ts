import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, participantQuery, security } from "../lib/openapi";
import { forEveryone, inBody, inPath, inQuery, withGrant } from "../lib/policy";
import { StepParams } from "../shared/steps";
import { CreateStepSchema, LinkExamQuery, MaterialsCompleteSchema, StepDetailSchema, StepSchema, UpdateStepSchema } from "./schemas";

const tags = ["Steps"];

export const getStep = createRoute({
  operationId: "getStep",
  ...withGrant("read", inPath("step", "step_id"), { participant: { in: "query", key: "participant_id" }, participants: true }),
  method: "get",
  path: "/steps/{step_id}",
  tags,
  security,
  summary: "A step with its exam summary and materials",
  request: { params: StepParams, query: participantQuery },
  responses: { 200: jsonResponse(StepDetailSchema, "The step") },
});

export const createStep = createRoute({
  operationId: "createStep",
  ...withGrant("author", inBody("course", "course_id"), { required: true }),
  method: "post",
  path: "/steps",
  tags,
  security,
  summary: "Create a step in a course",
  request: { body: jsonBody(CreateStepSchema) },
  responses: { 201: jsonResponse(StepSchema, "Created") },
});

export const updateStep = createRoute({
  operationId: "updateStep",
  ...withGrant("author", inPath("step", "step_id")),
  method: "put",
  path: "/steps/{step_id}",
  tags,
  security,
  summary: "Update a step; omitted fields keep their values",
  request: { params: StepParams, body: jsonBody(UpdateStepSchema) },
  responses: { 200: jsonResponse(StepSchema, "Updated") },
});

export const deleteStep = createRoute({
  operationId: "deleteStep",
  ...withGrant("author", inPath("step", "step_id")),
  method: "delete",
  path: "/steps/{step_id}",
  tags,
  security,
  summary: "Archive a step and its materials; history stays readable",
  request: { params: StepParams },
  responses: { 204: { description: "Deleted" } },
});

export const linkExam = createRoute({
  operationId: "linkExam",
  ...withGrant("author", inPath("step", "step_id"), { also: [inQuery("form", "form_id")] }),
  method: "put",
  path: "/steps/{step_id}/exam",
  tags,
  security,
  summary: "Make a form the exam of this step",
  request: { params: StepParams, query: LinkExamQuery },
  responses: { 200: jsonResponse(StepSchema, "The step with its exam") },
});

export const completeStepMaterials = createRoute({
  operationId: "completeStepMaterials",
  ...forEveryone,
  method: "post",
  path: "/steps/{step_id}/materials-complete",
  tags,
  security,
  summary: "Mark every material of the step complete (requirement tables complete by approval)",
  request: { params: StepParams, query: participantQuery },
  responses: { 200: jsonResponse(MaterialsCompleteSchema, "Completed") },
});
