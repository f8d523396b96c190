import { sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { idList, idLiteral } from "../db/literals";
import { forms } from "../db/schema";
import { statusLiteral } from "../db/status";
import { histogram, type ItemSums, pearson, reliability, roundTo, sampleStdev, variance } from "../domain/analytics";
import type { Question } from "../domain/vocabulary";
import { notFound } from "../lib/errors";
import type { Handler } from "../lib/openapi";
import { currentFigures, noCurrentFigures, resultsOf, storeFigures } from "../shared/exam-results";
import { liveFormWithId } from "./queries";
import type * as routes from "./routes";

/*
 * Item analytics over every scored attempt of one form (any status but InProgress). Each attempt is scored
 * against its own snapshot (the questions it drew, as they were): an MCQ scores its marks when the chosen
 * option is correct, else 0 (unanswered too); a THEORY question counts once graded. The database expands the
 * snapshots and answers with json_each and returns only aggregates — a few rows per question — in one batch.
 */

/*
 * drizzle cannot put a raw statement with bound parameters in a batch (its raw queries carry no prepared
 * statement), so the form id — and a cohort-limited grant's cohort ids — are written as checked literals
 * (db/literals.ts: exactly a 24-hex id, or it throws).
 */

/** A cohort-limited grant (an observer of some cohorts) sees the figures of those cohorts' participants only. */
function cohortScope(cohortIds: readonly string[] | null) {
  if (cohortIds === null) return sql``;
  if (cohortIds.length === 0) return sql` AND 0`;
  return sql` AND participant_id IN (SELECT participant_id FROM cohort_members WHERE cohort_id IN ${idList(cohortIds)})`;
}

/*
 * Questions come from a source: a question set (shared by every attempt shown the same list: one for a fixed-order
 * exam) or an older attempt's own copy. Each source's questions and correct options are expanded once, however
 * many attempts share it, and each attempt's answers once (materialized CTEs); everything is joined by question id,
 * with no correlated subquery per item (which made 900 attempts read 5 M rows).
 */
const items = (id: ReturnType<typeof idLiteral>, scope: ReturnType<typeof cohortScope>) => sql`
  att AS MATERIALIZED (
    SELECT id, question_set, COALESCE('s' || question_set, 'a' || id) AS src,
           CASE WHEN question_set IS NULL THEN questions_snapshot END AS copy, answers, theory_grades, question_refs AS refs
    FROM form_submissions
    WHERE form_id = ${id} AND submission_status <> ${statusLiteral("InProgress")}
      AND (questions_snapshot IS NOT NULL OR question_set IS NOT NULL)${scope}
  ),
  src_raw AS MATERIALIZED (
    SELECT 's' || s.hash AS src, json_extract(i.value, '$[0]') AS qid, v.body AS qv
    FROM question_sets s JOIN json_each(s.items) i JOIN question_versions v ON v.hash = json_extract(i.value, '$[1]')
    WHERE s.hash IN (SELECT question_set FROM att WHERE question_set IS NOT NULL)
    UNION ALL
    SELECT att.src, json_extract(q.value, '$.question_id'), q.value FROM att, json_each(att.copy) q WHERE att.copy IS NOT NULL
  ),
  src_q AS MATERIALIZED (
    SELECT src, qid, qv, json_extract(qv, '$.question_type') AS qtype, json_extract(qv, '$.marks') AS marks FROM src_raw
  ),
  right_options AS MATERIALIZED (
    SELECT src_q.src, src_q.qid, json_extract(o.value, '$.option_id') AS oid
    FROM src_q, json_each(src_q.qv, '$.options') o
    WHERE src_q.qtype = 'MCQ' AND json_extract(o.value, '$.is_correct') = 1
  ),
  qs AS MATERIALIZED (
    SELECT att.id AS attempt_id, att.src, q.qid, q.qtype, q.marks FROM att JOIN src_q q ON q.src = att.src
  ),
  drawn AS MATERIALIZED (
    SELECT att.id AS attempt_id, json_extract(r.value, '$.question_id') AS qid, json_extract(r.value, '$.version') AS ver
    FROM att, json_each(att.refs) r
  ),
  picked AS MATERIALIZED (
    SELECT att.id AS attempt_id, json_extract(a.value, '$.question_id') AS qid, json_extract(a.value, '$.selected_option_id') AS oid
    FROM att, json_each(att.answers, '$.mcq_answers') a
  ),
  written AS MATERIALIZED (
    SELECT DISTINCT att.id AS attempt_id, json_extract(a.value, '$.question_id') AS qid
    FROM att, json_each(att.answers, '$.theory_answers') a
  ),
  grades AS MATERIALIZED (
    SELECT att.id AS attempt_id, g.key AS qid, g.value AS marks FROM att, json_each(att.theory_grades) g
  ),
  items AS MATERIALIZED (
    SELECT qs.attempt_id, qs.qid, COALESCE(d.ver, 0) AS ver, MIN(qs.src) AS src, qs.qtype, qs.marks,
           CASE qs.qtype WHEN 'MCQ' THEN CASE WHEN r.oid IS NOT NULL THEN qs.marks ELSE 0 END ELSE g.marks END AS x,
           CASE qs.qtype WHEN 'MCQ' THEN p.qid IS NOT NULL ELSE w.qid IS NOT NULL END AS answered
    FROM qs
    LEFT JOIN picked p ON p.attempt_id = qs.attempt_id AND p.qid = qs.qid
    LEFT JOIN right_options r ON r.src = qs.src AND r.qid = qs.qid AND r.oid = p.oid
    LEFT JOIN written w ON w.attempt_id = qs.attempt_id AND w.qid = qs.qid
    LEFT JOIN grades g ON g.attempt_id = qs.attempt_id AND g.qid = qs.qid
    LEFT JOIN drawn d ON d.attempt_id = qs.attempt_id AND d.qid = qs.qid
    GROUP BY qs.attempt_id, qs.qid
  ),
  totals AS MATERIALIZED (
    SELECT attempt_id, SUM(COALESCE(x, 0)) AS total, SUM(marks) AS max_marks,
           SUM(CASE WHEN qtype = 'MCQ' AND x > 0 THEN 1 ELSE 0 END) AS correct,
           CASE WHEN SUM(marks) > 0 THEN 100.0 * SUM(COALESCE(x, 0)) / SUM(marks) ELSE 0 END AS pct
    FROM items GROUP BY attempt_id
  )`;

type Summary = {
  n: number;
  sum_pct: number | null;
  sum_pct_sq: number | null;
  median: number | null;
  sum_total: number | null;
  sum_total_sq: number | null;
  sum_correct: number | null;
  sum_correct_sq: number | null;
};
type ItemRow = ItemSums & {
  qid: string;
  ver: number;
  qv: Question | null;
  qtype: string;
  marks: number;
  answered: number;
  correct: number;
};

/** What the database computes, stored as it came (JSON) while the exam's results version stands. */
type Computed = {
  figures: { summary: string; buckets: string; items: string } | null;
  selections: { qid: string; option_id: string; ver: number; selected: number }[];
};

/** A computation this large is not stored (a form drawing thousands of bank versions): it is computed each time. */
const LARGEST_STORED = 1_000_000;

export const formAnalytics: Handler<typeof routes.formAnalytics> = async (c) => {
  const { form_id } = c.req.valid("param");
  const db = c.get("db");
  const id = idLiteral(form_id);
  const cohorts = c.get("grant")?.cohort_ids ?? null;
  const scope = cohortScope(cohorts);
  // The whole exam's figures are stored with the results version they were computed at (shared/exam-results.ts)
  // and served while it stands: one round trip reading one row. The expensive statements below run only when
  // nothing current is stored (a gate row that exists only then, as their outermost loop). A
  // cohort-limited observer's figures are their own, and computed each time.
  const cacheable = cohorts === null;
  const stale = cacheable ? noCurrentFigures(id) : sql`1`;
  const got = await batch(db, {
    form: db.select().from(forms).where(liveFormWithId(form_id)),
    stored: cacheable ? resultsOf(db, form_id) : null,
    // One statement: the expansion above is evaluated once and feeds the summary, the histogram and the items.
    figures: db.all<{ summary: string; buckets: string; items: string }>(sql`WITH ${items(id, scope)}
      SELECT
        (SELECT json_object('n', COUNT(*), 'sum_pct', SUM(pct), 'sum_pct_sq', SUM(pct * pct),
                  'median', (SELECT AVG(pct) FROM (SELECT pct FROM totals ORDER BY pct
                     LIMIT 2 - (SELECT COUNT(*) FROM totals) % 2 OFFSET ((SELECT COUNT(*) FROM totals) - 1) / 2)),
                  'sum_total', SUM(total), 'sum_total_sq', SUM(total * total),
                  'sum_correct', SUM(correct), 'sum_correct_sq', SUM(correct * correct))
         FROM totals) AS summary,
        (SELECT json_group_array(json_object('bucket', bucket, 'count', count)) FROM (
           SELECT MIN(CAST(pct / 10 AS INTEGER), 9) AS bucket, COUNT(*) AS count FROM totals GROUP BY 1)) AS buckets,
        (SELECT json_group_array(json_object('qid', g.qid, 'ver', g.ver, 'qv', json(CASE WHEN g.ver > 0 THEN q.qv END), 'qtype', g.qtype,
                  'marks', g.marks, 'answered', g.answered, 'n', g.n, 'sx', g.sx, 'sxx', g.sxx, 'sy', g.sy, 'syy', g.syy, 'sxy', g.sxy,
                  'correct', g.correct)) FROM (
           SELECT qid, ver, MIN(src) AS src, qtype, MAX(marks) AS marks, SUM(answered) AS answered,
                  COUNT(x) AS n, COALESCE(SUM(x), 0) AS sx, COALESCE(SUM(x * x), 0) AS sxx,
                  COALESCE(SUM(CASE WHEN x IS NOT NULL THEN total - x END), 0) AS sy,
                  COALESCE(SUM(CASE WHEN x IS NOT NULL THEN (total - x) * (total - x) END), 0) AS syy,
                  COALESCE(SUM(x * (total - x)), 0) AS sxy,
                  SUM(CASE WHEN x > 0 THEN 1 ELSE 0 END) AS correct
           FROM items JOIN totals USING (attempt_id) GROUP BY qid, ver) g
         -- A drawn version's text, from one source that showed it (its options possibly shuffled: listed by id).
         LEFT JOIN src_q q ON q.src = g.src AND q.qid = g.qid) AS items
      WHERE ${stale}`),
    selections: db.all<{ qid: string; option_id: string; ver: number; selected: number }>(sql`
      SELECT json_extract(a.value, '$.question_id') AS qid, json_extract(a.value, '$.selected_option_id') AS option_id,
             COALESCE((SELECT json_extract(r.value, '$.version') FROM json_each(s.question_refs) r
                       WHERE json_extract(r.value, '$.question_id') = json_extract(a.value, '$.question_id')), 0) AS ver,
             COUNT(*) AS selected
      FROM (SELECT 1 WHERE ${stale}) gate CROSS JOIN form_submissions s CROSS JOIN json_each(s.answers, '$.mcq_answers') a
      WHERE s.form_id = ${id} AND s.submission_status <> ${statusLiteral("InProgress")}${scope}
      GROUP BY 1, 2, 3`),
  });
  const form = got.form[0];
  if (!form) throw notFound("Form", form_id);
  const stored = got.stored?.[0];
  const current = currentFigures(stored);
  const { figures, selections } = current
    ? (JSON.parse(current) as Computed)
    : ({ figures: got.figures[0] ?? null, selections: got.selections } satisfies Computed);
  if (!current && cacheable) {
    const computed = JSON.stringify({ figures, selections } satisfies Computed);
    if (computed.length <= LARGEST_STORED) await storeFigures(db, form_id, stored?.version ?? 0, computed);
  }
  const s = figures ? (JSON.parse(figures.summary) as Summary) : undefined;
  const itemRows = figures ? (JSON.parse(figures.items) as ItemRow[]) : [];
  const attempts = s?.n ?? 0;
  // The form's own questions (version 0), then each version of a bank question that attempts drew.
  const key = (qid: string, ver: number) => `${qid}\u0000${ver}`;
  const byId = new Map(itemRows.map((r) => [key(r.qid, r.ver), r]));
  const chosen = new Map(selections.map((r) => [`${key(r.qid, r.ver)}\u0000${r.option_id}`, r.selected]));
  const own = form.questions.map((q) => ({ q, ver: 0, version: null }));
  const drawnVersions = itemRows
    .filter((r): r is ItemRow & { qv: Question } => r.ver > 0 && r.qv !== null)
    .sort((a, b) => a.qid.localeCompare(b.qid) || a.ver - b.ver)
    .map((r) => ({ q: { ...r.qv, question_id: r.qid }, ver: r.ver, version: r.ver }));
  const listed = [...own, ...drawnVersions];

  const questions = listed.map(({ q, ver, version }) => {
    const r = byId.get(key(q.question_id, ver));
    const n = r?.n ?? 0;
    const mean = r && n > 0 ? r.sx / n : null;
    return {
      question_id: q.question_id,
      version,
      question_type: q.question_type,
      marks: q.marks,
      scored: n,
      answered: r?.answered ?? 0,
      mean_marks: mean === null ? null : roundTo(mean),
      difficulty: mean === null || q.marks <= 0 ? null : roundTo(mean / q.marks),
      discrimination: r ? pearson(r) : null,
      ...(q.question_type === "MCQ"
        ? {
            // A drawn version is read from one attempt, whose options may be shuffled: listed by option id.
            options: (version === null ? q.options : [...q.options].sort((a, b) => a.option_id.localeCompare(b.option_id))).map((o) => ({
              option_id: o.option_id,
              text: o.text,
              is_correct: o.is_correct === true,
              selected: chosen.get(`${key(q.question_id, ver)}\u0000${o.option_id}`) ?? 0,
            })),
          }
        : {}),
    };
  });

  const mcqOnly = listed.every(({ q }) => q.question_type === "MCQ");
  const rows = listed.map(({ q, ver }) => byId.get(key(q.question_id, ver))).filter((r): r is ItemRow => r !== undefined && r.n > 0);
  // KR-20 scores each MCQ 0/1 (p·q per item, variance of the number correct); alpha uses the marks themselves.
  const value = mcqOnly
    ? reliability(
        attempts,
        rows.map((r) => (r.correct / r.n) * (1 - r.correct / r.n)),
        variance(attempts, s?.sum_correct ?? 0, s?.sum_correct_sq ?? 0),
      )
    : reliability(
        attempts,
        rows.map((r) => variance(r.n, r.sx, r.sxx)),
        variance(attempts, s?.sum_total ?? 0, s?.sum_total_sq ?? 0),
      );

  return c.json(
    {
      form_id,
      attempts,
      score: {
        mean: attempts > 0 ? roundTo((s?.sum_pct ?? 0) / attempts) : null,
        median: s?.median === null || s?.median === undefined ? null : roundTo(s.median),
        stdev: sampleStdev(attempts, s?.sum_pct ?? 0, s?.sum_pct_sq ?? 0),
        histogram: histogram(figures ? (JSON.parse(figures.buckets) as { bucket: number; count: number }[]) : []),
      },
      questions,
      reliability: { method: mcqOnly ? ("KR-20" as const) : ("cronbach_alpha" as const), value },
    },
    200,
  );
};
