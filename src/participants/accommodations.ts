import { eq, sql } from "drizzle-orm";
import { accommodations } from "../db/schema";
import { actingParticipant } from "../lib/auth";
import type { Handler } from "../lib/openapi";
import type * as routes from "./routes";

/*
 * Accommodations are read by exam start (form-submissions) in its own load batch; here they are only set,
 * read and cleared. "None set" is the zero accommodation, so reads never 404.
 */

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
  // PUT replaces the whole record: fields left out go back to their defaults.
  const [stored] = await c
    .get("db")
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
  return c.json(stored ?? values, 200);
};

export const getAccommodation: Handler<typeof routes.getAccommodation> = async (c) => {
  const { participant_id } = c.req.valid("param");
  const [row] = await c.get("db").select().from(accommodations).where(eq(accommodations.participant_id, participant_id));
  return c.json(row ?? none(participant_id), 200);
};

export const deleteAccommodation: Handler<typeof routes.deleteAccommodation> = async (c) => {
  const { participant_id } = c.req.valid("param");
  await c.get("db").delete(accommodations).where(eq(accommodations.participant_id, participant_id));
  return c.body(null, 204);
};

export const myAccommodation: Handler<typeof routes.myAccommodation> = async (c) => {
  // `?participant_id=` is accepted as on the other /me routes, and must be the caller.
  const me = actingParticipant(c.get("caller"), c.req.valid("query").participant_id);
  const [row] = await c.get("db").select().from(accommodations).where(eq(accommodations.participant_id, me));
  const { note: _note, updated_by: _by, ...own } = row ?? none(me);
  return c.json(own, 200);
};
