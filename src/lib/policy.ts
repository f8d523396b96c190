/**
 * Who may call a route, declared once on its `createRoute`: the guard runs before validation (and before an
 * Idempotency-Key replay), and `x-roles` publishes the same fact in the OpenAPI document, where the
 * authorization-matrix test reads it. Spread one of these into every route.
 */
import { managerOnly, participantsOnly } from "./auth";
import { idempotent } from "./idempotency";

export const forManagers = { middleware: [managerOnly], "x-roles": ["manager"] };
export const forParticipants = { middleware: [participantsOnly], "x-roles": ["participant"] };
/** Both roles; the handler scopes what each sees (a participant only their own data). */
export const forEveryone = { "x-roles": ["manager", "participant"] };

/** Role guard, then the Idempotency-Key middleware (a replay is only ever given to a caller the guard admits). */
export const forManagersIdempotent = { middleware: [managerOnly, idempotent], "x-roles": ["manager"], "x-idempotent": true };
export const forParticipantsIdempotent = { middleware: [participantsOnly, idempotent], "x-roles": ["participant"], "x-idempotent": true };
