import { batch } from "../db/batch";
import { courseAccess, mayGive } from "../domain/authority";
import type { Caller } from "../env";
import { audit } from "../journal";
import { ApiError, conflict, forbidden, notFound } from "../lib/errors";
import type { Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { type GrantRow, grantOf, grantsOf } from "../visibility/grants";
import {
  cohortsText,
  courseGrantsPage,
  deleteGrant,
  liveCohortsOf,
  liveCourse,
  revokeAllowed,
  revokedChanges,
  setAllowed,
  setChanges,
  toGrant,
  upsertGrant,
} from "./queries";
import type * as routes from "./routes";

/**
 * Who may manage a course's grants, from what one load read: a manager, or staff holding a grant there that gives
 * grants. A staff member without a grant in the course is told it does not exist, as for any course outside their
 * grants; one whose grant does not give grants (a grader, an observer) knows the course, and is told why.
 */
function assertGrantManager(caller: Caller, courseId: string, course: unknown[], mine: GrantRow[] | undefined): void {
  if (course.length === 0) throw notFound("Course", courseId);
  if (caller.role !== "staff") return;
  const access = courseAccess(mine?.[0] ?? null, "grant");
  if (access === "hidden") throw notFound("Course", courseId);
  if (access === "insufficient") throw forbidden("Your grant in this course does not let you manage its staff", "insufficient_grant");
}

const instructorsSpared = () => forbidden("Only a manager may change or revoke an instructor's grant", "insufficient_grant");

/** Writes that lost a race run again on a fresh read, which then explains a refusal; past this, a 409. */
const WRITE_TRIES = 2;

export const setGrant: Handler<typeof routes.setGrant> = async (c) => {
  const { course_id, sub } = c.req.valid("param");
  const body = c.req.valid("json");
  const caller = c.get("caller");
  const role = body.role;
  const cohortIds = body.cohort_ids ?? null;
  const cohorts = cohortsText(cohortIds);
  const db = c.get("db");
  for (let attempt = 0; attempt < WRITE_TRIES; attempt++) {
    const loaded = await batch(db, {
      course: liveCourse(db, course_id),
      mine: caller.role === "staff" ? grantOf(db, caller.id, course_id) : null,
      target: grantOf(db, sub, course_id),
      cohorts: cohortIds ? liveCohortsOf(db, course_id, cohortIds) : null,
    });
    assertGrantManager(caller, course_id, loaded.course, loaded.mine);
    const [own] = loaded.mine ?? [];
    if (!mayGive({ role: caller.role, grant: own?.role ?? null }, role))
      throw forbidden("Only a manager may make someone an instructor", "insufficient_grant");
    const [before] = loaded.target;
    if (caller.role === "staff" && before?.role === "instructor") throw instructorsSpared();
    const live = new Set((loaded.cohorts ?? []).map((k) => k.id));
    const missing = (cohortIds ?? []).find((id) => !live.has(id));
    if (missing) throw notFound("Cohort", missing);
    // The same grant again changes nothing: no write, no audit event, the row as it is.
    if (before && before.role === role && cohortsText(before.cohort_ids) === cohorts) return c.json(toGrant(before), 200);

    const at = c.get("now").toISOString();
    const allowed = setAllowed(caller, course_id, sub, cohortIds);
    // The audit insert goes first, under the write's own condition, so its diff is read from the row the write
    // replaces (never a stale copy) and it lands exactly when the write does (D1 runs a batch as one transaction).
    const written = await batch(db, {
      audited: audit(c, "grant.set", { type: "grant", id: sub }, setChanges(course_id, sub, role, cohorts), allowed),
      stored: upsertGrant(db, { courseId: course_id, sub, role, cohorts, by: caller.id, at }, allowed),
    });
    const [stored] = written.stored;
    if (stored) return c.json(toGrant(stored), 200);
  }
  throw conflict("conflict", "The grant changed while it was being written; try again");
};

export const listGrants: Handler<typeof routes.listGrants> = async (c) => {
  const { course_id } = c.req.valid("param");
  const { limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const [after] = decodeCursor(cursor, ["string"]) ?? [];
  const caller = c.get("caller");
  const db = c.get("db");
  const loaded = await batch(db, {
    course: liveCourse(db, course_id),
    mine: caller.role === "staff" ? grantOf(db, caller.id, course_id) : null,
    rows: courseGrantsPage(db, course_id, typeof after === "string" ? after : null, limit),
  });
  assertGrantManager(caller, course_id, loaded.course, loaded.mine);
  return c.json(page(c, loaded.rows, limit, (r) => [r.staff_id]).map(toGrant), 200);
};

export const revokeGrant: Handler<typeof routes.revokeGrant> = async (c) => {
  const { course_id, sub } = c.req.valid("param");
  const caller = c.get("caller");
  const db = c.get("db");
  for (let attempt = 0; attempt < WRITE_TRIES; attempt++) {
    const loaded = await batch(db, {
      course: liveCourse(db, course_id),
      mine: caller.role === "staff" ? grantOf(db, caller.id, course_id) : null,
      target: grantOf(db, sub, course_id),
    });
    assertGrantManager(caller, course_id, loaded.course, loaded.mine);
    const [target] = loaded.target;
    if (!target) throw new ApiError(404, "grant_not_found", `'${sub}' holds no grant in this course`);
    if (caller.role === "staff" && target.role === "instructor") throw instructorsSpared();
    const allowed = revokeAllowed(caller, course_id, sub);
    // Audited first, from the row the delete removes and under the delete's own condition (see setGrant).
    const written = await batch(db, {
      audited: audit(c, "grant.revoked", { type: "grant", id: sub }, revokedChanges(course_id, sub), allowed),
      deleted: deleteGrant(db, caller, course_id, sub),
    });
    if (written.deleted.length > 0) return c.body(null, 204);
  }
  throw conflict("conflict", "The grant changed while it was being revoked; try again");
};

export const listMyGrants: Handler<typeof routes.listMyGrants> = async (c) => {
  const { limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const [after] = decodeCursor(cursor, ["string"]) ?? [];
  const rows = await grantsOf(c.get("db"), c.get("caller").id, { after: typeof after === "string" ? after : null, limit: limit + 1 });
  return c.json(page(c, rows, limit, (r) => [r.course_id]).map(toGrant), 200);
};
