/** D1 binds at most 100 parameters per statement: multi-row writes are split into chunks that fit. */
export const MAX_BOUND_PARAMETERS = 100;

export function chunk<T>(items: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / columnsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
