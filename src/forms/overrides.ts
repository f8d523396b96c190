import { and, asc, eq, gt, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { examOverrides, forms } from "../db/schema";
import { notFound } from "../lib/errors";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { liveFormWithId } from "./queries";
import type * as routes from "./routes";

const liveFormExists = (formId: string) => sql`EXISTS (SELECT 1 FROM ${forms} WHERE ${liveFormWithId(formId)})`;

export const putOverride: Handler<typeof routes.putOverride> = async (c) => {
  const { form_id, participant_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const stamp = c.get("now").toISOString();
  const by = c.get("caller").id;
  // The form's existence rides in the write (INSERT … SELECT … WHERE EXISTS): no read before it.
  const stored = await c.get("db").all<typeof examOverrides.$inferSelect>(sql`
    INSERT INTO exam_overrides (form_id, participant_id, duration_minutes, max_attempts, available_until, updated_by, updated_at)
    SELECT ${form_id}, ${participant_id}, ${body.duration_minutes ?? null}, ${body.max_attempts ?? null},
           ${body.available_until ?? null}, ${by}, ${stamp}
    WHERE ${liveFormExists(form_id)}
    ON CONFLICT (form_id, participant_id) DO UPDATE SET
      duration_minutes = excluded.duration_minutes, max_attempts = excluded.max_attempts,
      available_until = excluded.available_until, updated_by = excluded.updated_by, updated_at = excluded.updated_at
    RETURNING *`);
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
  await c
    .get("db")
    .delete(examOverrides)
    .where(and(eq(examOverrides.form_id, form_id), eq(examOverrides.participant_id, participant_id)));
  return c.body(null, 204);
};
