import { and, eq, inArray, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { batch } from "../db/batch";
import {
  accommodations,
  certificates,
  cohortMembers,
  cohorts,
  enrollments,
  examOverrides,
  formSubmissions,
  idempotencyKeys,
  materialCompletions,
  requirementRows,
  requirementSubmissions,
  webhookDeliveries,
  webhookEvents,
} from "../db/schema";
import type { Db } from "../db/types";
import type { DeliveryError } from "../domain/vocabulary";
import { callerKey } from "../env";
import { audit } from "../journal";
import { hmacSha256Hex } from "../lib/hash";
import type { Handler } from "../lib/openapi";
import { participantResultsChanged } from "../shared/exam-results";
import type * as routes from "./routes";

/** Export and erasure of one participant's data (routes and the rules they follow: ./schemas.ts). */

const ERASED: DeliveryError = "participant_erased";

/** Every outbox event's data names its participant; the expression is the one migration 0011 indexes. */
const eventParticipant = sql`json_extract(${webhookEvents.data}, '$.participant_id')`;
const eventsAbout = (db: Db, participantId: string) =>
  db.select({ id: webhookEvents.id }).from(webhookEvents).where(eq(eventParticipant, participantId));

const submissionsOf = (db: Db, participantId: string) =>
  db.select({ id: requirementSubmissions.id }).from(requirementSubmissions).where(eq(requirementSubmissions.participant_id, participantId));

export const exportParticipant: Handler<typeof routes.exportParticipant> = async (c) => {
  const { participant_id } = c.req.valid("param");
  const db = c.get("db");
  const got = await batch(db, {
    enrollments: db.select().from(enrollments).where(eq(enrollments.participant_id, participant_id)).orderBy(enrollments.enrolled_at),
    completions: db
      .select()
      .from(materialCompletions)
      .where(eq(materialCompletions.participant_id, participant_id))
      .orderBy(materialCompletions.completed_at),
    attempts: db
      .select({
        id: formSubmissions.id,
        form_id: formSubmissions.form_id,
        step_id: formSubmissions.step_id,
        course_id: formSubmissions.course_id,
        attempt_number: formSubmissions.attempt_number,
        submission_status: formSubmissions.submission_status,
        started_at: formSubmissions.started_at,
        deadline_at: formSubmissions.deadline_at,
        submitted_at: formSubmissions.submitted_at,
        answers: formSubmissions.answers,
        mcq_score: formSubmissions.mcq_score,
        theory_score: formSubmissions.theory_score,
        total_score: formSubmissions.total_score,
        theory_grades: formSubmissions.theory_grades,
        feedback: formSubmissions.feedback,
        retake_reason: formSubmissions.retake_reason,
        is_late: formSubmissions.is_late,
        auto_submitted: formSubmissions.auto_submitted,
        reviewed_by: formSubmissions.reviewed_by,
        reviewed_at: formSubmissions.reviewed_at,
      })
      .from(formSubmissions)
      .where(eq(formSubmissions.participant_id, participant_id))
      .orderBy(formSubmissions.started_at, formSubmissions.id),
    tables: db
      .select()
      .from(requirementSubmissions)
      .where(eq(requirementSubmissions.participant_id, participant_id))
      .orderBy(requirementSubmissions.created_at),
    rows: db
      .select()
      .from(requirementRows)
      .where(inArray(requirementRows.submission_id, submissionsOf(db, participant_id)))
      .orderBy(requirementRows.submission_id, requirementRows.serial_number),
    accommodation: db.select().from(accommodations).where(eq(accommodations.participant_id, participant_id)),
    overrides: db.select().from(examOverrides).where(eq(examOverrides.participant_id, participant_id)),
    cohorts: db
      .select({
        cohort_id: cohortMembers.cohort_id,
        course_id: cohorts.course_id,
        cohort_name: cohorts.name,
        added_by: cohortMembers.added_by,
        added_at: cohortMembers.added_at,
      })
      .from(cohortMembers)
      .innerJoin(cohorts, eq(cohorts.id, cohortMembers.cohort_id))
      .where(eq(cohortMembers.participant_id, participant_id))
      .orderBy(cohortMembers.added_at, cohortMembers.cohort_id),
    certificates: db
      .select({
        id: certificates.id,
        course_id: certificates.course_id,
        course_name: certificates.course_name,
        issued_at: certificates.issued_at,
        recipient_name: certificates.recipient_name,
        revoked_at: certificates.revoked_at,
        credential_jwt: certificates.credential_jwt,
      })
      .from(certificates)
      .where(eq(certificates.participant_id, participant_id))
      .orderBy(certificates.issued_at),
    // An export is a read that is audited (who took a copy of whose data, when): its event is the one write
    // of the read batch, unconditional — the export always answers 200, so every call is recorded, in the
    // same round trip. Nothing exported is put in the event.
    audited: audit(c, "participant.exported", { type: "participant", id: participant_id }, {}, sql`1`),
  });
  const rowsBySubmission = new Map<string, typeof got.rows>();
  for (const r of got.rows) rowsBySubmission.set(r.submission_id, [...(rowsBySubmission.get(r.submission_id) ?? []), r]);
  return c.json(
    {
      participant_id,
      exported_at: c.get("now").toISOString(),
      enrollments: got.enrollments,
      material_completions: got.completions,
      exam_attempts: got.attempts,
      requirement_submissions: got.tables.map((t) => ({ ...t, rows: rowsBySubmission.get(t.id) ?? [] })),
      files: [],
      accommodations: got.accommodation[0] ?? null,
      exam_overrides: got.overrides,
      cohort_memberships: got.cohorts,
      certificates: got.certificates,
    },
    200,
  );
};

export const eraseParticipant: Handler<typeof routes.eraseParticipant> = async (c) => {
  const { participant_id } = c.req.valid("param");
  const db = c.get("db");
  // What the event records: `{table: [count held, 0]}` for every table that held rows. Counted in SQL by the
  // event itself, which runs first in the erasing batch: the counts are exactly those the deletes then remove,
  // in the same transaction and the same round trip.
  const held = (name: string, table: SQLiteTable, where: SQL) =>
    sql`(SELECT CASE WHEN n > 0 THEN json_object(${name}, json_array(n, 0)) ELSE '{}' END FROM (SELECT COUNT(*) AS n FROM ${table} WHERE ${where}))`;
  const changes = [
    held("requirement_rows", requirementRows, inArray(requirementRows.submission_id, submissionsOf(db, participant_id))),
    held("requirement_submissions", requirementSubmissions, eq(requirementSubmissions.participant_id, participant_id)),
    held("exam_attempts", formSubmissions, eq(formSubmissions.participant_id, participant_id)),
    held("material_completions", materialCompletions, eq(materialCompletions.participant_id, participant_id)),
    held("enrollments", enrollments, eq(enrollments.participant_id, participant_id)),
    held("accommodations", accommodations, eq(accommodations.participant_id, participant_id)),
    held("exam_overrides", examOverrides, eq(examOverrides.participant_id, participant_id)),
    held("cohort_memberships", cohortMembers, eq(cohortMembers.participant_id, participant_id)),
    held("certificates", certificates, eq(certificates.participant_id, participant_id)),
  ].reduce((all, part) => sql`json_patch(${all}, ${part})`, sql`'{}'`);
  // One batch, so an erase is whole or nothing; rows go before the submissions that find them. The audit log
  // is not erased (it is append-only, and it is the record that the erasure happened): the event goes into
  // the same batch, unconditional, as every erase answers 200.
  const gone = await batch(db, {
    audited: audit(c, "participant.erased", { type: "participant", id: participant_id }, sql`(SELECT ${changes})`, sql`1`),
    requirement_rows: db
      .delete(requirementRows)
      .where(inArray(requirementRows.submission_id, submissionsOf(db, participant_id)))
      .returning({ id: requirementRows.submission_id }),
    requirement_submissions: db
      .delete(requirementSubmissions)
      .where(eq(requirementSubmissions.participant_id, participant_id))
      .returning({ id: requirementSubmissions.id }),
    results: participantResultsChanged(db, participant_id),
    exam_attempts: db
      .delete(formSubmissions)
      .where(eq(formSubmissions.participant_id, participant_id))
      .returning({ id: formSubmissions.id }),
    material_completions: db
      .delete(materialCompletions)
      .where(eq(materialCompletions.participant_id, participant_id))
      .returning({ id: materialCompletions.material_id }),
    enrollments: db.delete(enrollments).where(eq(enrollments.participant_id, participant_id)).returning({ id: enrollments.id }),
    // Stored replies hold answers, scores and feedback: the participant's own (keys belong to (role, sub), see
    // lib/idempotency.ts) and any other caller's reply about them — a manager's grade or approval.
    idempotency_keys: db
      .delete(idempotencyKeys)
      .where(
        or(
          eq(idempotencyKeys.caller_id, callerKey({ role: "participant", id: participant_id })),
          eq(idempotencyKeys.subject_id, participant_id),
        ),
      )
      .returning({ id: idempotencyKeys.key }),
    accommodations: db
      .delete(accommodations)
      .where(eq(accommodations.participant_id, participant_id))
      .returning({ id: accommodations.participant_id }),
    exam_overrides: db
      .delete(examOverrides)
      .where(eq(examOverrides.participant_id, participant_id))
      .returning({ id: examOverrides.form_id }),
    cohort_memberships: db
      .delete(cohortMembers)
      .where(eq(cohortMembers.participant_id, participant_id))
      .returning({ id: cohortMembers.cohort_id }),
    // A certificate may have been handed out: its row stays as a tombstone, revoked (so its status bit stays set
    // and every copy fails verification) and emptied of the person and the signed credential; public reads of it
    // answer 404 from now on.
    certificates: db
      .update(certificates)
      .set({
        participant_id: sql`'erased:' || ${certificates.id}`,
        recipient_name: null,
        recipient_email_hash: null,
        recipient_salt: null,
        credential_jwt: null,
        revoked_at: sql`COALESCE(${certificates.revoked_at}, ${c.get("now").toISOString()})`,
        revocation_reason: sql`COALESCE(${certificates.revocation_reason}, 'participant_erased')`,
        erased_at: c.get("now").toISOString(),
      })
      .where(eq(certificates.participant_id, participant_id))
      .returning({ id: certificates.id }),
    // The outbox rows about them (ids, statuses and scores) go now, not at the 30-day purge. A delivery already
    // made stays made; one still pending is closed first, while its event can still be found, so nothing retries
    // an event that is gone.
    webhook_deliveries: db
      .update(webhookDeliveries)
      .set({ status: "failed", last_error: ERASED, next_retry_at: null, updated_at: c.get("now").toISOString() })
      .where(and(eq(webhookDeliveries.status, "pending"), inArray(webhookDeliveries.event_id, eventsAbout(db, participant_id))))
      .returning({ id: webhookDeliveries.id }),
    webhook_events: db.delete(webhookEvents).where(eq(eventParticipant, participant_id)).returning({ id: webhookEvents.id }),
  });
  // Each statement returns one row per row it removed: the counts are those lengths.
  const { audited: _audited, webhook_deliveries: _closed, results: _results, ...removed } = gone;
  const erased = Object.fromEntries(Object.entries(removed).map(([table, rows]) => [table, rows.length])) as Record<
    keyof typeof removed,
    number
  >;
  const erasedAt = c.get("now").toISOString();
  // The decision is logged (who, when, how much) without the participant's id. A keyed digest lets an operator
  // who holds the secret confirm that a given participant was erased; a plain hash would let anyone with a
  // candidate id confirm it from the log. No secret (a JWKS-only deployment), no digest.
  const participantRef = c.env.JWT_SECRET ? (await hmacSha256Hex("participant-ref", c.env.JWT_SECRET, participant_id)).slice(0, 16) : null;
  console.log(
    JSON.stringify({
      level: "info",
      event: "participant_erased",
      request_id: c.get("requestId"),
      actor_id: c.get("caller").id,
      participant_ref: participantRef,
      at: erasedAt,
      erased,
    }),
  );
  return c.json({ participant_id, erased_at: erasedAt, erased }, 200);
};
