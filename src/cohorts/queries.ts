import { and, asc, eq, getTableColumns, gt, isNull, ne, type SQL, sql } from "drizzle-orm";
import { cohortMembers, cohorts, courses, enrollments } from "../db/schema";
import type { Db } from "../db/types";
import type { CursorValues } from "../lib/pagination";
import { grantAllowsSql } from "../visibility/grants";

export type CohortRow = typeof cohorts.$inferSelect;
export type MemberRow = typeof cohortMembers.$inferSelect;

/** Counted along cohort_members_pk (cohort_id, participant_id): a cohort's members are one index range. */
const memberCount = sql<number>`(SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = ${cohorts.id})`.mapWith(Number);
const withCount = { ...getTableColumns(cohorts), member_count: memberCount };

export function toCohort(row: CohortRow & { member_count: number }) {
  return {
    id: row.id,
    course_id: row.course_id,
    name: row.name,
    member_count: row.member_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
    archived_at: row.archived_at,
  };
}

export const toMember = (row: MemberRow) => ({
  cohort_id: row.cohort_id,
  participant_id: row.participant_id,
  added_by: row.added_by,
  added_at: row.added_at,
});

/** SQL: the course exists and is not archived. */
const courseLive = (courseId: string | SQL) => sql`EXISTS (SELECT 1 FROM courses c WHERE c.id = ${courseId} AND c.archived_at IS NULL)`;

/**
 * SQL: the course is live and, for a staff caller (`staffId`), one whose grant lets them manage cohorts (`enrol`):
 * every cohort write carries it, so a grant revoked meanwhile stops the write itself.
 */
const courseOpenTo = (courseId: string | SQL, staffId: string | null) =>
  staffId === null ? courseLive(courseId) : sql`${courseLive(courseId)} AND ${grantAllowsSql(staffId, courseId, "enrol")}`;

/** A live course, read beside a cohort write or list so that a refusal can say the course is not there. */
export const findLiveCourse = (db: Db, courseId: string) =>
  db
    .select({ id: courses.id })
    .from(courses)
    .where(and(eq(courses.id, courseId), isNull(courses.archived_at)));

/**
 * A cohort with its member count, archived or not, while its course is live: archiving a course takes its cohorts
 * out of every view, as it does its steps.
 */
export const findCohort = (db: Db, id: string) =>
  db
    .select(withCount)
    .from(cohorts)
    .innerJoin(courses, and(eq(courses.id, cohorts.course_id), isNull(courses.archived_at)))
    .where(eq(cohorts.id, id));

/** SQL: a live cohort of the course named `name` (compared as the live-name unique index does), other than `except`. */
const liveNamed = (courseId: string | SQL, name: string, except?: SQL) =>
  sql`SELECT 1 FROM cohorts o WHERE o.course_id = ${courseId} AND o.archived_at IS NULL AND lower(o.name) = lower(${name})${
    except ? sql` AND o.id <> ${except}` : sql``
  }`;

/**
 * Inserts the cohort only while its course is live and no live cohort of it has the name; answers the row only if
 * it was inserted. One statement, so the checks and the insert see the same table (D1 runs statements one at a
 * time); the partial unique index is the backstop.
 */
export function insertCohort(db: Db, row: CohortRow, staffId: string | null) {
  // Columns in the table's order (drizzle lists them so for INSERT … SELECT).
  return db
    .insert(cohorts)
    .select(
      sql`SELECT ${row.id}, ${row.course_id}, ${row.name}, ${row.created_by}, ${row.created_at}, ${row.updated_at}, NULL
           WHERE ${courseOpenTo(row.course_id, staffId)} AND NOT EXISTS (${liveNamed(row.course_id, row.name)})`,
    )
    .returning();
}

/** The live cohort of the course already holding the name, read after a refused create or rename to explain it. */
export const nameHolder = (db: Db, courseId: string | SQL, name: string, except?: string) =>
  db
    .select({ id: cohorts.id, name: cohorts.name })
    .from(cohorts)
    .where(
      and(
        eq(cohorts.course_id, courseId),
        isNull(cohorts.archived_at),
        sql`lower(${cohorts.name}) = lower(${name})`,
        except ? ne(cohorts.id, except) : undefined,
      ),
    );

export const courseOfCohort = (id: string) => sql`(SELECT k.course_id FROM cohorts k WHERE k.id = ${id})`;

/**
 * SQL: renaming cohort `id` to `name` changes something and is allowed: the cohort and its course are live, the
 * name differs (a change of case counts), and no other live cohort of the course holds it. The audit event is
 * written before the update on this condition, so that it can read the old name; both run in one batch.
 */
export const renamable = (id: string, name: string, staffId: string | null) =>
  sql`EXISTS (SELECT 1 FROM cohorts k WHERE k.id = ${id} AND k.archived_at IS NULL AND k.name <> ${name}
    AND ${courseOpenTo(sql`k.course_id`, staffId)} AND NOT EXISTS (${liveNamed(sql`k.course_id`, name, sql`k.id`)}))`;

export const renameChanges = (id: string, name: string) =>
  sql`(SELECT json_object('name', json_array(k.name, ${name})) FROM cohorts k WHERE k.id = ${id})`;

export const rename = (db: Db, id: string, name: string, stamp: string, staffId: string | null) =>
  db
    .update(cohorts)
    .set({ name, updated_at: stamp })
    .where(and(eq(cohorts.id, id), renamable(id, name, staffId)))
    .returning({ id: cohorts.id });

/** Stamps archived_at on a live cohort of a live course; answers the id only if this call archived it. */
export const archive = (db: Db, id: string, stamp: string, staffId: string | null) =>
  db
    .update(cohorts)
    .set({ archived_at: stamp, updated_at: stamp })
    .where(and(eq(cohorts.id, id), isNull(cohorts.archived_at), courseOpenTo(sql`${cohorts.course_id}`, staffId)))
    .returning({ id: cohorts.id });

/** SQL: cohort `id` is live and so is its course. */
const cohortOpen = (id: string, staffId: string | null) =>
  sql`EXISTS (SELECT 1 FROM cohorts k WHERE k.id = ${id} AND k.archived_at IS NULL AND ${courseOpenTo(sql`k.course_id`, staffId)})`;

/**
 * Adds the participant to a live cohort of a live course, only if they are enrolled in that course; adding again
 * inserts nothing (the unique (cohort_id, participant_id) index). Answers the row only if this call inserted it.
 */
export const addMember = (db: Db, member: MemberRow, staffId: string | null) =>
  db
    .insert(cohortMembers)
    .select(
      // The WHERE also keeps SQLite from reading ON CONFLICT as a join's ON.
      sql`SELECT k.id, ${member.participant_id}, ${member.added_by}, ${member.added_at} FROM cohorts k
           WHERE k.id = ${member.cohort_id} AND k.archived_at IS NULL AND ${courseOpenTo(sql`k.course_id`, staffId)}
             AND EXISTS (SELECT 1 FROM enrollments e WHERE e.participant_id = ${member.participant_id} AND e.course_id = k.course_id)`,
    )
    .onConflictDoNothing()
    .returning();

export const findMember = (db: Db, cohortId: string, participantId: string) =>
  db
    .select()
    .from(cohortMembers)
    .where(and(eq(cohortMembers.cohort_id, cohortId), eq(cohortMembers.participant_id, participantId)));

/** Along enrollments_participant_course: whether the participant is enrolled in the cohort's course. */
export const enrolment = (db: Db, cohortId: string, participantId: string) =>
  db
    .select({ id: enrollments.id })
    .from(enrollments)
    .where(and(eq(enrollments.participant_id, participantId), eq(enrollments.course_id, courseOfCohort(cohortId))));

/** Removes a membership of a live cohort of a live course; answers the row only if this call removed it. */
export const removeMember = (db: Db, cohortId: string, participantId: string, staffId: string | null) =>
  db
    .delete(cohortMembers)
    .where(and(eq(cohortMembers.cohort_id, cohortId), eq(cohortMembers.participant_id, participantId), cohortOpen(cohortId, staffId)))
    .returning({ participant_id: cohortMembers.participant_id });

/** A course's cohorts by id, along cohorts_by_course (course_id, archived_at, id). */
export function cohortsPage(db: Db, courseId: string, includeArchived: boolean, after: CursorValues | null, limit: number) {
  const [id] = (after ?? []) as [string];
  return db
    .select(withCount)
    .from(cohorts)
    .where(
      and(
        eq(cohorts.course_id, courseId),
        includeArchived ? undefined : isNull(cohorts.archived_at),
        after ? gt(cohorts.id, id) : undefined,
      ),
    )
    .orderBy(asc(cohorts.id))
    .limit(limit + 1);
}

/** A cohort's members by participant id, along cohort_members_pk (cohort_id, participant_id). */
export function membersPage(db: Db, cohortId: string, after: CursorValues | null, limit: number) {
  const [participantId] = (after ?? []) as [string];
  return db
    .select()
    .from(cohortMembers)
    .where(and(eq(cohortMembers.cohort_id, cohortId), after ? gt(cohortMembers.participant_id, participantId) : undefined))
    .orderBy(asc(cohortMembers.participant_id))
    .limit(limit + 1);
}
