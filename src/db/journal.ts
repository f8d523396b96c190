/**
 * The two append-only journals a change writes in its own batch: the audit log and the webhook outbox. Each
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
import type { Changes } from "../domain/audit";
import type { AuditAction, AuditEntityType, Role, WebhookEventType } from "../domain/vocabulary";
import { auditEvents, webhookEvents } from "./schema";
import type { Db } from "./types";

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

/** `data` may be SQL (a `json_object(…)`) when part of it is only known in the database, e.g. the course a default enrolment chose. */
export type EventRecord = { id: string; type: WebhookEventType; data: Record<string, unknown> | SQL; created_at: string };

/**
 * An outbox row, written only when some live webhook subscribes to its type: an event nobody listens to costs
 * no storage and no delivery work.
 */
export function eventInsert(db: Db, e: EventRecord, when: SQL = LAST_WRITE_LANDED) {
  return db.insert(webhookEvents).select(
    sql`SELECT ${e.id}, ${e.type}, ${is(e.data, SQL) ? sql`json(${e.data})` : JSON.stringify(e.data)}, ${e.created_at}, NULL
          WHERE ${when}
            AND EXISTS (SELECT 1 FROM webhooks w WHERE w.deleted_at IS NULL
                          AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE json_each.value = ${e.type}))`,
  );
}
