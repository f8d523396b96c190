import { describe, expect, it } from "vitest";
import {
  allApproved,
  approveAllSerials,
  canEditRow,
  canReviewRow,
  isTableCompleted,
  missingSerials,
  type Requirement,
  rowStatuses,
  type StoredRow,
  tableCounts,
} from "../../src/domain/requirements";

/* ------------------------------------------------ builders ------------------------------------------------ */

const req = (serial_number: number): Requirement => ({
  serial_number,
  activity: `Activity ${serial_number}`,
  target: serial_number * 10,
  unit: "minutes",
});
const reqs = (...serials: number[]) => serials.map(req);

/** A stored row; `approved` null (unreviewed) unless given. */
const row = (serial_number: number, opts: Partial<Omit<StoredRow, "serial_number">> = {}): StoredRow => ({
  serial_number,
  completed: true,
  completed_value: serial_number * 10,
  remarks: `remarks ${serial_number}`,
  completed_at: "2024-01-15T08:00:00.000Z",
  approved: null,
  approved_by: null,
  approved_at: null,
  approval_remarks: null,
  ...opts,
});
const done = (serial: number) => row(serial);
const open = (serial: number) => row(serial, { completed: false, completed_value: null, remarks: null, completed_at: null });
const approved = (serial: number) =>
  row(serial, { approved: true, approved_by: "m1", approved_at: "2024-01-15T10:00:00.000Z", approval_remarks: "ok" });
const rejected = (serial: number) =>
  row(serial, { approved: false, approved_by: "m1", approved_at: "2024-01-15T10:00:00.000Z", approval_remarks: "redo" });

const unfilled = (serial: number) => ({
  ...req(serial),
  completed: false,
  completed_value: null,
  remarks: null,
  completed_at: null,
  approved: false,
  approved_by: null,
  approved_at: null,
  approval_remarks: null,
});

/* ------------------------------------------------ rowStatuses ------------------------------------------------ */

describe("rowStatuses", () => {
  it("merges stored data into its requirement by serial, every field", () => {
    const stored = row(1, {
      completed_value: 16,
      remarks: "on time",
      approved: true,
      approved_by: "m1",
      approved_at: "2024-01-15T10:00:00.000Z",
      approval_remarks: "Excellent!",
    });
    expect(rowStatuses(reqs(1), [stored])).toEqual([
      {
        serial_number: 1,
        activity: "Activity 1",
        target: 10,
        unit: "minutes",
        completed: true,
        completed_value: 16,
        remarks: "on time",
        completed_at: "2024-01-15T08:00:00.000Z",
        approved: true,
        approved_by: "m1",
        approved_at: "2024-01-15T10:00:00.000Z",
        approval_remarks: "Excellent!",
      },
    ]);
  });

  it.each<[string, Requirement[], StoredRow[], number[]]>([
    ["requirements already in order", reqs(1, 2, 3), [], [1, 2, 3]],
    ["requirements out of order", reqs(3, 1, 2), [], [1, 2, 3]],
    ["stored rows out of order", reqs(1, 2, 3), [done(3), done(1), done(2)], [1, 2, 3]],
    ["gaps in serials", reqs(10, 2, 7), [done(7)], [2, 7, 10]],
    ["stored rows of removed serials are dropped", reqs(1, 3), [done(1), done(2), approved(4)], [1, 3]],
    ["nothing stored and nothing required", [], [done(1)], []],
  ])("orders by serial and shows only current requirements: %s", (_, requirements, stored, serials) => {
    expect(rowStatuses(requirements, stored).map((r) => r.serial_number)).toEqual(serials);
  });

  it("keeps each row's data on its own serial whatever the input order", () => {
    const result = rowStatuses(reqs(2, 1), [row(2, { completed_value: 22 }), row(1, { completed_value: 11 })]);
    expect(result.map((r) => [r.serial_number, r.activity, r.completed_value])).toEqual([
      [1, "Activity 1", 11],
      [2, "Activity 2", 22],
    ]);
  });

  it.each<[string, StoredRow[]]>([
    ["nothing stored", []],
    ["only a row of another serial", [done(2)]],
  ])("an unfilled row gets defaults (approved false, nulls): %s", (_, stored) => {
    expect(rowStatuses(reqs(1), stored)).toEqual([unfilled(1)]);
  });

  it("a new serial appears not completed next to a filled one", () => {
    const [one, three] = rowStatuses(reqs(1, 3), [approved(1)]);
    expect(one).toMatchObject({ serial_number: 1, completed: true, approved: true });
    expect(three).toEqual(unfilled(3));
  });

  it.each<[string, boolean | null, boolean]>([
    ["unreviewed (null)", null, false],
    ["rejected (false)", false, false],
    ["approved (true)", true, true],
  ])("approved %s shows as %s", (_, stored, shown) => {
    const [status] = rowStatuses(reqs(1), [row(1, { approved: stored })]);
    expect(status!.approved).toBe(shown);
  });

  it("a rejected row keeps who rejected it and why", () => {
    const [status] = rowStatuses(reqs(1), [rejected(1)]);
    expect(status).toMatchObject({ approved: false, approved_by: "m1", approved_at: "2024-01-15T10:00:00.000Z", approval_remarks: "redo" });
  });

  it("a stored row with completed false keeps its value and remarks but is not completed", () => {
    const [status] = rowStatuses(reqs(1), [row(1, { completed: false, completed_value: 3, remarks: "later", completed_at: null })]);
    expect(status).toMatchObject({ completed: false, completed_value: 3, remarks: "later", completed_at: null });
  });

  it("zero values are kept, not replaced by null", () => {
    const [status] = rowStatuses(reqs(1), [row(1, { completed_value: 0, remarks: "" })]);
    expect(status!.completed_value).toBe(0);
    expect(status!.remarks).toBe("");
  });

  it("does not reorder the caller's array", () => {
    const requirements = reqs(3, 1, 2);
    rowStatuses(requirements, []);
    expect(requirements.map((r) => r.serial_number)).toEqual([3, 1, 2]);
  });
});

/* ------------------------------------------ missingSerials / isTableCompleted ------------------------------------------ */

describe("missingSerials and isTableCompleted", () => {
  it.each<[string, Requirement[], StoredRow[], number[]]>([
    ["nothing stored", reqs(1, 2, 3), [], [1, 2, 3]],
    ["requirements out of order, sorted answer", reqs(3, 1, 2), [], [1, 2, 3]],
    ["one filled", reqs(1, 2, 3), [done(2)], [1, 3]],
    ["a stored row not completed is missing", reqs(1, 2), [done(1), open(2)], [2]],
    ["all filled", reqs(1, 2), [done(1), done(2)], []],
    ["a rejected but completed row is not missing", reqs(1, 2), [done(1), rejected(2)], []],
    ["a completed row of a removed serial does not fill a new one", reqs(1, 3), [done(1), done(2)], [3]],
    ["new serial after edit", reqs(1, 2, 3), [approved(1), approved(2)], [3]],
  ])("%s", (_, requirements, stored, missing) => {
    expect(missingSerials(requirements, stored)).toEqual(missing);
    expect(isTableCompleted(requirements, stored)).toBe(missing.length === 0);
  });
});

/* ------------------------------------------------ tableCounts ------------------------------------------------ */

describe("tableCounts", () => {
  it.each<[string, Requirement[], StoredRow[], { completed: number; approved: number; total: number }]>([
    ["nothing stored", reqs(1, 2), [], { completed: 0, approved: 0, total: 2 }],
    ["partially filled", reqs(1, 2, 3), [done(1), open(2)], { completed: 1, approved: 0, total: 3 }],
    [
      "approved null/false/true: only true counts",
      reqs(1, 2, 3),
      [done(1), rejected(2), approved(3)],
      { completed: 3, approved: 1, total: 3 },
    ],
    ["all approved", reqs(1, 2), [approved(1), approved(2)], { completed: 2, approved: 2, total: 2 }],
    ["removed serials are ignored", reqs(1, 3), [approved(1), approved(2), done(5)], { completed: 1, approved: 1, total: 2 }],
    ["only removed serials stored", reqs(7), [approved(1), approved(2)], { completed: 0, approved: 0, total: 1 }],
  ])("%s", (_, requirements, stored, counts) => {
    expect(tableCounts(requirements, stored)).toEqual(counts);
  });
});

/* ------------------------------------------------ allApproved ------------------------------------------------ */

describe("allApproved", () => {
  it.each<[string, Requirement[], StoredRow[], boolean]>([
    ["every row approved", reqs(1, 2), [approved(1), approved(2)], true],
    ["one row unreviewed (null)", reqs(1, 2), [approved(1), done(2)], false],
    ["one row rejected (false)", reqs(1, 2), [approved(1), rejected(2)], false],
    ["one row never stored", reqs(1, 2), [approved(1)], false],
    ["a new serial after every old row was approved", reqs(1, 2, 3), [approved(1), approved(2)], false],
    ["a removed serial's unapproved row does not block", reqs(1), [approved(1), rejected(2)], true],
    ["approved rows of removed serials do not stand in for current ones", reqs(1, 3), [approved(1), approved(2)], false],
    ["an empty table is never approved", [], [], false],
  ])("%s → %s", (_, requirements, stored, expected) => {
    expect(allApproved(requirements, stored)).toBe(expected);
  });
});

/* ------------------------------------------------ canEditRow ------------------------------------------------ */

describe("canEditRow", () => {
  it.each<[string, Requirement[], StoredRow[], number, ReturnType<typeof canEditRow>]>([
    ["an unfilled row", reqs(1, 2), [], 1, null],
    ["a filled, unreviewed row", reqs(1, 2), [done(1)], 1, null],
    ["a rejected row may be edited", reqs(1, 2), [rejected(1)], 1, null],
    ["an approved row is refused", reqs(1, 2), [approved(1)], 1, "row_approved"],
    ["another row approved does not block this one", reqs(1, 2), [approved(1)], 2, null],
    ["an unknown serial", reqs(1, 2), [], 3, "unknown_serial"],
    ["a removed serial, even with a stored row", reqs(1), [done(2)], 2, "unknown_serial"],
    ["a removed serial that was approved is unknown first", reqs(1), [approved(2)], 2, "unknown_serial"],
    ["a new serial after edit", reqs(1, 3), [approved(1)], 3, null],
  ])("%s → %s", (_, requirements, stored, serial, expected) => {
    expect(canEditRow(requirements, stored, serial)).toBe(expected);
  });
});

/* ------------------------------------------------ canReviewRow ------------------------------------------------ */

describe("canReviewRow", () => {
  it.each<[string, Requirement[], StoredRow[], boolean, number, ReturnType<typeof canReviewRow>]>([
    ["a completed row of a submitted table", reqs(1, 2), [done(1)], true, 1, null],
    ["an approved row can be reviewed again", reqs(1, 2), [approved(1)], true, 1, null],
    ["a rejected row can be reviewed again", reqs(1, 2), [rejected(1)], true, 1, null],
    ["not submitted", reqs(1, 2), [done(1)], false, 1, "not_submitted"],
    ["unknown serial wins over not submitted", reqs(1, 2), [], false, 9, "unknown_serial"],
    ["unknown serial on a submitted table", reqs(1, 2), [done(1)], true, 9, "unknown_serial"],
    ["a removed serial with a stored row", reqs(1), [done(2)], true, 2, "unknown_serial"],
    ["not submitted wins over not completed", reqs(1, 2), [], false, 2, "not_submitted"],
    ["a row never stored", reqs(1, 2), [done(1)], true, 2, "row_not_completed"],
    ["a row stored but not completed", reqs(1, 2), [done(1), open(2)], true, 2, "row_not_completed"],
  ])("%s → %s", (_, requirements, stored, submitted, serial, expected) => {
    expect(canReviewRow(requirements, stored, submitted, serial)).toBe(expected);
  });
});

/* ----------------------------------------------- approveAllSerials ----------------------------------------------- */

describe("approveAllSerials", () => {
  it.each<[string, Requirement[], StoredRow[], { before: number[]; after: number[] }]>([
    ["nothing approved yet", reqs(1, 2), [done(1), done(2)], { before: [], after: [1, 2] }],
    ["one approved already", reqs(1, 2), [approved(1), done(2)], { before: [1], after: [1, 2] }],
    ["a rejected row is approved", reqs(1, 2), [rejected(1), done(2)], { before: [], after: [1, 2] }],
    ["a row not completed stays out", reqs(1, 2), [done(1), open(2)], { before: [], after: [1] }],
    ["a removed serial's row stays out", reqs(1, 2), [done(1), done(2), done(3)], { before: [], after: [1, 2] }],
    ["a removed serial once approved stays approved", reqs(1), [approved(3), done(1)], { before: [3], after: [1, 3] }],
    ["everything approved: no change", reqs(1, 2), [approved(1), approved(2)], { before: [1, 2], after: [1, 2] }],
  ])("%s", (_, requirements, stored, expected) => {
    expect(approveAllSerials(requirements, stored)).toEqual(expected);
  });
});
