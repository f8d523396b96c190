/** What an audited change did: `{field: [before, after]}`. */
export type Changes = Record<string, [unknown, unknown]>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * `{field: [before, after]}` for the fields that differ between two views of one thing (`before` null: it was
 * created; `after` null: it was deleted). Only `fields` are compared, so callers name what may be recorded —
 * never answers, secrets or file contents.
 */
export function changesBetween<T extends Record<string, unknown>>(
  before: Partial<T> | null | undefined,
  after: Partial<T> | null | undefined,
  fields: readonly (keyof T & string)[],
): Changes {
  const changes: Changes = {};
  for (const field of fields) {
    const was = before ? (before[field] ?? null) : null;
    const is = after ? (after[field] ?? null) : null;
    if (!same(was, is)) changes[field] = [was, is];
  }
  return changes;
}
