/**
 * Review claims in SQL, for both kinds of reviewable submission (exam attempts and requirement tables): the
 * claim itself is one conditional UPDATE, and every decision's own UPDATE carries `claimAllows`, so a lease
 * taken a millisecond before a decision by someone else still stops it.
 */
import { z } from "@hono/zod-openapi";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { batch } from "../db/batch";
import type { formSubmissions, requirementSubmissions } from "../db/schema";
import {
  CLAIM_FILTERS,
  CLAIM_MINUTES,
  type ClaimFilter,
  type ClaimState,
  claimExpiry,
  decideRelease,
  type LiveClaim,
  liveClaim,
} from "../domain/claims";
import type { AuditAction, AuditEntityType } from "../domain/vocabulary";
import type { AppContext } from "../env";
import { audit } from "../journal";
import { ApiError, conflict, notFound } from "../lib/errors";

/** Both kinds of reviewable submission carry the same `id`, `claimed_by` and `claim_expires_at` columns. */
export type Claimable = typeof formSubmissions | typeof requirementSubmissions;

/** A decision ends the review, and the claim goes with it: spread into the decision's own UPDATE. */
export const claimEnded = { claimed_by: null, claim_expires_at: null } as const;

/** The caller may decide: no live claim, or their own. */
export const claimAllows = (t: Claimable, managerId: string, now: Date) =>
  sql`(${t.claimed_by} IS NULL OR ${t.claimed_by} = ${managerId} OR ${t.claim_expires_at} <= ${now.toISOString()})`;

/** `?claimed=` as a condition. */
export function claimFilter(t: Claimable, filter: ClaimFilter | undefined, managerId: string, now: Date): SQL | undefined {
  const at = now.toISOString();
  if (filter === "mine") return sql`(${t.claimed_by} = ${managerId} AND ${t.claim_expires_at} > ${at})`;
  if (filter === "others") return sql`(${t.claimed_by} <> ${managerId} AND ${t.claim_expires_at} > ${at})`;
  if (filter === "none") return sql`(${t.claimed_by} IS NULL OR ${t.claim_expires_at} <= ${at})`;
  return undefined;
}

/** How a list shows a claim: its holder and expiry while it lives, nulls otherwise. */
export function claimView(claim: ClaimState, now: Date) {
  const live = liveClaim(claim, now);
  return { claimed_by: live?.claimed_by ?? null, claim_expires_at: live?.claim_expires_at ?? null };
}

export function claimedByOther(claim: LiveClaim) {
  return new ApiError(
    409,
    "claimed_by_other",
    `Manager '${claim.claimed_by}' is reviewing this submission until ${claim.claim_expires_at}`,
    [
      { path: "claimed_by", message: claim.claimed_by },
      { path: "claim_expires_at", message: claim.claim_expires_at },
    ],
  );
}

/** Refuses a decision on a submission another manager holds, as read. */
export function assertClaimAllows(c: AppContext, claim: ClaimState) {
  const live = liveClaim(claim, c.get("now"));
  if (live && live.claimed_by !== c.get("caller").id) throw claimedByOther(live);
}

/**
 * Why a decision's conditional UPDATE matched nothing, when the reason is a claim taken meanwhile (one more read,
 * only on that rare path); null when the reason is something else (the caller answers its own conflict).
 */
export async function claimTakenMeanwhile(c: AppContext, t: Claimable, id: string): Promise<ApiError | null> {
  const [row] = await c.get("db").select({ claimed_by: t.claimed_by, claim_expires_at: t.claim_expires_at }).from(t).where(eq(t.id, id));
  const live = row ? liveClaim(row, c.get("now")) : null;
  return live && live.claimed_by !== c.get("caller").id ? claimedByOther(live) : null;
}

/**
 * Takes or renews the caller's claim: one conditional UPDATE (free, expired or already theirs, and still
 * pending) and, in the same round trip, the row as it then stands to explain a refusal. Of any number of
 * managers claiming at once exactly one UPDATE lands.
 */
export async function takeClaim(c: AppContext, t: Claimable, id: string, pending: SQL, notPending: () => ApiError) {
  const db = c.get("db");
  const me = c.get("caller").id;
  const now = c.get("now");
  const expires = claimExpiry(now);
  const result = await batch(db, {
    taken: db
      .update(t)
      .set({ claimed_by: me, claim_expires_at: expires })
      .where(and(eq(t.id, id), pending, claimAllows(t, me, now)))
      .returning({ id: t.id }),
    row: db
      .select({
        claimed_by: t.claimed_by,
        claim_expires_at: t.claim_expires_at,
        pending: sql<number>`CASE WHEN ${pending} THEN 1 ELSE 0 END`,
      })
      .from(t)
      .where(eq(t.id, id)),
  });
  const [taken] = result.taken;
  // The UPDATE landed: the claim is what it set.
  if (taken) return { claimed_by: me, claim_expires_at: expires };
  const [row] = result.row;
  if (!row) throw notFound("Submission", id);
  if (!row.pending) throw notPending();
  const live = liveClaim(row, now);
  if (live) throw claimedByOther(live);
  throw conflict("conflict", "The claim changed meanwhile; try again");
}

/**
 * Releases a claim: the claimant's own, or another manager's with `force` — recorded in the audit log in the
 * same batch. Read, then a write conditional on the claim read (so a renewal meanwhile is not released).
 */
export async function releaseClaim(
  c: AppContext,
  t: Claimable,
  id: string,
  force: boolean,
  audited: { action: AuditAction; type: AuditEntityType },
) {
  const db = c.get("db");
  const now = c.get("now");
  const [row] = await db.select({ claimed_by: t.claimed_by, claim_expires_at: t.claim_expires_at }).from(t).where(eq(t.id, id));
  if (!row) throw notFound("Submission", id);
  const decision = decideRelease(row, now, c.get("caller").id, force);
  if (decision.kind === "nothing") return;
  if (decision.kind === "refuse") throw claimedByOther(decision.claim);
  const { claim } = decision;
  const result = await batch(db, {
    released: db
      .update(t)
      .set(claimEnded)
      .where(and(eq(t.id, id), eq(t.claimed_by, claim.claimed_by), eq(t.claim_expires_at, claim.claim_expires_at)))
      .returning({ id: t.id }),
    audit:
      decision.forced &&
      audit(
        c,
        audited.action,
        { type: audited.type, id },
        { claimed_by: [row.claimed_by, null], claim_expires_at: [row.claim_expires_at, null] },
      ),
  });
  if (result.released.length === 0) throw conflict("conflict", "The claim changed meanwhile; reload and try again");
}

/* ---- the wire shapes both features share ---- */

export const ClaimSchema = z
  .object({
    claimed_by: z.string().openapi({ description: "The manager holding the claim (the caller)" }),
    claim_expires_at: z.string().openapi({ description: `When the lease ends (${CLAIM_MINUTES} minutes after it was taken or renewed)` }),
  })
  .openapi("ReviewClaim");

/** Added to each item of a pending list. */
export const claimFields = {
  claimed_by: z.string().nullable().openapi({ description: "The manager whose review claim is live, or null" }),
  claim_expires_at: z.string().nullable().openapi({ description: "When that claim ends, or null" }),
};

export const claimedQuery = {
  claimed: z.enum(CLAIM_FILTERS).optional().openapi({
    description: "Only submissions claimed by the caller (`mine`), by another manager (`others`), or by no one (`none`)",
  }),
};

export const ReleaseQuery = z.object({
  force: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`true`: release another manager's claim (recorded in the audit log)" }),
});
