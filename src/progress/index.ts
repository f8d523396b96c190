/**
 * Participant progress: the one read model every participant write and every progress view derives from.
 * Depends on db/ and domain/ only; features depend on it, never the other way.
 */
export {
  type CourseProgress,
  currentStepOf,
  type ProgressChange,
  ProgressSet,
  type RequirementProgress,
  requirementStatus,
  type ShownAttempt,
  stepAccess,
  stepRefusal,
} from "./derive";
export { type ExamClock, progressQuery, readProgress } from "./load";
export { type Emit, enrollWrite, enrolmentEvent, type Milestone, milestoneWrites } from "./milestones";
export { type CourseRow, type CourseStructure, type MaterialRow, rowCount, type StepRow } from "./reads";
export { clearStructureCache, MAX_BYTES as STRUCTURE_CACHE_MAX_BYTES, structureCacheStats } from "./structure-cache";

import { type SQL, sql } from "drizzle-orm";
import { courses, enrollments, materials, steps } from "../db/schema";
import type { CursorValues } from "../db/types";

/** The course of a step / of a material, as SQL for `progressQuery`. */
export const courseOfStep = (stepId: string) => sql`(SELECT ${steps.course_id} FROM ${steps} WHERE ${steps.id} = ${stepId})`;
export const courseOfMaterial = (materialId: string) =>
  sql`(SELECT ${steps.course_id} FROM ${steps} WHERE ${steps.id} = (SELECT ${materials.step_id} FROM ${materials} WHERE ${materials.id} = ${materialId}))`;
export const oneCourse = (courseId: string) => sql`(${courseId})`;

/** Courses in which a requirement table is shown by a live material. */
export const coursesShowingTable = (tableId: string | SQL) =>
  sql`(SELECT s.course_id FROM ${steps} s JOIN ${materials} m ON m.step_id = s.id
       WHERE m.requirement_table_id = ${tableId} AND m.archived_at IS NULL AND s.archived_at IS NULL)`;

/**
 * A page of the courses a participant is enrolled in, in course order (keyset on order_index, id).
 * `activeOnly` for participants: an unpublished course is not theirs to see, even when enrolled.
 */
export const enrolledCourses = (participantId: string, after: CursorValues | null = null, limit = 1000, activeOnly = false) =>
  sql`(SELECT c.id FROM ${courses} c JOIN ${enrollments} e ON e.course_id = c.id
       WHERE e.participant_id = ${participantId} AND c.archived_at IS NULL ${activeOnly ? sql`AND c.is_active = 1` : sql``}
       ${after ? sql`AND (c.order_index > ${after[0]} OR (c.order_index = ${after[0]} AND c.id > ${after[1]}))` : sql``}
       ORDER BY c.order_index, c.id LIMIT ${limit})`;
