import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, security } from "../lib/openapi";
import { forEnrollers } from "../lib/policy";
import {
  CohortMemberSchema,
  CohortParams,
  CohortSchema,
  CourseParams,
  CreateCohortSchema,
  ListCohortsQuery,
  ListMembersQuery,
  MemberParams,
  RenameCohortSchema,
} from "./schemas";

const tags = ["Cohorts"];

export const createCohort = createRoute({
  operationId: "createCohort",
  ...forEnrollers,
  method: "post",
  path: "/courses/{course_id}/cohorts",
  tags,
  security,
  summary: "Create a cohort (a section or group) of a course",
  request: { params: CourseParams, body: jsonBody(CreateCohortSchema) },
  responses: { 201: jsonResponse(CohortSchema, "Created") },
});

export const listCohorts = createRoute({
  operationId: "listCohorts",
  ...forEnrollers,
  method: "get",
  path: "/courses/{course_id}/cohorts",
  tags,
  security,
  summary: "A course's cohorts, by id (live ones unless include_archived=true)",
  request: { params: CourseParams, query: ListCohortsQuery },
  responses: { 200: jsonResponse(z.array(CohortSchema), "Cohorts") },
});

export const renameCohort = createRoute({
  operationId: "renameCohort",
  ...forEnrollers,
  method: "put",
  path: "/cohorts/{cohort_id}",
  tags,
  security,
  summary: "Rename a cohort",
  request: { params: CohortParams, body: jsonBody(RenameCohortSchema) },
  responses: { 200: jsonResponse(CohortSchema, "Renamed") },
});

export const archiveCohort = createRoute({
  operationId: "archiveCohort",
  ...forEnrollers,
  method: "delete",
  path: "/cohorts/{cohort_id}",
  tags,
  security,
  summary: "Archive a cohort; its memberships and the grants naming it stay",
  request: { params: CohortParams },
  responses: { 204: { description: "Archived" } },
});

export const addCohortMember = createRoute({
  operationId: "addCohortMember",
  ...forEnrollers,
  method: "put",
  path: "/cohorts/{cohort_id}/members/{participant_id}",
  tags,
  security,
  summary: "Put a participant enrolled in the cohort's course into the cohort; adding again changes nothing",
  request: { params: MemberParams },
  responses: { 200: jsonResponse(CohortMemberSchema, "The membership") },
});

export const removeCohortMember = createRoute({
  operationId: "removeCohortMember",
  ...forEnrollers,
  method: "delete",
  path: "/cohorts/{cohort_id}/members/{participant_id}",
  tags,
  security,
  summary: "Take a participant out of a cohort",
  request: { params: MemberParams },
  responses: { 204: { description: "Removed" } },
});

export const listCohortMembers = createRoute({
  operationId: "listCohortMembers",
  ...forEnrollers,
  method: "get",
  path: "/cohorts/{cohort_id}/members",
  tags,
  security,
  summary: "A cohort's members, by participant id",
  request: { params: CohortParams, query: ListMembersQuery },
  responses: { 200: jsonResponse(z.array(CohortMemberSchema), "Members") },
});
