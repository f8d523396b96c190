import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, security } from "../lib/openapi";
import { forReaders, inBody, inPath, withGrant } from "../lib/policy";
import {
  CreateRequirementTableSchema,
  ListTablesQuery,
  RequirementTableSchema,
  RequirementTableSummarySchema,
  TableParams,
  UpdateRequirementTableSchema,
} from "./schemas";

const tags = ["Requirement tables"];

export const listTables = createRoute({
  operationId: "listTables",
  ...forReaders,
  method: "get",
  path: "/requirement-tables",
  tags,
  security,
  summary: "List requirement tables, optionally of one step",
  request: { query: ListTablesQuery },
  responses: { 200: jsonResponse(z.array(RequirementTableSummarySchema), "Tables") },
});

export const getTable = createRoute({
  operationId: "getTable",
  ...forReaders,
  method: "get",
  path: "/requirement-tables/{table_id}",
  tags,
  security,
  summary: "A requirement table with its rows",
  request: { params: TableParams },
  responses: { 200: jsonResponse(RequirementTableSchema, "The table") },
});

export const createTable = createRoute({
  operationId: "createTable",
  ...withGrant("author", inBody("step", "step_id"), { required: true }),
  method: "post",
  path: "/requirement-tables",
  tags,
  security,
  summary: "Create a requirement table",
  request: { body: jsonBody(CreateRequirementTableSchema) },
  responses: { 201: jsonResponse(RequirementTableSchema, "Created") },
});

export const updateTable = createRoute({
  operationId: "updateTable",
  ...withGrant("author", inPath("table", "table_id"), { also: [inBody("step", "step_id")] }),
  method: "put",
  path: "/requirement-tables/{table_id}",
  tags,
  security,
  summary: "Update a requirement table; requirements are replaced whole",
  request: { params: TableParams, body: jsonBody(UpdateRequirementTableSchema) },
  responses: { 200: jsonResponse(RequirementTableSchema, "Updated") },
});

export const deleteTable = createRoute({
  operationId: "deleteTable",
  ...withGrant("author", inPath("table", "table_id")),
  method: "delete",
  path: "/requirement-tables/{table_id}",
  tags,
  security,
  summary: "Delete a requirement table: erased if no participant started it, archived otherwise",
  request: { params: TableParams },
  responses: { 204: { description: "Deleted" } },
});
