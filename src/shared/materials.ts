/**
 * A material as every feature answers it (materials, a step's detail, a participant's step view): its wire
 * shape and the row mapper, shared below the features so none imports another.
 */
import { z } from "@hono/zod-openapi";
import type { materials } from "../db/schema";
import { MATERIAL_TYPES } from "../domain/vocabulary";
import { fields } from "../lib/openapi";

export type MaterialRow = typeof materials.$inferSelect;

/** The file an upload attached (Video, Document, Audio): `content.url` is then the API's download URL. */
export const MaterialFileSchema = z
  .object({ size: z.number().int(), content_type: z.string(), uploaded_at: fields.timestamp(), sha256: z.string() })
  .openapi("MaterialFile");

/** `content` as answered, per `material_type`. */
export const MaterialContentViewSchema = z
  .union([
    z.object({ url: z.string(), file: MaterialFileSchema.optional() }).openapi("MediaContent", { description: "Video, Document, Audio" }),
    z.object({ url: z.string(), title: z.string() }).openapi("BookLinkContent", { description: "BookLink" }),
    z.object({ requirement_table_id: z.string() }).openapi("RequirementTableContent", { description: "RequirementTable" }),
  ])
  .openapi("MaterialContentView");
export type MaterialContentView = z.infer<typeof MaterialContentViewSchema>;

export const MaterialSchema = z
  .object({
    id: z.string(),
    step_id: z.string(),
    material_type: z.enum(MATERIAL_TYPES),
    title: z.string(),
    description: z.string().nullable(),
    content: MaterialContentViewSchema,
    order_index: z.number().int(),
    is_mandatory: z.boolean(),
    created_at: fields.timestamp(),
    updated_at: fields.timestamp(),
  })
  .openapi("Material");

/**
 * `content` as clients see it, per type (validated per type when written). While a file is attached,
 * `content.url` is the API's download URL (on the API's public origin) and `content.file` describes it; the
 * stored external URL shows again when the file is removed.
 */
function contentView(row: MaterialRow, origin: string): MaterialContentView {
  const stored = row.content as Record<string, string | undefined>;
  if (row.material_type === "RequirementTable") return { requirement_table_id: stored.requirement_table_id ?? "" };
  if (row.material_type === "BookLink") return { url: stored.url ?? "", title: stored.title ?? "" };
  if (!row.file_key) return { url: stored.url ?? "" };
  return {
    url: `${origin}/materials/${row.id}/file`,
    file: {
      size: row.file_size ?? 0,
      content_type: row.file_content_type ?? "application/octet-stream",
      uploaded_at: row.file_uploaded_at ?? row.updated_at,
      sha256: row.file_sha256 ?? "",
    },
  };
}

/** A material as clients see it. */
export function toMaterial(row: MaterialRow, origin: string) {
  return {
    id: row.id,
    step_id: row.step_id,
    material_type: row.material_type,
    title: row.title,
    description: row.description,
    content: contentView(row, origin),
    order_index: row.order_index,
    is_mandatory: row.is_mandatory,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
