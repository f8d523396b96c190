import { and, asc, eq, gt, inArray, ne, type SQL, sql } from "drizzle-orm";
import { attemptQuestions } from "../db/attempts";
import { idList } from "../db/literals";
import { cohortMembers, cohorts, enrollments, formSubmissions, forms, materials, requirementTables, steps } from "../db/schema";
import { statusLiteral } from "../db/status";
import type { Db } from "../db/types";

/**
 * Whose rows a report covers: every participant of the course, or only members of some cohorts (`?cohort_id=`,
 * and a grader's or observer's grant limited to cohorts). An empty list reaches no one.
 */
export type Reach = readonly string[] | null;

/*
 * The cohort ids are written as checked literals (db/literals.ts): a grant may list 50, and the page's subquery
 * is repeated in every branch of the progress statement, which would pass D1's 100 bound parameters.
 */
const inCohorts = (column: typeof enrollments.participant_id | typeof formSubmissions.participant_id, reach: Reach) =>
  reach === null
    ? undefined
    : reach.length === 0
      ? sql`0`
      : sql`${column} IN (SELECT ${cohortMembers.participant_id} FROM ${cohortMembers} WHERE ${cohortMembers.cohort_id} IN ${idList(reach)})`;

const enrolledWhere = (courseId: string, reach: Reach, after: string | null) =>
  and(
    eq(enrollments.course_id, courseId),
    after === null ? undefined : gt(enrollments.participant_id, after),
    inCohorts(enrollments.participant_id, reach),
  );

/** A keyset page of the course's enrolments, by participant id (enrollments_course_participant). */
export const enrolledPage = (db: Db, courseId: string, reach: Reach, after: string | null, limit: number) =>
  db
    .select({ participant_id: enrollments.participant_id, enrolled_at: enrollments.enrolled_at, completed_at: enrollments.completed_at })
    .from(enrollments)
    .where(enrolledWhere(courseId, reach, after))
    .orderBy(asc(enrollments.participant_id))
    .limit(limit);

/** The same page's participant ids as a subquery, for the progress read of the same batch. */
export const enrolledIds = (courseId: string, reach: Reach, after: string | null, limit: number): SQL =>
  sql`(SELECT ${enrollments.participant_id} FROM ${enrollments} WHERE ${enrolledWhere(courseId, reach, after)}
       ORDER BY ${enrollments.participant_id} LIMIT ${limit})`;

/** The course's cohorts the page's participants are in (within the reach, when limited). */
export const cohortsOfPage = (db: Db, courseId: string, ids: SQL, reach: Reach) =>
  db
    .select({ participant_id: cohortMembers.participant_id, cohort_id: cohorts.id, name: cohorts.name })
    .from(cohortMembers)
    .innerJoin(cohorts, eq(cohorts.id, cohortMembers.cohort_id))
    .where(
      and(
        eq(cohorts.course_id, courseId),
        inArray(cohortMembers.participant_id, ids),
        reach === null ? undefined : reach.length === 0 ? sql`0` : sql`${cohorts.id} IN ${idList(reach)}`,
      ),
    )
    .orderBy(asc(cohorts.name), asc(cohorts.id));

/** Names of the requirement tables the course's live materials show. */
export const tableNames = (db: Db, courseId: string) =>
  db
    .select({ id: requirementTables.id, name: requirementTables.name })
    .from(requirementTables)
    .where(
      inArray(
        requirementTables.id,
        sql`(SELECT ${materials.requirement_table_id} FROM ${materials} JOIN ${steps} ON ${steps.id} = ${materials.step_id}
             WHERE ${steps.course_id} = ${courseId} AND ${steps.archived_at} IS NULL AND ${materials.archived_at} IS NULL)`,
      ),
    );

/** A cohort of the course (archived ones too: a past section's report still reads). */
export const cohortOfCourse = (db: Db, courseId: string, cohortId: string) =>
  db
    .select({ id: cohorts.id })
    .from(cohorts)
    .where(and(eq(cohorts.id, cohortId), eq(cohorts.course_id, courseId)));

/** The form (live), with its course for the reach of a cohort-limited grant. */
export const reportedForm = (db: Db, formId: string) =>
  db
    .select({ id: forms.id, name: forms.name })
    .from(forms)
    .where(and(eq(forms.id, formId), sql`${forms.archived_at} IS NULL`));

/**
 * A keyset page of the form's attempts that are in (every status but InProgress), by id
 * (form_submissions_form_id), each with the questions it was shown. `staffOnly`: only those of the form's course.
 */
export const attemptsPage = (db: Db, formId: string, reach: Reach, after: string | null, limit: number, staffOnly: boolean) =>
  db
    .select({
      id: formSubmissions.id,
      participant_id: formSubmissions.participant_id,
      attempt_number: formSubmissions.attempt_number,
      submission_status: formSubmissions.submission_status,
      submitted_at: formSubmissions.submitted_at,
      answers: formSubmissions.answers,
      theory_grades: formSubmissions.theory_grades,
      question_refs: formSubmissions.question_refs,
      reviewed_by: formSubmissions.reviewed_by,
      questions: attemptQuestions.as("questions"),
    })
    .from(formSubmissions)
    .where(
      and(
        eq(formSubmissions.form_id, formId),
        ne(formSubmissions.submission_status, statusLiteral("InProgress")),
        after === null ? undefined : gt(formSubmissions.id, after),
        inCohorts(formSubmissions.participant_id, reach),
        // Course staff were admitted by their grant in the course the form is in now: a form moved from another
        // course keeps its older attempts there, which are not theirs to read.
        staffOnly
          ? sql`${formSubmissions.course_id} = (SELECT ${steps.course_id} FROM ${steps} WHERE ${steps.id} = (SELECT ${forms.step_id} FROM ${forms} WHERE ${forms.id} = ${formId}))`
          : undefined,
      ),
    )
    .orderBy(asc(formSubmissions.id))
    .limit(limit);
