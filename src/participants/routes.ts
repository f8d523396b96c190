import { forEveryone } from "../lib/policy";
import { createRoute, z } from "@hono/zod-openapi";
import { errors, jsonResponse, participantQuery, security } from "../lib/openapi";
import { CourseIdParams, CourseProgressSchema, MyCourseSchema, MyCoursesQuery, StepIdParams, StepProgressViewSchema } from "./schemas";

const tags = ["Participant progress"];

export const myCourses = createRoute({
  operationId: "myCourses",
  ...forEveryone,
  method: "get",
  path: "/participants/me/courses",
  tags,
  security,
  summary: "The courses the participant is enrolled in, with progress",
  request: { query: MyCoursesQuery },
  responses: { 200: jsonResponse(z.array(MyCourseSchema), "Courses"), ...errors(400, 401, 403) },
});

export const courseProgress = createRoute({
  operationId: "courseProgress",
  ...forEveryone,
  method: "get",
  path: "/participants/me/progress/{course_id}",
  tags,
  security,
  summary: "The participant's progress through one course",
  request: { params: CourseIdParams, query: participantQuery },
  responses: { 200: jsonResponse(CourseProgressSchema, "Progress"), ...errors(400, 401, 403, 404) },
});

export const stepProgress = createRoute({
  operationId: "stepProgress",
  ...forEveryone,
  method: "get",
  path: "/participants/me/step/{step_id}/progress",
  tags,
  security,
  summary: "The participant's progress in one step, with materials and the latest exam attempt",
  request: { params: StepIdParams, query: participantQuery },
  responses: { 200: jsonResponse(StepProgressViewSchema, "Progress"), ...errors(400, 401, 403, 404) },
});
