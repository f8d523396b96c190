import { z } from "@hono/zod-openapi";
import { MATERIAL_TYPES, type MaterialType } from "../domain/vocabulary";
import { fields, objectId } from "../lib/openapi";

export { MATERIAL_TYPES, type MaterialType };

const UrlContent = z.object({ url: fields.url() }).strict();

/** What `content` must hold for each material type. Unknown keys are refused. */
export const contentSchemas = {
  Video: UrlContent,
  Document: UrlContent,
  Audio: UrlContent,
  BookLink: z.object({ url: fields.url(), title: fields.name() }).strict(),
  RequirementTable: z.object({ requirement_table_id: objectId("requirement_table_id") }).strict(),
} satisfies Record<MaterialType, z.ZodType>;

/** A material's `content`, as its type's schema checked it. */
export type MaterialContent = z.infer<(typeof contentSchemas)[MaterialType]>;

export const MaterialContentSchema = z
  .union([contentSchemas.BookLink, UrlContent, contentSchemas.RequirementTable])
  .openapi("MaterialContent", {
    description: "Video/Document/Audio: {url}; BookLink: {url, title}; RequirementTable: {requirement_table_id}",
  });

// `content` is checked against the type's own schema in `parseContent`, so one error names the exact field.
export const CreateMaterialSchema = z
  .object({
    material_type: z.enum(MATERIAL_TYPES),
    title: fields.name(),
    description: fields.description().optional(),
    content: MaterialContentSchema,
    order_index: fields.orderIndex().optional(),
    is_mandatory: z.boolean().optional(),
  })
  .strict()
  .openapi("CreateMaterial");

export const UpdateMaterialSchema = z
  .object({
    material_type: z.enum(MATERIAL_TYPES).optional(),
    title: fields.name().optional(),
    description: fields.description().optional(),
    content: MaterialContentSchema.optional(),
    order_index: fields.orderIndex().optional(),
    is_mandatory: z.boolean().optional(),
  })
  .strict()
  .openapi("UpdateMaterial");

export const MaterialParams = z.object({ material_id: objectId("material_id") });
export const StepMaterialParams = z.object({ step_id: objectId("step_id") });

export const MaterialCompletedSchema = z.object({ message: z.string(), material_id: z.string() }).openapi("MaterialCompleted");
