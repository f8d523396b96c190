/**
 * A material as every feature answers it (materials, a step's detail, a participant's step view): its wire
 * shape and the row mapper, shared below the features so none imports another.
 */
import { z } from "@hono/zod-openapi";
import type { materials } from "../db/schema";
import type { MaterialType } from "../domain/vocabulary";
import { fields } from "../lib/openapi";

export type MaterialRow = typeof materials.$inferSelect;

/** The file an upload attached (Video, Document, Audio): `content.url` is then the API's download URL. */
export const MaterialFileSchema = z
  .object({ size: z.number().int(), content_type: z.string(), uploaded_at: fields.timestamp(), sha256: z.string() })
  .openapi("MaterialFile");

/** `content` of a Video, Document or Audio material. */
export const MediaContentSchema = z
  .object({
    url: z.string().openapi({ description: "The external URL, or while a file is attached the API's download URL for it" }),
    file: MaterialFileSchema.optional().openapi({ description: "Present while a file is attached" }),
  })
  .openapi("MediaContent", { description: "Video, Document, Audio" });
export const BookLinkContentSchema = z
  .object({ url: z.string(), title: z.string() })
  .openapi("BookLinkContent", { description: "BookLink" });
export const RequirementTableContentSchema = z
  .object({ requirement_table_id: z.string() })
  .openapi("RequirementTableContent", { description: "RequirementTable" });

/**
 * One variant per `material_type`, each naming its type as a literal and its own `content`: the document's
 * `discriminator` can then map every type to its variant, and a generated client narrows `content` by
 * `material_type` (a union of contents beside a free `material_type` narrows by nothing).
 */
function variant<T extends MaterialType, C extends z.ZodType>(type: T, content: C) {
  return z
    .object({
      id: z.string(),
      step_id: z.string(),
      material_type: z.literal(type),
      title: z.string(),
      description: z.string().nullable(),
      content,
      order_index: z.number().int(),
      is_mandatory: z.boolean(),
      created_at: fields.timestamp(),
      updated_at: fields.timestamp(),
    })
    .openapi(`${type}Material`, { description: `A material whose \`material_type\` is ${type}` });
}

const VARIANTS = [
  variant("Video", MediaContentSchema),
  variant("Document", MediaContentSchema),
  variant("Audio", MediaContentSchema),
  variant("BookLink", BookLinkContentSchema),
  variant("RequirementTable", RequirementTableContentSchema),
] as const;

export const MaterialSchema = z
  .discriminatedUnion("material_type", VARIANTS)
  .openapi("Material", { description: "`material_type` says which variant, and so which `content`, a material has" });

/**
 * A material with fields of a view beside it (a participant's completion): each variant extended, rather than
 * `Material` intersected — openapi-typescript reads an `allOf` with a discriminated schema as a subtype and
 * omits `material_type` from it, and with it every narrowing.
 */
export function materialWith<S extends z.ZodRawShape>(shape: S) {
  const [video, document, audio, bookLink, table] = VARIANTS;
  return z.discriminatedUnion("material_type", [
    video.extend(shape),
    document.extend(shape),
    audio.extend(shape),
    bookLink.extend(shape),
    table.extend(shape),
  ]);
}
export type Material = z.infer<typeof MaterialSchema>;
type ContentOf<T extends MaterialType> = Extract<Material, { material_type: T }>["content"];

/** The fields every material has, around its type and the content that type gives it. */
function shaped<T extends MaterialType>(row: MaterialRow, material_type: T, content: ContentOf<T>) {
  return {
    id: row.id,
    step_id: row.step_id,
    material_type,
    title: row.title,
    description: row.description,
    content,
    order_index: row.order_index,
    is_mandatory: row.is_mandatory,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/**
 * A material as clients see it, `content` per type (validated per type when written). While a file is
 * attached, `content.url` is the API's download URL (on the API's public origin) and `content.file` describes
 * it; the stored external URL shows again when the file is removed.
 */
export function toMaterial(row: MaterialRow, origin: string): Material {
  const stored = row.content as Record<string, string | undefined>;
  if (row.material_type === "RequirementTable")
    return shaped(row, row.material_type, { requirement_table_id: stored.requirement_table_id ?? "" });
  if (row.material_type === "BookLink") return shaped(row, row.material_type, { url: stored.url ?? "", title: stored.title ?? "" });
  if (!row.file_key) return shaped(row, row.material_type, { url: stored.url ?? "" });
  return shaped(row, row.material_type, {
    url: `${origin}/materials/${row.id}/file`,
    file: {
      size: row.file_size ?? 0,
      content_type: row.file_content_type ?? "application/octet-stream",
      uploaded_at: row.file_uploaded_at ?? row.updated_at,
      sha256: row.file_sha256 ?? "",
    },
  });
}
