import { z } from "@hono/zod-openapi";
import { EXAM_STATUSES } from "../domain/vocabulary";
import { fields, objectId } from "../lib/openapi";
import { materialWith } from "../shared/materials";

export const StepSchema = z
  .object({
    id: z.string(),
    course_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    order_index: z.number().int(),
    previous_step_id: z.string().nullable(),
    unlock_on_exam_pass: z.boolean(),
    exam_id: z.string().nullable(),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
    created_by: z.string(),
  })
  .openapi("Step");

export const ExamInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    duration_minutes: z.number().int(),
    total_marks: z.number(),
    passing_marks: z.number(),
  })
  .openapi("ExamInfo");

export const StepProgressSchema = z
  .object({
    is_started: z.boolean(),
    materials_completed: z.boolean(),
    completed_materials_count: z.number().int(),
    total_materials: z.number().int(),
    exam_status: z.enum(EXAM_STATUSES),
  })
  .openapi("StepProgress");

export const StepDetailSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    course_id: z.string(),
    order_index: z.number().int(),
    previous_step_id: z.string().nullable(),
    unlock_on_exam_pass: z.boolean(),
    is_locked: z.boolean(),
    has_exam: z.boolean(),
    exam_id: z.string().nullable(),
    exam_info: ExamInfoSchema.nullable(),
    materials: z.array(materialWith({ is_completed: z.boolean().optional().openapi({ description: "With a participant" }) })),
    progress: StepProgressSchema.nullable().openapi({ description: "The participant's progress; null in a view without a participant" }),
  })
  .openapi("StepDetail");

export const CreateStepSchema = z
  .object({
    course_id: objectId("course_id"),
    name: fields.name(),
    description: fields.description().optional(),
    order_index: fields.orderIndex().optional(),
    previous_step_id: objectId("previous_step_id").nullable().optional(),
    unlock_on_exam_pass: z.boolean().optional(),
  })
  .strict()
  .openapi("CreateStep");

export const UpdateStepSchema = z
  .object({
    name: fields.name().optional(),
    description: fields.description().optional(),
    order_index: fields.orderIndex().optional(),
    previous_step_id: objectId("previous_step_id").nullable().optional(),
    unlock_on_exam_pass: z.boolean().optional(),
  })
  .strict()
  .openapi("UpdateStep");

export const LinkExamQuery = z.object({ form_id: objectId("form_id") });

export const MaterialsCompleteSchema = z
  .object({ message: z.string(), can_take_exam: z.boolean(), exam_id: z.string().nullable() })
  .openapi("MaterialsComplete");
