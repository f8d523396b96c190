import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, participantQuery, security } from "../lib/openapi";
import { forEveryone, forManagers, forParticipants, inPath, withGrant } from "../lib/policy";
import {
  AccommodationInputSchema,
  AccommodationSchema,
  CourseIdParams,
  CourseProgressSchema,
  ErasureSchema,
  MyAccommodationSchema,
  MyCourseSchema,
  MyCoursesQuery,
  ParticipantExportSchema,
  ParticipantIdParams,
  StepIdParams,
  StepProgressViewSchema,
} from "./schemas";

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
  responses: { 200: jsonResponse(z.array(MyCourseSchema), "Courses") },
});

export const courseProgress = createRoute({
  operationId: "courseProgress",
  ...withGrant("read", inPath("course", "course_id"), { participant: { in: "query", key: "participant_id" }, participants: true }),
  method: "get",
  path: "/participants/me/progress/{course_id}",
  tags,
  security,
  summary: "The participant's progress through one course",
  request: { params: CourseIdParams, query: participantQuery },
  responses: { 200: jsonResponse(CourseProgressSchema, "Progress") },
});

export const stepProgress = createRoute({
  operationId: "stepProgress",
  ...withGrant("read", inPath("step", "step_id"), { participant: { in: "query", key: "participant_id" }, participants: true }),
  method: "get",
  path: "/participants/me/step/{step_id}/progress",
  tags,
  security,
  summary: "The participant's progress in one step, with materials and the latest exam attempt",
  request: { params: StepIdParams, query: participantQuery },
  responses: { 200: jsonResponse(StepProgressViewSchema, "Progress") },
});

const dataTags = ["Participant data"];

export const exportParticipant = createRoute({
  operationId: "exportParticipant",
  ...forManagers,
  method: "get",
  path: "/participants/{participant_id}/export",
  tags: dataTags,
  security,
  summary: "Everything stored about one participant, as JSON (right of access / portability)",
  request: { params: ParticipantIdParams },
  // Participants exist only as token subjects: an id with nothing stored exports empty, never 404.
  responses: { 200: jsonResponse(ParticipantExportSchema, "The participant's data") },
});

export const eraseParticipant = createRoute({
  operationId: "eraseParticipant",
  ...forManagers,
  method: "delete",
  path: "/participants/{participant_id}",
  tags: dataTags,
  security,
  summary: "Erase everything stored about one participant (right to erasure); repeatable",
  request: { params: ParticipantIdParams },
  responses: {
    200: jsonResponse(ErasureSchema, "Erased (counts of removed rows; zeros when nothing was stored)"),
  },
});

const accommodationTags = ["Accommodations"];

export const putAccommodation = createRoute({
  operationId: "putAccommodation",
  ...forManagers,
  method: "put",
  path: "/participants/{participant_id}/accommodations",
  tags: accommodationTags,
  security,
  summary: "Set a participant's accommodations (extra time, extra attempts) for every exam started from now on",
  request: { params: ParticipantIdParams, body: jsonBody(AccommodationInputSchema) },
  responses: { 200: jsonResponse(AccommodationSchema, "Stored") },
});

export const getAccommodation = createRoute({
  operationId: "getAccommodation",
  ...forManagers,
  method: "get",
  path: "/participants/{participant_id}/accommodations",
  tags: accommodationTags,
  security,
  summary: "A participant's accommodations (zeros when none are set)",
  request: { params: ParticipantIdParams },
  responses: { 200: jsonResponse(AccommodationSchema, "Accommodations") },
});

export const deleteAccommodation = createRoute({
  operationId: "deleteAccommodation",
  ...forManagers,
  method: "delete",
  path: "/participants/{participant_id}/accommodations",
  tags: accommodationTags,
  security,
  summary: "Clear a participant's accommodations (attempts in progress keep their deadlines)",
  request: { params: ParticipantIdParams },
  responses: { 204: { description: "Cleared" } },
});

export const myAccommodation = createRoute({
  operationId: "myAccommodation",
  ...forParticipants,
  method: "get",
  path: "/participants/me/accommodations",
  tags: accommodationTags,
  security,
  summary: "The participant's own accommodations (without the managers' note)",
  request: { query: participantQuery },
  responses: { 200: jsonResponse(MyAccommodationSchema, "Accommodations") },
});
