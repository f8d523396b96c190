import { and, asc, eq, gt, inArray, isNull, ne, type SQL, sql } from "drizzle-orm";
import { cohorts, courseStaff, courses } from "../db/schema";
import type { Db } from "../db/types";
import type { GrantRole } from "../domain/vocabulary";
import type { Caller } from "../env";
import { type GrantRow, grantAllowsSql } from "../visibility/grants";

/** A grant as the API shows it: the staff member is `sub`, as in their token. */
export function toGrant(row: GrantRow) {
  return {
    course_id: row.course_id,
    sub: row.staff_id,
    role: row.role,
    cohort_ids: row.cohort_ids,
    granted_by: row.granted_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Stored in id order, so one set of cohorts has one spelling and an unchanged list compares equal in SQL. */
export const cohortsText = (ids: readonly string[] | null | undefined) => (ids ? JSON.stringify([...ids].sort()) : null);

export const liveCourse = (db: Db, courseId: string) =>
  db
    .select({ id: courses.id })
    .from(courses)
    .where(and(eq(courses.id, courseId), isNull(courses.archived_at)));

/** Which of `ids` are live cohorts of the course. */
export const liveCohortsOf = (db: Db, courseId: string, ids: readonly string[]) =>
  db
    .select({ id: cohorts.id })
    .from(cohorts)
    .where(and(eq(cohorts.course_id, courseId), inArray(cohorts.id, [...ids]), isNull(cohorts.archived_at)));

/** A course's grants by staff id, along course_staff_pk (course_id, staff_id); one row more than the page. */
export const courseGrantsPage = (db: Db, courseId: string, afterSub: string | null, limit: number) =>
  db
    .select()
    .from(courseStaff)
    .where(and(eq(courseStaff.course_id, courseId), afterSub === null ? undefined : gt(courseStaff.staff_id, afterSub)))
    .orderBy(asc(courseStaff.staff_id))
    .limit(limit + 1);

const sqlList = (ids: readonly string[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/**
 * SQL: what must still hold when a grant is written, checked by the statement that writes it (the handler decided
 * on a read a moment before; the course, a cohort or the caller's own grant may have gone meanwhile): the course is
 * live, every cohort is a live cohort of it, and a staff caller still holds a grant that gives grants and is not
 * replacing an instructor's.
 */
export function setAllowed(by: Caller, courseId: string, sub: string, cohortIds: readonly string[] | null): SQL {
  const rules = [sql`EXISTS (SELECT 1 FROM ${courses} c WHERE c.id = ${courseId} AND c.archived_at IS NULL)`];
  if (cohortIds)
    rules.push(
      sql`(SELECT COUNT(*) FROM ${cohorts} k WHERE k.course_id = ${courseId} AND k.archived_at IS NULL AND k.id IN (${sqlList(cohortIds)})) = ${cohortIds.length}`,
    );
  if (by.role === "staff") {
    rules.push(grantAllowsSql(by.id, courseId, "grant"));
    rules.push(
      sql`NOT EXISTS (SELECT 1 FROM ${courseStaff} t WHERE t.course_id = ${courseId} AND t.staff_id = ${sub} AND t.role = 'instructor')`,
    );
  }
  return sql.join(rules, sql` AND `);
}

/**
 * Creates or replaces a grant in one statement when `allowed` holds; answers the row only if it was written. The
 * unique (course_id, staff_id) index makes two simultaneous PUTs of one grant end as one row, the later one's.
 */
export function upsertGrant(
  db: Db,
  g: { courseId: string; sub: string; role: GrantRole; cohorts: string | null; by: string; at: string },
  allowed: SQL,
) {
  // Columns in the table's order (drizzle lists them so for INSERT … SELECT); the SELECT's WHERE also keeps
  // SQLite from reading ON CONFLICT as a join.
  return db
    .insert(courseStaff)
    .select(sql`SELECT ${g.courseId}, ${g.sub}, ${g.role}, ${g.cohorts}, ${g.by}, ${g.at}, ${g.at} WHERE ${allowed}`)
    .onConflictDoUpdate({
      target: [courseStaff.course_id, courseStaff.staff_id],
      set: {
        role: sql`excluded.role`,
        cohort_ids: sql`excluded.cohort_ids`,
        granted_by: sql`excluded.granted_by`,
        updated_at: sql`excluded.updated_at`,
      },
    })
    .returning();
}

/**
 * A grant write's audit diff, read from the row as the write finds it (the audit insert runs just before the
 * write, in its batch, under the same condition): `course_id` always (`[null, course]` when first granted,
 * `[course, course]` after), `role` and `cohort_ids` when they change.
 */
export function setChanges(courseId: string, sub: string, role: GrantRole, cohorts: string | null): SQL {
  return sql`(SELECT json_patch(json_patch(
      json_object('course_id', json_array(s.course_id, ${courseId})),
      CASE WHEN s.role IS ${role} THEN '{}' ELSE json_object('role', json_array(s.role, ${role})) END),
      CASE WHEN s.cohort_ids IS ${cohorts} THEN '{}' ELSE json_object('cohort_ids', json_array(json(s.cohort_ids), json(${cohorts}))) END)
    FROM (SELECT 1) one LEFT JOIN ${courseStaff} s ON s.course_id = ${courseId} AND s.staff_id = ${sub})`;
}

/** SQL: the grant exists and the caller may still revoke it (a staff caller: not an instructor's, and still granting). */
export function revokeAllowed(by: Caller, courseId: string, sub: string): SQL {
  const instructorSpared = by.role === "staff" ? sql` AND t.role <> 'instructor'` : sql``;
  const rules = [sql`EXISTS (SELECT 1 FROM ${courseStaff} t WHERE t.course_id = ${courseId} AND t.staff_id = ${sub}${instructorSpared})`];
  if (by.role === "staff") rules.push(grantAllowsSql(by.id, courseId, "grant"));
  return sql.join(rules, sql` AND `);
}

/** A revoked grant's audit diff, `{field: [value, null]}`, read from the row before the delete in the same batch. */
export function revokedChanges(courseId: string, sub: string): SQL {
  return sql`(SELECT json_patch(
      json_object('course_id', json_array(t.course_id, NULL), 'role', json_array(t.role, NULL)),
      CASE WHEN t.cohort_ids IS NULL THEN '{}' ELSE json_object('cohort_ids', json_array(json(t.cohort_ids), NULL)) END)
    FROM ${courseStaff} t WHERE t.course_id = ${courseId} AND t.staff_id = ${sub})`;
}

export const deleteGrant = (db: Db, by: Caller, courseId: string, sub: string) =>
  db
    .delete(courseStaff)
    .where(
      and(
        eq(courseStaff.course_id, courseId),
        eq(courseStaff.staff_id, sub),
        by.role === "staff" ? ne(courseStaff.role, "instructor") : undefined,
        by.role === "staff" ? grantAllowsSql(by.id, courseId, "grant") : undefined,
      ),
    )
    .returning({ staff_id: courseStaff.staff_id });
