/**
 * The row a statement cannot fail to answer: the one an `INSERT … RETURNING` just wrote, or one the same batch
 * wrote before reading it back. No row there is a bug, not a client's mistake, so it is an internal error
 * (500) naming what was missing — never a 404. A row that may really be gone (another request archived it
 * between two round trips) is checked where it is read and answered as the API answers a missing thing.
 */
export function first<T>(rows: readonly T[], what: string): T {
  const [row] = rows;
  if (row === undefined) throw new Error(`expected ${what}, the statement answered no row`);
  return row;
}
