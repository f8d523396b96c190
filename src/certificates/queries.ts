import { and, desc, eq, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { certificates, enrollments, statusLists } from "../db/schema";
import type { Db } from "../db/types";
import type { RecipientClaims } from "../domain/certificates";
import { staffReachSql } from "../visibility/grants";

export type CertificateRow = typeof certificates.$inferSelect;

export const findCertificate = (db: Db, id: string) => db.select().from(certificates).where(eq(certificates.id, id));

/** A participant's certificates, newest first; `scope` narrows them (a staff member's reach). */
export const certificatesOf = (db: Db, participantId: string, scope?: SQL) =>
  db
    .select()
    .from(certificates)
    .where(and(eq(certificates.participant_id, participantId), scope))
    .orderBy(desc(certificates.issued_at), desc(certificates.id));

/**
 * The newest status list (ids are its number: domain/certificates.ts `statusListId`), how many bits it has given
 * out, and how many lists there are: where a certificate signed now takes its bit. The count walks the list's
 * entries on the unique (list, index) index, at most STATUS_LIST_FILL of them.
 */
export const newestStatusList = (db: Db) =>
  db
    .select({
      id: statusLists.id,
      used: sql<number>`(SELECT COUNT(*) FROM ${certificates} c WHERE c.status_list_id = ${statusLists.id})`.as("used"),
      lists: sql<number>`(SELECT COUNT(*) FROM ${statusLists})`.as("lists"),
    })
    .from(statusLists)
    .orderBy(desc(statusLists.id))
    .limit(1);

export const createStatusList = (db: Db, id: string, stamp: string) =>
  db.insert(statusLists).values({ id, created_at: stamp }).onConflictDoNothing();

/**
 * Stores the signed credential with its status bit — only if the row is still what was signed (no one signed it
 * meanwhile, its recipient was not filled in, it was not erased) and no other certificate holds that bit (the
 * unique index refuses a race this check cannot see).
 */
export function storeSigned(
  db: Db,
  row: Pick<CertificateRow, "id" | "recipient_name" | "recipient_email_hash">,
  signed: { status_list_id: string; status_index: number; kid: string; credential_jwt: string; signed_at: string },
) {
  return db
    .update(certificates)
    .set(signed)
    .where(
      and(
        eq(certificates.id, row.id),
        isNull(certificates.credential_jwt),
        isNull(certificates.erased_at),
        sql`${certificates.recipient_name} IS ${row.recipient_name}`,
        sql`${certificates.recipient_email_hash} IS ${row.recipient_email_hash}`,
        sql`NOT EXISTS (SELECT 1 FROM ${certificates} o WHERE o.status_list_id = ${signed.status_list_id} AND o.status_index = ${signed.status_index})`,
      ),
    )
    .returning();
}

export const listExists = (db: Db, id: string) => db.select({ id: statusLists.id }).from(statusLists).where(eq(statusLists.id, id));

/** The revoked bits of a list (its partial index holds exactly these). */
export const revokedIndexes = (db: Db, listId: string) =>
  db
    .select({ index: certificates.status_index })
    .from(certificates)
    .where(and(eq(certificates.status_list_id, listId), isNotNull(certificates.revoked_at)));

export const revokeWrite = (db: Db, id: string, by: string, reason: string, stamp: string) =>
  db
    .update(certificates)
    .set({ revoked_at: stamp, revoked_by: by, revocation_reason: reason })
    .where(and(eq(certificates.id, id), isNull(certificates.revoked_at), isNull(certificates.erased_at)))
    .returning();

/**
 * The participant's own name and email (their token's claims) on their certificates not yet signed that lack
 * them: a certificate completed by a manager's review was written without them. A signed one is never changed.
 */
export const fillRecipient = (db: Db, participantId: string, claims: RecipientClaims) =>
  db
    .update(certificates)
    .set({
      recipient_name: sql`COALESCE(${certificates.recipient_name}, ${claims.name})`,
      recipient_salt: sql`CASE WHEN ${certificates.recipient_email_hash} IS NULL THEN ${claims.salt} ELSE ${certificates.recipient_salt} END`,
      recipient_email_hash: sql`COALESCE(${certificates.recipient_email_hash}, ${claims.email_hash})`,
    })
    .where(
      and(
        eq(certificates.participant_id, participantId),
        isNull(certificates.credential_jwt),
        sql`(${certificates.recipient_name} IS NULL AND ${claims.name} IS NOT NULL OR ${certificates.recipient_email_hash} IS NULL AND ${claims.email_hash} IS NOT NULL)`,
      ),
    );

/** One row when a staff member's read grant reaches the participant in some course they are enrolled in. */
export const reachedIn = (db: Db, staffId: string, participantId: string) =>
  db
    .select({ course_id: enrollments.course_id })
    .from(enrollments)
    .where(and(eq(enrollments.participant_id, participantId), staffReachSql(staffId, enrollments.course_id, participantId, "read")))
    .limit(1);
