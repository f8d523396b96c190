import { createMiddleware } from "hono/factory";
import { type AppContext, type AppEnv, type Caller, callerKey } from "../env";
import { ApiError, forbidden, unauthorized } from "./errors";
import { JwksUnavailableError } from "./jwks";
import { JwtError, maxLifetimeOf, verifyJwt } from "./jwt";
import { clientAddress, countAgainst } from "./rate-limit";

/**
 * Verifies the bearer token and puts the caller on the context. Every 401 is a JSON error. A request refused
 * for its token counts against its address (so guessing tokens is limited too); an admitted one against its caller.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  let caller: Caller;
  try {
    caller = await authenticate(c);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) await countAgainst(c, "anonymous", clientAddress(c));
    throw error;
  }
  c.set("caller", caller);
  await countAgainst(c, "caller", callerKey(caller));
  await next();
});

async function authenticate(c: AppContext): Promise<Caller> {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("Missing Authorization header");
  const token = /^Bearer +(\S+)\s*$/i.exec(header)?.[1];
  if (!token) throw unauthorized("Authorization must use the Bearer scheme");
  if (!c.env.JWT_SECRET && !c.env.JWT_JWKS_URL) throw new Error("JWT_SECRET is not configured");
  try {
    const caller = await verifyJwt(token, {
      secret: c.env.JWT_SECRET,
      jwksUrl: c.env.JWT_JWKS_URL || undefined,
      issuer: c.env.JWT_ISSUER || undefined,
      audience: c.env.JWT_AUDIENCE || undefined,
      now: c.get("now"),
      maxLifetimeSeconds: maxLifetimeOf(c.env.JWT_MAX_LIFETIME_SECONDS),
    });
    return caller;
  } catch (error) {
    if (error instanceof JwtError) throw unauthorized(`Invalid token: ${error.message}`);
    // The identity provider's key set could not be fetched: not the client's fault, and worth retrying.
    if (error instanceof JwksUnavailableError)
      throw new ApiError(503, "auth_unavailable", "Token keys are unavailable; retry shortly", undefined, { "retry-after": "5" });
    throw error;
  }
}

/**
 * Route guards declared on `createRoute({ middleware })`: they run before validation and before an
 * Idempotency-Key replay, so a stored answer is only ever given to a caller the route would admit.
 */
export const managerOnly = createMiddleware<AppEnv>(async (c, next) => {
  assertManager(c.get("caller"));
  await next();
});

export const participantsOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("caller").role !== "participant") throw forbidden("Only participants may call this route", "participants_only");
  await next();
});

/**
 * Routes for managers and participants, whose handlers scope what each sees by those two roles only: a `staff` token
 * is refused here (its rights come from course grants, which a route names with its own policy), never read as a
 * manager by a handler that checks `role === "participant"`.
 */
export const managersAndParticipants = createMiddleware<AppEnv>(async (c, next) => {
  // No caller at all on a signed file link (`?token=`): the link itself was checked, and names no role.
  const caller: Caller | undefined = c.get("caller");
  if (caller?.role === "staff") throw forbidden("Course staff may not call this route", "insufficient_grant");
  await next();
});

/**
 * Routes for managers and course staff: a participant is refused here. Which staff member may do what, in which
 * course, the handler decides from their grant (visibility/grants.ts), since only the path's course names it.
 */
export const managersAndStaff = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("caller").role === "participant") throw forbidden("Only managers and course staff may call this route", "manager_only");
  await next();
});

export const staffOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("caller").role !== "staff") throw forbidden("Only course staff may call this route", "staff_only");
  await next();
});

export function assertManager(caller: Caller): void {
  if (caller.role !== "manager") throw forbidden("This action requires the manager role", "manager_only");
}

/**
 * The participant a request acts for. `participant_id` (and `manager_id`) query parameters are accepted for
 * compatibility with the spec, but identity comes from the token: a participant may only name themself.
 */
export function actingParticipant(caller: Caller, participantId: string | undefined): string {
  if (caller.role === "participant") {
    if (participantId !== undefined && participantId !== caller.id)
      throw forbidden("A participant may only act on their own data", "not_your_data");
    return caller.id;
  }
  return participantId ?? caller.id;
}

/**
 * `manager_id` must name the caller when given; the recorded actor is always the token's subject. Used on
 * routes whose policy (`forManagers`) already admitted only managers.
 */
export function assertManagerId(caller: Caller, managerId: string | undefined): void {
  if (managerId !== undefined && managerId !== caller.id)
    throw forbidden("manager_id must match the authenticated manager", "not_your_identity");
}

/**
 * The participant a write acts for: a participant acts for themself; a manager (or course staff, where a route
 * admits them) acting for a participant must name them — never themself by default.
 */
export function participantFor(caller: Caller, participantId: string | undefined): string {
  if (caller.role !== "participant" && participantId === undefined)
    throw new ApiError(400, "participant_required", "participant_id is required when a manager acts for a participant");
  return actingParticipant(caller, participantId);
}
