import { and, eq, isNull, sql } from "drizzle-orm";
import { materials } from "../db/schema";
import type { Db } from "../db/types";
import type { MaterialContentView } from "./schemas";

export type MaterialRow = typeof materials.$inferSelect;

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

export const findMaterial = (db: Db, id: string) =>
  db
    .select()
    .from(materials)
    .where(and(eq(materials.id, id), isNull(materials.archived_at)));

export const nextMaterialOrder = (stepId: string) =>
  sql<number>`(SELECT COALESCE(MAX(${materials.order_index}) + 1, 0) FROM ${materials} WHERE ${materials.step_id} = ${stepId} AND ${materials.archived_at} IS NULL)`;
