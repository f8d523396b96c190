import { and, asc, eq, gt, inArray, isNull, notExists, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { first } from "../db/rows";
import { materials, requirementRows, requirementSubmissions, requirementTables, steps } from "../db/schema";
import type { Db } from "../db/types";
import { changesBetween, patched, TABLE_FIELDS } from "../domain/audit";
import { duplicateSerials } from "../domain/ordering";
import { allApproved } from "../domain/requirements";
import type { AppContext } from "../env";
import { audit, emit, emitter } from "../journal";
import { examClock } from "../lib/clock";
import { badRequest, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { coursesShowingTable, milestoneWrites, progressQuery } from "../progress";
import { tableVisible } from "../visibility";
import type * as routes from "./routes";
import { restampApprovals } from "./submission-queries";

type TableRow = typeof requirementTables.$inferSelect;
const liveTable = isNull(requirementTables.archived_at);

function toTable(row: TableRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    step_id: row.step_id,
    requirements: row.requirements,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function checkSerials(requirements: { serial_number: number }[] | undefined) {
  if (!requirements) return;
  const dups = duplicateSerials(requirements);
  if (dups.length > 0)
    throw badRequest(
      "duplicate_serial_number",
      `serial_number must be unique; repeated: ${dups.join(", ")}`,
      requirements.flatMap((r, i) =>
        dups.includes(r.serial_number)
          ? [{ path: `requirements.${i}.serial_number`, message: `duplicate serial_number ${r.serial_number}` }]
          : [],
      ),
    );
}

const stepLookup = (db: Db, stepId: string) =>
  db
    .select({ id: steps.id })
    .from(steps)
    .where(and(eq(steps.id, stepId), isNull(steps.archived_at)));

async function checkStep(db: Db, stepId: string | null | undefined) {
  if (!stepId) return;
  const [step] = await stepLookup(db, stepId);
  if (!step) throw notFound("Step", stepId);
}

export const listTables: Handler<typeof routes.listTables> = async (c) => {
  const { step_id, limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const after = decodeCursor(cursor, ["string"]);
  const rows = await c
    .get("db")
    .select({
      id: requirementTables.id,
      name: requirementTables.name,
      description: requirementTables.description,
      step_id: requirementTables.step_id,
      requirement_count: requirementTables.requirement_count,
      created_at: requirementTables.created_at,
    })
    .from(requirementTables)
    .where(
      and(
        liveTable,
        tableVisible(c.get("caller")),
        step_id ? eq(requirementTables.step_id, step_id) : undefined,
        after ? gt(requirementTables.id, after[0] as string) : undefined,
      ),
    )
    .orderBy(asc(requirementTables.id))
    .limit(limit + 1);
  return c.json(
    page(c, rows, limit, (r) => [r.id]),
    200,
  );
};

export const getTable: Handler<typeof routes.getTable> = async (c) => {
  const { table_id } = c.req.valid("param");
  const [row] = await c
    .get("db")
    .select()
    .from(requirementTables)
    .where(and(eq(requirementTables.id, table_id), liveTable, tableVisible(c.get("caller"))));
  if (!row) throw notFound("Requirement table", table_id);
  return c.json(toTable(row), 200);
};

export const createTable: Handler<typeof routes.createTable> = async (c) => {
  const caller = c.get("caller");
  const body = c.req.valid("json");
  checkSerials(body.requirements);
  const db = c.get("db");
  await checkStep(db, body.step_id);
  const now = c.get("now");
  const stamp = now.toISOString();
  const values = {
    id: newId(now),
    name: body.name,
    description: body.description ?? null,
    step_id: body.step_id ?? null,
    requirements: body.requirements,
    requirement_count: body.requirements.length,
    created_at: stamp,
    updated_at: stamp,
    created_by: caller.id,
  };
  // The event records the table's summary (name, step, requirement_count), not its requirement texts.
  const written = await batch(db, {
    inserted: db.insert(requirementTables).values(values).returning(),
    created: audit(
      c,
      "requirement_table.created",
      { type: "requirement_table", id: values.id },
      changesBetween(null, values, TABLE_FIELDS),
    ),
  });
  return c.json(toTable(first(written.inserted, "the table this batch inserted")), 201);
};

export const updateTable: Handler<typeof routes.updateTable> = async (c) => {
  const { table_id } = c.req.valid("param");
  const body = c.req.valid("json");
  checkSerials(body.requirements);
  const db = c.get("db");
  const read = await batch(db, {
    table: db
      .select()
      .from(requirementTables)
      .where(and(eq(requirementTables.id, table_id), liveTable)),
    step: body.step_id ? stepLookup(db, body.step_id) : null,
  });
  const [table] = read.table;
  if (!table) throw notFound("Requirement table", table_id);
  if (body.step_id && !read.step?.[0]) throw notFound("Step", body.step_id);
  // Participants' rows are keyed by serial number, so an edit never rewrites their data (see docs/api-notes.md); their
  // approvals are re-stamped against the new serials in the same batch.
  const stamp = c.get("now").toISOString();
  const patch = {
    name: body.name,
    description: body.description,
    step_id: body.step_id,
    requirements: body.requirements,
    requirement_count: body.requirements?.length,
  };
  const update = db
    .update(requirementTables)
    .set({ ...patch, updated_at: stamp })
    .where(and(eq(requirementTables.id, table_id), liveTable))
    .returning();
  // Right after the update: a table archived meanwhile matches nothing, and then there is no event either.
  const updated = audit(
    c,
    "requirement_table.updated",
    { type: "requirement_table", id: table_id },
    changesBetween(table, patched(table, patch), TABLE_FIELDS),
  );
  if (!body.requirements) {
    const [row] = (await batch(db, { update, updated })).update;
    if (!row) throw notFound("Requirement table", table_id);
    return c.json(toTable(row), 200);
  }
  const milestones = await milestonesOfEdit(
    c,
    table_id,
    body.requirements.map((r) => r.serial_number),
    stamp,
  );
  const written = await batch(db, {
    update,
    updated,
    restamped: restampApprovals(db, eq(requirementSubmissions.requirement_table_id, table_id), stamp),
    milestones,
  });
  const [row] = written.update;
  if (!row) throw notFound("Requirement table", table_id);
  return c.json(toTable(row), 200);
};

/**
 * An edit that removes the serials a participant had left can approve their table — and so complete a course.
 * The milestones are written in the edit's batch, each conditional on that participant's submission being
 * approved by the restamp that runs before it. One read: the not-yet-approved submissions, their approved
 * serials and those participants' progress in the courses showing the table.
 */
async function milestonesOfEdit(c: AppContext, tableId: string, serials: number[], stamp: string) {
  const db = c.get("db");
  const open = db
    .select({ id: requirementSubmissions.id })
    .from(requirementSubmissions)
    .where(and(eq(requirementSubmissions.requirement_table_id, tableId), isNull(requirementSubmissions.approved_at)));
  const participants = sql`(SELECT ${requirementSubmissions.participant_id} FROM ${requirementSubmissions}
    WHERE ${requirementSubmissions.requirement_table_id} = ${tableId} AND ${requirementSubmissions.approved_at} IS NULL)`;
  const query = progressQuery(db, participants, coursesShowingTable(tableId), examClock(c));
  const { subs, rows, own } = await batch(db, {
    subs: db
      .select({ id: requirementSubmissions.id, participant_id: requirementSubmissions.participant_id })
      .from(requirementSubmissions)
      .where(and(eq(requirementSubmissions.requirement_table_id, tableId), isNull(requirementSubmissions.approved_at))),
    rows: db
      .select({
        submission_id: requirementRows.submission_id,
        serial_number: requirementRows.serial_number,
        completed: requirementRows.completed,
        approved: requirementRows.approved,
      })
      .from(requirementRows)
      .where(and(inArray(requirementRows.submission_id, open), eq(requirementRows.approved, true))),
    own: query.own,
  });
  const requirements = serials.map((serial_number) => ({ serial_number }));
  const approving = subs.filter((sub) =>
    allApproved(
      requirements,
      rows.filter((r) => r.submission_id === sub.id),
    ),
  );
  if (approving.length === 0) return [];
  const progress = await query.finish(own);
  return approving.flatMap((sub) => {
    const approvedNow = sql`EXISTS (SELECT 1 FROM ${requirementSubmissions} WHERE ${requirementSubmissions.id} = ${sub.id} AND ${requirementSubmissions.approved_at} IS NOT NULL)`;
    // Approved by this edit's restamp (stamped now), as a manager's approve-all would: announced the same way.
    const stampedNow = sql`EXISTS (SELECT 1 FROM ${requirementSubmissions} WHERE ${requirementSubmissions.id} = ${sub.id} AND ${requirementSubmissions.approved_at} = ${stamp})`;
    const approved = emit(
      c,
      "requirement_submission.approved",
      { submission_id: sub.id, participant_id: sub.participant_id, requirement_table_id: tableId, approved_at: stamp },
      stampedNow,
    );
    return [
      approved,
      ...progress
        .forParticipant(sub.participant_id)
        .after({ approvedTables: [tableId] })
        .all()
        .flatMap(
          (p) =>
            milestoneWrites(db, sub.participant_id, p, { stamp, newId: () => newId(c.get("now")), guard: approvedNow, emit: emitter(c) })
              .writes,
        ),
    ];
  });
}

export const deleteTable: Handler<typeof routes.deleteTable> = async (c) => {
  const { table_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const [table] = await db
    .select()
    .from(requirementTables)
    .where(and(eq(requirementTables.id, table_id), liveTable));
  if (!table) throw notFound("Requirement table", table_id);
  // The event comes first, on the condition that the table is still live: then, in the same transaction, the
  // erase or the archive after it surely lands (either may remove it, so "the write before" cannot be the test).
  const stillLive = sql`EXISTS (SELECT 1 FROM ${requirementTables} WHERE ${requirementTables.id} = ${table_id} AND ${requirementTables.archived_at} IS NULL)`;
  await batch(db, {
    audited: audit(
      c,
      "requirement_table.deleted",
      { type: "requirement_table", id: table_id },
      changesBetween(table, null, TABLE_FIELDS),
      stillLive,
    ),
    // A material that shows a table that no longer exists would be a dead end: it goes with the table.
    materialsArchived: db
      .update(materials)
      .set({ archived_at: stamp })
      .where(and(eq(materials.requirement_table_id, table_id), isNull(materials.archived_at))),
    erased: db
      .delete(requirementTables)
      .where(
        and(
          eq(requirementTables.id, table_id),
          liveTable,
          notExists(
            db
              .select({ x: requirementSubmissions.id })
              .from(requirementSubmissions)
              .where(eq(requirementSubmissions.requirement_table_id, table_id)),
          ),
        ),
      ),
    archived: db
      .update(requirementTables)
      .set({ archived_at: stamp })
      .where(and(eq(requirementTables.id, table_id), liveTable)),
  });
  return c.body(null, 204);
};
