/**
 * `db.batch` with named, optional statements: `batch(db, { course: findCourse(…), step: wanted ? q : null,
 * claims: [...] })` runs the present ones in one round trip, in the order the keys are written (writes
 * depend on that order), and answers `{ course, step, claims }` typed per key — `undefined` for an absent
 * statement, an array of results for a list. No sentinel query that can never match, no index arithmetic.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./types";

type Item = BatchItem<"sqlite">;
type Entry = Item | readonly Item[] | null | undefined | false;
type ResultOf<E> = E extends readonly (infer I)[] ? Awaited<I>[] : E extends Item ? Awaited<E> : undefined;
export type BatchResults<T extends Record<string, Entry>> = { [K in keyof T]: ResultOf<T[K]> };

export async function batch<T extends Record<string, Entry>>(db: Db, entries: T): Promise<BatchResults<T>> {
  const flat: Item[] = [];
  const spans: { key: string; start: number; count: number; list: boolean }[] = [];
  for (const [key, entry] of Object.entries(entries)) {
    if (!entry) spans.push({ key, start: 0, count: 0, list: false });
    else if (Array.isArray(entry)) {
      spans.push({ key, start: flat.length, count: entry.length, list: true });
      flat.push(...(entry as readonly Item[]));
    } else {
      spans.push({ key, start: flat.length, count: 1, list: false });
      flat.push(entry as Item);
    }
  }
  const [head, ...rest] = flat;
  const results: unknown[] = head ? await db.batch([head, ...rest]) : [];
  const out: Record<string, unknown> = {};
  for (const { key, start, count, list } of spans)
    out[key] = list ? results.slice(start, start + count) : count === 0 ? undefined : results[start];
  return out as BatchResults<T>;
}
