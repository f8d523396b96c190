/**
 * The reads progress is derived from, in two kinds:
 * - the **participant's own rows** (enrolment, completions, requirement submissions, exam attempts) and the
 *   courses' structure versions: always read, in the request's one batch, next to the feature's own reads;
 * - the **course structure** (course row, steps, materials, exam summaries, requirement-table sizes): read
 *   only for courses whose version is not in this isolate's cache (structure-cache.ts).
 * `courseIds` is an SQL expression (an id, "the course of this step", "the courses this participant is
 * enrolled in"), so no read waits on another.
 */
import { and, asc, eq, inArray, isNotNull, isNull, SQL, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { courses, enrollments, formSubmissions, forms, materialCompletions, materials, requirementRows, requirementSubmissions, requirementTables, steps } from "../db/schema";
import type { Db } from "../db/types";

export type CourseRow = typeof courses.$inferSelect;
export type StepRow = typeof steps.$inferSelect;
export type MaterialRow = typeof materials.$inferSelect;
export type ExamSummary = { id: string; name: string; duration_minutes: number; total_marks: number; passing_marks: number };
export type CourseStructure = {
  course: CourseRow;
  steps: StepRow[];
  materials: MaterialRow[];
  exams: ExamSummary[];
  /** Requirement tables shown by the course's materials, with their current number of rows. */
  tables: { id: string; requirement_count: number }[];
};

/**
 * Whose rows: one participant, several (a table edit may complete courses for many), an SQL expression, or
 * nobody (`null`: a manager's view of the structure alone — SQLite answers `WHERE 0` without reading a row).
 */
export type Who = string | readonly string[] | SQL | null;
const whose = (column: AnySQLiteColumn, who: Who) =>
  who === null ? sql`0` : typeof who === "string" ? eq(column, who) : who instanceof SQL ? sql`${column} = ${who}` : inArray(column, [...who]);

const liveStepsOf = (db: Db, courseIds: SQL) =>
  db.select({ id: steps.id }).from(steps).where(and(inArray(steps.course_id, courseIds), isNull(steps.archived_at)));

/** Rows of one requirement row flag over the table's current serials (removed serials stay stored, uncounted). */
export const rowCount = (flag: "completed" | "approved", alias: string) =>
  sql<number>`(SELECT COUNT(*) FROM ${requirementRows} r WHERE r.submission_id = ${requirementSubmissions.id} AND r.${sql.raw(flag)} = 1
    AND r.serial_number IN (SELECT json_extract(value, '$.serial_number') FROM json_each(${requirementTables.requirements})))`.as(alias);

/**
 * The statements every progress read runs in the request's first batch, as a fixed tuple (db.batch needs one).
 * `ownRows()` turns their results into named fields: no caller indexes into them.
 */
export function ownQueries(db: Db, who: Who, courseIds: SQL) {
  return [
    db
      .select({ id: courses.id, version: courses.structure_version })
      .from(courses)
      .where(and(inArray(courses.id, courseIds), isNull(courses.archived_at))),
    db.select().from(enrollments).where(and(whose(enrollments.participant_id, who), inArray(enrollments.course_id, courseIds))),
    db
      .select({ participant_id: materialCompletions.participant_id, material_id: materialCompletions.material_id })
      .from(materialCompletions)
      .where(and(whose(materialCompletions.participant_id, who), inArray(materialCompletions.step_id, liveStepsOf(db, courseIds)))),
    // The participant's own requirement submissions (few), with their counts over each table's current serials.
    db
      .select({
        participant_id: requirementSubmissions.participant_id,
        requirement_table_id: requirementSubmissions.requirement_table_id,
        submitted_at: requirementSubmissions.submitted_at,
        approved_at: requirementSubmissions.approved_at,
        completed: rowCount("completed", "rows_completed"),
        approved: rowCount("approved", "rows_approved"),
      })
      .from(requirementSubmissions)
      .innerJoin(requirementTables, eq(requirementTables.id, requirementSubmissions.requirement_table_id))
      .where(whose(requirementSubmissions.participant_id, who)),
    db
      .select({
        id: formSubmissions.id,
        participant_id: formSubmissions.participant_id,
        form_id: formSubmissions.form_id,
        step_id: formSubmissions.step_id,
        course_id: formSubmissions.course_id,
        attempt_number: formSubmissions.attempt_number,
        submission_status: formSubmissions.submission_status,
        started_at: formSubmissions.started_at,
        deadline_at: formSubmissions.deadline_at,
        submitted_at: formSubmissions.submitted_at,
        mcq_score: formSubmissions.mcq_score,
        theory_score: formSubmissions.theory_score,
        total_score: formSubmissions.total_score,
        feedback: formSubmissions.feedback,
        is_late: formSubmissions.is_late,
        auto_submitted: formSubmissions.auto_submitted,
        // Only an open attempt needs its saved answers and questions: if its time ran out unseen, it is shown
        // closed and scored from them (see domain/exams `effectiveAttempt`).
        open_answers: sql<string | null>`CASE WHEN ${formSubmissions.submission_status} = 'InProgress' THEN ${formSubmissions.answers} END`.as("open_answers"),
        open_questions: sql<string | null>`CASE WHEN ${formSubmissions.submission_status} = 'InProgress' THEN ${formSubmissions.questions_snapshot} END`.as("open_questions"),
      })
      .from(formSubmissions)
      .where(and(whose(formSubmissions.participant_id, who), inArray(formSubmissions.course_id, courseIds)))
      .orderBy(asc(formSubmissions.attempt_number)),
  ] as const;
}

type Resolved<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };
export type OwnResults = Resolved<ReturnType<typeof ownQueries>>;

export type OwnRows = {
  versions: OwnResults[0];
  enrollments: OwnResults[1];
  completions: OwnResults[2];
  tableSubmissions: OwnResults[3];
  attempts: OwnResults[4];
};
export type EnrollmentRow = OwnRows["enrollments"][number];
export type AttemptRow = OwnRows["attempts"][number];

export function ownRows(results: Readonly<OwnResults>): OwnRows {
  const [versions, enrollmentRows, completions, tableSubmissions, attempts] = results;
  return { versions, enrollments: enrollmentRows, completions, tableSubmissions, attempts };
}

/** At most this many course ids per statement (one bound parameter each; D1 allows 100). */
const IDS_PER_STATEMENT = 90;

/** The structure of courses named by id, for the ones the cache does not hold at their current version. */
export function structureQueries(db: Db, courseIds: readonly string[]) {
  const groups: string[][] = [];
  for (let i = 0; i < courseIds.length; i += IDS_PER_STATEMENT) groups.push(courseIds.slice(i, i + IDS_PER_STATEMENT));
  return groups.flatMap((ids) => {
    const courseSteps = db.select({ id: steps.id }).from(steps).where(and(inArray(steps.course_id, ids), isNull(steps.archived_at)));
    return [
      db.select().from(courses).where(inArray(courses.id, ids)),
      db
        .select()
        .from(steps)
        .where(and(inArray(steps.course_id, ids), isNull(steps.archived_at)))
        .orderBy(asc(steps.order_index), asc(steps.id)),
      db
        .select()
        .from(materials)
        .where(and(inArray(materials.step_id, courseSteps), isNull(materials.archived_at)))
        .orderBy(asc(materials.order_index), asc(materials.id)),
      db
        .select({ id: forms.id, name: forms.name, duration_minutes: forms.duration_minutes, total_marks: forms.total_marks, passing_marks: forms.passing_marks })
        .from(forms)
        .where(
          and(
            inArray(forms.id, db.select({ id: steps.exam_id }).from(steps).where(and(inArray(steps.course_id, ids), isNull(steps.archived_at)))),
            isNull(forms.archived_at),
          ),
        ),
      db
        .select({ id: requirementTables.id, requirement_count: requirementTables.requirement_count })
        .from(requirementTables)
        .where(
          inArray(
            requirementTables.id,
            db
              .select({ id: materials.requirement_table_id })
              .from(materials)
              .where(and(inArray(materials.step_id, courseSteps), isNotNull(materials.requirement_table_id), isNull(materials.archived_at))),
          ),
        ),
    ] as const;
  });
}

/** Groups structure results (in groups of five, as `structureQueries` made them) per course. */
export function structuresFrom(results: readonly unknown[][]): Map<string, CourseStructure> {
  const byCourse = new Map<string, CourseStructure>();
  for (let i = 0; i + 4 < results.length; i += 5) {
    const [courseRows, stepRows, materialRows, examRows, tableRows] = results.slice(i, i + 5) as [CourseRow[], StepRow[], MaterialRow[], ExamSummary[], CourseStructure["tables"]];
    for (const course of courseRows) {
      const courseSteps = stepRows.filter((s) => s.course_id === course.id);
      const stepIds = new Set(courseSteps.map((s) => s.id));
      const courseMaterials = materialRows.filter((m) => stepIds.has(m.step_id));
      const examIds = new Set(courseSteps.map((s) => s.exam_id).filter((id): id is string => id !== null));
      const tableIds = new Set(courseMaterials.map((m) => m.requirement_table_id).filter((id): id is string => id !== null));
      byCourse.set(course.id, {
        course,
        steps: courseSteps,
        materials: courseMaterials,
        exams: examRows.filter((e) => examIds.has(e.id)),
        tables: tableRows.filter((t) => tableIds.has(t.id)),
      });
    }
  }
  return byCourse;
}
