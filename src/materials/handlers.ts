import { and, eq, isNull, notExists, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { first } from "../db/rows";
import { materialCompletions, materials, requirementTables, steps } from "../db/schema";
import type { Db } from "../db/types";
import { changesBetween, MATERIAL_FIELDS, patched } from "../domain/audit";
import { recipientOf } from "../domain/certificates";
import { audit, emitter } from "../journal";
import { participantFor } from "../lib/auth";
import { examClock } from "../lib/clock";
import { ApiError, badRequest, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { type Handler, origin } from "../lib/openapi";
import { progressError } from "../lib/progress-errors";
import { courseOfMaterial, milestoneWrites, progressQuery, stepRefusal } from "../progress";
import { toMaterial } from "../shared/materials";
import { courseVisible } from "../visibility";
import { findMaterial, nextMaterialOrder } from "./queries";
import type * as routes from "./routes";
import { contentSchemas, type MaterialContent, type MaterialType } from "./schemas";

/** Checks `content` against its type's schema; the error names the exact field. */
function parseContent(type: MaterialType, content: unknown): MaterialContent {
  const result = contentSchemas[type].safeParse(content);
  if (!result.success) {
    const errors = result.error.issues.map((i) => ({ path: ["content", ...i.path.map(String)].join("."), message: i.message }));
    // zod reports at least one issue when parsing fails.
    const [issue] = errors;
    const where = issue ? `: ${issue.path}: ${issue.message}` : "";
    throw badRequest("validation_error", `Invalid body: content of a ${type} material${where}`, errors);
  }
  return result.data;
}

const tableExists = (db: Db, id: string) =>
  db
    .select({ id: requirementTables.id })
    .from(requirementTables)
    .where(and(eq(requirementTables.id, id), isNull(requirementTables.archived_at)));

export const createMaterial: Handler<typeof routes.createMaterial> = async (c) => {
  const caller = c.get("caller");
  const { step_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.get("db");
  const now = c.get("now");
  const stamp = now.toISOString();
  const content = parseContent(body.material_type, body.content);
  // Only a RequirementTable's (strict) content schema has the key, and requires it.
  const tableId = "requirement_table_id" in content ? content.requirement_table_id : null;
  const read = await batch(db, {
    step: db
      .select({ id: steps.id })
      .from(steps)
      .where(and(eq(steps.id, step_id), isNull(steps.archived_at))),
    table: tableId !== null && tableExists(db, tableId),
  });
  if (read.step.length === 0) throw notFound("Step", step_id);
  if (tableId !== null && read.table?.length === 0) throw notFound("Requirement table", tableId);
  const id = newId(now);
  const values = {
    id,
    step_id,
    material_type: body.material_type,
    title: body.title,
    description: body.description ?? null,
    content,
    requirement_table_id: tableId,
    is_mandatory: body.is_mandatory ?? true,
    created_at: stamp,
    updated_at: stamp,
    created_by: caller.id,
  };
  // An appended material's order_index is computed by the insert itself, so the event names it only when given.
  const written = await batch(db, {
    inserted: db
      .insert(materials)
      .values({ ...values, order_index: body.order_index ?? nextMaterialOrder(step_id) })
      .returning(),
    created: audit(
      c,
      "material.created",
      { type: "material", id },
      changesBetween<Record<string, unknown>>(null, { ...values, order_index: body.order_index }, MATERIAL_FIELDS),
    ),
  });
  return c.json(toMaterial(first(written.inserted, "the material this batch inserted"), origin(c)), 201);
};

export const updateMaterial: Handler<typeof routes.updateMaterial> = async (c) => {
  const { material_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const [material] = await findMaterial(db, material_id);
  if (!material) throw notFound("Material", material_id);
  const type = body.material_type ?? material.material_type;
  // Changing the type re-checks the content it will carry, given or kept.
  const content =
    body.content !== undefined || type !== material.material_type ? parseContent(type, body.content ?? material.content) : undefined;
  const givenTable = content && "requirement_table_id" in content ? content.requirement_table_id : undefined;
  const tableId = type === "RequirementTable" ? (givenTable ?? material.requirement_table_id) : null;
  if (content && tableId) {
    const [table] = await tableExists(db, tableId);
    if (!table) throw notFound("Requirement table", tableId);
  }
  const patch = {
    material_type: type,
    title: body.title,
    description: body.description,
    content,
    requirement_table_id: tableId,
    order_index: body.order_index,
    is_mandatory: body.is_mandatory,
  };
  const written = await batch(db, {
    updated: db
      .update(materials)
      .set({ ...patch, updated_at: stamp })
      .where(and(eq(materials.id, material_id), isNull(materials.archived_at)))
      .returning(),
    audited: audit(
      c,
      "material.updated",
      { type: "material", id: material_id },
      changesBetween(material, patched(material, patch), MATERIAL_FIELDS),
    ),
  });
  const [row] = written.updated;
  if (!row) throw notFound("Material", material_id);
  return c.json(toMaterial(row, origin(c)), 200);
};

export const deleteMaterial: Handler<typeof routes.deleteMaterial> = async (c) => {
  const { material_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const [material] = await findMaterial(db, material_id);
  if (!material) throw notFound("Material", material_id);
  // The event comes first, on the condition that the material is still live: then, in the same transaction,
  // the erase or the archive after it surely lands. (Either of two writes removes it, so "the write before
  // changed a row" cannot be the condition.)
  const stillLive = sql`EXISTS (SELECT 1 FROM ${materials} WHERE ${materials.id} = ${material_id} AND ${materials.archived_at} IS NULL)`;
  // One batch: erase when no participant completed it; otherwise the archive keeps their progress joinable.
  const { erased } = await batch(db, {
    audited: audit(
      c,
      "material.deleted",
      { type: "material", id: material_id },
      changesBetween(material, null, MATERIAL_FIELDS),
      stillLive,
    ),
    erased: db
      .delete(materials)
      .where(
        and(
          eq(materials.id, material_id),
          isNull(materials.archived_at),
          notExists(
            db
              .select({ x: materialCompletions.material_id })
              .from(materialCompletions)
              .where(eq(materialCompletions.material_id, material_id)),
          ),
          // A RequirementTable material is touched once anyone started its table.
          sql`NOT EXISTS (SELECT 1 FROM requirement_submissions rs WHERE rs.requirement_table_id = ${materials.requirement_table_id})`,
        ),
      )
      .returning({ file_key: materials.file_key }),
    archived: db
      .update(materials)
      .set({ archived_at: stamp })
      .where(and(eq(materials.id, material_id), isNull(materials.archived_at))),
  });
  // An erased material had no history; its file goes too. An archived one keeps its file with its history.
  const fileKey = erased[0]?.file_key;
  if (fileKey) await c.env.FILES.delete(fileKey);
  return c.body(null, 204);
};

export const completeMaterial: Handler<typeof routes.completeMaterial> = async (c) => {
  const caller = c.get("caller");
  const { material_id } = c.req.valid("param");
  const participantId = participantFor(caller, c.req.valid("query").participant_id);
  const db = c.get("db");
  const query = progressQuery(db, participantId, courseOfMaterial(material_id), examClock(c));
  const read = await batch(db, { material: findMaterial(db, material_id), own: query.own });
  const [material] = read.material;
  if (!material) throw notFound("Material", material_id);
  const progress = await query.finish(read.own);
  const before = progress.first();
  if (!before || !courseVisible(caller, before.course)) throw notFound("Material", material_id);
  const refusal = stepRefusal(before, material.step_id);
  if (refusal) throw progressError(refusal, material.step_id);
  if (material.material_type === "RequirementTable")
    throw new ApiError(409, "requires_approval", "A requirement table is complete when a manager approves your submission");
  const stamp = c.get("now").toISOString();
  const after = progress.after({ completedMaterials: [material_id] }).get(before.course.id);
  const milestone = milestoneWrites(db, participantId, after, {
    stamp,
    newId: () => newId(c.get("now")),
    emit: emitter(c),
    recipient: await recipientOf(caller, participantId),
  });
  await batch(db, {
    completion: db
      .insert(materialCompletions)
      .values({ participant_id: participantId, material_id, step_id: material.step_id, completed_at: stamp })
      .onConflictDoNothing(),
    milestone: milestone.writes,
  });
  return c.json({ message: "Material marked as complete", material_id }, 200);
};
