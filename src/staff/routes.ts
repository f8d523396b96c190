import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, security } from "../lib/openapi";
import { forStaff, forStaffOrManagers } from "../lib/policy";
import { CourseParams, GrantParams, GrantSchema, ListQuery, SetGrantSchema } from "./schemas";

const tags = ["Course staff"];

export const setGrant = createRoute({
  operationId: "setGrant",
  ...forStaffOrManagers,
  method: "put",
  path: "/courses/{course_id}/staff/{sub}",
  tags,
  security,
  summary: "Make someone instructor, grader or observer of a course, or replace their grant",
  request: { params: GrantParams, body: jsonBody(SetGrantSchema) },
  responses: { 200: jsonResponse(GrantSchema, "The grant as stored") },
});

export const listGrants = createRoute({
  operationId: "listGrants",
  ...forStaffOrManagers,
  method: "get",
  path: "/courses/{course_id}/staff",
  tags,
  security,
  summary: "A course's staff and their grants, by sub",
  request: { params: CourseParams, query: ListQuery },
  responses: { 200: jsonResponse(z.array(GrantSchema), "Grants") },
});

export const revokeGrant = createRoute({
  operationId: "revokeGrant",
  ...forStaffOrManagers,
  method: "delete",
  path: "/courses/{course_id}/staff/{sub}",
  tags,
  security,
  summary: "Revoke someone's grant in a course; it stops working on their next request",
  request: { params: GrantParams },
  responses: { 204: { description: "Revoked" } },
});

export const listMyGrants = createRoute({
  operationId: "listMyGrants",
  ...forStaff,
  method: "get",
  path: "/staff/me/grants",
  tags,
  security,
  summary: "The caller's own grants, in live courses, by course id",
  request: { query: ListQuery },
  responses: { 200: jsonResponse(z.array(GrantSchema), "Grants") },
});
