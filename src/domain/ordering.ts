/** Rules for reordering a course's steps. Pure. */
export type StepOrder = { step_id: string; order_index: number };

export function checkStepReorder(courseStepIds: ReadonlySet<string>, orders: StepOrder[]): string | null {
  const ids = new Set<string>();
  const indexes = new Set<number>();
  for (const { step_id, order_index } of orders) {
    if (!courseStepIds.has(step_id)) return `step '${step_id}' does not belong to this course`;
    if (ids.has(step_id)) return `step '${step_id}' appears more than once`;
    if (indexes.has(order_index)) return `order_index ${order_index} is given to more than one step`;
    ids.add(step_id);
    indexes.add(order_index);
  }
  return null;
}

/** Requirement serial numbers identify rows across edits, so they must be unique within a table. */
export function duplicateSerials(requirements: { serial_number: number }[]): number[] {
  const seen = new Set<number>();
  const dups = new Set<number>();
  for (const r of requirements) {
    if (seen.has(r.serial_number)) dups.add(r.serial_number);
    seen.add(r.serial_number);
  }
  return [...dups];
}

/**
 * Steps unlock along `previous_step_id`; a loop there would lock every step in it forever.
 * @returns true when pointing `target` at `previous` closes a loop.
 */
export function closesStepLoop(previousOf: ReadonlyMap<string, string | null>, target: string, previous: string | null): boolean {
  let cursor = previous;
  for (let hops = 0; cursor !== null; hops++) {
    if (cursor === target || hops > previousOf.size) return true;
    cursor = previousOf.get(cursor) ?? null;
  }
  return false;
}
