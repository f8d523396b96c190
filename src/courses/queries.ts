import { and, asc, eq, gt, inArray, isNull, ne, or, type SQL, sql } from "drizzle-orm";
import { courses, materials, steps } from "../db/schema";
import type { Db } from "../db/types";
import type { CertificateConfig } from "../domain/certificates";
import type { Links, LinkUpdate } from "../domain/chain";
import type { CursorValues } from "../lib/pagination";

export type CourseRow = typeof courses.$inferSelect;

export function toCourse(row: CourseRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    image_url: row.image_url,
    previous_course_id: row.previous_course_id,
    next_course_id: row.next_course_id,
    default_step_id: row.default_step_id,
    order_index: row.order_index,
    is_active: row.is_active,
    is_default: row.is_default,
    created_at: row.created_at,
    updated_at: row.updated_at,
    created_by: row.created_by,
    certificate: row.certificate ? storedCertificate(row.certificate) : null,
  };
}

/** Every wording field present (null when it falls back to the course), however the config was written. */
export const storedCertificate = (config: CertificateConfig) => ({
  enabled: config.enabled,
  achievement_name: config.achievement_name ?? null,
  description: config.description ?? null,
  criteria: config.criteria ?? null,
});

export const live = isNull(courses.archived_at);

export function listCourses(
  db: Db,
  filters: { is_active?: boolean; is_default?: boolean },
  after: CursorValues | null,
  limit: number,
  scope?: SQL,
) {
  const where: (SQL | undefined)[] = [live, scope];
  if (filters.is_active !== undefined) where.push(eq(courses.is_active, filters.is_active));
  if (filters.is_default !== undefined) where.push(eq(courses.is_default, filters.is_default));
  if (after) {
    const [order, id] = after as [number, string];
    where.push(or(gt(courses.order_index, order), and(eq(courses.order_index, order), gt(courses.id, id))));
  }
  return db
    .select()
    .from(courses)
    .where(and(...where))
    .orderBy(asc(courses.order_index), asc(courses.id))
    .limit(limit + 1);
}

export const findCourse = (db: Db, id: string) =>
  db
    .select()
    .from(courses)
    .where(and(eq(courses.id, id), live));

export const courseSteps = (db: Db, courseId: string) =>
  db
    .select({
      id: steps.id,
      name: steps.name,
      description: steps.description,
      order_index: steps.order_index,
      exam_id: steps.exam_id,
    })
    .from(steps)
    .where(and(eq(steps.course_id, courseId), isNull(steps.archived_at)))
    .orderBy(asc(steps.order_index), asc(steps.id));

/** Live chain links of every course: the input of the pure chain planner. Courses are few (hundreds). */
export const chainLinks = (db: Db) =>
  db
    .select({ id: courses.id, previous_course_id: courses.previous_course_id, next_course_id: courses.next_course_id })
    .from(courses)
    .where(live);

export function linkMap(rows: ({ id: string } & Links)[]): Map<string, Links> {
  return new Map(rows.map((r) => [r.id, { previous_course_id: r.previous_course_id, next_course_id: r.next_course_id }]));
}

/**
 * Link rewrites in two phases, field by field: first every link that changes is released (only if it still
 * names the course the plan read), then the new links are claimed (only if still free). Fields a plan does not
 * change are never written, so two edits touching different ends of one course both land; the partial unique
 * indexes on the link columns refuse two courses claiming the same neighbour.
 */
export function linkWrites(db: Db, updates: LinkUpdate[], current: ReadonlyMap<string, Links>, now: string) {
  const release = [];
  const claim = [];
  for (const u of updates) {
    const was = current.get(u.id) ?? { previous_course_id: null, next_course_id: null };
    for (const field of ["previous_course_id", "next_course_id"] as const) {
      const before = was[field];
      if (before === u[field]) continue;
      const column = courses[field];
      if (before !== null)
        release.push(
          db
            .update(courses)
            .set({ [field]: null })
            .where(and(eq(courses.id, u.id), eq(column, before))),
        );
      if (u[field] !== null)
        claim.push(
          db
            .update(courses)
            .set({ [field]: u[field], updated_at: now })
            .where(and(eq(courses.id, u.id), isNull(column))),
        );
    }
  }
  return { release, claim };
}

export const clearDefault = (db: Db, except: string) =>
  db
    .update(courses)
    .set({ is_default: false })
    .where(and(eq(courses.is_default, true), ne(courses.id, except)));

export const nextCourseOrder = sql<number>`(SELECT COALESCE(MAX(${courses.order_index}) + 1, 0) FROM ${courses} WHERE ${courses.archived_at} IS NULL)`;

/** Archiving a course takes its steps and their materials out of every view, in one batch. */
export function archiveCourseWrites(db: Db, courseId: string, now: string) {
  const courseSteps = db.select({ id: steps.id }).from(steps).where(eq(steps.course_id, courseId));
  return [
    db
      .update(materials)
      .set({ archived_at: now })
      .where(and(inArray(materials.step_id, courseSteps), isNull(materials.archived_at))),
    db
      .update(steps)
      .set({ archived_at: now })
      .where(and(eq(steps.course_id, courseId), isNull(steps.archived_at))),
  ] as const;
}

export const defaultCourse = sql`(SELECT id FROM courses WHERE is_default = 1 AND archived_at IS NULL)`;
