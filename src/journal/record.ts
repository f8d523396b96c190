/**
 * The journal: the two append-only records a change writes in its own batch — the audit log (who changed what,
 * `record.ts`) and the webhook outbox (what happened, for subscribers, `outbox.ts`; sent after the response by
 * `publish.ts`). Each
 * insert is conditional (`when`) so that a change which did not land — a conditional UPDATE that matched
 * nothing, a refused decision — leaves no trace, and a batch that fails leaves none either (D1 batches are
 * atomic).
 *
 * The default condition, `changes() > 0`, is "the statement just before this one in the batch changed a row"
 * (SQLite counts the rows of the last INSERT/UPDATE/DELETE, triggers excluded): put the insert right after the
 * write it records, or pass an explicit condition. An audit insert after its write passes the condition on, so
 * an event insert may follow it; an event insert that found no subscriber inserts nothing, so it goes last.
 */
import { is, SQL, sql } from "drizzle-orm";
import { auditEvents } from "../db/schema";
import type { Db } from "../db/types";
import type { Changes } from "../domain/audit";
import type { AuditAction, AuditEntityType, Role } from "../domain/vocabulary";
import type { AppContext } from "../env";
import { newId } from "../lib/ids";

export type { Changes };

export const LAST_WRITE_LANDED = sql`changes() > 0`;

export type AuditRecord = {
  id: string;
  at: string;
  actor_id: string;
  actor_role: Role;
  action: AuditAction;
  entity_type: AuditEntityType;
  entity_id: string;
  request_id: string;
  /** SQL (a JSON object expression) when part of the diff is only known in the database, e.g. chain links as stored. */
  changes: Changes | SQL;
};

export function auditInsert(db: Db, e: AuditRecord, when: SQL = LAST_WRITE_LANDED) {
  // Columns in the table's order (drizzle lists them so for INSERT … SELECT).
  return db
    .insert(auditEvents)
    .select(
      sql`SELECT ${e.id}, ${e.at}, ${e.actor_id}, ${e.actor_role}, ${e.action}, ${e.entity_type}, ${e.entity_id}, ${e.request_id}, ${is(e.changes, SQL) ? sql`json(${e.changes})` : JSON.stringify(e.changes)} WHERE ${when}`,
    );
}

/** An audit event from a request: the actor, time and request id come from the context. */
export function audit(
  c: AppContext,
  action: AuditAction,
  entity: { type: AuditEntityType; id: string },
  changes: Changes | SQL,
  when?: SQL,
) {
  const caller = c.get("caller");
  const now = c.get("now");
  return auditInsert(
    c.get("db"),
    {
      id: newId(now),
      at: now.toISOString(),
      actor_id: caller.id,
      actor_role: caller.role,
      action,
      entity_type: entity.type,
      entity_id: entity.id,
      request_id: c.get("requestId"),
      changes,
    },
    when,
  );
}
