import { describe, expect, it } from "vitest";
import { type ChainRefusal, type Links, type LinkUpdate, planCourseLinks, planUnlink } from "../../src/domain/chain";

/** Builds live links from chains (each an ordered list of ids; a one-element chain is a lone course). */
function links(...chains: string[][]): Map<string, Links> {
  const map = new Map<string, Links>();
  for (const chain of chains)
    chain.forEach((id, i) => map.set(id, { previous_course_id: chain[i - 1] ?? null, next_course_id: chain[i + 1] ?? null }));
  return map;
}

const L = (previous_course_id: string | null, next_course_id: string | null): Links => ({ previous_course_id, next_course_id });
const U = (id: string, previous_course_id: string | null, next_course_id: string | null): LinkUpdate => ({
  id,
  previous_course_id,
  next_course_id,
});
const byId = (a: LinkUpdate, b: LinkUpdate) => a.id.localeCompare(b.id);

function snapshot(map: ReadonlyMap<string, Links>) {
  return [...map].map(([id, l]) => ({ id, ...l }));
}

/** Applies a plan to the live links and checks both directions of every link name each other. */
function assertConsistentAfter(current: ReadonlyMap<string, Links>, target: string, updates: LinkUpdate[], own: Links) {
  const after = new Map<string, Links>();
  for (const [id, l] of current) after.set(id, { ...l });
  for (const u of updates) after.set(u.id, { previous_course_id: u.previous_course_id, next_course_id: u.next_course_id });
  after.set(target, { ...own });
  for (const [id, l] of after) {
    if (l.next_course_id !== null) expect(after.get(l.next_course_id)?.previous_course_id, `${id}.next`).toBe(id);
    if (l.previous_course_id !== null) expect(after.get(l.previous_course_id)?.next_course_id, `${id}.prev`).toBe(id);
  }
}

type Wanted = Parameters<typeof planCourseLinks>[2];

describe("planCourseLinks: accepted plans", () => {
  const cases: { name: string; current: Map<string, Links>; target: string; wanted: Wanted; updates: LinkUpdate[]; links: Links }[] = [
    {
      name: "new course with no links touches nobody",
      current: links(["A"]),
      target: "T",
      wanted: {},
      updates: [],
      links: L(null, null),
    },
    {
      name: "new course linked after a lone course",
      current: links(["A"]),
      target: "T",
      wanted: { previous_course_id: "A" },
      updates: [U("A", null, "T")],
      links: L("A", null),
    },
    {
      name: "new course linked before a lone course",
      current: links(["A"]),
      target: "T",
      wanted: { next_course_id: "A" },
      updates: [U("A", "T", null)],
      links: L(null, "A"),
    },
    {
      name: "new course appended after the tail of a chain",
      current: links(["A", "B"]),
      target: "T",
      wanted: { previous_course_id: "B" },
      updates: [U("B", "A", "T")],
      links: L("B", null),
    },
    {
      name: "new course prepended before the head of a chain",
      current: links(["A", "B"]),
      target: "T",
      wanted: { next_course_id: "A" },
      updates: [U("A", "T", "B")],
      links: L(null, "A"),
    },
    {
      name: "new course placed between two lone courses",
      current: links(["A"], ["B"]),
      target: "T",
      wanted: { previous_course_id: "A", next_course_id: "B" },
      updates: [U("A", null, "T"), U("B", "T", null)],
      links: L("A", "B"),
    },
    {
      name: "existing course relinked after another: old predecessor released",
      current: links(["A", "T"], ["B"]),
      target: "T",
      wanted: { previous_course_id: "B" },
      updates: [U("A", null, null), U("B", null, "T")],
      links: L("B", null),
    },
    {
      name: "existing course relinked before another: old successor released",
      current: links(["T", "A"], ["B"]),
      target: "T",
      wanted: { next_course_id: "B" },
      updates: [U("A", null, null), U("B", "T", null)],
      links: L(null, "B"),
    },
    {
      name: "middle course moved after a lone course: both old neighbours released",
      current: links(["A", "T", "B"], ["C"]),
      target: "T",
      wanted: { previous_course_id: "C", next_course_id: null },
      updates: [U("A", null, null), U("B", null, null), U("C", null, "T")],
      links: L("C", null),
    },
    {
      name: "old predecessor keeps its own predecessor when released",
      current: links(["X", "A", "T"], ["B"]),
      target: "T",
      wanted: { previous_course_id: "B" },
      updates: [U("A", "X", null), U("B", null, "T")],
      links: L("B", null),
    },
    {
      name: "null clears the previous link only",
      current: links(["A", "T", "B"]),
      target: "T",
      wanted: { previous_course_id: null },
      updates: [U("A", null, null)],
      links: L(null, "B"),
    },
    {
      name: "null clears the next link only",
      current: links(["A", "T", "B"]),
      target: "T",
      wanted: { next_course_id: null },
      updates: [U("B", null, null)],
      links: L("A", null),
    },
    {
      name: "null clears both links",
      current: links(["A", "T", "B"]),
      target: "T",
      wanted: { previous_course_id: null, next_course_id: null },
      updates: [U("A", null, null), U("B", null, null)],
      links: L(null, null),
    },
    {
      name: "undefined keeps both links",
      current: links(["A", "T", "B"]),
      target: "T",
      wanted: {},
      updates: [],
      links: L("A", "B"),
    },
    {
      name: "explicit undefined keeps the link",
      current: links(["A", "T", "B"]),
      target: "T",
      wanted: { previous_course_id: undefined, next_course_id: undefined },
      updates: [],
      links: L("A", "B"),
    },
    {
      name: "undefined keeps prev while next is set",
      current: links(["A", "T"], ["B"]),
      target: "T",
      wanted: { next_course_id: "B" },
      updates: [U("B", "T", null)],
      links: L("A", "B"),
    },
    {
      name: "restating the current links changes nobody",
      current: links(["A", "T", "B"]),
      target: "T",
      wanted: { previous_course_id: "A", next_course_id: "B" },
      updates: [],
      links: L("A", "B"),
    },
    {
      name: "swapping a two-course chain (T after A becomes T before A)",
      current: links(["A", "T"]),
      target: "T",
      wanted: { previous_course_id: null, next_course_id: "A" },
      updates: [U("A", "T", null)],
      links: L(null, "A"),
    },
    {
      name: "tail moved to the head of its own chain",
      current: links(["A", "B", "T"]),
      target: "T",
      wanted: { previous_course_id: null, next_course_id: "A" },
      updates: [U("A", "T", "B"), U("B", "A", null)],
      links: L(null, "A"),
    },
    {
      name: "a half-linked old predecessor that no longer points back is not listed (its links do not change)",
      current: new Map([
        ["A", L(null, null)],
        ["T", L("A", null)],
      ]),
      target: "T",
      wanted: { previous_course_id: null },
      updates: [],
      links: L(null, null),
    },
  ];

  it.each(cases)("$name", ({ current, target, wanted, updates, links: expected }) => {
    const before = snapshot(current);
    const plan = planCourseLinks(current, target, wanted);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.links).toEqual(expected);
    expect([...plan.updates].sort(byId)).toEqual([...updates].sort(byId));
    // updates lists only courses whose links change, never the target itself
    expect(plan.updates.map((u) => u.id)).not.toContain(target);
    for (const u of plan.updates) {
      const was = current.get(u.id);
      expect(was, `${u.id} is a live course`).toBeDefined();
      expect({ previous_course_id: u.previous_course_id, next_course_id: u.next_course_id }).not.toEqual(was);
    }
    assertConsistentAfter(current, target, plan.updates, plan.links);
    // pure: the live links are not mutated
    expect(snapshot(current)).toEqual(before);
  });
});

describe("planCourseLinks: refusals", () => {
  const cases: { name: string; current: Map<string, Links>; target: string; wanted: Wanted; refusal: ChainRefusal }[] = [
    {
      name: "self as previous (new course)",
      current: links(["A"]),
      target: "T",
      wanted: { previous_course_id: "T" },
      refusal: { kind: "self", field: "previous_course_id" },
    },
    {
      name: "self as next (existing course)",
      current: links(["A", "T"]),
      target: "T",
      wanted: { next_course_id: "T" },
      refusal: { kind: "self", field: "next_course_id" },
    },
    {
      name: "self is reported before an unknown next",
      current: links(["A"]),
      target: "T",
      wanted: { previous_course_id: "T", next_course_id: "ghost" },
      refusal: { kind: "self", field: "previous_course_id" },
    },
    {
      name: "unknown previous",
      current: links(["A"]),
      target: "T",
      wanted: { previous_course_id: "ghost" },
      refusal: { kind: "not_found", field: "previous_course_id", id: "ghost" },
    },
    {
      name: "unknown next",
      current: links(["A"]),
      target: "T",
      wanted: { previous_course_id: "A", next_course_id: "ghost" },
      refusal: { kind: "not_found", field: "next_course_id", id: "ghost" },
    },
    {
      name: "unknown previous is reported before unknown next",
      current: links(["A"]),
      target: "T",
      wanted: { previous_course_id: "ghost1", next_course_id: "ghost2" },
      refusal: { kind: "not_found", field: "previous_course_id", id: "ghost1" },
    },
    {
      name: "previous already has a next (new course)",
      current: links(["A", "B"]),
      target: "T",
      wanted: { previous_course_id: "A" },
      refusal: { kind: "taken", field: "previous_course_id", id: "A", holder: "B" },
    },
    {
      name: "next already has a previous (new course)",
      current: links(["A", "B"]),
      target: "T",
      wanted: { next_course_id: "B" },
      refusal: { kind: "taken", field: "next_course_id", id: "B", holder: "A" },
    },
    {
      name: "previous taken when relinking an existing course",
      current: links(["A", "B"], ["X", "T"]),
      target: "T",
      wanted: { previous_course_id: "A" },
      refusal: { kind: "taken", field: "previous_course_id", id: "A", holder: "B" },
    },
    {
      name: "next taken when relinking an existing course",
      current: links(["A", "B"], ["T"]),
      target: "T",
      wanted: { next_course_id: "B" },
      refusal: { kind: "taken", field: "next_course_id", id: "B", holder: "A" },
    },
    {
      name: "prev === next",
      current: links(["A"]),
      target: "T",
      wanted: { previous_course_id: "A", next_course_id: "A" },
      refusal: { kind: "cycle" },
    },
    {
      name: "prev === next is refused as a cycle before the taken check",
      current: links(["A", "B"]),
      target: "T",
      wanted: { previous_course_id: "A", next_course_id: "A" },
      refusal: { kind: "cycle" },
    },
    {
      name: "kept previous equals new next (A→T, T.next = A)",
      current: links(["A", "T"]),
      target: "T",
      wanted: { next_course_id: "A" },
      refusal: { kind: "cycle" },
    },
    {
      name: "A→B→C then C.next = A",
      current: links(["A", "B", "C"]),
      target: "C",
      wanted: { next_course_id: "A" },
      refusal: { kind: "cycle" },
    },
    {
      name: "A→B→C then A.previous = C",
      current: links(["A", "B", "C"]),
      target: "A",
      wanted: { previous_course_id: "C" },
      refusal: { kind: "cycle" },
    },
    {
      name: "new course closing a chain into a ring (after its tail, before its head)",
      current: links(["A", "B", "C"]),
      target: "T",
      wanted: { previous_course_id: "C", next_course_id: "A" },
      refusal: { kind: "cycle" },
    },
  ];

  it.each(cases)("$name", ({ current, target, wanted, refusal }) => {
    const before = snapshot(current);
    const plan = planCourseLinks(current, target, wanted);
    expect(plan).toEqual({ ok: false, refusal });
    expect(snapshot(current)).toEqual(before);
  });
});

describe("planUnlink", () => {
  const cases: { name: string; current: Map<string, Links>; target: string; updates: LinkUpdate[] }[] = [
    {
      name: "middle course: neighbours joined",
      current: links(["A", "T", "B"]),
      target: "T",
      updates: [U("A", null, "B"), U("B", "A", null)],
    },
    {
      name: "middle of a longer chain: neighbours keep their outer links",
      current: links(["X", "A", "T", "B", "Y"]),
      target: "T",
      updates: [U("A", "X", "B"), U("B", "A", "Y")],
    },
    {
      name: "head: successor becomes the head",
      current: links(["T", "B", "C"]),
      target: "T",
      updates: [U("B", null, "C")],
    },
    {
      name: "tail: predecessor becomes the tail",
      current: links(["A", "B", "T"]),
      target: "T",
      updates: [U("B", "A", null)],
    },
    {
      name: "lone course: nothing to join",
      current: links(["T"], ["A", "B"]),
      target: "T",
      updates: [],
    },
    {
      name: "unknown course: nothing to join",
      current: links(["A", "B"]),
      target: "T",
      updates: [],
    },
  ];

  it.each(cases)("$name", ({ current, target, updates }) => {
    const before = snapshot(current);
    const result = planUnlink(current, target);
    expect([...result].sort(byId)).toEqual([...updates].sort(byId));
    expect(result.map((u) => u.id)).not.toContain(target);
    // after removing the target, the remaining courses form a consistent chain
    const after = new Map<string, Links>();
    for (const [id, l] of current) if (id !== target) after.set(id, { ...l });
    for (const u of result) after.set(u.id, { previous_course_id: u.previous_course_id, next_course_id: u.next_course_id });
    for (const [id, l] of after) {
      expect(l.next_course_id, `${id}.next`).not.toBe(target);
      expect(l.previous_course_id, `${id}.prev`).not.toBe(target);
      if (l.next_course_id !== null) expect(after.get(l.next_course_id)?.previous_course_id).toBe(id);
    }
    expect(snapshot(current)).toEqual(before);
  });
});
