import { z } from "@hono/zod-openapi";
import { cohortLimitable } from "../domain/authority";
import { GRANT_ROLES } from "../domain/vocabulary";
import { fields, objectId, participantId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";

/** Cohorts one grant may name: a grader's sections, not a course's whole roster. */
export const MAX_GRANT_COHORTS = 50;

const GrantRole = z.enum(GRANT_ROLES).openapi("GrantRole", {
  description:
    "`instructor`: runs the course (authoring, enrolment, review, analytics, grader and observer grants); `grader`: reviews; `observer`: reads and sees analytics",
});

const staffSub = () =>
  participantId().openapi({
    description: "The staff member's id: their token's `sub`",
    example: "teacher-42",
    minLength: 1,
    maxLength: 200,
  });

export const GrantParams = z.object({ course_id: objectId("course_id"), sub: staffSub() });
export const CourseParams = z.object({ course_id: objectId("course_id") });
export const ListQuery = z.object({ ...pageQuery });

export const SetGrantSchema = z
  .object({
    role: GrantRole,
    cohort_ids: z
      .array(objectId("cohort_ids"))
      .min(1)
      .max(MAX_GRANT_COHORTS)
      .refine((ids) => new Set(ids).size === ids.length, "cohort_ids must be unique")
      .nullable()
      .optional()
      .openapi({
        description: `Limits a grader or observer to these live cohorts of the course (at most ${MAX_GRANT_COHORTS}); omitted or null: the whole course`,
      }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.cohort_ids && !cohortLimitable(body.role))
      ctx.addIssue({ code: "custom", path: ["cohort_ids"], message: `a ${body.role} grant covers the whole course: omit cohort_ids` });
  })
  .openapi("SetGrant");

export const GrantSchema = z
  .object({
    course_id: objectId("course_id"),
    sub: z.string().openapi({ example: "teacher-42", description: "The staff member's id: their token's `sub`" }),
    role: GrantRole,
    cohort_ids: z
      .array(z.string())
      .nullable()
      .openapi({ description: "The cohorts the grant is limited to, in id order; null: the whole course" }),
    granted_by: z.string().openapi({ example: "manager123", description: "Who set the grant last (their token's `sub`)" }),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
  })
  .openapi("Grant");

export type SetGrant = z.infer<typeof SetGrantSchema>;
