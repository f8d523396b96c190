/**
 * Open attempts this isolate has seen, by the facts fixed when an attempt starts: whose it is, where it belongs,
 * its deadline and the questions it was shown (shared by their set's hash: attempts of a fixed-order exam share
 * one list). With them an autosave or a submit checks the answers and writes in one statement, instead of first
 * reading the attempt and rebuilding its questions in SQL — on exam day the two requests most sent.
 *
 * Nothing here is trusted to allow a write: the write itself still holds every rule (the caller owns the attempt,
 * it is open, it is in time, its deadline is the one remembered). A memo that is stale, evicted or from another
 * database only costs a miss, and the caller then takes the reading path, which also words any refusal.
 */
import type { Question } from "../domain/vocabulary";
import type { SubmissionRow } from "./queries";

export type KnownAttempt = Pick<SubmissionRow, "id" | "participant_id" | "form_id" | "step_id" | "course_id" | "attempt_number"> & {
  deadline_at: string;
  questions: readonly Question[];
};

type Entry = Omit<KnownAttempt, "questions"> & { set: string };

// An entry is a few hundred bytes and a set a few kilobytes: tens of megabytes at most, under the 128 MB an isolate has.
const MAX_ATTEMPTS = 20_000;
const MAX_SETS = 2_000;
const attempts = new Map<string, Entry>();
const sets = new Map<string, readonly Question[]>();

function bounded<V>(map: Map<string, V>, max: number, key: string, value: V) {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value as string); // the oldest
  map.set(key, value);
}

/** Remembers an open attempt stored by reference (an older full copy is left to the reading path). */
export function rememberAttempt(
  row: Omit<KnownAttempt, "questions"> & { question_set: string | null; questions: readonly Question[] | null },
) {
  if (!row.question_set || !row.questions) return;
  const { question_set: set, questions, ...facts } = row;
  if (!sets.has(set)) bounded(sets, MAX_SETS, set, questions);
  bounded(attempts, MAX_ATTEMPTS, row.id, { ...facts, set });
}

export function knownAttempt(id: string): KnownAttempt | null {
  const entry = attempts.get(id);
  const questions = entry && sets.get(entry.set);
  if (!entry || !questions) return null;
  const { set: _set, ...facts } = entry;
  return { ...facts, questions };
}

/** A submitted attempt takes no more answers: nothing to remember. */
export const forgetAttempt = (id: string) => attempts.delete(id);

/** Whether this isolate has seen an attempt written with question set `hash` (so the set is stored). */
export const knownSet = (hash: string) => sets.has(hash);
