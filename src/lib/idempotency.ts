/**
 * `Idempotency-Key` for exam submits and review decisions: the first request with a key runs and its
 * response (any status below 500) is stored; a replay by the same caller gets that response again with
 * `Idempotent-Replayed: true`; the same key with a different method, path or body → 422. Claiming the key is
 * one conditional INSERT, so two concurrent first requests cannot both run (the second gets 409).
 */
import { and, eq, lt } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { idempotencyKeys } from "../db/schema";
import { type AppEnv, type Bindings, callerKey } from "../env";
import { openDb } from "./d1";
import { ApiError, badRequest, conflict } from "./errors";
import { sha256Hex } from "./hash";

/** 1–200 visible ASCII characters. */
const KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Attach after the route's guard (`middleware: [managerOnly, idempotent]`): a replay answers before the
 * handler runs, so the guard must already have admitted the caller. Keys belong to (role, sub): a participant
 * whose `sub` equals a manager's never reaches the manager's stored answers.
 */
export const idempotent = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (!KEY.test(key)) throw badRequest("invalid_idempotency_key", "Idempotency-Key must be 1–200 visible ASCII characters");
  const caller = c.get("caller");
  const owner = callerKey(caller);
  const db = c.get("db");
  // The query is part of the request (e.g. `manager_id`): another query is another request.
  const url = new URL(c.req.url);
  const scope = `${c.req.method} ${url.pathname}${url.search}`;
  const requestHash = await sha256Hex(`${scope}\n${await c.req.text()}`);
  const mine = and(eq(idempotencyKeys.caller_id, owner), eq(idempotencyKeys.key, key));

  const [claimed] = await db
    .insert(idempotencyKeys)
    .values({ caller_id: owner, key, scope, request_hash: requestHash, created_at: c.get("now").toISOString() })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (!claimed) {
    const [seen] = await db.select().from(idempotencyKeys).where(mine);
    if (!seen) throw conflict("idempotency_in_progress", "A request with this Idempotency-Key is still running; retry shortly");
    if (seen.request_hash !== requestHash)
      throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was already used with a different request");
    if (seen.status === null)
      throw conflict("idempotency_in_progress", "A request with this Idempotency-Key is still running; retry shortly");
    return new Response(seen.response, {
      status: seen.status,
      headers: { "content-type": "application/json", "idempotent-replayed": "true" },
    });
  }

  await next();
  // A server fault is not an answer: free the key so the client's retry runs again.
  if (c.res.status >= 500) {
    await db.delete(idempotencyKeys).where(mine);
    return;
  }
  const response = await c.res.clone().text();
  await db
    .update(idempotencyKeys)
    .set({ status: c.res.status, response, subject_id: subjectOf(response) })
    .where(mine);
});

/**
 * The participant whose data a stored reply carries: every idempotent route answers one submission, named by its
 * top-level `participant_id`. Erasing that participant deletes the reply whoever stored it (participants/data-rights.ts).
 */
export function subjectOf(response: string): string | null {
  try {
    const body: unknown = JSON.parse(response);
    const id = body && typeof body === "object" ? (body as { participant_id?: unknown }).participant_id : undefined;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

/** Cron: keys are kept a day — long enough for any client retry, short enough to stay small. */
export async function purgeIdempotencyKeys(env: Bindings, now: Date): Promise<void> {
  await openDb(env.DB)
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.created_at, new Date(now.getTime() - 86_400_000).toISOString()));
}
