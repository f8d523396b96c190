import { createRoute, z } from "@hono/zod-openapi";
import { actingForQuery, jsonBody, jsonResponse, MessageSchema, security } from "../lib/openapi";
import { forEveryone, forManagers, forReaders, inPath, withGrant } from "../lib/policy";
import {
  CourseParams,
  CourseSchema,
  CourseWithStepsSchema,
  CreateCourseSchema,
  EnrollmentSchema,
  EnrolQuery,
  ListCoursesQuery,
  ReorderStepsSchema,
  UpdateCourseSchema,
} from "./schemas";

const tags = ["Courses"];

export const listCourses = createRoute({
  operationId: "listCourses",
  ...forReaders,
  method: "get",
  path: "/courses",
  tags,
  security,
  summary: "List courses, ordered by order_index (participants see active courses only)",
  request: { query: ListCoursesQuery },
  responses: { 200: jsonResponse(z.array(CourseSchema), "Courses") },
});

export const getCourse = createRoute({
  operationId: "getCourse",
  ...forReaders,
  method: "get",
  path: "/courses/{course_id}",
  tags,
  security,
  summary: "A course with its steps, ordered",
  request: { params: CourseParams },
  responses: { 200: jsonResponse(CourseWithStepsSchema, "The course") },
});

export const createCourse = createRoute({
  operationId: "createCourse",
  ...forManagers,
  method: "post",
  path: "/courses",
  tags,
  security,
  summary: "Create a course",
  request: { body: jsonBody(CreateCourseSchema) },
  responses: { 201: jsonResponse(CourseSchema, "Created") },
});

export const updateCourse = createRoute({
  operationId: "updateCourse",
  ...withGrant("author", inPath("course", "course_id")),
  method: "put",
  path: "/courses/{course_id}",
  tags,
  security,
  summary: "Update a course; omitted fields keep their values",
  request: { params: CourseParams, body: jsonBody(UpdateCourseSchema) },
  responses: { 200: jsonResponse(CourseSchema, "Updated") },
});

export const deleteCourse = createRoute({
  operationId: "deleteCourse",
  ...forManagers,
  method: "delete",
  path: "/courses/{course_id}",
  tags,
  security,
  summary: "Archive a course and its steps; history stays readable",
  request: { params: CourseParams },
  responses: { 204: { description: "Deleted" } },
});

export const setDefaultCourse = createRoute({
  operationId: "setDefaultCourse",
  ...forManagers,
  method: "put",
  path: "/courses/{course_id}/set-default",
  tags,
  security,
  summary: "Make this the one default course",
  request: { params: CourseParams },
  responses: { 200: jsonResponse(CourseSchema, "The new default course") },
});

export const reorderSteps = createRoute({
  operationId: "reorderSteps",
  ...withGrant("author", inPath("course", "course_id")),
  method: "post",
  path: "/courses/{course_id}/steps/reorder",
  tags,
  security,
  summary: "Reorder a course's steps atomically",
  request: { params: CourseParams, body: jsonBody(ReorderStepsSchema) },
  responses: { 200: jsonResponse(MessageSchema, "Reordered") },
});

export const enrollDefault = createRoute({
  operationId: "enrollDefault",
  ...forEveryone,
  method: "post",
  path: "/courses/enroll-default",
  tags,
  security,
  summary: "Enrol in the default course at its first (or default) step; enrolling twice changes nothing",
  request: { query: actingForQuery },
  responses: { 200: jsonResponse(EnrollmentSchema, "Enrolled") },
});

export const enrollInCourse = createRoute({
  operationId: "enrollInCourse",
  ...withGrant("enrol", inPath("course", "course_id")),
  method: "post",
  path: "/courses/{course_id}/enroll",
  tags,
  security,
  summary: "Enrol a participant in a course",
  request: { params: CourseParams, query: EnrolQuery },
  responses: { 200: jsonResponse(EnrollmentSchema, "Enrolled") },
});
