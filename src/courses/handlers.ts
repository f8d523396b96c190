import type { SQL } from "drizzle-orm";
import { and, eq, isNull, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import { first } from "../db/rows";
import { courses, steps } from "../db/schema";
import { COURSE_FIELDS, changesBetween, patched, stepOrder } from "../domain/audit";
import { organisationFieldsIn } from "../domain/authority";
import { type ChainRefusal, type Links, planCourseLinks, planUnlink } from "../domain/chain";
import { checkStepReorder } from "../domain/ordering";
import { isGated, stepStateOf } from "../domain/progress";
import type { AppContext } from "../env";
import { audit, emitter } from "../journal";
import { participantFor } from "../lib/auth";
import { examClock } from "../lib/clock";
import { ApiError, badRequest, conflict, forbidden, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { flag, type Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { enrollWrite, enrolmentEvent, oneCourse, progressQuery, readProgress } from "../progress";
import { courseListActive, courseVisible } from "../visibility";
import { grantAllowsSql, grantOf } from "../visibility/grants";
import {
  archiveCourseWrites,
  chainLinks,
  clearDefault,
  courseSteps,
  defaultCourse,
  findCourse,
  linkMap,
  linkWrites,
  listCourses as listCoursesQuery,
  live,
  nextCourseOrder,
  storedCertificate,
  toCourse,
} from "./queries";
import type * as routes from "./routes";

function refusalError(refusal: ChainRefusal): ApiError {
  switch (refusal.kind) {
    case "not_found":
      return notFound("Course", refusal.id);
    case "self":
      return badRequest("invalid_chain", `${refusal.field} cannot name the course itself`);
    case "taken":
      return conflict("chain_conflict", `Course '${refusal.id}' is already linked to course '${refusal.holder}'; unlink it first`);
    case "cycle":
      return conflict("chain_cycle", "That link would make the course chain a cycle");
  }
}

export const listCourses: Handler<typeof routes.listCourses> = async (c) => {
  const caller = c.get("caller");
  const query = c.req.valid("query");
  // Course staff list the courses they hold a grant in, drafts included (they teach them), and no others.
  const staffScope = caller.role === "staff" ? grantAllowsSql(caller.id, sql`${courses.id}`, "read") : undefined;
  const active = courseListActive(caller, flag(query.is_active));
  if (active === "none") return c.json([], 200);
  const filters = { is_active: active, is_default: flag(query.is_default) };
  const limit = limitOf(query.limit);
  const rows = await listCoursesQuery(c.get("db"), filters, decodeCursor(query.cursor, ["number", "string"]), limit, staffScope);
  return c.json(page(c, rows, limit, (r) => [r.order_index, r.id]).map(toCourse), 200);
};

export const getCourse: Handler<typeof routes.getCourse> = async (c) => {
  const caller = c.get("caller");
  const { course_id } = c.req.valid("param");
  const db = c.get("db");
  // A participant sees their own locks; a manager sees which steps are gated behind another.
  const participantId = caller.role === "participant" ? caller.id : null;
  // Course staff see a course they hold a grant in, draft or not; any other is not there for them. Both reads go
  // out together: one round trip of latency.
  const [read, grant] = await Promise.all([
    readProgress(db, participantId, oneCourse(course_id), examClock(c)),
    caller.role === "staff" ? grantOf(db, caller.id, course_id) : null,
  ]);
  const progress = read.get(course_id);
  const visible = grant ? grant.length > 0 : progress !== undefined && courseVisible(caller, progress.course);
  if (!progress || !visible) throw notFound("Course", course_id);
  const { course, steps: stepRows, state } = progress;
  return c.json(
    {
      ...toCourse(course),
      steps: stepRows.map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        order_index: s.order_index,
        exam_id: s.exam_id,
        is_locked: caller.role === "participant" ? stepStateOf(state, s.id).is_locked : isGated(stepRows, s.id, course.default_step_id),
      })),
    },
    200,
  );
};

export const createCourse: Handler<typeof routes.createCourse> = async (c) => {
  const caller = c.get("caller");
  const body = c.req.valid("json");
  const db = c.get("db");
  const now = c.get("now");
  const stamp = now.toISOString();
  const id = newId(now);

  const wantsLinks = body.previous_course_id != null || body.next_course_id != null;
  const current = wantsLinks ? linkMap(await chainLinks(db)) : new Map<string, Links>();
  const plan = planCourseLinks(current, id, {
    previous_course_id: body.previous_course_id ?? null,
    next_course_id: body.next_course_id ?? null,
  });
  if (!plan.ok) throw refusalError(plan.refusal);
  const { release, claim } = linkWrites(db, plan.updates, current, stamp);

  const values = {
    id,
    name: body.name,
    description: body.description ?? null,
    image_url: body.image_url ?? null,
    previous_course_id: plan.links.previous_course_id,
    next_course_id: plan.links.next_course_id,
    is_active: body.is_active ?? true,
    is_default: body.is_default ?? false,
    certificate: body.certificate ? storedCertificate(body.certificate) : null,
    created_at: stamp,
    updated_at: stamp,
    created_by: caller.id,
  };
  const insert = db
    .insert(courses)
    .values({ ...values, order_index: body.order_index ?? nextCourseOrder })
    .returning();
  // An appended course's order_index is computed by the insert itself, so the event names it only when given.
  const created = audit(
    c,
    "course.created",
    { type: "course", id },
    changesBetween<Record<string, unknown>>(null, { ...values, order_index: body.order_index }, COURSE_FIELDS),
  );
  // Order matters inside the batch: links are released and the old default cleared before the insert
  // claims them, so the unique indexes only ever see one holder.
  const { inserted } = await batch(db, {
    release,
    clearDefault: body.is_default && clearDefault(db, id),
    inserted: insert,
    created,
    claim,
  });
  return c.json(toCourse(first(inserted, "the course this batch inserted")), 201);
};

export const updateCourse: Handler<typeof routes.updateCourse> = async (c) => {
  const { course_id } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.get("db");
  // The route's guard let an instructor of this course in; where the course sits among the others is not theirs.
  const organisational = c.get("caller").role === "staff" ? organisationFieldsIn(body) : [];
  if (organisational.length > 0)
    throw forbidden(`Only managers chain, order or set the default course (${organisational.join(", ")})`, "insufficient_grant");
  const stamp = c.get("now").toISOString();

  const read = await batch(db, {
    course: findCourse(db, course_id),
    links: chainLinks(db),
    defaultStep:
      body.default_step_id != null &&
      db
        .select({ id: steps.id })
        .from(steps)
        .where(and(eq(steps.id, body.default_step_id), eq(steps.course_id, course_id), isNull(steps.archived_at))),
  });
  const [course] = read.course;
  const links = read.links;
  if (!course) throw notFound("Course", course_id);
  if (body.default_step_id != null && read.defaultStep?.length === 0)
    throw badRequest("invalid_default_step", `default_step_id '${body.default_step_id}' is not a step of this course`);

  const current = linkMap(links);
  const plan = planCourseLinks(current, course_id, {
    previous_course_id: body.previous_course_id,
    next_course_id: body.next_course_id,
  });
  if (!plan.ok) throw refusalError(plan.refusal);
  const linksChange =
    plan.updates.length > 0 ||
    plan.links.previous_course_id !== course.previous_course_id ||
    plan.links.next_course_id !== course.next_course_id;
  const { release, claim } = linkWrites(db, linksChange ? [{ id: course_id, ...plan.links }, ...plan.updates] : [], current, stamp);

  const fields = {
    name: body.name,
    description: body.description,
    image_url: body.image_url,
    is_active: body.is_active,
    is_default: body.is_default,
    default_step_id: body.default_step_id,
    order_index: body.order_index,
    certificate: body.certificate === undefined ? undefined : body.certificate && storedCertificate(body.certificate),
  };
  const update = db
    .update(courses)
    .set({ ...fields, updated_at: stamp })
    .where(and(eq(courses.id, course_id), live))
    .returning();
  // The event records the fields as planned and the chain links as stored: the link claims are conditional (a
  // link taken meanwhile is not overwritten), so the links' diff is read from the row after them, in SQL. It runs
  // after the claims, on the condition that this update landed (archived meanwhile: no update, no event).
  const fieldChanges = changesBetween(
    course,
    patched(course, fields),
    COURSE_FIELDS.filter((f) => f !== "previous_course_id" && f !== "next_course_id"),
  );
  const linkDiff = (name: "previous_course_id" | "next_course_id") =>
    sql`CASE WHEN ${courses[name]} IS ${course[name]} THEN '{}' ELSE json_object(${name}, json_array(${course[name]}, ${courses[name]})) END`;
  const storedChanges = sql`(SELECT json_patch(json_patch(${JSON.stringify(fieldChanges)}, ${linkDiff("previous_course_id")}), ${linkDiff("next_course_id")})
    FROM ${courses} WHERE ${courses.id} = ${course_id})`;
  const landed = sql`EXISTS (SELECT 1 FROM ${courses} WHERE ${courses.id} = ${course_id} AND ${courses.updated_at} = ${stamp})`;
  const updated = audit(c, "course.updated", { type: "course", id: course_id }, storedChanges, landed);
  // The claims are conditional (a link taken meanwhile is not overwritten), so the answer is the row as stored
  // after them, read in the same batch, never the plan.
  const written = await batch(db, {
    release,
    clearDefault: body.is_default && clearDefault(db, course_id),
    updated: update,
    claim,
    audited: updated,
    stored: findCourse(db, course_id),
  });
  const [row] = written.stored;
  if (written.updated.length === 0 || !row) throw notFound("Course", course_id);
  return c.json(toCourse(row), 200);
};

export const deleteCourse: Handler<typeof routes.deleteCourse> = async (c) => {
  const { course_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const read = await batch(db, { links: chainLinks(db), course: findCourse(db, course_id) });
  const links = linkMap(read.links);
  const [course] = read.course;
  if (!course || !links.has(course_id)) throw notFound("Course", course_id);
  const neighbours = planUnlink(links, course_id);
  // The archive below clears the course's own links first; its neighbours then point at each other.
  const { release, claim } = linkWrites(db, neighbours, links, stamp);
  const archive = db
    .update(courses)
    .set({ archived_at: stamp, is_default: false, previous_course_id: null, next_course_id: null, updated_at: stamp })
    .where(and(eq(courses.id, course_id), live));
  // The event follows the archive: a course archived meanwhile by another call is recorded once, by that call.
  const deleted = audit(c, "course.deleted", { type: "course", id: course_id }, changesBetween(course, null, COURSE_FIELDS));
  await batch(db, { archive, deleted, release, claim, content: archiveCourseWrites(db, course_id, stamp) });
  return c.body(null, 204);
};

export const setDefaultCourse: Handler<typeof routes.setDefaultCourse> = async (c) => {
  const { course_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  // Read first, for the event's `is_default` before (and a 404 that writes nothing).
  const [course] = await findCourse(db, course_id);
  if (!course) throw notFound("Course", course_id);
  // Clear first, then set: inside one batch (one transaction) the unique index sees one default at a time.
  const written = await batch(db, {
    cleared: clearDefault(db, course_id),
    set: db
      .update(courses)
      .set({ is_default: true, updated_at: stamp })
      .where(and(eq(courses.id, course_id), live))
      .returning(),
    audited: audit(c, "course.set_default", { type: "course", id: course_id }, { is_default: [course.is_default, true] }),
  });
  const [row] = written.set;
  if (!row) throw notFound("Course", course_id);
  return c.json(toCourse(row), 200);
};

export const reorderSteps: Handler<typeof routes.reorderSteps> = async (c) => {
  const { course_id } = c.req.valid("param");
  const { step_orders } = c.req.valid("json");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const read = await batch(db, { course: findCourse(db, course_id), steps: courseSteps(db, course_id) });
  const [course] = read.course;
  const stepRows = read.steps;
  if (!course) throw notFound("Course", course_id);
  const problem = checkStepReorder(new Set(stepRows.map((s) => s.id)), step_orders);
  if (problem) throw badRequest("invalid_reorder", problem);
  const moves = step_orders.map((o) =>
    db
      .update(steps)
      .set({ order_index: o.order_index, updated_at: stamp })
      .where(and(eq(steps.id, o.step_id), eq(steps.course_id, course_id))),
  );
  // The diff is the steps' order as participants meet it, before and after. Several updates precede the
  // event, so its condition is explicit: the course is still live (the reorder's steps were checked against it).
  const wanted = new Map(step_orders.map((o) => [o.step_id, o.order_index]));
  const before = stepOrder(stepRows);
  const afterOrder = stepOrder(stepRows.map((s) => ({ id: s.id, order_index: wanted.get(s.id) ?? s.order_index })));
  const stillLive = sql`EXISTS (SELECT 1 FROM ${courses} WHERE ${courses.id} = ${course_id} AND ${courses.archived_at} IS NULL)`;
  const reordered = audit(c, "course.steps_reordered", { type: "course", id: course_id }, { step_ids: [before, afterOrder] }, stillLive);
  await batch(db, { moves, reordered });
  return c.json({ message: "Steps reordered successfully" }, 200);
};

async function enroll(c: AppContext, participantId: string, courseExpr: SQL, missing: () => ApiError) {
  const db = c.get("db");
  const now = c.get("now");
  const query = progressQuery(db, participantId, courseExpr, examClock(c));
  const enrolmentId = newId(now);
  const written = await batch(db, {
    enrolment: enrollWrite(db, participantId, courseExpr, enrolmentId, now.toISOString()),
    event: enrolmentEvent(emitter(c), enrolmentId),
    own: query.own,
  });
  const progress = (await query.finish(written.own)).first();
  if (!progress?.enrolled) throw missing();
  return {
    course_id: progress.course.id,
    course_name: progress.course.name,
    current_step_id: progress.state.current_step_id,
  };
}

export const enrollDefault: Handler<typeof routes.enrollDefault> = async (c) => {
  const participantId = participantFor(c.get("caller"), c.req.valid("query").participant_id);
  const result = await enroll(
    c,
    participantId,
    defaultCourse,
    () => new ApiError(404, "no_default_course", "There is no active default course to enrol in"),
  );
  return c.json({ message: "Enrolled in default course", ...result }, 200);
};

export const enrollInCourse: Handler<typeof routes.enrollInCourse> = async (c) => {
  const { course_id } = c.req.valid("param");
  // Manager-only (the route's policy), and the participant is a required query field.
  const { participant_id } = c.req.valid("query");
  const result = await enroll(c, participant_id, oneCourse(course_id), () => notFound("Course", course_id));
  return c.json({ message: "Enrolled in course", ...result }, 200);
};
