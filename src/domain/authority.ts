/**
 * What course staff may do: the one capability table (README "Roles", the OpenAPI document and the route policies
 * read it). A manager may do everything and needs no grant; a participant acts only on their own data; a `staff`
 * token holds what its grants give, per course, and nothing without one.
 */
import type { GrantRole, Role } from "./vocabulary";

/**
 * - `author`: edit the course, its steps, materials, files, exams, requirement tables and exam links
 * - `enrol`: per-exam overrides, enrolling participants, cohorts and their members
 * - `review`: pending lists, claims, grading and decisions, row approval
 * - `read`: submissions, progress and requirement tables of the course's participants
 * - `analytics`: exam analytics of the course's exams
 * - `grant`: give `grader` and `observer` grants in the course
 */
export const CAPABILITIES = ["author", "enrol", "review", "read", "analytics", "grant"] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const GRANT_CAPABILITIES: Readonly<Record<GrantRole, readonly Capability[]>> = {
  instructor: ["author", "enrol", "review", "read", "analytics", "grant"],
  grader: ["review", "read"],
  observer: ["read", "analytics"],
};

export const grantAllows = (role: GrantRole, capability: Capability) => GRANT_CAPABILITIES[role].includes(capability);

/** Grant roles that a cohort list may limit: an instructor runs the whole course. */
export const cohortLimitable = (role: GrantRole) => role !== "instructor";

/**
 * Whether a grant reaches a participant: a grant without a cohort list reaches the whole course; one with a list
 * reaches members of those cohorts only (an empty list reaches no one).
 */
export function grantReaches(grantCohorts: readonly string[] | null, participantCohorts: readonly string[]): boolean {
  if (grantCohorts === null) return true;
  return grantCohorts.some((id) => participantCohorts.includes(id));
}

/** Who may give which grant: managers any; a course's instructors `grader` and `observer` in their course. */
export function mayGive(granter: { role: Role; grant: GrantRole | null }, role: GrantRole): boolean {
  if (granter.role === "manager") return true;
  if (granter.role !== "staff" || granter.grant === null) return false;
  return grantAllows(granter.grant, "grant") && role !== "instructor";
}

/**
 * What a staff member may do about one participant's data in a course, from their grant there (null: none) and the
 * participant's place in that course (enrolled or not, their cohorts there). A grant covers the course's
 * participants only: outside it, its cohorts or the course's enrolments the data is not there for them (404, no
 * existence oracle); inside, a capability the grant lacks is refused with its reason (403 `insufficient_grant`).
 */
export function staffAccess(
  grant: { role: GrantRole; cohort_ids: readonly string[] | null } | null,
  participant: { enrolled: boolean; cohorts: readonly string[] },
  capability: Capability,
): Access {
  if (!grant || !participant.enrolled || !grantReaches(grant.cohort_ids, participant.cohorts)) return "hidden";
  return courseAccess(grant, capability);
}

export type Access = "allowed" | "hidden" | "insufficient";

/**
 * What a staff member may do with a course itself (its staff, its cohorts), from their grant there (null: none):
 * without one the course is not there for them (404); with one that lacks `capability`, 403 `insufficient_grant`.
 */
export function courseAccess(grant: { role: GrantRole } | null, capability: Capability): Access {
  if (!grant) return "hidden";
  return grantAllows(grant.role, capability) ? "allowed" : "insufficient";
}

/**
 * The fields of a course that place it among the organisation's courses (its chain, its order, being the default):
 * a course's instructor edits the course itself, but these stay with managers ("create courses, chain, set-default,
 * reorder courses" in the table above).
 */
export const ORGANISATION_COURSE_FIELDS = ["is_default", "previous_course_id", "next_course_id", "order_index"] as const;

/** The organisation-level fields a course edit sets (present in the body, null included), for refusing them to staff. */
export const organisationFieldsIn = (body: Record<string, unknown>): string[] =>
  ORGANISATION_COURSE_FIELDS.filter((field) => body[field] !== undefined);

/** Who may change a question bank (or its questions): managers any; course staff (instructors) the banks they made. */
export const mayChangeBank = (caller: { role: Role; id: string }, bank: { created_by: string }) =>
  caller.role === "manager" || (caller.role === "staff" && bank.created_by === caller.id);
