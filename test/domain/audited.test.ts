import { describe, expect, it } from "vitest";
import { changesBetween, reviewChanges, rowReviewChanges } from "../../src/domain/audit";

type Reviewed = Parameters<typeof reviewChanges>[0];

const submitted: Reviewed = {
  submission_status: "Submitted",
  theory_grades: null,
  mcq_score: 5,
  theory_score: null,
  total_score: null,
  feedback: null,
  retake_reason: null,
};

describe("changesBetween", () => {
  it.each<[string, Record<string, unknown> | null, Record<string, unknown> | null, Record<string, unknown>]>([
    ["created: before is null", null, { name: "a", description: null }, { name: [null, "a"] }],
    ["deleted: after is null", { name: "a" }, null, { name: ["a", null] }],
    ["only fields that differ", { name: "a", description: "x" }, { name: "b", description: "x" }, { name: ["a", "b"] }],
    ["objects compared by value", { name: { q: 1 } }, { name: { q: 1 } }, {}],
    ["undefined is null", { name: undefined }, { name: null }, {}],
  ])("%s", (_, before, after, expected) => {
    expect(changesBetween(before, after, ["name", "description"])).toEqual(expected);
  });
});

describe("reviewChanges: a decision's diff, without the reviewer's text", () => {
  it.each<[string, Partial<Reviewed>, Record<string, unknown>]>([
    [
      "grading",
      { submission_status: "UnderReview", theory_grades: { q2: 8 }, theory_score: 8, total_score: 13 },
      {
        submission_status: ["Submitted", "UnderReview"],
        theory_grades: [null, { q2: 8 }],
        theory_score: [null, 8],
        total_score: [null, 13],
      },
    ],
    [
      "rejecting with feedback",
      { submission_status: "Rejected", feedback: "Not yet" },
      { submission_status: ["Submitted", "Rejected"], has_feedback: [false, true] },
    ],
    [
      "a retake with a reason",
      { submission_status: "RetakeRequested", retake_reason: "Again" },
      { submission_status: ["Submitted", "RetakeRequested"], has_retake_reason: [false, true] },
    ],
    [
      "a field left undefined is not changed (as drizzle's set skips it)",
      { submission_status: "Rejected", feedback: undefined },
      { submission_status: ["Submitted", "Rejected"] },
    ],
  ])("%s", (_, set, expected) => {
    const changes = reviewChanges(submitted, set);
    expect(changes).toEqual(expected);
    expect(JSON.stringify(changes)).not.toMatch(/Not yet|Again/);
  });
});

describe("rowReviewChanges", () => {
  it.each<[string, Parameters<typeof rowReviewChanges>[1], Parameters<typeof rowReviewChanges>[2], Record<string, unknown>]>([
    ["first approval", undefined, { approved: true }, { "rows.1.approved": [null, true] }],
    [
      "rejected with remarks",
      { approved: null, approval_remarks: null },
      { approved: false, approval_remarks: "Too few" },
      { "rows.1.approved": [null, false], "rows.1.has_approval_remarks": [false, true] },
    ],
    [
      "remarks kept: not repeated",
      { approved: false, approval_remarks: "a" },
      { approved: true, approval_remarks: "b" },
      { "rows.1.approved": [false, true] },
    ],
    [
      "remarks dropped",
      { approved: false, approval_remarks: "a" },
      { approved: true },
      { "rows.1.approved": [false, true], "rows.1.has_approval_remarks": [true, false] },
    ],
  ])("%s", (_, before, after, expected) => {
    expect(rowReviewChanges(1, before, after)).toEqual(expected);
  });
});
