import { z } from "@hono/zod-openapi";
import { boolQuery, fields, objectId, participantId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";

/** The wording fields are optional: each falls back to the course (domain/certificates.ts `achievementOf`). */
export const CertificateConfigSchema = z
  .object({
    enabled: z.boolean().openapi({ description: "Completing the course issues an Open Badges 3.0 certificate" }),
    achievement_name: z.string().trim().min(1).max(200).nullable().optional().openapi({
      description: "The achievement's name on the certificate (default: the course name)",
      example: "Bhakti Shastri",
    }),
    description: z.string().trim().min(1).max(2000).nullable().optional().openapi({
      description: "What the achievement is (default: the course description)",
    }),
    criteria: z.string().trim().min(1).max(2000).nullable().optional().openapi({
      description: "What earning it took (default: completing every step of the course)",
    }),
  })
  .strict()
  .openapi("CertificateConfig");

const StoredCertificateConfigSchema = z
  .object({
    enabled: z.boolean(),
    achievement_name: z.string().nullable(),
    description: z.string().nullable(),
    criteria: z.string().nullable(),
  })
  .openapi("CourseCertificate");

export const CourseSchema = z
  .object({
    id: objectId("id"),
    name: z.string().openapi({ example: "Bhakti Shastri Course" }),
    description: z.string().nullable(),
    image_url: z.string().nullable(),
    previous_course_id: z.string().nullable(),
    next_course_id: z.string().nullable(),
    default_step_id: z.string().nullable(),
    order_index: z.number().int(),
    is_active: z.boolean(),
    is_default: z.boolean(),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
    created_by: z.string().openapi({ example: "manager123" }),
    certificate: StoredCertificateConfigSchema.nullable().openapi({
      description: "Whether completing the course issues a certificate, and its wording; null: none configured",
    }),
  })
  .openapi("Course");

export const CourseStepSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    order_index: z.number().int(),
    exam_id: z.string().nullable(),
    is_locked: z.boolean(),
  })
  .openapi("CourseStepSummary");

export const CourseWithStepsSchema = CourseSchema.extend({ steps: z.array(CourseStepSummarySchema) }).openapi("CourseWithSteps");

export const CreateCourseSchema = z
  .object({
    name: fields.name(),
    description: fields.description().optional(),
    image_url: fields.url().nullable().optional(),
    is_default: z.boolean().optional(),
    is_active: z.boolean().optional(),
    previous_course_id: objectId("previous_course_id").nullable().optional(),
    next_course_id: objectId("next_course_id").nullable().optional(),
    order_index: fields.orderIndex().optional(),
    certificate: CertificateConfigSchema.nullable().optional(),
  })
  .strict()
  .openapi("CreateCourse");

export const UpdateCourseSchema = z
  .object({
    name: fields.name().optional(),
    description: fields.description().optional(),
    image_url: fields.url().nullable().optional(),
    is_default: z.boolean().optional(),
    is_active: z.boolean().optional(),
    previous_course_id: objectId("previous_course_id").nullable().optional(),
    next_course_id: objectId("next_course_id").nullable().optional(),
    default_step_id: objectId("default_step_id").nullable().optional(),
    order_index: fields.orderIndex().optional(),
    certificate: CertificateConfigSchema.nullable().optional(),
  })
  .strict()
  .openapi("UpdateCourse");

export const ListCoursesQuery = z.object({
  is_active: boolQuery.optional(),
  is_default: boolQuery.optional(),
  ...pageQuery,
});

export const CourseParams = z.object({ course_id: objectId("course_id") });

export const ReorderStepsSchema = z
  .object({
    step_orders: z
      .array(z.object({ step_id: objectId("step_id"), order_index: fields.orderIndex() }).strict())
      .min(1)
      .max(500),
  })
  .strict()
  .openapi("ReorderSteps");

export type CreateCourse = z.infer<typeof CreateCourseSchema>;
export type UpdateCourse = z.infer<typeof UpdateCourseSchema>;

export const EnrollmentSchema = z
  .object({
    message: z.string(),
    course_id: z.string(),
    course_name: z.string(),
    current_step_id: z.string().nullable(),
  })
  .openapi("Enrollment");

/** A manager enrols someone: who is required (the operation is manager-only, so it never defaults to the caller). */
export const EnrolQuery = z.object({
  participant_id: participantId().openapi({ description: "The participant to enrol (required: this operation is for managers)" }),
});
