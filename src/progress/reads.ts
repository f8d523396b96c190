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
import { attemptQuestions } from "../db/attempts";
import {
  courses,
  enrollments,
  formSubmissions,
  forms,
  materialCompletions,
  materials,
  requirementRows,
  requirementSubmissions,
  requirementTables,
  steps,
} from "../db/schema";
import { statusLiteral } from "../db/status";
import type { Db } from "../db/types";
import type { Question, SubmissionStatus } from "../domain/vocabulary";

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
 * Whose rows: one participant, several (a table edit may complete courses for many), a parenthesised subquery
 * (of one participant, or a report's page of them), or nobody (`null`: a manager's view of the structure alone — SQLite answers `WHERE 0` without reading a row).
 */
export type Who = string | readonly string[] | SQL | null;
const whose = (column: AnySQLiteColumn, who: Who) =>
  who === null
    ? sql`0`
    : typeof who === "string"
      ? eq(column, who)
      : who instanceof SQL
        ? sql`${column} IN ${who}`
        : inArray(column, [...who]);

/** Rows of one requirement row flag over the table's current serials (removed serials stay stored, uncounted). */
const countRows = (flag: "completed" | "approved") =>
  sql<number>`(SELECT COUNT(*) FROM ${requirementRows} r WHERE r.submission_id = ${requirementSubmissions.id} AND r.${sql.raw(flag)} = 1
    AND r.serial_number IN (SELECT json_extract(value, '$.serial_number') FROM json_each(${requirementTables.requirements})))`;
export const rowCount = (flag: "completed" | "approved", alias: string) => countRows(flag).as(alias);

export type EnrollmentRow = {
  id: string;
  participant_id: string;
  course_id: string;
  start_step_id: string | null;
  enrolled_at: string;
  completed_at: string | null;
};
export type AttemptRow = {
  id: string;
  participant_id: string;
  form_id: string;
  step_id: string;
  course_id: string;
  attempt_number: number;
  submission_status: SubmissionStatus;
  started_at: string;
  deadline_at: string | null;
  submitted_at: string | null;
  mcq_score: number | null;
  theory_score: number | null;
  total_score: number | null;
  feedback: string | null;
  is_late: boolean;
  auto_submitted: boolean;
  reviewed_at: string | null;
  /** Only an open attempt carries its saved answers and questions (see domain/exams `isExpired`). */
  open_answers: string | null;
  /** Built in SQL (the attempt's questions by reference, or its old copy): JSON, not text. */
  open_questions: Question[] | null;
};
export type OwnRows = {
  versions: { id: string; version: number }[];
  enrollments: EnrollmentRow[];
  completions: { participant_id: string; material_id: string; completed_at: string }[];
  tableSubmissions: {
    participant_id: string;
    requirement_table_id: string;
    submitted_at: string | null;
    approved_at: string | null;
    completed: number;
    approved: number;
  }[];
  attempts: AttemptRow[];
};

/**
 * Everything the participant owns in the courses, and the courses' structure versions, as ONE statement: a
 * UNION ALL of five reads, each row a kind and a JSON object. Locally (and on D1) every statement of a batch has its
 * own fixed cost; one statement instead of five is what lets a progress view answer in one round trip at close to
 * the cost of a point read. `ownRows()` turns the rows back into named, typed fields. `expiringBy` (ISO): the open
 * attempts whose deadline is before it carry their answers and questions (a superset of those expired at the read's
 * clock, load.ts).
 */
export function ownQuery(db: Db, who: Who, courseIds: SQL, expiringBy: string) {
  const e = enrollments;
  const mc = materialCompletions;
  const rs = requirementSubmissions;
  const fs = formSubmissions;
  // The course ids are computed once (a materialized CTE), not once per branch: for "the courses this participant
  // is enrolled in" that is a join and a sort each time.
  const ids = sql`(SELECT id FROM own_course_ids)`;
  const liveSteps = sql`(SELECT ${steps.id} FROM ${steps} WHERE ${steps.course_id} IN ${ids} AND ${steps.archived_at} IS NULL)`;
  // An open attempt's answers and questions are read only to close it when it has expired unseen (derive.ts
  // `shown`); one still running would otherwise carry its whole exam into every progress view read during it.
  const openAndExpiring = sql`${fs.submission_status} = ${statusLiteral("InProgress")} AND ${fs.deadline_at} < ${expiringBy}`;
  const statement = sql`
    WITH own_course_ids(id) AS MATERIALIZED (SELECT ${courses.id} FROM ${courses} WHERE ${courses.id} IN ${courseIds})
    SELECT 'v' AS k, json_object('id', ${courses.id}, 'version', ${courses.structure_version}) AS j
      FROM ${courses} WHERE ${courses.id} IN ${ids} AND ${courses.archived_at} IS NULL
    UNION ALL
    SELECT 'e', json_object('id', ${e.id}, 'participant_id', ${e.participant_id}, 'course_id', ${e.course_id},
                            'start_step_id', ${e.start_step_id}, 'enrolled_at', ${e.enrolled_at}, 'completed_at', ${e.completed_at})
      FROM ${e} WHERE ${whose(e.participant_id, who)} AND ${e.course_id} IN ${ids}
    UNION ALL
    SELECT 'm', json_object('participant_id', ${mc.participant_id}, 'material_id', ${mc.material_id}, 'completed_at', ${mc.completed_at})
      FROM ${mc} WHERE ${whose(mc.participant_id, who)} AND ${mc.step_id} IN ${liveSteps}
    UNION ALL
    SELECT 't', json_object('participant_id', ${rs.participant_id}, 'requirement_table_id', ${rs.requirement_table_id},
                            'submitted_at', ${rs.submitted_at}, 'approved_at', ${rs.approved_at},
                            'completed', ${countRows("completed")}, 'approved', ${countRows("approved")})
      FROM ${rs} JOIN ${requirementTables} ON ${requirementTables.id} = ${rs.requirement_table_id}
      WHERE ${whose(rs.participant_id, who)}
    UNION ALL
    SELECT 'a', json_object('id', ${fs.id}, 'participant_id', ${fs.participant_id}, 'form_id', ${fs.form_id}, 'step_id', ${fs.step_id},
                            'course_id', ${fs.course_id}, 'attempt_number', ${fs.attempt_number}, 'submission_status', ${fs.submission_status},
                            'started_at', ${fs.started_at}, 'deadline_at', ${fs.deadline_at}, 'submitted_at', ${fs.submitted_at},
                            'mcq_score', ${fs.mcq_score}, 'theory_score', ${fs.theory_score}, 'total_score', ${fs.total_score},
                            'feedback', ${fs.feedback}, 'is_late', ${fs.is_late}, 'auto_submitted', ${fs.auto_submitted},
                            'reviewed_at', ${fs.reviewed_at},
                            'open_answers', CASE WHEN ${openAndExpiring} THEN ${fs.answers} END,
                            'open_questions', CASE WHEN ${openAndExpiring} THEN json(${attemptQuestions}) END)
      FROM ${fs} WHERE ${whose(fs.participant_id, who)} AND ${fs.course_id} IN ${ids}`;
  // Wrapped as a select from a subquery: drizzle batches selects (a raw `db.all` cannot join a D1 batch).
  return db.select({ k: sql<OwnKind>`k`, j: sql<string>`j` }).from(sql`(${statement})`);
}

export type OwnResult = Awaited<ReturnType<typeof ownQuery>>;

/** The kinds of row the one statement returns, each tagged with the JSON shape its branch builds. */
type OwnKind = "v" | "e" | "m" | "t" | "a";
type OwnRow =
  | { k: "v"; row: OwnRows["versions"][number] }
  | { k: "e"; row: EnrollmentRow }
  | { k: "m"; row: OwnRows["completions"][number] }
  | { k: "t"; row: OwnRows["tableSubmissions"][number] }
  // SQLite has no booleans: json_object carries the attempt's flags as 0/1.
  | { k: "a"; row: Omit<AttemptRow, "is_late" | "auto_submitted"> & { is_late: number; auto_submitted: number } };

/** Parses each row once into its tagged kind; a kind the statement does not write is a bug, not an attempt. */
function parseOwn({ k, j }: { k: OwnKind; j: string }): OwnRow {
  if (k === "v" || k === "e" || k === "m" || k === "t" || k === "a") return { k, row: JSON.parse(j) } as OwnRow;
  throw new Error(`progress: unknown row kind ${JSON.stringify(k)}`);
}

export function ownRows(result: OwnResult): OwnRows {
  const own: OwnRows = { versions: [], enrollments: [], completions: [], tableSubmissions: [], attempts: [] };
  for (const parsed of result.map(parseOwn)) {
    switch (parsed.k) {
      case "v":
        own.versions.push(parsed.row);
        break;
      case "e":
        own.enrollments.push(parsed.row);
        break;
      case "m":
        own.completions.push(parsed.row);
        break;
      case "t":
        own.tableSubmissions.push(parsed.row);
        break;
      case "a":
        own.attempts.push({ ...parsed.row, is_late: parsed.row.is_late === 1, auto_submitted: parsed.row.auto_submitted === 1 });
        break;
    }
  }
  own.attempts.sort((a, b) => a.attempt_number - b.attempt_number);
  return own;
}

/** At most this many course ids per statement (one bound parameter each; D1 allows 100). */
const IDS_PER_STATEMENT = 90;

/** The structure of courses named by id, for the ones the cache does not hold at their current version: one named group of reads per 90 ids. */
export function structureQueries(db: Db, courseIds: readonly string[]) {
  const groups: string[][] = [];
  for (let i = 0; i < courseIds.length; i += IDS_PER_STATEMENT) groups.push(courseIds.slice(i, i + IDS_PER_STATEMENT));
  return groups.map((ids) => {
    const courseSteps = db
      .select({ id: steps.id })
      .from(steps)
      .where(and(inArray(steps.course_id, ids), isNull(steps.archived_at)));
    return {
      courses: db.select().from(courses).where(inArray(courses.id, ids)),
      steps: db
        .select()
        .from(steps)
        .where(and(inArray(steps.course_id, ids), isNull(steps.archived_at)))
        .orderBy(asc(steps.order_index), asc(steps.id)),
      materials: db
        .select()
        .from(materials)
        .where(and(inArray(materials.step_id, courseSteps), isNull(materials.archived_at)))
        .orderBy(asc(materials.order_index), asc(materials.id)),
      exams: db
        .select({
          id: forms.id,
          name: forms.name,
          duration_minutes: forms.duration_minutes,
          total_marks: forms.total_marks,
          passing_marks: forms.passing_marks,
        })
        .from(forms)
        .where(
          and(
            inArray(
              forms.id,
              db
                .select({ id: steps.exam_id })
                .from(steps)
                .where(and(inArray(steps.course_id, ids), isNull(steps.archived_at))),
            ),
            isNull(forms.archived_at),
          ),
        ),
      tables: db
        .select({ id: requirementTables.id, requirement_count: requirementTables.requirement_count })
        .from(requirementTables)
        .where(
          inArray(
            requirementTables.id,
            db
              .select({ id: materials.requirement_table_id })
              .from(materials)
              .where(
                and(inArray(materials.step_id, courseSteps), isNotNull(materials.requirement_table_id), isNull(materials.archived_at)),
              ),
          ),
        ),
    };
  });
}

type StructureGroup = { [K in keyof ReturnType<typeof structureQueries>[number]]: Awaited<ReturnType<typeof structureQueries>[number][K]> };

/** Groups structure results (one named group per `structureQueries` group) per course. */
export function structuresFrom(groups: readonly StructureGroup[]): Map<string, CourseStructure> {
  const byCourse = new Map<string, CourseStructure>();
  for (const group of groups) {
    for (const course of group.courses) {
      const courseSteps = group.steps.filter((s) => s.course_id === course.id);
      const stepIds = new Set(courseSteps.map((s) => s.id));
      const courseMaterials = group.materials.filter((m) => stepIds.has(m.step_id));
      const examIds = new Set(courseSteps.map((s) => s.exam_id).filter((id): id is string => id !== null));
      const tableIds = new Set(courseMaterials.map((m) => m.requirement_table_id).filter((id): id is string => id !== null));
      byCourse.set(course.id, {
        course,
        steps: courseSteps,
        materials: courseMaterials,
        exams: group.exams.filter((e) => examIds.has(e.id)),
        tables: group.tables.filter((t) => tableIds.has(t.id)),
      });
    }
  }
  return byCourse;
}
