import { eq, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { accommodations } from "../db/schema";
import { ACCOMMODATION_FIELDS, changesBetween } from "../domain/audit";
import { audit } from "../journal";
import { actingParticipant } from "../lib/auth";
import type { Handler } from "../lib/openapi";
import type * as routes from "./routes";

/*
 * Accommodations are read by exam start (form-submissions) in its own load batch; here they are only set,
 * read and cleared. "None set" is the zero accommodation, so reads never 404.
 */

/*
 * Audited on the participant (entity `participant`). The note's text is not recorded — it can describe a
 * participant's circumstances and the log outlives their erasure — only whether there is one (`has_note`).
 */
const audited = (row: { extra_time_percent: number; extra_attempts: number; note: string | null } | undefined) =>
  row && { extra_time_percent: row.extra_time_percent, extra_attempts: row.extra_attempts, has_note: row.note !== null };

const none = (participantId: string) => ({
  participant_id: participantId,
  extra_time_percent: 0,
  extra_attempts: 0,
  note: null,
  updated_by: null,
  updated_at: null,
});

export const putAccommodation: Handler<typeof routes.putAccommodation> = async (c) => {
  const { participant_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const values = {
    participant_id,
    extra_time_percent: body.extra_time_percent,
    extra_attempts: body.extra_attempts,
    note: body.note ?? null,
    updated_by: c.get("caller").id,
    updated_at: c.get("now").toISOString(),
  };
  const db = c.get("db");
  const [before] = await db.select().from(accommodations).where(eq(accommodations.participant_id, participant_id));
  // PUT replaces the whole record: fields left out go back to their defaults.
  const upsert = db
    .insert(accommodations)
    .values(values)
    .onConflictDoUpdate({
      target: accommodations.participant_id,
      set: {
        extra_time_percent: sql`excluded.extra_time_percent`,
        extra_attempts: sql`excluded.extra_attempts`,
        note: sql`excluded.note`,
        updated_by: sql`excluded.updated_by`,
        updated_at: sql`excluded.updated_at`,
      },
    })
    .returning();
  const written = await batch(db, {
    stored: upsert,
    audited: audit(
      c,
      "participant.accommodation_set",
      { type: "participant", id: participant_id },
      changesBetween(audited(before), audited(values), ACCOMMODATION_FIELDS),
    ),
  });
  return c.json(written.stored[0] ?? values, 200);
};

export const getAccommodation: Handler<typeof routes.getAccommodation> = async (c) => {
  const { participant_id } = c.req.valid("param");
  const [row] = await c.get("db").select().from(accommodations).where(eq(accommodations.participant_id, participant_id));
  return c.json(row ?? none(participant_id), 200);
};

export const deleteAccommodation: Handler<typeof routes.deleteAccommodation> = async (c) => {
  const { participant_id } = c.req.valid("param");
  const db = c.get("db");
  const [before] = await db.select().from(accommodations).where(eq(accommodations.participant_id, participant_id));
  // Deleting what is not there answers 204 as before, and records nothing.
  if (!before) return c.body(null, 204);
  await batch(db, {
    deleted: db.delete(accommodations).where(eq(accommodations.participant_id, participant_id)),
    // Right after the delete: one removed meanwhile by another call is recorded once, by that call.
    audited: audit(
      c,
      "participant.accommodation_deleted",
      { type: "participant", id: participant_id },
      changesBetween(audited(before), null, ACCOMMODATION_FIELDS),
    ),
  });
  return c.body(null, 204);
};

export const myAccommodation: Handler<typeof routes.myAccommodation> = async (c) => {
  // `?participant_id=` is accepted as on the other /me routes, and must be the caller.
  const me = actingParticipant(c.get("caller"), c.req.valid("query").participant_id);
  const [row] = await c.get("db").select().from(accommodations).where(eq(accommodations.participant_id, me));
  const { note: _note, updated_by: _by, ...own } = row ?? none(me);
  return c.json(own, 200);
};
