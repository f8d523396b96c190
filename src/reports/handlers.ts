/**
 * Reports over a course's participants. Every report is built page by page — a keyset page of participants (or
 * attempts), its rows and progress in ONE batch — so a JSON page costs one round trip (two when the course's
 * structure is not cached), and a CSV file streams the whole report a page at a time: memory holds one page
 * whatever the course's size, and the first page is read before the response starts, so a bad request is still
 * a JSON error and not a broken download.
 *
 * These handlers read in a loop of pages by design (one round trip per page of up to REPORT_PAGE rows); everything
 * else follows validate → load (one batch) → decide → respond.
 */
import type { Context } from "hono";
import { batch } from "../db/batch";
import type { Db } from "../db/types";
import { sortSteps } from "../domain/progress";
import {
  countInto,
  daysBetween,
  type ExamColumn,
  emptyFunnel,
  examColumn,
  type Funnel,
  type FunnelFacts,
  funnelFigures,
  responseCells,
  stepCompletedAt,
} from "../domain/reports";
import type { Question } from "../domain/vocabulary";
import type { AppEnv } from "../env";
import { examClock } from "../lib/clock";
import { attachment, BOM, type Cell, csvLine, fileStem, prefersCsv } from "../lib/csv";
import { notFound } from "../lib/errors";
import { logError } from "../lib/observability";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, nextPage } from "../lib/pagination";
import { type CourseProgress, currentStepOf, type ExamClock, oneCourse, progressQuery } from "../progress";
import { attemptsPage, cohortOfCourse, cohortsOfPage, enrolledIds, enrolledPage, type Reach, reportedForm, tableNames } from "./queries";
import type * as routes from "./routes";

/** Participants (or attempts) per page when a report walks everything (CSV, the completion funnel). */
export const REPORT_PAGE = 500;

type Format = "json" | "csv";
/** `?format=` wins; else an `Accept` that prefers `text/csv` (lib/csv.ts `prefersCsv`); else JSON. */
function formatOf(c: Context<AppEnv>, asked: Format | undefined): Format {
  if (asked) return asked;
  return prefersCsv(c.req.header("accept")) ? "csv" : "json";
}

/** Whose rows the caller may see, narrowed to `?cohort_id=` when asked (outside a limited grant: nobody). */
function reachOf(c: Context<AppEnv>, cohortId: string | undefined): Reach {
  const granted = c.get("grant")?.cohort_ids ?? null;
  if (cohortId === undefined) return granted;
  return granted === null || granted.includes(cohortId) ? [cohortId] : [];
}

/* ------------------------------------------------ gradebook ------------------------------------------------ */

type GradebookExam = ExamColumn & { form_id: string; form_name: string; step_id: string };
type GradebookRow = {
  participant_id: string;
  cohorts: { cohort_id: string; name: string }[];
  enrolled_at: string;
  steps_completed: number;
  steps_total: number;
  current_step: { step_id: string; step_name: string; order_index: number } | null;
  course_completed_at: string | null;
  exams: GradebookExam[];
  requirement_tables: { requirement_table_id: string; name: string; rows_approved: number; rows_total: number }[];
};
type Columns = { exams: { id: string; name: string }[]; tables: { id: string; name: string }[] };
type ParticipantPage = {
  course: CourseProgress;
  /** Each participant of the page with their derived progress and cohorts, in participant order. */
  entries: { participant_id: string; enrolled_at: string; progress: CourseProgress; cohorts: { cohort_id: string; name: string }[] }[];
  tableNames: Map<string, string>;
  more: boolean;
};

/** Which course's participants a report walks, and whose (see `reachOf`). */
type Walk = { db: Db; clock: ExamClock; courseId: string; reach: Reach; cohortId: string | undefined };

const walkOf = (c: Context<AppEnv>, courseId: string, cohortId: string | undefined): Walk => ({
  db: c.get("db"),
  clock: examClock(c),
  courseId,
  reach: reachOf(c, cohortId),
  cohortId,
});

/**
 * One page of the course's participants with their progress: one round trip (two when the structure is not
 * cached). `names`: also the names of the course's requirement tables (the pages that show them).
 */
async function participantPage(
  { db, clock, courseId, reach, cohortId }: Walk,
  after: string | null,
  limit: number,
  names: boolean,
): Promise<ParticipantPage> {
  const ids = enrolledIds(courseId, reach, after, limit);
  const query = progressQuery(db, ids, oneCourse(courseId), clock);
  const read = await batch(db, {
    page: enrolledPage(db, courseId, reach, after, limit + 1),
    own: query.own,
    cohorts: cohortsOfPage(db, courseId, ids, reach),
    tables: names ? tableNames(db, courseId) : null,
    cohort: cohortId ? cohortOfCourse(db, courseId, cohortId) : null,
  });
  const set = await query.finish(read.own);
  const course = set.get(courseId);
  if (!course) throw notFound("Course", courseId);
  if (cohortId && read.cohort?.length === 0) throw notFound("Cohort", cohortId);
  const rows = read.page.slice(0, limit);
  const byParticipant = set.split(rows.map((r) => r.participant_id));
  const cohortsOf = new Map<string, { cohort_id: string; name: string }[]>();
  for (const m of read.cohorts) {
    const list = cohortsOf.get(m.participant_id) ?? [];
    list.push({ cohort_id: m.cohort_id, name: m.name });
    cohortsOf.set(m.participant_id, list);
  }
  const entries = rows.flatMap((r) => {
    const progress = byParticipant.get(r.participant_id)?.get(courseId);
    return progress
      ? [{ participant_id: r.participant_id, enrolled_at: r.enrolled_at, progress, cohorts: cohortsOf.get(r.participant_id) ?? [] }]
      : [];
  });
  return { course, entries, tableNames: new Map((read.tables ?? []).map((t) => [t.id, t.name])), more: read.page.length > limit };
}

function columnsOf(page: ParticipantPage): Columns {
  const examName = new Map(page.course.exams.map((e) => [e.id, e.name]));
  return {
    exams: sortSteps(page.course.steps)
      .filter((s) => s.exam_id !== null && examName.has(s.exam_id))
      .map((s) => ({ id: s.exam_id as string, name: examName.get(s.exam_id as string) as string })),
    tables: page.course.tables.map((t) => ({ id: t.id, name: page.tableNames.get(t.id) ?? "" })),
  };
}

function gradebookRow(entry: ParticipantPage["entries"][number], tableName: Map<string, string>): GradebookRow {
  const p = entry.progress;
  const examName = new Map(p.exams.map((e) => [e.id, e.name]));
  return {
    participant_id: entry.participant_id,
    cohorts: entry.cohorts,
    enrolled_at: entry.enrolled_at,
    steps_completed: p.state.completed_steps,
    steps_total: p.state.total_steps,
    current_step: currentStepOf(p),
    course_completed_at: p.enrollment?.completed_at ?? null,
    exams: sortSteps(p.steps).flatMap((step) => {
      const name = step.exam_id ? examName.get(step.exam_id) : undefined;
      if (!step.exam_id || name === undefined) return [];
      const attempts = p.attempts.filter((a) => a.form_id === step.exam_id);
      return [{ form_id: step.exam_id, form_name: name, step_id: step.id, ...examColumn(attempts) }];
    }),
    requirement_tables: p.tables.map((t) => {
      const got = p.tableProgress.get(t.id);
      return {
        requirement_table_id: t.id,
        name: tableName.get(t.id) ?? "",
        rows_approved: got?.approved ?? 0,
        rows_total: t.requirement_count,
      };
    }),
  };
}

/** Canvas-style headers: an exam's columns read "<exam name> (<form id>)", its best score first. */
function gradebookHeader(columns: Columns): Cell[] {
  return [
    "participant_id",
    "cohorts",
    "enrolled_at",
    "steps_completed",
    "steps_total",
    "current_step",
    "course_completed_at",
    ...columns.exams.flatMap((e) => {
      const title = `${e.name} (${e.id})`;
      return [title, `${title} latest`, `${title} status`, `${title} attempts`, `${title} late`];
    }),
    ...columns.tables.flatMap((t) => [`${t.name} (${t.id}) rows approved`, `${t.name} (${t.id}) rows total`]),
  ];
}

/** A row under the header of the first page: cells by exam and table id, blank where the row has none. */
function gradebookCells(row: GradebookRow, columns: Columns): Cell[] {
  const exams = new Map(row.exams.map((e) => [e.form_id, e]));
  const tables = new Map(row.requirement_tables.map((t) => [t.requirement_table_id, t]));
  return [
    row.participant_id,
    row.cohorts.map((c) => c.name).join("; "),
    row.enrolled_at,
    row.steps_completed,
    row.steps_total,
    row.current_step?.step_name ?? "",
    row.course_completed_at,
    ...columns.exams.flatMap((column) => {
      const e = exams.get(column.id);
      return [e?.best_score, e?.latest_score, e?.status, e?.attempts_used ?? 0, e?.is_late];
    }),
    ...columns.tables.flatMap((column) => {
      const t = tables.get(column.id);
      return [t?.rows_approved ?? 0, t?.rows_total];
    }),
  ];
}

const today = (now: Date) => now.toISOString().slice(0, 10);

/**
 * A CSV download whose first chunk (the header and the first page) is already built, and whose later pages are
 * read as the client takes them: `more()` answers the next chunk, or null at the end.
 */
function csvResponse(c: Context<AppEnv>, fileName: string, bom: boolean, first: string, more: () => Promise<string | null>) {
  const encoder = new TextEncoder();
  const requestId = c.get("requestId");
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode((bom ? BOM : "") + first));
          return;
        }
        const chunk = await more();
        if (chunk === null) controller.close();
        else controller.enqueue(encoder.encode(chunk));
      } catch (error) {
        // The status line is gone: all a failure mid-file can do is cut the download (the client sees it short).
        logError(requestId, error);
        controller.error(error);
      }
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": attachment(fileName),
      "cache-control": "private, no-store",
    },
  });
}

export const gradebook: Handler<typeof routes.gradebook> = async (c) => {
  const { course_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const walk = walkOf(c, course_id, query.cohort_id);
  const after = decodeCursor(query.cursor, ["string"]);
  const format = formatOf(c, query.format);
  if (format === "json") {
    const limit = limitOf(query.limit);
    const page = await participantPage(walk, (after?.[0] as string) ?? null, limit, true);
    const rows = page.entries.map((e) => gradebookRow(e, page.tableNames));
    const last = rows.at(-1);
    if (page.more && last) nextPage(c, limit, [last.participant_id]);
    return c.json(rows, 200);
  }
  // CSV: the whole report (from the cursor, when given), a page of REPORT_PAGE participants at a time.
  let page = await participantPage(walk, (after?.[0] as string) ?? null, REPORT_PAGE, true);
  const columns = columnsOf(page);
  const lines = (p: ParticipantPage) => p.entries.map((e) => csvLine(gradebookCells(gradebookRow(e, p.tableNames), columns))).join("");
  const first = csvLine(gradebookHeader(columns)) + lines(page);
  const name = `gradebook-${fileStem(page.course.course.name)}-${today(walk.clock.now)}.csv`;
  return csvResponse(c, name, query.bom === "true", first, async () => {
    const last = page.entries.at(-1);
    if (!page.more || !last) return null;
    page = await participantPage(walk, last.participant_id, REPORT_PAGE, false);
    return lines(page);
  }) as never;
};

/* ------------------------------------------------ completion ----------------------------------------------- */

/** When each of a participant's steps was completed, from the moments their progress rows carry. */
function stepDays(p: CourseProgress, enrolledAt: string): Map<string, number | null> {
  // Keyed by form, as progress decides a step by its current exam (an exam moved between steps keeps its attempts).
  const approvedAt = new Map(
    p.attempts.filter((a) => a.submission_status === "Approved").map((a) => [a.form_id, a.reviewed_at ?? a.submitted_at] as const),
  );
  const stepById = new Map(p.steps.map((s) => [s.id, s]));
  const out = new Map<string, number | null>();
  for (const state of p.state.steps) {
    if (!state.is_completed || state.is_waived) continue;
    const examId = stepById.get(state.id)?.exam_id ?? null;
    const at = stepCompletedAt({
      approvedAt: examId === null ? undefined : (approvedAt.get(examId) ?? null),
      materialMoments: p.materials
        .filter((m) => m.step_id === state.id && m.is_mandatory)
        .map((m) => (m.requirement_table_id ? p.tableApprovedAt.get(m.requirement_table_id) : p.completedAt.get(m.id))),
    });
    out.set(state.id, daysBetween(enrolledAt, at));
  }
  return out;
}

/** One participant's funnel facts: their step states, and the days to each step's completion. */
const funnelFacts = (entry: ParticipantPage["entries"][number]): FunnelFacts => ({
  enrolled_at: entry.enrolled_at,
  completed_at: entry.progress.enrollment?.completed_at ?? null,
  steps: entry.progress.state.steps,
  stepDays: stepDays(entry.progress, entry.enrolled_at),
});

export const completion: Handler<typeof routes.completion> = async (c) => {
  const { course_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const walk = walkOf(c, course_id, query.cohort_id);
  let page = await participantPage(walk, null, REPORT_PAGE, false);
  // The steps are those of the course when the walk starts: a step added meanwhile is left out, one removed keeps
  // the counts of the pages read before (a report over pages is not a snapshot, docs/api-notes.md "Reports").
  const course = page.course;
  const steps = sortSteps(course.steps);
  const all = emptyFunnel(steps);
  const byCohort = new Map<string, { name: string; funnel: Funnel }>();
  for (;;) {
    for (const entry of page.entries) {
      const facts = funnelFacts(entry);
      countInto(all, facts);
      if (query.by_cohort === "true")
        for (const cohort of entry.cohorts) {
          const held = byCohort.get(cohort.cohort_id) ?? { name: cohort.name, funnel: emptyFunnel(steps) };
          byCohort.set(cohort.cohort_id, held);
          countInto(held.funnel, facts);
        }
    }
    const last = page.entries.at(-1);
    if (!page.more || !last) break;
    page = await participantPage(walk, last.participant_id, REPORT_PAGE, false);
  }
  const cohorts =
    query.by_cohort === "true"
      ? [...byCohort]
          .sort(([a, x], [b, y]) => (x.name < y.name ? -1 : x.name > y.name ? 1 : a < b ? -1 : 1))
          .map(([cohort_id, { name, funnel }]) => ({ cohort_id, name, ...funnelFigures(funnel) }))
      : undefined;
  const report = { course_id, ...funnelFigures(all), ...(cohorts ? { cohorts } : {}) };
  if (formatOf(c, query.format) === "json") return c.json(report, 200);
  const header = [
    "cohort_id",
    "cohort_name",
    "step_id",
    "step_name",
    "order_index",
    "enrolled",
    "started",
    "materials_done",
    "exam_passed",
    "completed",
    "median_days_to_complete",
  ];
  const funnelLines = (cohortId: string, cohortName: string, f: ReturnType<typeof funnelFigures>) =>
    [
      ...f.steps.map((s) =>
        csvLine([
          cohortId,
          cohortName,
          s.step_id,
          s.step_name,
          s.order_index,
          s.enrolled,
          s.started,
          s.materials_done,
          s.exam_passed,
          s.completed,
          s.median_days_to_complete,
        ]),
      ),
      // The course itself, as a last line without a step.
      csvLine([cohortId, cohortName, "", "(course)", "", f.enrolled, "", "", "", f.completed, f.median_days_to_complete]),
    ].join("");
  const text = csvLine(header) + funnelLines("", "", report) + (cohorts ?? []).map((k) => funnelLines(k.cohort_id, k.name, k)).join("");
  const name = `completion-${fileStem(course.course.name)}-${today(walk.clock.now)}.csv`;
  return csvResponse(c, name, query.bom === "true", text, async () => null) as never;
};

/* ------------------------------------------------ responses ------------------------------------------------ */

type AttemptPage = Awaited<ReturnType<typeof attemptsPage>>;

function responseRows(attempts: AttemptPage) {
  return attempts.flatMap((a) => {
    const versions = new Map((a.question_refs ?? []).map((r) => [r.question_id, r.version]));
    const questions = (a.questions ?? []) as Question[];
    return responseCells(questions, a.answers, a.theory_grades, versions, a.reviewed_by).map((cells) => ({
      submission_id: a.id,
      participant_id: a.participant_id,
      attempt_number: a.attempt_number,
      submission_status: a.submission_status,
      submitted_at: a.submitted_at,
      ...cells,
    }));
  });
}

const RESPONSE_COLUMNS = [
  "submission_id",
  "participant_id",
  "attempt_number",
  "submission_status",
  "submitted_at",
  "question_id",
  "question_version",
  "question_type",
  "question_text",
  "selected_option_id",
  "selected_option_text",
  "text_answer",
  "is_correct",
  "marks_awarded",
  "max_marks",
  "graded_by",
] as const;

/** Attempts per page of the CSV walk: each carries its questions, so fewer than participants per page. */
const ATTEMPTS_PER_CSV_PAGE = 100;

export const responses: Handler<typeof routes.responses> = async (c) => {
  const { form_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const db = c.get("db");
  const reach = c.get("grant")?.cohort_ids ?? null;
  const after = (decodeCursor(query.cursor, ["string"])?.[0] as string | undefined) ?? null;
  const csv = formatOf(c, query.format) === "csv";
  const limit = csv ? ATTEMPTS_PER_CSV_PAGE : limitOf(query.limit);
  const staff = c.get("caller").role === "staff";
  const read = await batch(db, {
    form: reportedForm(db, form_id),
    attempts: attemptsPage(db, form_id, reach, after, limit + 1, staff),
  });
  const form = read.form[0];
  if (!form) throw notFound("Form", form_id);
  let attempts = read.attempts;
  const pageOf = (list: AttemptPage) => list.slice(0, limit);
  if (!csv) {
    const shown = pageOf(attempts);
    const last = shown.at(-1);
    if (attempts.length > limit && last) nextPage(c, limit, [last.id]);
    return c.json(responseRows(shown), 200);
  }
  const lines = (list: AttemptPage) =>
    responseRows(pageOf(list))
      .map((row) => csvLine(RESPONSE_COLUMNS.map((k) => row[k])))
      .join("");
  const first = csvLine([...RESPONSE_COLUMNS]) + lines(attempts);
  const name = `responses-${fileStem(form.name)}-${today(c.get("now"))}.csv`;
  return csvResponse(c, name, query.bom === "true", first, async () => {
    const last = pageOf(attempts).at(-1);
    if (attempts.length <= limit || !last) return null;
    attempts = await attemptsPage(db, form_id, reach, last.id, limit + 1, staff);
    return lines(attempts);
  }) as never;
};
