import { and, asc, eq, gt, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { examOverrides, forms } from "../db/schema";
import type { Db } from "../db/types";
import { changesBetween, OVERRIDE_FIELDS } from "../domain/audit";
import { audit } from "../journal";
import { notFound } from "../lib/errors";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { liveFormWithId } from "./queries";
import type * as routes from "./routes";

const liveFormExists = (formId: string) => sql`EXISTS (SELECT 1 FROM ${forms} WHERE ${liveFormWithId(formId)})`;

const overrideOf = (db: Db, formId: string, participantId: string) =>
  db
    .select()
    .from(examOverrides)
    .where(and(eq(examOverrides.form_id, formId), eq(examOverrides.participant_id, participantId)));

/*
 * Overrides are audited on the participant they are for (entity `participant`), so one participant's history is
 * one query; `changes.form_id` names the form: `[null, form]` when set the first time, `[form, form]` when
 * changed, `[form, null]` when deleted.
 */

export const putOverride: Handler<typeof routes.putOverride> = async (c) => {
  const { form_id, participant_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const stamp = c.get("now").toISOString();
  const by = c.get("caller").id;
  const db = c.get("db");
  // Read for the event's "before"; the form's existence still rides in the write (INSERT … SELECT … WHERE EXISTS).
  const [before] = await overrideOf(db, form_id, participant_id);
  const after = {
    duration_minutes: body.duration_minutes ?? null,
    max_attempts: body.max_attempts ?? null,
    available_until: body.available_until ?? null,
  };
  const changes = { form_id: [before ? form_id : null, form_id] as [unknown, unknown], ...changesBetween(before, after, OVERRIDE_FIELDS) };
  // Columns in the table's order (drizzle lists them so for INSERT … SELECT); the SELECT's WHERE also keeps
  // SQLite from reading ON CONFLICT as a join.
  const upsert = db
    .insert(examOverrides)
    .select(
      sql`SELECT ${form_id}, ${participant_id}, ${after.duration_minutes}, ${after.max_attempts}, ${after.available_until}, ${by}, ${stamp}
          WHERE ${liveFormExists(form_id)}`,
    )
    .onConflictDoUpdate({
      target: [examOverrides.form_id, examOverrides.participant_id],
      set: {
        duration_minutes: sql`excluded.duration_minutes`,
        max_attempts: sql`excluded.max_attempts`,
        available_until: sql`excluded.available_until`,
        updated_by: sql`excluded.updated_by`,
        updated_at: sql`excluded.updated_at`,
      },
    })
    .returning();
  // Right after the upsert: a form that is not live inserts nothing, and then there is no event either.
  const written = await batch(db, {
    stored: upsert,
    audited: audit(c, "participant.override_set", { type: "participant", id: participant_id }, changes),
  });
  const stored = written.stored;
  if (!stored[0]) throw notFound("Form", form_id);
  return c.json(stored[0], 200);
};

export const listOverrides: Handler<typeof routes.listOverrides> = async (c) => {
  const { form_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const limit = limitOf(query.limit);
  const after = decodeCursor(query.cursor, ["string"]);
  const db = c.get("db");
  const read = await batch(db, {
    form: db.select({ id: forms.id }).from(forms).where(liveFormWithId(form_id)),
    rows: db
      .select()
      .from(examOverrides)
      .where(and(eq(examOverrides.form_id, form_id), after ? gt(examOverrides.participant_id, after[0] as string) : undefined))
      .orderBy(asc(examOverrides.participant_id))
      .limit(limit + 1),
  });
  if (!read.form[0]) throw notFound("Form", form_id);
  return c.json(
    page(c, read.rows, limit, (r) => [r.participant_id]),
    200,
  );
};

export const deleteOverride: Handler<typeof routes.deleteOverride> = async (c) => {
  const { form_id, participant_id } = c.req.valid("param");
  const db = c.get("db");
  const [before] = await overrideOf(db, form_id, participant_id);
  // Deleting what is not there answers 204 as before, and records nothing: no read-only event.
  if (!before) return c.body(null, 204);
  const changes = { form_id: [form_id, null] as [unknown, unknown], ...changesBetween(before, null, OVERRIDE_FIELDS) };
  await batch(db, {
    deleted: db.delete(examOverrides).where(and(eq(examOverrides.form_id, form_id), eq(examOverrides.participant_id, participant_id))),
    // Right after the delete: an override removed meanwhile by another call is recorded once, by that call.
    audited: audit(c, "participant.override_deleted", { type: "participant", id: participant_id }, changes),
  });
  return c.body(null, 204);
};
