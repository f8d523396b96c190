import { and, asc, eq, gt, isNull, notExists, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { first } from "../db/rows";
import { formSubmissions, forms, steps } from "../db/schema";
import type { Db } from "../db/types";
import { changesBetween, FORM_FIELDS, patched } from "../domain/audit";
import { checkSections, type PoolStats, type Section, sectionMarks } from "../domain/banks";
import {
  type ExamSchedule,
  mergeSchedule,
  NO_SCHEDULE,
  normalizeQuestions,
  type QuestionInput,
  scheduleProblems,
  settleFormSettings,
} from "../domain/forms";
import { audit } from "../journal";
import { badRequest, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { normalisedSection, sectionPoolStats } from "../shared/bank-pools";
import { examLinkWrites } from "../shared/steps";
import { formVisible } from "../visibility";
import { liveForm, toForm } from "./queries";
import type * as routes from "./routes";

/**
 * Questions and totals checked together; every problem is reported at once with its path. Bank sections add the
 * marks of the questions each attempt draws from them (`sectionMarks`) to the totals and the question count.
 */
function settle(
  questionsInput: QuestionInput[],
  settingsInput: Parameters<typeof settleFormSettings>[1],
  schedule: ExamSchedule,
  sectionMarks: readonly number[] = [],
) {
  const { questions, problems } = normalizeQuestions(questionsInput);
  const count = questions.length + sectionMarks.length;
  const { settings, problems: more } = settleFormSettings(questions, settingsInput, sectionMarks);
  const all = [...problems, ...more, ...scheduleProblems(schedule, count)];
  if (count === 0) all.push({ path: "questions", message: "a form needs at least one question, or sections that draw them" });
  const [problem] = all;
  if (problem) throw badRequest("invalid_form", `Invalid form: ${problem.path}: ${problem.message}`, all);
  return { questions, settings, question_count: count };
}

/**
 * The sections as stored (each with the marks its questions score), when each can be filled as its pool reads
 * now; else the refusal that names the first that cannot.
 */
function settleSections(sections: readonly Section[], stats: readonly PoolStats[][]): Section[] {
  const check = checkSections(
    sections,
    stats.map((rows) => rows[0] ?? { bank_live: 0, available: 0, min_marks: null, max_marks: null }),
  );
  if (check.ok) return check.sections;
  if (check.kind === "bank_missing") throw notFound("Question bank", check.bank_id);
  if (check.kind === "pool_too_small")
    throw conflict(
      "bank_pool_too_small",
      `sections.${check.section} draws ${check.wanted} questions but its bank holds ${check.available} that match`,
    );
  throw badRequest(
    "invalid_form",
    `Invalid form: sections.${check.section}.marks_each: its pool's questions carry different marks; say marks_each`,
    [{ path: `sections.${check.section}.marks_each`, message: "required: the pool's questions carry different marks" }],
  );
}

const stepLookup = (db: Db, stepId: string) =>
  db
    .select({ id: steps.id })
    .from(steps)
    .where(and(eq(steps.id, stepId), isNull(steps.archived_at)));

export const listForms: Handler<typeof routes.listForms> = async (c) => {
  const { step_id, limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const after = decodeCursor(cursor, ["string"]);
  const db = c.get("db");
  const rows = await db
    .select({
      id: forms.id,
      name: forms.name,
      description: forms.description,
      step_id: forms.step_id,
      duration_minutes: forms.duration_minutes,
      total_marks: forms.total_marks,
      passing_marks: forms.passing_marks,
      max_attempts: forms.max_attempts,
      passing_percentage: forms.passing_percentage,
      question_count: forms.question_count,
      available_from: forms.available_from,
      available_until: forms.available_until,
      shuffle_questions: forms.shuffle_questions,
      shuffle_options: forms.shuffle_options,
      questions_per_attempt: forms.questions_per_attempt,
    })
    .from(forms)
    .where(
      and(
        liveForm,
        formVisible(c.get("caller")),
        step_id ? eq(forms.step_id, step_id) : undefined,
        after ? gt(forms.id, after[0] as string) : undefined,
      ),
    )
    .orderBy(asc(forms.id))
    .limit(limit + 1);
  return c.json(
    page(c, rows, limit, (r) => [r.id]),
    200,
  );
};

export const getForm: Handler<typeof routes.getForm> = async (c) => {
  const { form_id } = c.req.valid("param");
  const [row] = await c
    .get("db")
    .select()
    .from(forms)
    .where(and(eq(forms.id, form_id), liveForm, formVisible(c.get("caller"))));
  if (!row) throw notFound("Form", form_id);
  return c.json(toForm(row, c.get("caller")), 200);
};

export const createForm: Handler<typeof routes.createForm> = async (c) => {
  const caller = c.get("caller");
  const body = c.req.valid("json");
  const db = c.get("db");
  const now = c.get("now");
  const stamp = now.toISOString();
  const schedule = mergeSchedule(NO_SCHEDULE, body);
  const asked = body.sections?.length ? body.sections.map(normalisedSection) : null;
  const read = await batch(db, {
    step: body.step_id ? stepLookup(db, body.step_id) : null,
    pools: (asked ?? []).map((section) => sectionPoolStats(db, section)),
  });
  const sections = asked ? settleSections(asked, read.pools) : null;
  const { questions, settings, question_count } = settle(body.questions, body, schedule, sectionMarks(sections));
  if (body.step_id && !read.step?.[0]) throw notFound("Step", body.step_id);
  const id = newId(now);
  const values = {
    id,
    name: body.name,
    description: body.description ?? null,
    step_id: null,
    duration_minutes: body.duration_minutes,
    ...settings,
    ...schedule,
    questions,
    question_count,
    sections,
    created_at: stamp,
    updated_at: stamp,
    created_by: caller.id,
  };
  const insert = db.insert(forms).values(values);
  // The event records the form's summary (counts, marks, window, shuffling) — never questions or options.
  const created = audit(
    c,
    "form.created",
    { type: "form", id },
    changesBetween(null, { ...values, step_id: body.step_id ?? null }, FORM_FIELDS),
  );
  const { stored } = await batch(db, {
    insert,
    created,
    link: body.step_id ? examLinkWrites(db, body.step_id, id, stamp) : null,
    stored: db.select().from(forms).where(eq(forms.id, id)),
  });
  return c.json(toForm(first(stored, "the form this batch inserted"), caller), 201);
};

export const updateForm: Handler<typeof routes.updateForm> = async (c) => {
  const caller = c.get("caller");
  const { form_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const read = await batch(db, {
    form: db
      .select()
      .from(forms)
      .where(and(eq(forms.id, form_id), liveForm)),
    step: body.step_id ? stepLookup(db, body.step_id) : null,
    pools: (body.sections ?? []).map((section) => sectionPoolStats(db, normalisedSection(section))),
  });
  const [form] = read.form;
  const step = read.step?.[0];
  if (!form) throw notFound("Form", form_id);
  if (body.step_id && !step) throw notFound("Step", body.step_id);
  // Questions are replaced whole and totals re-settled against them. A pass bar the body does not
  // restate is kept as a percentage when the questions change (the marks follow the new total).
  const questionInput = body.questions ?? form.questions;
  let bar: { passing_marks?: number; passing_percentage?: number };
  if (body.passing_marks !== undefined || body.passing_percentage !== undefined)
    bar = { passing_marks: body.passing_marks, passing_percentage: body.passing_percentage };
  else if (body.questions !== undefined) bar = { passing_percentage: form.passing_percentage };
  else bar = { passing_marks: form.passing_marks, passing_percentage: form.passing_percentage };
  const schedule = mergeSchedule(form, body);
  // Sections given are checked against their pools now; kept ones count with the marks they were saved with.
  const sections =
    body.sections === undefined
      ? form.sections
      : body.sections?.length
        ? settleSections(body.sections.map(normalisedSection), read.pools)
        : null;
  const { questions, settings, question_count } = settle(
    questionInput,
    { total_marks: body.total_marks, ...bar, max_attempts: body.max_attempts ?? form.max_attempts },
    schedule,
    sectionMarks(sections),
  );
  const patch = {
    name: body.name,
    description: body.description,
    duration_minutes: body.duration_minutes,
    ...settings,
    ...schedule,
    questions,
    question_count,
    sections,
  };
  const update = db
    .update(forms)
    .set({ ...patch, updated_at: stamp })
    .where(and(eq(forms.id, form_id), liveForm));
  const after = patched(form, { ...patch, step_id: body.step_id });
  const updated = audit(c, "form.updated", { type: "form", id: form_id }, changesBetween(form, after, FORM_FIELDS));
  const { stored } = await batch(db, {
    update,
    updated,
    link: body.step_id !== undefined ? examLinkWrites(db, body.step_id, form_id, stamp) : null,
    stored: db
      .select()
      .from(forms)
      .where(and(eq(forms.id, form_id), liveForm)),
  });
  // Deleted between the read above and this batch: erased (no attempts) or archived (attempts keep it).
  const [row] = stored;
  if (!row) throw notFound("Form", form_id);
  return c.json(toForm(row, caller), 200);
};

export const deleteForm: Handler<typeof routes.deleteForm> = async (c) => {
  const { form_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const [form] = await db
    .select()
    .from(forms)
    .where(and(eq(forms.id, form_id), liveForm));
  if (!form) throw notFound("Form", form_id);
  // The event comes first, on the condition that the form is still live: then, in the same transaction, the
  // erase or the archive after it surely lands (either may remove it, so "the write before" cannot be the test).
  const stillLive = sql`EXISTS (SELECT 1 FROM ${forms} WHERE ${forms.id} = ${form_id} AND ${forms.archived_at} IS NULL)`;
  await batch(db, {
    audited: audit(c, "form.deleted", { type: "form", id: form_id }, changesBetween(form, null, FORM_FIELDS), stillLive),
    // The step no longer has an exam; attempts already made keep their own step and form ids.
    unlinked: db.update(steps).set({ exam_id: null, updated_at: stamp }).where(eq(steps.exam_id, form_id)),
    erased: db
      .delete(forms)
      .where(
        and(
          eq(forms.id, form_id),
          liveForm,
          notExists(db.select({ x: formSubmissions.id }).from(formSubmissions).where(eq(formSubmissions.form_id, form_id))),
        ),
      ),
    archived: db
      .update(forms)
      .set({ archived_at: stamp, step_id: null })
      .where(and(eq(forms.id, form_id), liveForm)),
  });
  return c.body(null, 204);
};
