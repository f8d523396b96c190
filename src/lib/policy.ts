/**
 * Who may call a route, declared once on its `createRoute`: the guard runs before validation (and before an
 * Idempotency-Key replay), and `x-roles` publishes the same fact in the OpenAPI document, where the
 * authorization-matrix test reads it. Spread one of these into every route.
 */

import type { MiddlewareHandler } from "hono";
import type { Capability } from "../domain/authority";
import type { AppEnv } from "../env";
import { managerOnly, managersAndParticipants, managersAndStaff, participantsOnly, staffOnly } from "./auth";
import { type GuardOptions, grantGuard, instructorSomewhere, type Named } from "./grant-guard";
import { idempotent } from "./idempotency";
import { expensiveLimit } from "./rate-limit";

export const forManagers = { middleware: [managerOnly], "x-roles": ["manager"] };
export const forParticipants = { middleware: [participantsOnly], "x-roles": ["participant"] };
/** Both roles; the handler scopes what each sees (a participant only their own data). Course staff: refused. */
export const forEveryone = { middleware: [managersAndParticipants], "x-roles": ["manager", "participant"] };
/** Managers, and course staff as far as their grant in the path's course allows (the handler reads it). Participants: refused. */
export const forStaffOrManagers = { middleware: [managersAndStaff], "x-roles": ["manager", "staff"] };
/** Course staff only, whatever their grants (their own grants, read by themselves). */
export const forStaff = { middleware: [staffOnly], "x-roles": ["staff"] };

/**
 * Course staff act on a participant's data as far as one capability of their grant in its course reaches
 * (domain/authority.ts): the handler resolves the course and participant from the row the path names, never from
 * the client, in its own load batch. Published as `x-capability`.
 */
export const forReviewers = { ...forStaffOrManagers, "x-capability": "review" };
export const forReviewersIdempotent = {
  middleware: [managersAndStaff, idempotent],
  "x-roles": ["manager", "staff"],
  "x-capability": "review",
  "x-idempotent": true,
};
/** Managers, and course staff whose grant in the course gives `enrol` (instructors): cohorts and their members. */
export const forEnrollers = { ...forStaffOrManagers, "x-capability": "enrol" };
/** Managers, participants (their own data only) and course staff whose grant gives `read` over the participant. */
export const forReaders = { "x-roles": ["manager", "participant", "staff"], "x-capability": "read" };

/**
 * Managers, and course staff whose grant in the course of what the request names (`target`: a path parameter, or
 * for a create the parent its body names) gives `capability` — checked before the handler (lib/grant-guard.ts), so
 * the handler serves them as it serves a manager. With `participants`, participants too: the handler scopes them to
 * their own data as before.
 */
export function withGrant(capability: Capability, target: Named, options: GuardOptions & { participants?: boolean } = {}) {
  const guard = grantGuard(capability, target, options);
  return options.participants
    ? { middleware: [guard], "x-roles": ["manager", "participant", "staff"], "x-capability": capability }
    : { middleware: [managersAndStaff, guard], "x-roles": ["manager", "staff"], "x-capability": capability };
}
/**
 * Question banks: managers, and course staff holding an instructor grant in some live course (banks are the
 * organisation's, shared across courses). A staff member changes only the banks they made (the handler reads it).
 */
export const forBankAuthors = {
  middleware: [managersAndStaff, instructorSomewhere],
  "x-roles": ["manager", "staff"],
  "x-capability": "author",
  "x-staff-scope": "organisation",
};
/** A path parameter naming an authored thing, for `withGrant`. */
export const inPath = (kind: Named["kind"], key: string): Named => ({ kind, in: "param", key });
/** A query parameter naming an authored thing, for `withGrant`. */
export const inQuery = (kind: Named["kind"], key: string): Named => ({ kind, in: "query", key });
/** A JSON body field naming an authored thing (dotted for a nested one), for `withGrant`. */
export const inBody = (kind: Named["kind"], key: string): Named => ({ kind, in: "body", key });

/** Role guard, then the Idempotency-Key middleware (a replay is only ever given to a caller the guard admits). */
export const forManagersIdempotent = { middleware: [managerOnly, idempotent], "x-roles": ["manager"], "x-idempotent": true };
export const forParticipantsIdempotent = { middleware: [participantsOnly, idempotent], "x-roles": ["participant"], "x-idempotent": true };

/**
 * The expensive rate-limit class (uploads, exam start, review decisions, row approvals): counted after
 * the role guard and before an Idempotency-Key replay; published as `x-rate-limit: expensive`.
 */
export function expensive<P extends { middleware: MiddlewareHandler<AppEnv>[] }>(policy: P) {
  const [guard, ...rest] = policy.middleware;
  return { ...policy, middleware: guard ? [guard, expensiveLimit, ...rest] : [expensiveLimit], "x-rate-limit": "expensive" as const };
}
