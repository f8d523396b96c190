/**
 * Who may see what, in one place: every path that shows authored content to a caller asks here. Managers see
 * everything; course staff see everything of the courses they hold a grant in, drafts included (they teach them);
 * participants see published content only — a course that is active and not archived, and what hangs from a live
 * step of one.
 *
 * Each entity has a predicate (for rows already read) and an SQL fragment (for reads that filter), which say the
 * same thing. Refusals are 404s at the call sites, as for content that does not exist: an unpublished course is
 * not there for a participant.
 */
import { type SQL, sql } from "drizzle-orm";
import { courses, forms, materials, requirementTables, steps } from "../db/schema";
import type { Role } from "../domain/vocabulary";
import { stepTaughtBy } from "./grants";

type Viewer = { role: Role; id: string };

/**
 * Whether the caller sees content that is not published (drafts, inactive courses). Course staff do, but only of
 * their own courses: a route that shows one thing to staff names it in its path and checks the grant there before
 * its handler runs (lib/grant-guard.ts), and the lists below filter by grant in SQL.
 */
export const seesUnpublished = (viewer: Viewer) => viewer.role === "manager" || viewer.role === "staff";

/** A course the caller may see, as read: any live course for managers, an active one for participants. */
export const courseVisible = <T extends { is_active: boolean }>(viewer: Viewer, course: T | null | undefined): course is T =>
  course !== null && course !== undefined && (seesUnpublished(viewer) || course.is_active);

/** The same for a row that carries its course's `is_active` as SQLite's 0/1 (a joined column). */
export const courseFlagVisible = (viewer: Viewer, courseActive: number | null | undefined) =>
  courseActive !== null && courseActive !== undefined && (seesUnpublished(viewer) || courseActive === 1);

/**
 * The list filter on `courses.is_active`: participants are shown active courses only, whatever they asked for;
 * course staff (whose list holds only their granted courses) see those as asked, drafts included, as they teach them.
 */
export function courseListActive(viewer: Viewer, asked: boolean | undefined): boolean | undefined | "none" {
  if (seesUnpublished(viewer)) return asked;
  return asked === false ? "none" : true;
}

/** SQL: the step `stepId` is live and its course is published. */
const publishedStep = (stepId: SQL | typeof forms.step_id | typeof requirementTables.step_id) =>
  sql`EXISTS (SELECT 1 FROM ${steps} s JOIN ${courses} c ON c.id = s.course_id
    WHERE s.id = ${stepId} AND s.archived_at IS NULL AND c.archived_at IS NULL AND c.is_active = 1)`;

/**
 * SQL: a form the caller may read — participants: only the exam of a live step of a published course; course staff:
 * one on a step of a course they hold a grant in.
 */
export const formVisible = (viewer: Viewer): SQL | undefined => {
  if (viewer.role === "staff") return stepTaughtBy(viewer.id, forms.step_id);
  return seesUnpublished(viewer) ? undefined : publishedStep(forms.step_id);
};

/**
 * SQL: a requirement table the caller may read — participants: only one on a live step of a published course, or
 * shown by a live RequirementTable material of one; course staff: one on a step of a course they hold a grant in, or shown by a live material of one.
 */
export const tableVisible = (viewer: Viewer): SQL | undefined =>
  viewer.role === "staff"
    ? sql`(${stepTaughtBy(viewer.id, requirementTables.step_id)} OR EXISTS (SELECT 1 FROM ${materials} m
        WHERE m.requirement_table_id = ${requirementTables.id} AND m.archived_at IS NULL AND ${stepTaughtBy(viewer.id, sql`m.step_id`)}))`
    : seesUnpublished(viewer)
      ? undefined
      : sql`(${publishedStep(requirementTables.step_id)}
  OR EXISTS (SELECT 1 FROM ${materials} m JOIN ${steps} s ON s.id = m.step_id JOIN ${courses} c ON c.id = s.course_id
    WHERE m.requirement_table_id = ${requirementTables.id} AND m.archived_at IS NULL AND s.archived_at IS NULL
      AND c.archived_at IS NULL AND c.is_active = 1))`;
