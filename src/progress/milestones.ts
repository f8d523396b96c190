/**
 * Stored progress facts: enrolments and the course-completion milestone. Every write that can complete a
 * course's last step puts `milestoneWrites` into its own batch, so the milestone and the next-course enrolment
 * are written with the change that causes them or not at all.
 */
import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { certificates, courses, enrollments, steps } from "../db/schema";
import type { Db } from "../db/types";
import { type RecipientClaims, randomCertificateId } from "../domain/certificates";
import { completesCourse } from "../domain/progress";
import type { WebhookEventType } from "../domain/vocabulary";
import type { CourseProgress } from "./derive";

/**
 * Writes a webhook event into the outbox in the caller's batch (lib/journal.ts `emit`), conditional on `when`
 * (default: the statement just before it changed a row). Passed in, so this read model stays free of features.
 */
export type Emit = (type: WebhookEventType, data: Record<string, unknown> | SQL, when?: SQL) => BatchItem<"sqlite">;

/**
 * Enrols a participant in the course `courseExpr` names, at its `default_step_id` or else its first step.
 * One conditional INSERT: an existing enrolment is left exactly as it is, so enrolling twice changes nothing,
 * and an inactive or archived course enrols no one.
 */
export function enrollWrite(db: Db, participantId: string, courseExpr: SQL, id: string, stamp: string) {
  const firstStep = sql<
    string | null
  >`(SELECT s.id FROM ${steps} s WHERE s.course_id = ${courses.id} AND s.archived_at IS NULL ORDER BY s.order_index, s.id LIMIT 1)`;
  return db
    .insert(enrollments)
    .select(
      db
        .select({
          id: sql<string>`${id}`.as("id"),
          participant_id: sql<string>`${participantId}`.as("participant_id"),
          course_id: courses.id,
          start_step_id: sql<string | null>`COALESCE(${courses.default_step_id}, ${firstStep})`.as("start_step_id"),
          enrolled_at: sql<string>`${stamp}`.as("enrolled_at"),
          completed_at: sql<string | null>`NULL`.as("completed_at"),
        })
        .from(courses)
        .where(and(inArray(courses.id, courseExpr), isNull(courses.archived_at), eq(courses.is_active, true))),
    )
    .onConflictDoNothing({ target: [enrollments.participant_id, enrollments.course_id] });
}

/**
 * `enrollment.created` for the enrolment `id` an `enrollWrite` just tried: written only if that row exists — an
 * existing enrolment (ON CONFLICT DO NOTHING) or an inactive course inserts nothing and announces nothing.
 */
export function enrolmentEvent(emit: Emit, id: string) {
  return emit(
    "enrollment.created",
    sql`(SELECT json_object('enrollment_id', e.id, 'participant_id', e.participant_id, 'course_id', e.course_id, 'enrolled_at', e.enrolled_at)
         FROM ${enrollments} e WHERE e.id = ${id})`,
    sql`EXISTS (SELECT 1 FROM ${enrollments} e WHERE e.id = ${id})`,
  );
}

export type Milestone = {
  writes: BatchItem<"sqlite">[];
  /** This write completes the course (its last step, and no milestone was stamped yet). */
  completes: boolean;
  /** The course the participant is enrolled in next by these writes (if it is active), or null. */
  nextCourseId: string | null;
};

/**
 * The milestone writes for `after` (progress as it will be after this request's change): the enrolment is
 * stamped completed when every step is and no stamp exists yet, and the participant is enrolled in the next
 * course — also when `enrolNext` asks for it (a manager's `unlock_next_course`). `guard` makes every write
 * conditional on the change itself having landed (e.g. this request's approval being the one stored).
 */
export function milestoneWrites(
  db: Db,
  participantId: string,
  after: CourseProgress | undefined,
  options: {
    stamp: string;
    newId: () => string;
    guard?: SQL;
    enrolNext?: boolean;
    emit: Emit;
    /** The participant's own name and email, when they are the caller (their token's claims), for a certificate. */
    recipient?: RecipientClaims | null;
  },
): Milestone {
  if (!after?.enrolled) return { writes: [], completes: false, nextCourseId: null };
  const guard = options.guard ?? sql`1`;
  const completes = completesCourse(after.state, after.is_completed);
  const writes: BatchItem<"sqlite">[] = [];
  if (completes)
    writes.push(
      db
        .update(enrollments)
        .set({ completed_at: options.stamp })
        .where(
          and(
            eq(enrollments.participant_id, participantId),
            eq(enrollments.course_id, after.course.id),
            isNull(enrollments.completed_at),
            guard,
          ),
        ),
      // Announced only when this UPDATE stamped it: a course is completed once.
      options.emit("course.completed", { participant_id: participantId, course_id: after.course.id, completed_at: options.stamp }),
      certificateWrite(db, participantId, after.course.id, options.stamp, options.recipient ?? null),
    );
  const next = completes || options.enrolNext ? after.course.next_course_id : null;
  if (next) {
    const id = options.newId();
    writes.push(enrollWrite(db, participantId, sql`(SELECT ${next} WHERE ${guard})`, id, options.stamp), enrolmentEvent(options.emit, id));
  }
  return { writes, completes, nextCourseId: next };
}

/**
 * The course's certificate, when it issues them: written only if the enrolment now carries this request's stamp
 * (the UPDATE above landed), and never a second one for the same participant and course (unique index). What it
 * will say (course name, description, wording) is frozen now; it is signed on its first read (certificates/).
 */
function certificateWrite(db: Db, participantId: string, courseId: string, stamp: string, recipient: RecipientClaims | null) {
  const text = (value: string | null) => sql<string | null>`${value}`;
  return db
    .insert(certificates)
    .select(
      db
        .select({
          id: sql<string>`${randomCertificateId()}`.as("id"),
          participant_id: enrollments.participant_id,
          course_id: enrollments.course_id,
          issued_at: sql<string>`${enrollments.completed_at}`.as("issued_at"),
          course_name: courses.name,
          course_description: courses.description,
          config: sql<string>`${courses.certificate}`.as("config"),
          recipient_name: text(recipient?.name ?? null).as("recipient_name"),
          recipient_email_hash: text(recipient?.email_hash ?? null).as("recipient_email_hash"),
          recipient_salt: text(recipient?.salt ?? null).as("recipient_salt"),
          status_list_id: text(null).as("status_list_id"),
          status_index: sql<number | null>`NULL`.as("status_index"),
          kid: text(null).as("kid"),
          credential_jwt: text(null).as("credential_jwt"),
          signed_at: text(null).as("signed_at"),
          revoked_at: text(null).as("revoked_at"),
          revoked_by: text(null).as("revoked_by"),
          revocation_reason: text(null).as("revocation_reason"),
          erased_at: text(null).as("erased_at"),
        })
        .from(enrollments)
        .innerJoin(courses, eq(courses.id, enrollments.course_id))
        .where(
          and(
            eq(enrollments.participant_id, participantId),
            eq(enrollments.course_id, courseId),
            eq(enrollments.completed_at, stamp),
            sql`json_extract(${courses.certificate}, '$.enabled') = 1`,
          ),
        ),
    )
    .onConflictDoNothing({ target: [certificates.participant_id, certificates.course_id] });
}
