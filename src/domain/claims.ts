/**
 * Review claims: a manager's lease on a pending submission, so that several managers working one queue do not
 * review the same thing. A claim lives until `claim_expires_at`; an expired claim is the same as none.
 */
export const CLAIM_MINUTES = 15;

export type ClaimState = { claimed_by: string | null; claim_expires_at: string | null };

/** `?claimed=` on the pending lists. */
export const CLAIM_FILTERS = ["mine", "others", "none"] as const;
export type ClaimFilter = (typeof CLAIM_FILTERS)[number];

/** A claim that holds: its manager and when it expires. */
export type LiveClaim = { claimed_by: string; claim_expires_at: string };

/** The claim as it stands at `now`: null when there is none or it has expired. */
export function liveClaim(claim: ClaimState, now: Date): LiveClaim | null {
  if (!claim.claimed_by || !claim.claim_expires_at) return null;
  if (Date.parse(claim.claim_expires_at) <= now.getTime()) return null;
  return { claimed_by: claim.claimed_by, claim_expires_at: claim.claim_expires_at };
}

/** When a claim taken (or renewed) at `now` expires. */
export const claimExpiry = (now: Date) => new Date(now.getTime() + CLAIM_MINUTES * 60_000).toISOString();

/** What to do with a release, and the live claim it is about (the one to release, or the one that refuses it). */
export type ReleaseDecision =
  | { kind: "release"; forced: boolean; claim: LiveClaim }
  | { kind: "nothing" }
  | { kind: "refuse"; claim: LiveClaim };

/**
 * Releasing a claim: the claimant may; another manager only with `force` (which is audited); releasing what no
 * one holds changes nothing and succeeds, so a retried release is harmless.
 */
export function decideRelease(claim: ClaimState, now: Date, managerId: string, force: boolean): ReleaseDecision {
  const live = liveClaim(claim, now);
  if (!live) return { kind: "nothing" };
  if (live.claimed_by === managerId) return { kind: "release", forced: false, claim: live };
  return force ? { kind: "release", forced: true, claim: live } : { kind: "refuse", claim: live };
}
