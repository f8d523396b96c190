import { z } from "@hono/zod-openapi";
import { decimalInt, fields, objectId } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { claimedQuery, claimFields } from "../review/claims";

export const RowStatusSchema = z
  .object({
    serial_number: z.number().int(),
    activity: z.string(),
    target: z.number(),
    unit: z.string(),
    completed: z.boolean(),
    completed_value: z.number().nullable(),
    remarks: z.string().nullable(),
    completed_at: fields.timestamp().nullable(),
    approved: z.boolean(),
    approved_by: z.string().nullable(),
    approved_at: fields.timestamp().nullable(),
    approval_remarks: z.string().nullable(),
  })
  .openapi("RequirementRowStatus");

export const MySubmissionSchema = z
  .object({
    submission_id: z.string(),
    participant_id: z.string(),
    requirement_table: z.object({ id: z.string(), name: z.string(), description: z.string().nullable() }),
    row_statuses: z.array(RowStatusSchema),
    is_completed: z.boolean(),
    is_approved: z.boolean(),
    submitted_at: fields.timestamp().nullable(),
    approved_at: fields.timestamp().nullable(),
  })
  .openapi("RequirementSubmission");

export const UpdateRowSchema = z
  .object({
    serial_number: z.number().int().min(1).max(100_000),
    completed: z.boolean(),
    completed_value: z.number().min(0).max(1_000_000_000).nullable().optional(),
    remarks: z.string().max(1000).nullable().optional(),
  })
  .strict()
  .openapi("UpdateRequirementRow");

export const RowUpdatedSchema = z.object({ message: z.string(), is_completed: z.boolean() }).openapi("RequirementRowUpdated");
export const SubmittedSchema = z.object({ message: z.string(), submitted_at: fields.timestamp() }).openapi("RequirementSubmitted");

export const PendingRequirementSchema = z
  .object({
    submission_id: z.string(),
    participant_id: z.string(),
    requirement_table_id: z.string(),
    table_name: z.string(),
    step_id: z.string().nullable(),
    completed_rows: z.number().int(),
    total_rows: z.number().int(),
    approved_rows: z.number().int(),
    submitted_at: fields.timestamp(),
    ...claimFields,
  })
  .openapi("PendingRequirementSubmission");

export const ApproveRowSchema = z
  .object({ approved: z.boolean(), approval_remarks: z.string().max(1000).nullable().optional() })
  .strict()
  .openapi("ApproveRequirementRow");
export const RowApprovedSchema = z
  .object({ message: z.string(), approved: z.boolean(), all_approved: z.boolean() })
  .openapi("RequirementRowApproved");

export const ApproveTableSchema = z
  .object({ approval_remarks: z.string().max(1000).nullable().optional() })
  .strict()
  .openapi("ApproveRequirementTable");
export const TableApprovedSchema = z
  .object({ message: z.string(), submission_id: z.string(), is_approved: z.boolean(), approved_at: fields.timestamp().nullable() })
  .openapi("RequirementTableApproved");

export const SubmissionParams = z.object({ submission_id: objectId("submission_id") });
export const RowParams = z.object({
  submission_id: objectId("submission_id"),
  serial_number: decimalInt(1, 100_000).openapi({ param: { name: "serial_number", in: "path" } }),
});
export const TableParams = z.object({ table_id: objectId("table_id") });
export const PendingQuery = z.object({ step_id: objectId("step_id").optional(), ...claimedQuery, ...pageQuery });
