/**
 * A course's structure (course row, steps, materials, exam summaries, requirement-table sizes) kept in memory
 * per isolate, keyed by the course's `structure_version`. Every request reads the current version in its one
 * batch; a cached structure is used only when its version is the one read, so a manager's edit (which bumps
 * the version in the same statement, by trigger) is seen by the next request in every isolate.
 *
 * Bounded by bytes, least recently used out first: MAX_BYTES of JSON-measured structures (a 20-step ×
 * 5-material course is ≈ 60 KB, so ≈ 130 such courses per isolate; Workers isolates have 128 MB).
 */
import type { CourseStructure } from "./reads";

export const MAX_BYTES = 8 * 1024 * 1024;

type Entry = { version: number; bytes: number; structure: CourseStructure };

const entries = new Map<string, Entry>();
let total = 0;
let stats = { hits: 0, misses: 0, evictions: 0 };

export function cached(courseId: string, version: number): CourseStructure | undefined {
  const entry = entries.get(courseId);
  if (!entry || entry.version !== version) {
    stats.misses++;
    return undefined;
  }
  // Re-inserting moves it to the most recently used end of the Map's order.
  entries.delete(courseId);
  entries.set(courseId, entry);
  stats.hits++;
  return entry.structure;
}

export function remember(courseId: string, version: number, structure: CourseStructure): void {
  const bytes = JSON.stringify(structure).length * 2;
  if (bytes > MAX_BYTES) return;
  const old = entries.get(courseId);
  if (old) {
    // A request that read an older version must not replace a newer structure another request cached.
    if (old.version > version) return;
    total -= old.bytes;
    entries.delete(courseId);
  }
  entries.set(courseId, { version, bytes, structure });
  total += bytes;
  for (const [id, entry] of entries) {
    if (total <= MAX_BYTES) break;
    entries.delete(id);
    total -= entry.bytes;
    stats.evictions++;
  }
}

/** For tests and the benchmark: what the cache holds now. */
export function structureCacheStats() {
  return { entries: entries.size, bytes: total, ...stats };
}

/** Test seam: starts from an empty cache. */
export function clearStructureCache(): void {
  entries.clear();
  total = 0;
  stats = { hits: 0, misses: 0, evictions: 0 };
}
