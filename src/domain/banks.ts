/**
 * Question banks without I/O: how tags are written, what makes two question versions the same, when an edit forks
 * a new version, and how an attempt draws a form's bank sections — least-seen first, no repeats across one
 * participant's attempts of an exam until the pool is used up (Moodle MDL-6340). Pure.
 */
import type { RandomInt } from "./forms";
import type { Question } from "./vocabulary";

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 64;

/**
 * A tag as stored and compared: trimmed, lower-case, inner whitespace as one "-" (so "Chapter 2" is "chapter-2"),
 * cut at 64 UTF-16 units without splitting a surrogate pair.
 */
export function normaliseTag(tag: string): string {
  const t = tag.trim().toLowerCase().replace(/\s+/g, "-");
  if (t.length <= MAX_TAG_LENGTH) return t;
  const cut = t.slice(0, MAX_TAG_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** A question's tags: normalised, empty ones dropped, each once (first seen wins), the first 20 kept. */
export function normaliseTags(tags: Iterable<string>): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = normaliseTag(raw);
    if (tag && !out.includes(tag)) out.push(tag);
    if (out.length === MAX_TAGS) break;
  }
  return out;
}

/**
 * The canonical text of a question version (what its content hash is taken over): fixed key order, options in
 * their authored order, nothing else. Two questions that read the same to a participant and score the same hash
 * the same; the bank question's id is not part of it, so an inline question and a bank question may share a version.
 */
export function canonicalQuestion(q: Omit<Question, "question_id">): string {
  return JSON.stringify({
    question_type: q.question_type,
    question_text: q.question_text,
    options: q.options.map((o) => ({ option_id: o.option_id, text: o.text, is_correct: o.is_correct })),
    marks: q.marks,
    max_words: q.max_words,
  });
}

/**
 * What saving a bank question's new content does: nothing when it reads the same as the current version; otherwise
 * a version an attempt has used stays as it was (a new version is made), and an unused one changes in place.
 */
export function editOutcome(current: { hash: string; used: boolean }, nextHash: string): "unchanged" | "in_place" | "new_version" {
  if (current.hash === nextHash) return "unchanged";
  return current.used ? "new_version" : "in_place";
}

/** One section of a form: `count` questions drawn from a bank, matching every tag of `tags_all` and one of `tags_any`. */
export type Section = {
  bank_id: string;
  tags_all?: string[];
  tags_any?: string[];
  /** Picked by id: only these questions (each at its latest version when an attempt starts). */
  question_ids?: string[];
  count: number;
  marks_each?: number;
};

/** A bank question an attempt may draw, at its current version. */
export type Candidate = { id: string; bank_id: string; version: number; hash: string; tags: readonly string[]; question: Question };

/** Whether a question belongs to a section's pool. */
export function inSection(section: Section, candidate: Pick<Candidate, "id" | "bank_id" | "tags">): boolean {
  if (candidate.bank_id !== section.bank_id) return false;
  if (section.question_ids && !section.question_ids.includes(candidate.id)) return false;
  const all = section.tags_all ?? [];
  const any = section.tags_any ?? [];
  return all.every((t) => candidate.tags.includes(t)) && (any.length === 0 || any.some((t) => candidate.tags.includes(t)));
}

/** The reference an attempt keeps for each question drawn from a bank: which question, which version. */
export type DrawnRef = { question_id: string; bank_id: string; version: number; hash: string };

export type Draw =
  | { ok: true; questions: Question[]; refs: DrawnRef[] }
  | { ok: false; section: number; available: number; wanted: number };

/**
 * Draws each section's questions for one attempt: from the questions matching it (and not drawn by an earlier
 * section), those this participant has seen least often in their earlier attempts of this exam first, ties in
 * random order. So no question repeats until every one of the pool has been seen, and then the least seen come
 * back first. A section whose pool holds fewer than `count` questions refuses the draw, naming it.
 */
export function drawSections(
  sections: readonly Section[],
  candidates: readonly Candidate[],
  seen: ReadonlyMap<string, number>,
  randomInt: RandomInt,
): Draw {
  const taken = new Set<string>();
  const questions: Question[] = [];
  const refs: DrawnRef[] = [];
  for (const [index, section] of sections.entries()) {
    const pool = candidates.filter((c) => !taken.has(c.id) && inSection(section, c));
    if (pool.length < section.count) return { ok: false, section: index, available: pool.length, wanted: section.count };
    // A random key per question breaks ties between equally seen ones: a uniform order within each count.
    const keyed = pool.map((c) => ({ c, seen: seen.get(c.id) ?? 0, key: randomInt(2 ** 30) }));
    keyed.sort((a, b) => a.seen - b.seen || a.key - b.key);
    for (const { c } of keyed.slice(0, section.count)) {
      taken.add(c.id);
      questions.push({ ...c.question, question_id: c.id, marks: section.marks_each ?? c.question.marks });
      refs.push({ question_id: c.id, bank_id: c.bank_id, version: c.version, hash: c.hash });
    }
  }
  return { ok: true, questions, refs };
}

/** How many times each bank question was drawn in a participant's earlier attempts (from their stored refs). */
export function seenCounts(earlier: readonly (readonly DrawnRef[] | null)[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const refs of earlier) for (const r of refs ?? []) seen.set(r.question_id, (seen.get(r.question_id) ?? 0) + 1);
  return seen;
}

/** What a section's pool holds when a form is saved (shared/bank-pools.ts sectionPoolStats). */
export type PoolStats = { bank_live: number; available: number; min_marks: number | null; max_marks: number | null };

export type SectionCheck =
  | { ok: true; sections: (Section & { marks_each: number })[] }
  | { ok: false; kind: "bank_missing"; section: number; bank_id: string }
  | { ok: false; kind: "pool_too_small"; section: number; available: number; wanted: number }
  | { ok: false; kind: "marks_differ"; section: number };

/**
 * Whether a form's sections can be filled, each with the marks its drawn questions score (`marks_each`, or the
 * marks its pool's questions share, stored with the section): a pool whose questions carry different marks needs
 * `marks_each`, so that every attempt of the exam is worth the same.
 */
export function checkSections(sections: readonly Section[], stats: readonly PoolStats[]): SectionCheck {
  const out: (Section & { marks_each: number })[] = [];
  for (const [i, section] of sections.entries()) {
    const s = stats[i];
    if (!s || s.bank_live !== 1) return { ok: false, kind: "bank_missing", section: i, bank_id: section.bank_id };
    if (s.available < section.count)
      return { ok: false, kind: "pool_too_small", section: i, available: s.available, wanted: section.count };
    const each = section.marks_each ?? (s.min_marks === s.max_marks ? s.min_marks : null);
    if (each === null) return { ok: false, kind: "marks_differ", section: i };
    out.push({ ...section, marks_each: each });
  }
  return { ok: true, sections: out };
}

/** The marks of the questions sections add to every attempt, from sections saved with their `marks_each`. */
export const sectionMarks = (sections: readonly Section[] | null): number[] =>
  (sections ?? []).flatMap((s) => Array.from({ length: s.count }, () => s.marks_each ?? 0));
