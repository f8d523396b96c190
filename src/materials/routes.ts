import { createRoute } from "@hono/zod-openapi";
import { actingForQuery, jsonBody, jsonResponse, security } from "../lib/openapi";
import { forEveryone, inBody, inPath, withGrant } from "../lib/policy";
import { MaterialSchema } from "../shared/materials";
import { CreateMaterialSchema, MaterialCompletedSchema, MaterialParams, StepMaterialParams, UpdateMaterialSchema } from "./schemas";

const tags = ["Materials"];

export const createMaterial = createRoute({
  operationId: "createMaterial",
  ...withGrant("author", inPath("step", "step_id"), { also: [inBody("table", "content.requirement_table_id")] }),
  method: "post",
  path: "/steps/{step_id}/materials",
  tags,
  security,
  summary: "Add a material to a step",
  request: { params: StepMaterialParams, body: jsonBody(CreateMaterialSchema) },
  responses: { 201: jsonResponse(MaterialSchema, "Created") },
});

export const updateMaterial = createRoute({
  operationId: "updateMaterial",
  ...withGrant("author", inPath("material", "material_id"), { also: [inBody("table", "content.requirement_table_id")] }),
  method: "put",
  path: "/materials/{material_id}",
  tags,
  security,
  summary: "Update a material; omitted fields keep their values",
  request: { params: MaterialParams, body: jsonBody(UpdateMaterialSchema) },
  responses: { 200: jsonResponse(MaterialSchema, "Updated") },
});

export const deleteMaterial = createRoute({
  operationId: "deleteMaterial",
  ...withGrant("author", inPath("material", "material_id")),
  method: "delete",
  path: "/materials/{material_id}",
  tags,
  security,
  summary: "Delete a material: erased if untouched, archived once a participant completed it",
  request: { params: MaterialParams },
  responses: { 204: { description: "Deleted" } },
});

export const completeMaterial = createRoute({
  operationId: "completeMaterial",
  ...forEveryone,
  method: "post",
  path: "/materials/{material_id}/complete",
  tags,
  security,
  summary: "Mark a material complete for the participant (idempotent)",
  request: { params: MaterialParams, query: actingForQuery },
  responses: { 200: jsonResponse(MaterialCompletedSchema, "Completed") },
});
