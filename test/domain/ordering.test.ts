import { describe, expect, it } from "vitest";
import { checkStepReorder, closesStepLoop, duplicateSerials, type StepOrder } from "../../src/domain/ordering";

describe("checkStepReorder", () => {
  const course = new Set(["a", "b", "c", "d"]);
  const o = (step_id: string, order_index: number): StepOrder => ({ step_id, order_index });

  const cases: { name: string; steps: ReadonlySet<string>; orders: StepOrder[]; expected: string | null }[] = [
    { name: "empty reorder", steps: course, orders: [], expected: null },
    { name: "full reorder", steps: course, orders: [o("d", 0), o("c", 1), o("b", 2), o("a", 3)], expected: null },
    { name: "valid partial reorder", steps: course, orders: [o("c", 0), o("a", 5)], expected: null },
    { name: "single step", steps: course, orders: [o("b", 7)], expected: null },
    { name: "unknown step id", steps: course, orders: [o("x", 0)], expected: "step 'x' does not belong to this course" },
    {
      name: "unknown step id after valid entries",
      steps: course,
      orders: [o("a", 0), o("b", 1), o("zz", 2)],
      expected: "step 'zz' does not belong to this course",
    },
    {
      name: "any step in a course without steps",
      steps: new Set(),
      orders: [o("a", 0)],
      expected: "step 'a' does not belong to this course",
    },
    { name: "duplicate step id", steps: course, orders: [o("a", 0), o("b", 1), o("a", 2)], expected: "step 'a' appears more than once" },
    {
      name: "duplicate step id with the same index reports the step",
      steps: course,
      orders: [o("a", 0), o("a", 0)],
      expected: "step 'a' appears more than once",
    },
    {
      name: "duplicate order_index",
      steps: course,
      orders: [o("a", 1), o("b", 1)],
      expected: "order_index 1 is given to more than one step",
    },
    {
      name: "duplicate order_index 0",
      steps: course,
      orders: [o("a", 0), o("c", 2), o("b", 0)],
      expected: "order_index 0 is given to more than one step",
    },
    {
      name: "the first faulty entry wins (duplicate before unknown)",
      steps: course,
      orders: [o("a", 0), o("a", 1), o("x", 2)],
      expected: "step 'a' appears more than once",
    },
    {
      name: "the first faulty entry wins (unknown before duplicate)",
      steps: course,
      orders: [o("a", 0), o("x", 0)],
      expected: "step 'x' does not belong to this course",
    },
  ];

  it.each(cases)("$name", ({ steps, orders, expected }) => {
    expect(checkStepReorder(steps, orders)).toBe(expected);
  });
});

describe("duplicateSerials", () => {
  const cases: { name: string; serials: number[]; expected: number[] }[] = [
    { name: "none", serials: [], expected: [] },
    { name: "all unique", serials: [1, 2, 3], expected: [] },
    { name: "one duplicate", serials: [1, 2, 1], expected: [1] },
    { name: "triplicate listed once", serials: [4, 4, 4], expected: [4] },
    { name: "several duplicates, each once, in order of the first repeat", serials: [3, 1, 3, 1, 2, 3, 1], expected: [3, 1] },
    { name: "zero is a serial like any other", serials: [0, 5, 0], expected: [0] },
  ];

  it.each(cases)("$name", ({ serials, expected }) => {
    expect(duplicateSerials(serials.map((serial_number) => ({ serial_number })))).toEqual(expected);
  });
});

describe("closesStepLoop", () => {
  const prev = (entries: Record<string, string | null>) => new Map(Object.entries(entries));

  const cases: { name: string; previousOf: Map<string, string | null>; target: string; previous: string | null; expected: boolean }[] = [
    { name: "previous null", previousOf: prev({ a: null, b: "a" }), target: "b", previous: null, expected: false },
    { name: "loop of length 1 (step after itself)", previousOf: prev({ a: null }), target: "a", previous: "a", expected: true },
    { name: "loop of length 2", previousOf: prev({ a: null, b: "a" }), target: "a", previous: "b", expected: true },
    { name: "loop of length 3", previousOf: prev({ a: null, b: "a", c: "b" }), target: "a", previous: "c", expected: true },
    {
      name: "loop through the middle of a chain",
      previousOf: prev({ a: null, b: "a", c: "b", d: "c" }),
      target: "b",
      previous: "d",
      expected: true,
    },
    {
      name: "new step after the end of a chain",
      previousOf: prev({ a: null, b: "a", c: "b" }),
      target: "d",
      previous: "c",
      expected: false,
    },
    {
      name: "existing step moved earlier in its chain",
      previousOf: prev({ a: null, b: "a", c: "b" }),
      target: "c",
      previous: "a",
      expected: false,
    },
    {
      name: "head moved after a step of another chain",
      previousOf: prev({ a: null, b: "a", x: null }),
      target: "a",
      previous: "x",
      expected: false,
    },
    { name: "previous not among the known steps", previousOf: prev({ a: null }), target: "a", previous: "ghost", expected: false },
    {
      name: "target's own current previous does not matter",
      previousOf: prev({ a: "b", b: null }),
      target: "a",
      previous: "b",
      expected: false,
    },
  ];

  it.each(cases)("$name", ({ previousOf, target, previous, expected }) => {
    expect(closesStepLoop(previousOf, target, previous)).toBe(expected);
  });

  it("terminates on a pre-existing loop that does not involve the target (answers true)", () => {
    expect(closesStepLoop(prev({ x: "y", y: "x" }), "t", "x")).toBe(true);
  });
});
