import { batch } from "../db/batch";
import { first } from "../db/rows";
import { courseAccess } from "../domain/authority";
import type { Caller } from "../env";
import { audit } from "../journal";
import { ApiError, conflict, forbidden, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { flag, type Handler } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { type GrantRow, grantOf } from "../visibility/grants";
import {
  addMember,
  archive,
  type CohortRow,
  cohortsPage,
  courseOfCohort,
  enrolment,
  findCohort,
  findLiveCourse,
  findMember,
  insertCohort,
  membersPage,
  nameHolder,
  removeMember,
  renamable,
  rename,
  renameChanges,
  toCohort,
  toMember,
} from "./queries";
import type * as routes from "./routes";

/** The caller's subject when a staff member (whose cohort writes carry their grant), else null. */
const staffIdOf = (caller: Caller) => (caller.role === "staff" ? caller.id : null);

/**
 * A staff caller's grant in the course, as read in the handler's batch (undefined: not staff). Without one the
 * course and its cohorts are not there for them (404, before anything else is said about them); a grant that does
 * not manage cohorts (`enrol`: instructors) is 403.
 */
function assertManagesCohorts(grant: GrantRow[] | undefined, notThere: () => ApiError) {
  if (grant === undefined) return;
  const access = courseAccess(grant[0] ?? null, "enrol");
  if (access === "hidden") throw notThere();
  if (access === "insufficient") throw forbidden("Your grant in this course does not let you manage its cohorts", "insufficient_grant");
}

const nameTaken = (holder: { id: string; name: string }) =>
  conflict("cohort_name_taken", `Cohort '${holder.id}' of this course is already named '${holder.name}'`);
const archived = (id: string) => conflict("cohort_archived", `Cohort '${id}' is archived`);

export const createCohort: Handler<typeof routes.createCohort> = async (c) => {
  const { course_id } = c.req.valid("param");
  const { name } = c.req.valid("json");
  const db = c.get("db");
  const now = c.get("now");
  const stamp = now.toISOString();
  const row: CohortRow = {
    id: newId(now),
    course_id,
    name,
    created_by: c.get("caller").id,
    created_at: stamp,
    updated_at: stamp,
    archived_at: null,
  };
  // The refusal is explained by reads that follow the insert in its batch, so they see the table as it saw it.
  const staffId = staffIdOf(c.get("caller"));
  const written = await batch(db, {
    inserted: insertCohort(db, row, staffId),
    created: audit(c, "cohort.created", { type: "cohort", id: row.id }, { course_id: [null, course_id], name: [null, name] }),
    course: findLiveCourse(db, course_id),
    holder: nameHolder(db, course_id, name),
    grant: staffId === null ? null : grantOf(db, staffId, course_id),
  });
  if (written.course.length === 0) throw notFound("Course", course_id);
  assertManagesCohorts(written.grant, () => notFound("Course", course_id));
  const [inserted] = written.inserted;
  if (!inserted) throw nameTaken(first(written.holder, "the live cohort holding the name"));
  return c.json(toCohort({ ...inserted, member_count: 0 }), 201);
};

export const listCohorts: Handler<typeof routes.listCohorts> = async (c) => {
  const { course_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const limit = limitOf(query.limit);
  const db = c.get("db");
  const staffId = staffIdOf(c.get("caller"));
  const { course, rows, grant } = await batch(db, {
    course: findLiveCourse(db, course_id),
    rows: cohortsPage(db, course_id, flag(query.include_archived) === true, decodeCursor(query.cursor, ["string"]), limit),
    grant: staffId === null ? null : grantOf(db, staffId, course_id),
  });
  if (course.length === 0) throw notFound("Course", course_id);
  assertManagesCohorts(grant, () => notFound("Course", course_id));
  return c.json(page(c, rows, limit, (r) => [r.id]).map(toCohort), 200);
};

export const renameCohort: Handler<typeof routes.renameCohort> = async (c) => {
  const { cohort_id } = c.req.valid("param");
  const { name } = c.req.valid("json");
  const db = c.get("db");
  // One round trip: the event goes first, on the condition the update then meets in the same transaction, so it
  // can record the name as it was. Renaming to the current name changes nothing and records nothing.
  const staffId = staffIdOf(c.get("caller"));
  const written = await batch(db, {
    audited: audit(
      c,
      "cohort.renamed",
      { type: "cohort", id: cohort_id },
      renameChanges(cohort_id, name),
      renamable(cohort_id, name, staffId),
    ),
    renamed: rename(db, cohort_id, name, c.get("now").toISOString(), staffId),
    stored: findCohort(db, cohort_id),
    holder: nameHolder(db, courseOfCohort(cohort_id), name, cohort_id),
    grant: staffId === null ? null : grantOf(db, staffId, courseOfCohort(cohort_id)),
  });
  const [cohort] = written.stored;
  if (!cohort) throw notFound("Cohort", cohort_id);
  assertManagesCohorts(written.grant, () => notFound("Cohort", cohort_id));
  if (cohort.archived_at !== null) throw archived(cohort_id);
  const [holder] = written.holder;
  if (written.renamed.length === 0 && holder) throw nameTaken(holder);
  return c.json(toCohort(cohort), 200);
};

export const archiveCohort: Handler<typeof routes.archiveCohort> = async (c) => {
  const { cohort_id } = c.req.valid("param");
  const db = c.get("db");
  const stamp = c.get("now").toISOString();
  const staffId = staffIdOf(c.get("caller"));
  const written = await batch(db, {
    archived: archive(db, cohort_id, stamp, staffId),
    audited: audit(c, "cohort.archived", { type: "cohort", id: cohort_id }, { archived_at: [null, stamp] }),
    stored: findCohort(db, cohort_id),
    grant: staffId === null ? null : grantOf(db, staffId, courseOfCohort(cohort_id)),
  });
  if (written.archived.length > 0) return c.body(null, 204);
  if (written.stored.length === 0) throw notFound("Cohort", cohort_id);
  assertManagesCohorts(written.grant, () => notFound("Cohort", cohort_id));
  throw archived(cohort_id);
};

/**
 * Membership events are recorded on the participant, as accommodations and overrides are (domain/vocabulary.ts):
 * one participant's history is one query, and the log names an erased participant only as an entity.
 */
export const addCohortMember: Handler<typeof routes.addCohortMember> = async (c) => {
  const { cohort_id, participant_id } = c.req.valid("param");
  const db = c.get("db");
  const member = { cohort_id, participant_id, added_by: c.get("caller").id, added_at: c.get("now").toISOString() };
  const staffId = staffIdOf(c.get("caller"));
  const written = await batch(db, {
    added: addMember(db, member, staffId),
    audited: audit(c, "cohort.member_added", { type: "participant", id: participant_id }, { cohort_id: [null, cohort_id] }),
    stored: findMember(db, cohort_id, participant_id),
    cohort: findCohort(db, cohort_id),
    enrolled: enrolment(db, cohort_id, participant_id),
    grant: staffId === null ? null : grantOf(db, staffId, courseOfCohort(cohort_id)),
  });
  const [cohort] = written.cohort;
  if (!cohort) throw notFound("Cohort", cohort_id);
  assertManagesCohorts(written.grant, () => notFound("Cohort", cohort_id));
  if (cohort.archived_at !== null) throw archived(cohort_id);
  const [stored] = written.stored;
  // Already a member (this call or an earlier one added them): the same answer either way.
  if (stored) return c.json(toMember(stored), 200);
  if (written.enrolled.length === 0)
    throw conflict("not_enrolled", `${participant_id} is not enrolled in this cohort's course; enrol them first`);
  throw new Error(`cohort ${cohort_id}: the membership of an enrolled participant was neither added nor found`);
};

export const removeCohortMember: Handler<typeof routes.removeCohortMember> = async (c) => {
  const { cohort_id, participant_id } = c.req.valid("param");
  const db = c.get("db");
  const staffId = staffIdOf(c.get("caller"));
  const written = await batch(db, {
    removed: removeMember(db, cohort_id, participant_id, staffId),
    audited: audit(c, "cohort.member_removed", { type: "participant", id: participant_id }, { cohort_id: [cohort_id, null] }),
    cohort: findCohort(db, cohort_id),
    grant: staffId === null ? null : grantOf(db, staffId, courseOfCohort(cohort_id)),
  });
  if (written.removed.length > 0) return c.body(null, 204);
  const [cohort] = written.cohort;
  if (!cohort) throw notFound("Cohort", cohort_id);
  assertManagesCohorts(written.grant, () => notFound("Cohort", cohort_id));
  if (cohort.archived_at !== null) throw archived(cohort_id);
  throw new ApiError(404, "cohort_member_not_found", `${participant_id} is not in cohort '${cohort_id}'`);
};

export const listCohortMembers: Handler<typeof routes.listCohortMembers> = async (c) => {
  const { cohort_id } = c.req.valid("param");
  const { limit: requested, cursor } = c.req.valid("query");
  const limit = limitOf(requested);
  const db = c.get("db");
  const staffId = staffIdOf(c.get("caller"));
  const { cohort, rows, grant } = await batch(db, {
    cohort: findCohort(db, cohort_id),
    rows: membersPage(db, cohort_id, decodeCursor(cursor, ["string"]), limit),
    grant: staffId === null ? null : grantOf(db, staffId, courseOfCohort(cohort_id)),
  });
  // An archived cohort's members stay readable.
  if (cohort.length === 0) throw notFound("Cohort", cohort_id);
  assertManagesCohorts(grant, () => notFound("Cohort", cohort_id));
  return c.json(page(c, rows, limit, (r) => [r.participant_id]).map(toMember), 200);
};
