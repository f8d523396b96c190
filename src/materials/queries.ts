import { and, eq, isNull, sql } from "drizzle-orm";
import { materials } from "../db/schema";
import type { Db } from "../db/types";

export const findMaterial = (db: Db, id: string) =>
  db
    .select()
    .from(materials)
    .where(and(eq(materials.id, id), isNull(materials.archived_at)));

export const nextMaterialOrder = (stepId: string) =>
  sql<number>`(SELECT COALESCE(MAX(${materials.order_index}) + 1, 0) FROM ${materials} WHERE ${materials.step_id} = ${stepId} AND ${materials.archived_at} IS NULL)`;
