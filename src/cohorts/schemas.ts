import { z } from "@hono/zod-openapi";
import { boolQuery, fields, objectId, participantId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";

const cohortName = () =>
  fields.name().openapi({
    example: "Morning",
    description: "Trimmed, 1–200 characters; unique among the course's live cohorts, compared without case (ASCII letters)",
  });

export const CreateCohortSchema = z.object({ name: cohortName() }).strict().openapi("CreateCohort");

export const RenameCohortSchema = z.object({ name: cohortName() }).strict().openapi("RenameCohort");

export const CohortSchema = z
  .object({
    id: objectId("id"),
    course_id: objectId("course_id"),
    name: z.string().openapi({ example: "Morning" }),
    member_count: z.number().int().min(0).openapi({ description: "Participants in the cohort now" }),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
    archived_at: fields.timestamp().nullable().openapi({
      description: "When it was archived (ISO 8601, UTC); null: live. Archived cohorts keep their members but take no new ones",
    }),
  })
  .openapi("Cohort");

export const CohortMemberSchema = z
  .object({
    cohort_id: objectId("cohort_id"),
    participant_id: z.string().openapi({ example: "participant123" }),
    added_by: z.string().openapi({ example: "manager123", description: "Who added them (their token's `sub`)" }),
    added_at: fields.timestamp().openapi({ description: "When they were added (ISO 8601, UTC)" }),
  })
  .openapi("CohortMember");

export const CourseParams = z.object({ course_id: objectId("course_id") });
export const CohortParams = z.object({ cohort_id: objectId("cohort_id") });
export const MemberParams = z.object({ cohort_id: objectId("cohort_id"), participant_id: participantId() });

export const ListCohortsQuery = z.object({
  include_archived: boolQuery.optional().openapi({ description: "`true`: archived cohorts too (default: live ones only)" }),
  ...pageQuery,
});
export const ListMembersQuery = z.object({ ...pageQuery });
