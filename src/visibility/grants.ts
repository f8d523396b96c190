/**
 * Course staff grants as every route reads them: "which course may this staff member act in, and with what".
 * Statements (not results), so a handler folds them into its own load batch and a staff request costs no extra
 * round trip. Never cached: a revoked grant stops working on the next request.
 *
 * Depends on the schema and the capability table only (domain/authority.ts decides what a grant allows).
 */
import { type AnyColumn, and, asc, eq, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { cohortMembers, cohorts, courseStaff, courses, enrollments, forms, materials, requirementTables, steps } from "../db/schema";
import type { Db } from "../db/types";
import { type Capability, GRANT_CAPABILITIES, staffAccess } from "../domain/authority";
import { GRANT_ROLES, type GrantRole } from "../domain/vocabulary";

export type GrantRow = typeof courseStaff.$inferSelect;

/** What a grant gives, as the capability table reads it. */
export type Grant = { role: GrantRole; cohort_ids: string[] | null };

/** The grant roles whose capabilities include `capability`. */
export const rolesWith = (capability: Capability): GrantRole[] =>
  GRANT_ROLES.filter((role) => GRANT_CAPABILITIES[role].includes(capability));

/**
 * A staff member's grants in live courses, by course id (along course_staff_by_staff): all of them, or a page of
 * `limit` after `after`. A grant in an archived course gives nothing: the course is gone for everyone but the audit log.
 */
export function grantsOf(db: Db, staffId: string, page?: { after: string | null; limit: number }) {
  const query = db
    .select()
    .from(courseStaff)
    .where(
      and(
        eq(courseStaff.staff_id, staffId),
        page?.after ? gt(courseStaff.course_id, page.after) : undefined,
        inArray(courseStaff.course_id, db.select({ id: courses.id }).from(courses).where(isNull(courses.archived_at))),
      ),
    )
    .orderBy(asc(courseStaff.course_id))
    .$dynamic();
  return page ? query.limit(page.limit) : query;
}

/**
 * SQL: `courseId` is a course where `staffId` holds a grant allowing `capability` (for filtering lists and for
 * conditional writes, which must re-check the grant in the statement that writes: it may be revoked meanwhile).
 */
export const grantAllowsSql = (staffId: string, courseId: string | SQL, capability: Capability): SQL =>
  sql`EXISTS (SELECT 1 FROM ${courseStaff} g WHERE g.course_id = ${courseId} AND g.staff_id = ${staffId}
    AND g.role IN (${sql.join(
      rolesWith(capability).map((role) => sql`${role}`),
      sql`, `,
    )}))`;

/** A course id or participant id as a value, a column of the statement's own table, or a subquery. */
type Ref = string | SQL | AnyColumn;

/**
 * SQL: the staff member may use `capability` on this participant's data in this course — a grant there whose role
 * allows it and whose cohort list (if any) holds one of the participant's cohorts. Lists filter with it, and
 * decisions carry it in their conditional write, so a grant revoked meanwhile stops the write itself.
 */
export const staffReachSql = (staffId: string, courseId: Ref, participantId: Ref, capability: Capability): SQL =>
  sql`EXISTS (SELECT 1 FROM ${courseStaff} g WHERE g.course_id = ${courseId} AND g.staff_id = ${staffId}
    AND g.role IN (${sql.join(
      rolesWith(capability).map((role) => sql`${role}`),
      sql`, `,
    )})
    AND EXISTS (SELECT 1 FROM ${enrollments} e WHERE e.course_id = g.course_id AND e.participant_id = ${participantId})
    AND (g.cohort_ids IS NULL OR EXISTS (SELECT 1 FROM json_each(g.cohort_ids) j
      JOIN ${cohortMembers} m ON m.cohort_id = j.value WHERE m.participant_id = ${participantId})))`;

/**
 * A staff member's grant in a course with the participant's cohorts there: zero or one row, for `staffAccessOf`
 * (which tells "not there" from "not allowed"). Folded into the handler's own load batch.
 */
export const staffGrantFor = (db: Db, staffId: string, courseId: Ref, participantId: Ref) =>
  db
    .select({
      role: courseStaff.role,
      cohort_ids: courseStaff.cohort_ids,
      participant_cohorts: sql<string>`(SELECT json_group_array(m.cohort_id) FROM ${cohortMembers} m
        JOIN ${cohorts} k ON k.id = m.cohort_id WHERE m.participant_id = ${participantId} AND k.course_id = ${courseId})`,
      participant_enrolled: sql<number>`EXISTS (SELECT 1 FROM ${enrollments} e
        WHERE e.course_id = ${courseId} AND e.participant_id = ${participantId})`.mapWith(Number),
    })
    .from(courseStaff)
    .where(and(sql`${courseStaff.course_id} = ${courseId}`, eq(courseStaff.staff_id, staffId)));

export type StaffGrantRows = Awaited<ReturnType<typeof staffGrantFor>>;

/** What `staffGrantFor` read allows, for `capability` (domain/authority.ts `staffAccess`). */
export function staffAccessOf(rows: StaffGrantRows, capability: Capability) {
  const [row] = rows;
  const cohortsOf = (text: string | null | undefined): string[] => {
    const parsed: unknown = JSON.parse(text ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : [];
  };
  return staffAccess(
    row ? { role: row.role, cohort_ids: row.cohort_ids ?? null } : null,
    { enrolled: row?.participant_enrolled === 1, cohorts: cohortsOf(row?.participant_cohorts) },
    capability,
  );
}

/**
 * A staff member's grant in one course — named by value or by a subquery (e.g. a cohort's course): zero or one row
 * (course_staff is unique on the pair).
 */
export const grantOf = (db: Db, staffId: string, courseId: Ref) =>
  db
    .select()
    .from(courseStaff)
    .where(and(sql`${courseStaff.course_id} = ${courseId}`, eq(courseStaff.staff_id, staffId)));

/** The authored things a route path (or a create's body) names, each of which belongs to one course. */
export type Owned = "course" | "step" | "material" | "form" | "table";

/**
 * SQL: the live course that owns `id` (a subquery yielding no row when there is none: the thing is gone, archived
 * with its course, or — a form or requirement table on no step — belongs to the organisation, not to a course).
 * Grants are looked up along it (course_staff_pk), so a staff check is one indexed read.
 */
export function courseOf(kind: Owned, id: string): SQL {
  const live = sql`c.archived_at IS NULL`;
  switch (kind) {
    case "course":
      return sql`(SELECT c.id FROM ${courses} c WHERE c.id = ${id} AND ${live})`;
    case "step":
      return sql`(SELECT c.id FROM ${steps} s JOIN ${courses} c ON c.id = s.course_id WHERE s.id = ${id} AND ${live})`;
    case "material":
      return sql`(SELECT c.id FROM ${materials} m JOIN ${steps} s ON s.id = m.step_id JOIN ${courses} c ON c.id = s.course_id
        WHERE m.id = ${id} AND ${live})`;
    case "form":
      return sql`(SELECT c.id FROM ${forms} f JOIN ${steps} s ON s.id = f.step_id JOIN ${courses} c ON c.id = s.course_id
        WHERE f.id = ${id} AND ${live})`;
    case "table":
      return sql`(SELECT c.id FROM ${requirementTables} t JOIN ${steps} s ON s.id = t.step_id JOIN ${courses} c ON c.id = s.course_id
        WHERE t.id = ${id} AND ${live})`;
  }
}

/** SQL: the step `stepId` (a column or subquery) is in a live course where `staffId` holds any grant. */
export const stepTaughtBy = (staffId: string, stepId: SQL | AnyColumn): SQL =>
  sql`EXISTS (SELECT 1 FROM ${steps} s JOIN ${courses} c ON c.id = s.course_id JOIN ${courseStaff} g ON g.course_id = c.id
    WHERE s.id = ${stepId} AND c.archived_at IS NULL AND g.staff_id = ${staffId})`;

/** One of the staff member's instructor grants in a live course, if any (for organisation-wide authoring: banks). */
export const instructorGrants = (db: Db, staffId: string) =>
  db
    .select({ course_id: courseStaff.course_id })
    .from(courseStaff)
    .innerJoin(courses, and(eq(courses.id, courseStaff.course_id), isNull(courses.archived_at)))
    .where(and(eq(courseStaff.staff_id, staffId), eq(courseStaff.role, "instructor")))
    .limit(1);
