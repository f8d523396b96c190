/**
 * Review claims: a manager's lease on a pending submission, so that several managers working one queue do not
 * review the same thing. A claim lives until `claim_expires_at`; an expired claim is the same as none.
 */
export const CLAIM_MINUTES = 15;

export type ClaimState = { claimed_by: string | null; claim_expires_at: string | null };

/** `?claimed=` on the pending lists. */
export const CLAIM_FILTERS = ["mine", "others", "none"] as const;
export type ClaimFilter = (typeof CLAIM_FILTERS)[number];

/** The claim as it stands at `now`: null when there is none or it has expired. */
export function liveClaim(claim: ClaimState, now: Date): { claimed_by: string; claim_expires_at: string } | null {
  if (!claim.claimed_by || !claim.claim_expires_at) return null;
  if (Date.parse(claim.claim_expires_at) <= now.getTime()) return null;
  return { claimed_by: claim.claimed_by, claim_expires_at: claim.claim_expires_at };
}

/** Whose the claim is, from `managerId`'s side. */
export function claimHolder(claim: ClaimState, now: Date, managerId: string): ClaimFilter {
  const live = liveClaim(claim, now);
  if (!live) return "none";
  return live.claimed_by === managerId ? "mine" : "others";
}

/** When a claim taken (or renewed) at `now` expires. */
export const claimExpiry = (now: Date) => new Date(now.getTime() + CLAIM_MINUTES * 60_000).toISOString();

export type ReleaseDecision = { kind: "release"; forced: boolean } | { kind: "nothing" } | { kind: "refuse" };

/**
 * Releasing a claim: the claimant may; another manager only with `force` (which is audited); releasing what no
 * one holds changes nothing and succeeds, so a retried release is harmless.
 */
export function decideRelease(claim: ClaimState, now: Date, managerId: string, force: boolean): ReleaseDecision {
  const holder = claimHolder(claim, now, managerId);
  if (holder === "none") return { kind: "nothing" };
  if (holder === "mine") return { kind: "release", forced: false };
  return force ? { kind: "release", forced: true } : { kind: "refuse" };
}
