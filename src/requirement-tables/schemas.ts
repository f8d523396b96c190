import { z } from "@hono/zod-openapi";
import { fields, objectId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";

export const RequirementSchema = z
  .object({
    serial_number: z.number().int().min(1).max(100_000),
    activity: z.string().trim().min(1).max(500),
    target: z.number().min(0).max(1_000_000_000),
    unit: z.string().trim().min(1).max(50),
  })
  .strict()
  .openapi("Requirement");

const requirements = () => z.array(RequirementSchema).min(1).max(500);

export const CreateRequirementTableSchema = z
  .object({
    name: fields.name(),
    description: fields.description().optional(),
    step_id: objectId("step_id").nullable().optional(),
    requirements: requirements(),
  })
  .strict()
  .openapi("CreateRequirementTable");

export const UpdateRequirementTableSchema = z
  .object({
    name: fields.name().optional(),
    description: fields.description().optional(),
    step_id: objectId("step_id").nullable().optional(),
    requirements: requirements().optional(),
  })
  .strict()
  .openapi("UpdateRequirementTable");

export const RequirementTableSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    step_id: z.string().nullable(),
    requirements: z.array(RequirementSchema),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
  })
  .openapi("RequirementTable");

export const RequirementTableSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    step_id: z.string().nullable(),
    requirement_count: z.number().int(),
    created_at: fields.timestamp(),
  })
  .openapi("RequirementTableSummary");

export const TableParams = z.object({ table_id: objectId("table_id") });
export const ListTablesQuery = z.object({ step_id: objectId("step_id").optional(), ...pageQuery });
