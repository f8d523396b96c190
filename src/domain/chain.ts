/**
 * The course chain is a doubly linked list: `previous_course_id` of a course and `next_course_id` of its
 * predecessor always name each other. Planning a change is pure: given the live links, it answers the
 * final links of every course the change touches, or why the change is refused.
 */
export type Links = { previous_course_id: string | null; next_course_id: string | null };
export type LinkUpdate = { id: string } & Links;
export type ChainRefusal =
  | { kind: "not_found"; field: "previous_course_id" | "next_course_id"; id: string }
  | { kind: "self"; field: "previous_course_id" | "next_course_id" }
  | { kind: "taken"; field: "previous_course_id" | "next_course_id"; id: string; holder: string }
  | { kind: "cycle" };

export type ChainPlan = { ok: true; updates: LinkUpdate[]; links: Links } | { ok: false; refusal: ChainRefusal };

/** The links of a course the plan knows is in the chain (a live course only ever names live ones). */
function linksOf<L extends Links>(chain: ReadonlyMap<string, L>, id: string): L {
  const links = chain.get(id);
  if (!links) throw new Error(`course '${id}' is named by the chain but not in it`);
  return links;
}

/**
 * @param current live links of every course (the target included when it already exists)
 * @param target the course being created or updated
 * @param wanted `undefined` keeps a link as it is, `null` clears it, an id sets it
 */
export function planCourseLinks(
  current: ReadonlyMap<string, Links>,
  target: string,
  wanted: { previous_course_id?: string | null; next_course_id?: string | null },
): ChainPlan {
  const state = new Map<string, Links>();
  for (const [id, links] of current) state.set(id, { ...links });
  if (!state.has(target)) state.set(target, { previous_course_id: null, next_course_id: null });
  const get = (id: string) => linksOf(state, id);
  const before = get(target);
  const prev = wanted.previous_course_id === undefined ? before.previous_course_id : wanted.previous_course_id;
  const next = wanted.next_course_id === undefined ? before.next_course_id : wanted.next_course_id;

  for (const [field, value] of [
    ["previous_course_id", prev],
    ["next_course_id", next],
  ] as const) {
    if (value === null) continue;
    if (value === target) return { ok: false, refusal: { kind: "self", field } };
    if (!state.has(value)) return { ok: false, refusal: { kind: "not_found", field, id: value } };
  }
  if (prev !== null && prev === next) return { ok: false, refusal: { kind: "cycle" } };

  // A neighbour already linked to a third course is refused rather than silently unlinked from it.
  if (prev !== null) {
    const holder = get(prev).next_course_id;
    if (holder !== null && holder !== target)
      return { ok: false, refusal: { kind: "taken", field: "previous_course_id", id: prev, holder } };
  }
  if (next !== null) {
    const holder = get(next).previous_course_id;
    if (holder !== null && holder !== target) return { ok: false, refusal: { kind: "taken", field: "next_course_id", id: next, holder } };
  }

  const touched = new Set<string>([target]);
  const setNext = (id: string, value: string | null) => {
    get(id).next_course_id = value;
    touched.add(id);
  };
  const setPrev = (id: string, value: string | null) => {
    get(id).previous_course_id = value;
    touched.add(id);
  };
  if (before.previous_course_id !== prev) {
    if (before.previous_course_id !== null) setNext(before.previous_course_id, null);
    if (prev !== null) setNext(prev, target);
  }
  if (before.next_course_id !== next) {
    if (before.next_course_id !== null) setPrev(before.next_course_id, null);
    if (next !== null) setPrev(next, target);
  }
  get(target).previous_course_id = prev;
  get(target).next_course_id = next;

  // Walking forward from the target must end; meeting the target again is a cycle.
  let cursor = get(target).next_course_id;
  for (let steps = 0; cursor !== null; steps++) {
    if (cursor === target || steps > state.size) return { ok: false, refusal: { kind: "cycle" } };
    cursor = get(cursor).next_course_id;
  }

  const updates: LinkUpdate[] = [];
  for (const id of touched) {
    if (id === target) continue;
    const was = linksOf(current, id);
    const now = get(id);
    if (was.previous_course_id !== now.previous_course_id || was.next_course_id !== now.next_course_id) updates.push({ id, ...now });
  }
  return { ok: true, updates, links: { previous_course_id: prev, next_course_id: next } };
}

/** Removing a course from the chain joins its neighbours, so archiving never breaks a learner's path. */
export function planUnlink(current: ReadonlyMap<string, Links>, target: string): LinkUpdate[] {
  const links = current.get(target);
  if (!links) return [];
  const { previous_course_id: prev, next_course_id: next } = links;
  const updates: LinkUpdate[] = [];
  const before = prev !== null ? current.get(prev) : undefined;
  const after = next !== null ? current.get(next) : undefined;
  if (prev !== null && before) updates.push({ id: prev, previous_course_id: before.previous_course_id, next_course_id: next });
  if (next !== null && after) updates.push({ id: next, previous_course_id: prev, next_course_id: after.next_course_id });
  return updates;
}
