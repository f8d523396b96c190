/**
 * `db.batch` with named, optional statements: `batch(db, { course: findCourse(…), step: wanted ? q : null,
 * claims: [...] })` runs the present ones in one round trip, in the order the keys are written (writes
 * depend on that order), and answers `{ course, step, claims }` typed per key — `undefined` for an absent
 * statement, an array of results for a list. A list may also hold named groups (`[{ close, event }, …]`, one per
 * row): each group's statements run in the order written, and its results come back named the same way. No
 * sentinel query that can never match, no index arithmetic. This is the only `db.batch` in src (a lint rule,
 * scripts/lint/no-positional-batch.grit, keeps it so).
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./types";

type Item = BatchItem<"sqlite">;
type Group = { readonly [key: string]: Item | null | undefined | false };
type Entry = Item | readonly Item[] | readonly Group[] | null | undefined | false;
type GroupResult<G> = { [K in keyof G]: G[K] extends Item ? Awaited<G[K]> : undefined };
type ResultOf<E> = E extends readonly (infer I)[]
  ? I extends Item
    ? Awaited<I>[]
    : GroupResult<I>[]
  : E extends Item
    ? Awaited<E>
    : undefined;
export type BatchResults<T extends Record<string, Entry>> = { [K in keyof T]: ResultOf<T[K]> };

/** A drizzle statement is a class instance; a group is a plain object of them. */
const isGroup = (value: unknown): value is Group => Object.getPrototypeOf(value) === Object.prototype;

/** Statements that want their own result once their batch has run (see `whenRun`). */
const listeners = new WeakMap<object, (result: unknown) => void>();

/**
 * Hands `statement`'s result to `listener` when a batch runs it: how a statement that was written for a reason
 * (an outbox event) learns whether it wrote anything, without the handler that batched it passing the result back.
 */
export function whenRun<S extends object>(statement: S, listener: (result: unknown) => void): S {
  listeners.set(statement, listener);
  return statement;
}

export async function batch<T extends Record<string, Entry>>(db: Db, entries: T): Promise<BatchResults<T>> {
  const flat: Item[] = [];
  // Where each result goes: a key's single result, the n-th of a list, or a named statement of the n-th group.
  const places: { key: string; index?: number; name?: string }[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(entries)) {
    if (!entry) {
      out[key] = undefined;
    } else if (Array.isArray(entry)) {
      out[key] = entry.map((item) => (isGroup(item) ? {} : undefined));
      entry.forEach((item: Item | Group, index) => {
        if (!isGroup(item)) {
          places.push({ key, index });
          flat.push(item);
          return;
        }
        for (const [name, statement] of Object.entries(item)) {
          if (!statement) continue;
          places.push({ key, index, name });
          flat.push(statement);
        }
      });
    } else {
      places.push({ key });
      flat.push(entry as Item);
    }
  }
  const [head, ...rest] = flat;
  const results: unknown[] = head ? await db.batch([head, ...rest]) : [];
  results.forEach((result, i) => {
    const statement = flat[i];
    if (statement) listeners.get(statement)?.(result);
    const place = places[i];
    if (!place) throw new Error(`db.batch answered ${results.length} results for ${places.length} statements`);
    const { key, index, name } = place;
    if (index === undefined) out[key] = result;
    else if (name === undefined) (out[key] as unknown[])[index] = result;
    else ((out[key] as Record<string, unknown>[])[index] as Record<string, unknown>)[name] = result;
  });
  return out as BatchResults<T>;
}
