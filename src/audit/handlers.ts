import { and, asc, eq, gte, inArray, sql } from "drizzle-orm";
import { auditEvents } from "../db/schema";
import { AUDIT_ENTITY_TYPES } from "../domain/vocabulary";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import type * as routes from "./routes";

/**
 * One read along (at, id): each filter is the head of an index ending in (at, id) — audit_events_entity,
 * _actor, _action, or _by_time with none — so a page seeks to its cursor and reads limit + 1 rows however deep it
 * is. An entity id without its type probes the entity index once per type and sorts that entity's events.
 * Nothing here (or anywhere) updates or deletes events.
 */
export const listAuditEvents: Handler<typeof routes.listAuditEvents> = async (c) => {
  const { entity_type, entity_id, actor_id, action, since, limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const after = decodeCursor(cursor, ["string", "string"]);
  const where = and(
    entity_type
      ? eq(auditEvents.entity_type, entity_type)
      : entity_id
        ? inArray(auditEvents.entity_type, [...AUDIT_ENTITY_TYPES])
        : undefined,
    entity_id ? eq(auditEvents.entity_id, entity_id) : undefined,
    actor_id ? eq(auditEvents.actor_id, actor_id) : undefined,
    action ? eq(auditEvents.action, action) : undefined,
    // Stored times are `toISOString()` (milliseconds, Z): the bound is normalised the same way to compare as text.
    since ? gte(auditEvents.at, new Date(since).toISOString()) : undefined,
    // A row-value comparison: SQLite seeks the index to the cursor instead of scanning the entries before it.
    after ? sql`(${auditEvents.at}, ${auditEvents.id}) > (${after[0]}, ${after[1]})` : undefined,
  );
  const rows = await c
    .get("db")
    .select()
    .from(auditEvents)
    .where(where)
    .orderBy(asc(auditEvents.at), asc(auditEvents.id))
    .limit(limit + 1);
  return c.json(
    page(c, rows, limit, (r) => [r.at, r.id]),
    200,
  );
};
