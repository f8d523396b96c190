import { describe, expect, it } from "vitest";
import {
  type AttemptFacts,
  completesCourse,
  courseState,
  type ExamStatus,
  examStatusOf,
  isGated,
  isMaterialComplete,
  type MaterialFacts,
  type ParticipantFacts,
  type StepFacts,
  type SubmissionStatus,
  sortSteps,
} from "../../src/domain/progress";

/* ------------------------------------------------ builders ------------------------------------------------ */

const step = (id: string, order_index: number, opts: { exam?: string; prev?: string; unlockOnExamPass?: boolean } = {}): StepFacts => ({
  id,
  order_index,
  previous_step_id: opts.prev ?? null,
  unlock_on_exam_pass: opts.unlockOnExamPass ?? true,
  exam_id: opts.exam ?? null,
});

const material = (id: string, step_id: string, opts: { optional?: boolean; table?: string | null; type?: string } = {}): MaterialFacts => ({
  id,
  step_id,
  is_mandatory: !opts.optional,
  material_type: opts.type ?? (opts.table !== undefined ? "RequirementTable" : "Video"),
  requirement_table_id: opts.table ?? null,
});

const attempt = (form_id: string, attempt_number: number, submission_status: SubmissionStatus, step_id = "?"): AttemptFacts => ({
  form_id,
  step_id,
  attempt_number,
  submission_status,
});

const facts = (opts: { start?: string; done?: string[]; tables?: string[]; attempts?: AttemptFacts[] } = {}): ParticipantFacts => ({
  start_step_id: opts.start ?? null,
  completed_material_ids: new Set(opts.done ?? []),
  approved_table_ids: new Set(opts.tables ?? []),
  attempts: opts.attempts ?? [],
});

/* ------------------------------------------------ examStatusOf -------------------------------------------- */

describe("examStatusOf", () => {
  const a = (attempt_number: number, submission_status: SubmissionStatus) => ({ attempt_number, submission_status });
  const cases: { name: string; attempts: ReturnType<typeof a>[]; expected: ExamStatus }[] = [
    { name: "no attempts", attempts: [], expected: "NotStarted" },
    { name: "a single attempt in progress", attempts: [a(1, "InProgress")], expected: "InProgress" },
    { name: "latest in progress after a rejection", attempts: [a(1, "Rejected"), a(2, "InProgress")], expected: "InProgress" },
    { name: "submitted", attempts: [a(1, "Submitted")], expected: "Submitted" },
    { name: "under review shows as submitted", attempts: [a(1, "UnderReview")], expected: "Submitted" },
    { name: "approved", attempts: [a(1, "Approved")], expected: "Approved" },
    { name: "an earlier approval wins over a later rejection", attempts: [a(1, "Approved"), a(2, "Rejected")], expected: "Approved" },
    {
      name: "an earlier approval wins over a later attempt in progress",
      attempts: [a(1, "Approved"), a(2, "InProgress")],
      expected: "Approved",
    },
    {
      name: "a later approval wins over earlier rejections",
      attempts: [a(1, "Rejected"), a(2, "Rejected"), a(3, "Approved")],
      expected: "Approved",
    },
    { name: "rejected", attempts: [a(1, "Rejected")], expected: "Rejected" },
    { name: "retake requested shows as rejected", attempts: [a(1, "RetakeRequested")], expected: "Rejected" },
    { name: "latest rejected after a retake", attempts: [a(1, "RetakeRequested"), a(2, "Rejected")], expected: "Rejected" },
    {
      name: "latest by attempt_number, not array order (in progress last by number)",
      attempts: [a(3, "InProgress"), a(1, "Rejected"), a(2, "Rejected")],
      expected: "InProgress",
    },
    {
      name: "latest by attempt_number, not array order (rejected last by number)",
      attempts: [a(2, "Rejected"), a(1, "Submitted")],
      expected: "Rejected",
    },
    {
      name: "latest by attempt_number, not array order (submitted last by number)",
      attempts: [a(2, "Submitted"), a(1, "InProgress")],
      expected: "Submitted",
    },
  ];
  it.each(cases)("$name → $expected", ({ attempts, expected }) => {
    expect(examStatusOf(attempts)).toBe(expected);
  });
});

/* ------------------------------------------------ isMaterialComplete -------------------------------------- */

describe("isMaterialComplete", () => {
  const cases: { name: string; material: MaterialFacts; facts: ParticipantFacts; expected: boolean }[] = [
    { name: "marked material", material: material("m", "s"), facts: facts({ done: ["m"] }), expected: true },
    { name: "unmarked material", material: material("m", "s"), facts: facts({ done: ["other"] }), expected: false },
    { name: "optional marked material", material: material("m", "s", { optional: true }), facts: facts({ done: ["m"] }), expected: true },
    { name: "requirement table approved", material: material("m", "s", { table: "t1" }), facts: facts({ tables: ["t1"] }), expected: true },
    {
      name: "requirement table not approved",
      material: material("m", "s", { table: "t1" }),
      facts: facts({ tables: ["t2"] }),
      expected: false,
    },
    {
      name: "requirement table marked but not approved",
      material: material("m", "s", { table: "t1" }),
      facts: facts({ done: ["m"] }),
      expected: false,
    },
    {
      name: "requirement table without a table id never completes",
      material: material("m", "s", { table: null, type: "RequirementTable" }),
      facts: facts({ done: ["m"], tables: ["t1"] }),
      expected: false,
    },
    {
      name: "a table id on a non-RequirementTable material is ignored (marking counts)",
      material: material("m", "s", { table: "t1", type: "Document" }),
      facts: facts({ done: ["m"] }),
      expected: true,
    },
  ];
  it.each(cases)("$name → $expected", ({ material, facts, expected }) => {
    expect(isMaterialComplete(material, facts)).toBe(expected);
  });
});

/* ------------------------------------------------ sortSteps ----------------------------------------------- */

describe("sortSteps", () => {
  const s = (id: string, order_index: number) => ({ id, order_index });
  const cases: { name: string; steps: { id: string; order_index: number }[]; expected: string[] }[] = [
    { name: "empty", steps: [], expected: [] },
    { name: "already ordered", steps: [s("a", 0), s("b", 1), s("c", 2)], expected: ["a", "b", "c"] },
    { name: "reversed", steps: [s("a", 2), s("b", 1), s("c", 0)], expected: ["c", "b", "a"] },
    { name: "gaps and negative indices", steps: [s("a", 10), s("b", -1), s("c", 3)], expected: ["b", "c", "a"] },
    { name: "ties broken by id", steps: [s("z", 1), s("b", 1), s("m", 0), s("a", 1)], expected: ["m", "a", "b", "z"] },
    { name: "order_index before id", steps: [s("a", 2), s("b", 1)], expected: ["b", "a"] },
  ];
  it.each(cases)("$name", ({ steps, expected }) => {
    const before = steps.map((x) => x.id);
    expect(sortSteps(steps).map((x) => x.id)).toEqual(expected);
    expect(steps.map((x) => x.id)).toEqual(before); // the input is not sorted in place
  });
});

/* ------------------------------------------------ courseState --------------------------------------------- */

type Expect = {
  unlocked: string[];
  completed: string[];
  waived?: string[];
  current: string | null;
  percentage: number;
  is_completed?: boolean;
};

type Case = { name: string; steps: StepFacts[]; materials: MaterialFacts[]; facts: ParticipantFacts; expected: Expect };

// The standard 3-step course: s1 without exam (two mandatory materials, one optional), s2 with exam e2, s3 without exam.
const plain: StepFacts[] = [step("s1", 0), step("s2", 1, { exam: "e2" }), step("s3", 2)];
const plainMaterials: MaterialFacts[] = [
  material("m1a", "s1"),
  material("m1b", "s1"),
  material("m1o", "s1", { optional: true }),
  material("m2", "s2"),
  material("m3", "s3"),
];
// A course whose first step has an exam.
const examFirst: StepFacts[] = [step("s1", 0, { exam: "e1" }), step("s2", 1), step("s3", 2)];
const examFirstMaterials: MaterialFacts[] = [material("m1", "s1"), material("m2", "s2"), material("m3", "s3")];
const noMaterialSteps: MaterialFacts[] = [material("m1", "s1"), material("m2", "s2"), material("m3", "s3")];

const approvedE2 = attempt("e2", 1, "Approved", "s2");

describe("courseState", () => {
  const cases: Case[] = [
    /* -- enrolment and materials -- */
    {
      name: "on enrolment only step 1 is unlocked",
      steps: plain,
      materials: plainMaterials,
      facts: facts(),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0, is_completed: false },
    },
    {
      name: "step 1 with one of two mandatory materials is not completed",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1o"] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "step 1 with only the optional material is not completed",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1o"] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "step 1 completes with all mandatory materials (optional one not needed); step 2 unlocks",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1b"] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "a step without materials and without exam is completed once unlocked",
      steps: [step("s1", 0), step("s2", 1), step("s3", 2)],
      materials: [material("m1", "s1"), material("m3", "s3")],
      facts: facts({ done: ["m1"] }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1", "s2"], current: "s3", percentage: 67 },
    },
    /* -- exams -- */
    {
      name: "step with exam: materials alone don't complete it; step 3 stays locked",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1b", "m2"] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "step with exam: a submitted attempt does not complete it",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1b", "m2"], attempts: [attempt("e2", 1, "Submitted")] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "step with exam: a rejected attempt does not complete it",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1b", "m2"], attempts: [attempt("e2", 1, "Rejected")] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "step with exam: an approved attempt completes it and unlocks step 3 (2 of 3 → 67)",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1b", "m2"], attempts: [attempt("e2", 1, "Rejected"), attempt("e2", 2, "Approved")] }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1", "s2"], current: "s3", percentage: 67, is_completed: false },
    },
    {
      name: "an approved attempt at another form (not the step's current exam) does not complete the step",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1b", "m2"], attempts: [attempt("old-exam", 1, "Approved", "s2")] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "everything done: 100 %, completed, no current step",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m1a", "m1b", "m2", "m3"], attempts: [approvedE2] }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1", "s2", "s3"], current: null, percentage: 100, is_completed: true },
    },
    {
      name: "materials marked in a locked step neither complete nor unlock it",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m3"] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "locked steps are not completed, with or without an exam (0 of 3)",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ done: ["m2", "m3"], attempts: [] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0, is_completed: false },
    },
    /* -- unlock_on_exam_pass -- */
    {
      name: "unlock_on_exam_pass true (default): step 2 stays locked while step 1's exam is not approved",
      steps: examFirst,
      materials: examFirstMaterials,
      facts: facts({ done: ["m1"], attempts: [attempt("e1", 1, "Submitted")] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "unlock_on_exam_pass false on step 2: unlocked by step 1's mandatory materials without an approved exam",
      steps: [step("s1", 0, { exam: "e1" }), step("s2", 1, { unlockOnExamPass: false }), step("s3", 2)],
      materials: examFirstMaterials,
      facts: facts({ done: ["m1"], attempts: [attempt("e1", 1, "Rejected")] }),
      expected: { unlocked: ["s1", "s2"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "unlock_on_exam_pass false on step 2: still locked while step 1's mandatory materials are incomplete",
      steps: [step("s1", 0, { exam: "e1" }), step("s2", 1, { unlockOnExamPass: false }), step("s3", 2)],
      materials: [material("m1", "s1"), material("m1x", "s1"), material("m1o", "s1", { optional: true }), material("m2", "s2")],
      facts: facts({ done: ["m1", "m1o"] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "unlock_on_exam_pass false: the predecessor must itself be unlocked",
      steps: [step("s1", 0), step("s2", 1, { exam: "e2" }), step("s3", 2, { unlockOnExamPass: false })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m2"] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "unlock_on_exam_pass false on step 3 after an exam step whose materials are done",
      steps: [step("s1", 0), step("s2", 1, { exam: "e2" }), step("s3", 2, { unlockOnExamPass: false })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1", "m2"] }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    /* -- previous_step_id -- */
    {
      name: "previous_step_id overrides order: step 3 (previous = step 1) unlocks with step 1 although step 2 is not done",
      steps: [step("s1", 0), step("s2", 1, { exam: "e2" }), step("s3", 2, { prev: "s1" })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1"] }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "previous_step_id overrides order: step 3 (previous = step 1) locked while step 1 is not completed, though step 2 is unlocked and completed",
      steps: [step("s1", 0, { exam: "e1" }), step("s2", 1, { unlockOnExamPass: false }), step("s3", 2, { prev: "s1" })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1", "m2"] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s2"], current: "s1", percentage: 33 },
    },
    {
      name: "previous_step_id may point to a later step: step 2 waits for step 3",
      steps: [step("s1", 0), step("s2", 1, { prev: "s3" }), step("s3", 2, { prev: "s1" })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1"] }),
      expected: { unlocked: ["s1", "s3"], completed: ["s1"], current: "s3", percentage: 33 },
    },
    {
      name: "previous_step_id to a later step: step 2 unlocks once step 3 is completed",
      steps: [step("s1", 0), step("s2", 1, { prev: "s3" }), step("s3", 2, { prev: "s1" })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1", "m3"] }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1", "s3"], current: "s2", percentage: 67 },
    },
    {
      name: "previous_step_id naming an unknown step falls back to the step before by order",
      steps: [step("s1", 0), step("s2", 1, { exam: "e2" }), step("s3", 2, { prev: "gone" })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1", "m2", "m3"] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "a previous_step_id loop (s2 ↔ s3) never unlocks, and its steps never count as completed",
      steps: [step("s1", 0), step("s2", 1, { prev: "s3" }), step("s3", 2, { prev: "s2" })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1", "m2", "m3"] }),
      expected: { unlocked: ["s1"], completed: ["s1"], current: null, percentage: 33, is_completed: false },
    },
    {
      name: "a previous_step_id loop with incomplete steps leaves a stuck course (no current step)",
      steps: [step("s1", 0), step("s2", 1, { prev: "s3" }), step("s3", 2, { prev: "s2" })],
      materials: [material("m1", "s1"), material("m2", "s2"), material("m2x", "s2"), material("m3", "s3"), material("m3x", "s3")],
      facts: facts({ done: ["m1", "m2", "m3"] }),
      expected: { unlocked: ["s1"], completed: ["s1"], current: null, percentage: 33, is_completed: false },
    },
    {
      name: "a step that is its own predecessor never unlocks",
      steps: [step("s1", 0), step("s2", 1, { prev: "s2" }), step("s3", 2)],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1", "m2"] }),
      expected: { unlocked: ["s1"], completed: ["s1"], current: null, percentage: 33 },
    },
    {
      name: "a longer loop (s2 → s4 → s3 → s2) never unlocks",
      steps: [step("s1", 0), step("s2", 1, { prev: "s4" }), step("s3", 2), step("s4", 3)],
      materials: [material("m1", "s1")],
      facts: facts({ done: ["m1"] }),
      expected: { unlocked: ["s1"], completed: ["s1"], current: null, percentage: 25 },
    },
    /* -- start step -- */
    {
      name: "start step 2 waives step 1 and unlocks step 2",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ start: "s2" }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], waived: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "start step 2 with an exam step before it: the waived step needs no approval",
      steps: examFirst,
      materials: examFirstMaterials,
      facts: facts({ start: "s2" }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], waived: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "start step 2 completed unlocks step 3",
      steps: [step("s1", 0), step("s2", 1), step("s3", 2)],
      materials: noMaterialSteps,
      facts: facts({ start: "s2", done: ["m2"] }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1", "s2"], waived: ["s1"], current: "s3", percentage: 67 },
    },
    {
      name: "start step 3 waives steps 1 and 2",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ start: "s3" }),
      expected: { unlocked: ["s1", "s2", "s3"], completed: ["s1", "s2"], waived: ["s1", "s2"], current: "s3", percentage: 67 },
    },
    {
      name: "start step 1 waives nothing",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ start: "s1" }),
      expected: { unlocked: ["s1"], completed: [], waived: [], current: "s1", percentage: 0 },
    },
    {
      name: "an unknown start step falls back to the first step",
      steps: plain,
      materials: plainMaterials,
      facts: facts({ start: "nope" }),
      expected: { unlocked: ["s1"], completed: [], waived: [], current: "s1", percentage: 0 },
    },
    {
      name: "the start step is unlocked even with a previous_step_id to an incomplete step",
      steps: [step("s1", 0), step("s2", 1, { prev: "s3" }), step("s3", 2)],
      materials: noMaterialSteps,
      facts: facts({ start: "s2" }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], waived: ["s1"], current: "s2", percentage: 33 },
    },
    /* -- requirement tables -- */
    {
      name: "a RequirementTable material marked but whose table is not approved keeps the step incomplete",
      steps: plain,
      materials: [material("m1", "s1"), material("rt", "s1", { table: "t1" }), material("m2", "s2"), material("m3", "s3")],
      facts: facts({ done: ["m1", "rt"], tables: ["t-other"] }),
      expected: { unlocked: ["s1"], completed: [], current: "s1", percentage: 0 },
    },
    {
      name: "a RequirementTable material whose table is approved completes the step",
      steps: plain,
      materials: [material("m1", "s1"), material("rt", "s1", { table: "t1" }), material("m2", "s2"), material("m3", "s3")],
      facts: facts({ done: ["m1"], tables: ["t1"] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    /* -- shape of the course -- */
    {
      name: "a course with zero steps",
      steps: [],
      materials: [],
      facts: facts({ done: ["m1"] }),
      expected: { unlocked: [], completed: [], current: null, percentage: 0, is_completed: false },
    },
    {
      name: "a single step course, completed",
      steps: [step("only", 0)],
      materials: [material("m", "only")],
      facts: facts({ done: ["m"] }),
      expected: { unlocked: ["only"], completed: ["only"], current: null, percentage: 100, is_completed: true },
    },
    {
      name: "steps given out of order are sorted by order_index (previous by order is the sorted one)",
      steps: [step("s3", 2), step("s1", 0), step("s2", 1, { exam: "e2" })],
      materials: noMaterialSteps,
      facts: facts({ done: ["m1", "m3"] }),
      expected: { unlocked: ["s1", "s2"], completed: ["s1"], current: "s2", percentage: 33 },
    },
    {
      name: "equal order_index sorted by id",
      steps: [step("b", 0, { exam: "eb" }), step("a", 0)],
      materials: [material("ma", "a"), material("mb", "b")],
      facts: facts({ done: ["ma", "mb"] }),
      expected: { unlocked: ["a", "b"], completed: ["a"], current: "b", percentage: 50 },
    },
    {
      name: "percentage rounds 1 of 6 → 17",
      steps: ["a", "b", "c", "d", "e", "f"].map((id, i) => step(id, i)),
      materials: ["a", "b", "c", "d", "e", "f"].map((id) => material(`m${id}`, id)),
      facts: facts({ done: ["ma"] }),
      expected: { unlocked: ["a", "b"], completed: ["a"], current: "b", percentage: 17 },
    },
  ];

  it.each(cases)("$name", ({ steps, materials, facts, expected }) => {
    const state = courseState(steps, materials, facts);
    const ids = (pred: (s: (typeof state.steps)[number]) => boolean) => state.steps.filter(pred).map((s) => s.id);
    expect({
      unlocked: ids((s) => !s.is_locked),
      completed: ids((s) => s.is_completed),
      ...(expected.waived !== undefined ? { waived: ids((s) => s.is_waived) } : {}),
      current: state.current_step_id,
      percentage: state.percentage,
      ...(expected.is_completed !== undefined ? { is_completed: state.is_completed } : {}),
    }).toEqual(expected);
    expect(state.total_steps).toBe(steps.length);
    expect(state.completed_steps).toBe(expected.completed.length);
    expect(state.is_completed).toBe(steps.length > 0 && expected.completed.length === steps.length);
    expect([...state.byId.keys()]).toEqual(state.steps.map((s) => s.id));
  });

  it("orders the steps by order_index then id", () => {
    const state = courseState([step("c", 1), step("b", 1), step("z", 0), step("a", 2)], [], facts());
    expect(state.steps.map((s) => s.id)).toEqual(["z", "b", "c", "a"]);
  });

  describe("per-step details", () => {
    const steps = [step("s1", 0), step("s2", 1, { exam: "e2" }), step("s3", 2, { exam: "e3" })];
    const materials = [
      material("m1a", "s1"),
      material("m1o", "s1", { optional: true }),
      material("m2a", "s2"),
      material("m2b", "s2"),
      material("m2o", "s2", { optional: true }),
      material("rt3", "s3", { table: "t3" }),
    ];
    type Detail = {
      name: string;
      facts: ParticipantFacts;
      step: string;
      expected: {
        is_started: boolean;
        materials_completed: boolean;
        completed_material_ids: string[];
        mandatory_count: number;
        total_materials: number;
        exam_status: ExamStatus;
      };
    };
    const cases: Detail[] = [
      {
        name: "untouched step",
        facts: facts(),
        step: "s1",
        expected: {
          is_started: false,
          materials_completed: false,
          completed_material_ids: [],
          mandatory_count: 1,
          total_materials: 2,
          exam_status: "NotStarted",
        },
      },
      {
        name: "started by an optional material only",
        facts: facts({ done: ["m1o"] }),
        step: "s1",
        expected: {
          is_started: true,
          materials_completed: false,
          completed_material_ids: ["m1o"],
          mandatory_count: 1,
          total_materials: 2,
          exam_status: "NotStarted",
        },
      },
      {
        name: "started by a mandatory material; materials done lists only this step's",
        facts: facts({ done: ["m2b", "m1a"] }),
        step: "s2",
        expected: {
          is_started: true,
          materials_completed: false,
          completed_material_ids: ["m2b"],
          mandatory_count: 2,
          total_materials: 3,
          exam_status: "NotStarted",
        },
      },
      {
        name: "mandatory materials done",
        facts: facts({ done: ["m2a", "m2b"] }),
        step: "s2",
        expected: {
          is_started: true,
          materials_completed: true,
          completed_material_ids: ["m2a", "m2b"],
          mandatory_count: 2,
          total_materials: 3,
          exam_status: "NotStarted",
        },
      },
      {
        name: "started by an attempt alone",
        facts: facts({ attempts: [attempt("e2", 1, "InProgress")] }),
        step: "s2",
        expected: {
          is_started: true,
          materials_completed: false,
          completed_material_ids: [],
          mandatory_count: 2,
          total_materials: 3,
          exam_status: "InProgress",
        },
      },
      {
        name: "an attempt at another exam does not start the step",
        facts: facts({ attempts: [attempt("e3", 1, "Submitted")] }),
        step: "s2",
        expected: {
          is_started: false,
          materials_completed: false,
          completed_material_ids: [],
          mandatory_count: 2,
          total_materials: 3,
          exam_status: "NotStarted",
        },
      },
      {
        name: "exam status from the step's own exam attempts",
        facts: facts({ attempts: [attempt("e3", 1, "Approved"), attempt("e2", 1, "Rejected"), attempt("e2", 2, "UnderReview")] }),
        step: "s2",
        expected: {
          is_started: true,
          materials_completed: false,
          completed_material_ids: [],
          mandatory_count: 2,
          total_materials: 3,
          exam_status: "Submitted",
        },
      },
      {
        name: "an approved requirement table starts and completes the step's materials",
        facts: facts({ tables: ["t3"] }),
        step: "s3",
        expected: {
          is_started: true,
          materials_completed: true,
          completed_material_ids: ["rt3"],
          mandatory_count: 1,
          total_materials: 1,
          exam_status: "NotStarted",
        },
      },
    ];
    it.each(cases)("$name", ({ facts, step: id, expected }) => {
      const s = courseState(steps, materials, facts).byId.get(id)!;
      expect({
        is_started: s.is_started,
        materials_completed: s.materials_completed,
        completed_material_ids: s.completed_material_ids,
        mandatory_count: s.mandatory_count,
        total_materials: s.total_materials,
        exam_status: s.exam_status,
      }).toEqual(expected);
    });
  });
});

/* ------------------------------------------------ isGated ------------------------------------------------- */

describe("isGated", () => {
  const steps = [step("s3", 2), step("s1", 0), step("s2", 1)]; // out of order on purpose
  const cases: { name: string; stepId: string; start: string | null; expected: boolean }[] = [
    { name: "first step, no start step", stepId: "s1", start: null, expected: false },
    { name: "second step, no start step", stepId: "s2", start: null, expected: true },
    { name: "third step, no start step", stepId: "s3", start: null, expected: true },
    { name: "first step, start step 1", stepId: "s1", start: "s1", expected: false },
    { name: "second step, start step 1", stepId: "s2", start: "s1", expected: true },
    { name: "step before the start step 2", stepId: "s1", start: "s2", expected: false },
    { name: "the start step 2 itself", stepId: "s2", start: "s2", expected: false },
    { name: "step after the start step 2", stepId: "s3", start: "s2", expected: true },
    { name: "start step 3: step 2 not gated", stepId: "s2", start: "s3", expected: false },
    { name: "start step 3: step 3 not gated", stepId: "s3", start: "s3", expected: false },
    { name: "unknown start step falls back to the first", stepId: "s2", start: "nope", expected: true },
    { name: "unknown start step: first not gated", stepId: "s1", start: "nope", expected: false },
    { name: "unknown step is not gated", stepId: "nope", start: null, expected: false },
  ];
  it.each(cases)("$name → $expected", ({ stepId, start, expected }) => {
    expect(isGated(steps, stepId, start)).toBe(expected);
  });
});

describe("completesCourse (the recorded milestone)", () => {
  it.each([
    [true, false, true],
    [true, true, false],
    [false, false, false],
    [false, true, false],
  ])("every step completed %s, already recorded %s → %s", (completed, recorded, expected) => {
    expect(completesCourse({ is_completed: completed }, recorded)).toBe(expected);
  });
});
