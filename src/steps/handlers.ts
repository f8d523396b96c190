import { and, eq, isNull, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { first } from "../db/rows";
import { courses, forms, materialCompletions, materials, steps } from "../db/schema";
import type { Db } from "../db/types";
import { changesBetween, patched, STEP_FIELDS } from "../domain/audit";
import { recipientOf } from "../domain/certificates";
import { closesStepLoop } from "../domain/ordering";
import { isGated, stepStateOf } from "../domain/progress";
import { audit, emitter } from "../journal";
import { actingParticipant, participantFor } from "../lib/auth";
import { chunk } from "../lib/chunk";
import { examClock } from "../lib/clock";
import { badRequest, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { type Handler, origin } from "../lib/openapi";
import { progressError } from "../lib/progress-errors";
import { courseOfStep, milestoneWrites, progressQuery, readProgress, stepAccess } from "../progress";
import { toMaterial } from "../shared/materials";
import { examLinkWrites, findStepWithExam, liveStep } from "../shared/steps";
import { courseFlagVisible, courseVisible } from "../visibility";
import { coursePreviousLinks, examInfo, findStep, nextStepOrder, toStep } from "./queries";
import type * as routes from "./routes";

export const getStep: Handler<typeof routes.getStep> = async (c) => {
  const caller = c.get("caller");
  const { step_id } = c.req.valid("param");
  const named = c.req.valid("query").participant_id;
  // A participant always sees their own state; a manager sees a participant's when naming one.
  const participantId = caller.role === "participant" ? actingParticipant(caller, named) : named;
  const db = c.get("db");
  // Without a participant (a manager's view) the own-row reads name nobody: the structure alone.
  // The step, its course and its exam come from the course structure (cached per isolate): one round trip.
  const course = (await readProgress(db, participantId ?? null, courseOfStep(step_id), examClock(c))).first();
  const step = course?.steps.find((s) => s.id === step_id);
  if (!course || !step || !courseVisible(caller, course.course)) throw notFound("Step", step_id);
  const summary = step.exam_id ? course.exams.find((e) => e.id === step.exam_id) : undefined;
  const exam = summary ?? null;
  const state = stepStateOf(course.state, step_id);
  const own = course.materials.filter((m) => m.step_id === step_id);
  const done = new Set(state.completed_material_ids);
  const withParticipant = participantId !== undefined;
  return c.json(
    {
      id: step.id,
      name: step.name,
      description: step.description,
      course_id: step.course_id,
      order_index: step.order_index,
      previous_step_id: step.previous_step_id,
      unlock_on_exam_pass: step.unlock_on_exam_pass,
      is_locked: withParticipant ? state.is_locked : isGated(course.steps, step_id, course.course.default_step_id),
      has_exam: exam !== null,
      exam_id: exam?.id ?? null,
      exam_info: exam,
      materials: own.map((m) =>
        withParticipant ? { ...toMaterial(m, origin(c)), is_completed: done.has(m.id) } : toMaterial(m, origin(c)),
      ),
      progress: withParticipant
        ? {
            is_started: state.is_started,
            materials_completed: state.materials_completed,
            completed_materials_count: state.completed_material_ids.length,
            total_materials: state.total_materials,
            exam_status: state.exam_status,
          }
        : null,
    },
    200,
  );
};

async function checkPrevious(db: Db, courseId: string, stepId: string, previous: string | null | undefined) {
  if (previous == null) return;
  const links = await coursePreviousLinks(db, courseId);
  const previousOf = new Map(links.map((l) => [l.id, l.previous_step_id]));
  if (!previousOf.has(previous)) throw badRequest("invalid_previous_step", `previous_step_id '${previous}' is not a step of this course`);
  if (closesStepLoop(previousOf, stepId, previous))
    throw conflict("step_cycle", "That previous_step_id would make the steps unlock each other in a loop");
}

export const createStep: Handler<typeof routes.createStep> = async (c) => {
  const caller = c.get("caller");
  const body = c.req.valid("json");
  const db = c.get("db");
  const now = c.get("now");
  const stamp = now.toISOString();
  const id = newId(now);
  const [course] = await db
    .select({ id: courses.id })
    .from(courses)
    .where(and(eq(courses.id, body.course_id), isNull(courses.archived_at)));
  if (!course) throw notFound("Course", body.course_id);
  await checkPrevious(db, body.course_id, id, body.previous_step_id);
  const values = {
    id,
    course_id: body.course_id,
    name: body.name,
    description: body.description ?? null,
    previous_step_id: body.previous_step_id ?? null,
    unlock_on_exam_pass: body.unlock_on_exam_pass ?? true,
    created_at: stamp,
    updated_at: stamp,
    created_by: caller.id,
  };
  // An appended step's order_index is computed by the insert itself, so the event names it only when given.
  const written = await batch(db, {
    inserted: db
      .insert(steps)
      .values({ ...values, order_index: body.order_index ?? nextStepOrder(body.course_id) })
      .returning(),
    created: audit(
      c,
      "step.created",
      { type: "step", id },
      changesBetween<Record<string, unknown>>(null, { ...values, order_index: body.order_index }, STEP_FIELDS),
    ),
  });
  return c.json(toStep(first(written.inserted, "the step this batch inserted")), 201);
};

export const updateStep: Handler<typeof routes.updateStep> = async (c) => {
  const { step_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const [step] = await findStep(db, step_id);
  if (!step) throw notFound("Step", step_id);
  await checkPrevious(db, step.course_id, step_id, body.previous_step_id);
  const patch = {
    name: body.name,
    description: body.description,
    order_index: body.order_index,
    previous_step_id: body.previous_step_id,
    unlock_on_exam_pass: body.unlock_on_exam_pass,
  };
  const written = await batch(db, {
    updated: db
      .update(steps)
      .set({ ...patch, updated_at: stamp })
      .where(and(eq(steps.id, step_id), liveStep))
      .returning(),
    audited: audit(c, "step.updated", { type: "step", id: step_id }, changesBetween(step, patched(step, patch), STEP_FIELDS)),
  });
  const [row] = written.updated;
  if (!row) throw notFound("Step", step_id);
  return c.json(toStep(row), 200);
};

export const deleteStep: Handler<typeof routes.deleteStep> = async (c) => {
  const { step_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const [step] = await findStep(db, step_id);
  if (!step) throw notFound("Step", step_id);
  // Steps that unlocked after this one now unlock after its predecessor, so no learner is stranded.
  await batch(db, {
    archived: db
      .update(steps)
      .set({ archived_at: stamp, updated_at: stamp })
      .where(and(eq(steps.id, step_id), liveStep)),
    // Right after the archive: a step archived meanwhile by another call is recorded once, by that call.
    audited: audit(c, "step.deleted", { type: "step", id: step_id }, changesBetween(step, null, STEP_FIELDS)),
    relinked: db
      .update(steps)
      .set({ previous_step_id: step.previous_step_id, updated_at: stamp })
      .where(and(eq(steps.previous_step_id, step_id), liveStep)),
    defaultCleared: db.update(courses).set({ default_step_id: null, updated_at: stamp }).where(eq(courses.default_step_id, step_id)),
    materialsArchived: db
      .update(materials)
      .set({ archived_at: stamp })
      .where(and(eq(materials.step_id, step_id), isNull(materials.archived_at))),
  });
  return c.body(null, 204);
};

export const linkExam: Handler<typeof routes.linkExam> = async (c) => {
  const { step_id } = c.req.valid("param");
  const { form_id } = c.req.valid("query");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const read = await batch(db, {
    step: findStep(db, step_id),
    form: db
      .select({ id: forms.id })
      .from(forms)
      .where(and(eq(forms.id, form_id), isNull(forms.archived_at))),
  });
  const [step] = read.step;
  const [form] = read.form;
  if (!step) throw notFound("Step", step_id);
  if (!form) throw notFound("Form", form_id);
  // Several writes keep the step ⇔ form link consistent; the event's condition is explicit: the step is still
  // live, so its exam_id was just set by the last of them.
  const stillLive = sql`EXISTS (SELECT 1 FROM ${steps} WHERE ${steps.id} = ${step_id} AND ${steps.archived_at} IS NULL)`;
  const linked = audit(c, "step.exam_linked", { type: "step", id: step_id }, { exam_id: [step.exam_id, form_id] }, stillLive);
  const written = await batch(db, { link: examLinkWrites(db, step_id, form_id, stamp), linked, step: findStep(db, step_id) });
  // Archived by a delete between the read above and this batch.
  const [row] = written.step;
  if (!row) throw notFound("Step", step_id);
  return c.json(toStep(row), 200);
};

export const completeStepMaterials: Handler<typeof routes.completeStepMaterials> = async (c) => {
  const caller = c.get("caller");
  const { step_id } = c.req.valid("param");
  const participantId = participantFor(caller, c.req.valid("query").participant_id);
  const db = c.get("db");
  const query = progressQuery(db, participantId, courseOfStep(step_id), examClock(c));
  const read = await batch(db, { step: findStepWithExam(db, step_id), own: query.own });
  const [found] = read.step;
  if (!found || !courseFlagVisible(caller, found.course_active)) throw notFound("Step", step_id);
  const progress = await query.finish(read.own);
  const access = stepAccess(progress.get(found.step.course_id), step_id);
  if (access.refusal) throw progressError(access.refusal, step_id);
  const stamp = c.get("now").toISOString();
  // Requirement tables are left out: they complete when a manager approves the participant's table.
  const marked = access.progress.materials.filter((m) => m.step_id === step_id && m.material_type !== "RequirementTable").map((m) => m.id);
  const after = progress.after({ completedMaterials: marked }).get(found.step.course_id);
  // The same course read, with more done: it has the step.
  if (!after) throw new Error(`course '${found.step.course_id}' left the progress read when materials were marked`);
  const state = stepStateOf(after.state, step_id);
  const milestone = milestoneWrites(db, participantId, after, {
    stamp,
    newId: () => newId(c.get("now")),
    emit: emitter(c),
    recipient: await recipientOf(caller, participantId),
  });
  await batch(db, {
    completions: chunk(marked, 4).map((ids) =>
      db
        .insert(materialCompletions)
        .values(ids.map((material_id) => ({ participant_id: participantId, material_id, step_id, completed_at: stamp })))
        .onConflictDoNothing(),
    ),
    milestone: milestone.writes,
  });
  const exam = examInfo(found);
  return c.json(
    { message: "All materials marked as complete", can_take_exam: exam !== null && state.materials_completed, exam_id: exam?.id ?? null },
    200,
  );
};
