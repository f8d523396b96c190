import { and, eq, isNull, sql } from "drizzle-orm";
import { materials } from "../db/schema";
import type { Db } from "../db/types";

export type MaterialRow = typeof materials.$inferSelect;

/**
 * A material as clients see it. While a file is attached, `content.url` is the API's download URL (on the
 * request's origin) and `content.file` describes it; the stored external URL shows again when it is removed.
 */
export function toMaterial(row: MaterialRow, origin: string) {
  const content: Record<string, unknown> = { ...row.content };
  if (row.file_key) {
    content.url = `${origin}/materials/${row.id}/file`;
    content.file = { size: row.file_size, content_type: row.file_content_type, uploaded_at: row.file_uploaded_at, sha256: row.file_sha256 };
  }
  return {
    id: row.id,
    step_id: row.step_id,
    material_type: row.material_type,
    title: row.title,
    description: row.description,
    content,
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
