import { describe, expect, it } from "vitest";
import { ADDS_AN_ATTEMPT, attemptsAllowed, BLOCKS_NEW_ATTEMPT, decideStart } from "../../src/domain/exams";
import { SUBMISSION_STATUSES, type SubmissionStatus } from "../../src/domain/vocabulary";

/**
 * The start rule is stated twice — `decideStart` gives the precise reason, the conditional INSERT in
 * form-submissions/attempts.ts holds it atomically — from the same two constants. These tables tie the constants
 * to the rule, status by status, so the two cannot drift apart.
 */
const open = { is_locked: false, materials_completed: true, max_attempts: 5, window: "open" as const };

describe("which earlier attempt stops a new one (BLOCKS_NEW_ATTEMPT)", () => {
  it.each(SUBMISSION_STATUSES.map((status) => [status, (BLOCKS_NEW_ATTEMPT as readonly SubmissionStatus[]).includes(status)] as const))(
    "an attempt that is %s → blocks: %s",
    (status, blocks) => {
      const decision = decideStart({ ...open, attempts: [{ id: "a1", submission_status: status }] });
      expect(decision.kind === "start").toBe(!blocks);
    },
  );

  it.each([
    ["InProgress", "resume"],
    ["Submitted", "awaiting_review"],
    ["UnderReview", "awaiting_review"],
    ["Approved", "exam_already_approved"],
  ] as const)("and says why: %s → %s", (status, why) => {
    const decision = decideStart({ ...open, attempts: [{ id: "a1", submission_status: status }] });
    expect(decision.kind === "resume" ? "resume" : decision.kind === "refuse" ? decision.reason : "start").toBe(why);
  });
});

describe("which earlier attempt adds one (ADDS_AN_ATTEMPT)", () => {
  it.each(SUBMISSION_STATUSES.map((status) => [status, status === ADDS_AN_ATTEMPT] as const))("%s adds an attempt: %s", (status, adds) => {
    expect(attemptsAllowed(1, [{ submission_status: status }])).toBe(adds ? 2 : 1);
  });

  it("one attempt allowed, sent back for a retake: a second may start; a Rejected one leaves none", () => {
    expect(decideStart({ ...open, max_attempts: 1, attempts: [{ id: "a1", submission_status: "RetakeRequested" }] })).toEqual({
      kind: "start",
      attempt_number: 2,
    });
    expect(decideStart({ ...open, max_attempts: 1, attempts: [{ id: "a1", submission_status: "Rejected" }] })).toEqual({
      kind: "refuse",
      reason: "no_attempts_left",
    });
  });
});
