/**
 * Group commit for autosaves. On exam day every taker autosaves every few seconds, and each autosave is a write on
 * D1's single writer (the primary runs one query at a time): N takers ask N/15 writes a second. Group commit: while
 * one autosave statement of this isolate is in flight, the autosaves of remembered attempts (known-attempts.ts)
 * arriving meanwhile gather, and are then written by one statement, `UPDATE … FROM json_each(…)`, in which every row
 * keeps its own conditions — its owner, still open, its own cut-off time and the deadline remembered. With nothing in
 * flight a save is written at once, alone: grouping costs no latency when there is no load. Each request is answered
 * once the statement that carried its save has landed, with whether its own row was written: nothing is acknowledged
 * before it is stored.
 *
 * The first request of a group writes it, and the others wait for that write. Its write is kept alive by its
 * `waitUntil`, so it lands even if its own client goes away. Saves of the same attempt in one
 * group: the last one is written (as it would be in sequence), and all of them are answered by it.
 */
import { sql } from "drizzle-orm";
import { statusLiteral } from "../db/status";
import type { Db } from "../db/types";
import type { Answers } from "../domain/exams";
import { ApiError } from "../lib/errors";

/** The group's answers travel as one bound JSON value: D1 takes values up to 2 MB. A bigger save is written alone. */
const GROUP_BYTES = 512 * 1024;

export type GroupedSave = { id: string; participant_id: string; deadline_at: string; cutoff: string; answers: Answers };
type Waiting = GroupedSave & { bytes: number };
/** What the group's write answers: the attempts it wrote, and the D1 bookmark after it (for read-your-writes). */
type Written = { ids: Set<string>; bookmark: string | null };
/** Set by the writing request when its statement has answered; read by the others (a plain value, see below). */
type Outcome = { done: false } | { done: true; written: Written } | { done: true; error: unknown };
type Group = { saves: Waiting[]; bytes: number; outcome: Outcome };

const POLL_MS = 2;
/** A write that never answers (its request torn down without finishing): the waiting saves give up, retryable. */
const GIVE_UP_MS = 10_000;
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** The group accepting saves (its statement not started yet), and the one whose statement went out last. */
let forming: Group | null = null;
let writing: Group | null = null;

/** The ids of the attempts whose answers the statement wrote. */
async function writeGroup(db: Db, saves: readonly Waiting[]): Promise<Set<string>> {
  const last = new Map(saves.map((s) => [s.id, s]));
  const rows = JSON.stringify(
    [...last.values()].map(({ id, participant_id, deadline_at, cutoff, answers }) => ({
      id,
      participant_id,
      deadline_at,
      cutoff,
      answers,
    })),
  );
  const written = await db.all<{ id: string }>(sql`
    UPDATE form_submissions SET answers = json_extract(j.value, '$.answers')
    FROM json_each(${rows}) j
    WHERE form_submissions.id = json_extract(j.value, '$.id')
      AND form_submissions.participant_id = json_extract(j.value, '$.participant_id')
      AND form_submissions.deadline_at = json_extract(j.value, '$.deadline_at')
      AND form_submissions.submission_status = ${statusLiteral("InProgress")}
      AND form_submissions.deadline_at >= json_extract(j.value, '$.cutoff')
    RETURNING form_submissions.id AS id`);
  return new Set(written.map((r) => r.id));
}

/**
 * Writes `save` with the other autosaves arriving now; whether its row was written (false when its conditions did
 * not hold: the caller then explains why, as a lone write would), and the bookmark of the write, so a client that
 * sends it back reads its own answers from any replica. `keepAlive` is the request's `waitUntil`.
 *
 * Requests wait for another request's write by looking at a plain value on a short timer of their own, not by
 * awaiting a promise the writing request settles: workerd cancels a request that waits only on another request's
 * promise (it counts as hung), and runs no continuation across requests.
 */
export async function saveInGroup(
  db: Db,
  save: GroupedSave,
  request: { keepAlive: (work: Promise<unknown>) => void; bookmark: () => string | null },
): Promise<{ written: boolean; bookmark: string | null }> {
  const waiting: Waiting = { ...save, bytes: JSON.stringify(save.answers).length + 200 };
  let group = forming;
  if (group && group.bytes + waiting.bytes <= GROUP_BYTES) {
    group.saves.push(waiting);
    group.bytes += waiting.bytes;
  } else {
    const opened: Group = { saves: [waiting], bytes: waiting.bytes, outcome: { done: false } };
    forming = group = opened;
    const work = (async () => {
      // While another group's statement is in flight, this group gathers the saves arriving meanwhile; with none in
      // flight it is written at once, alone (no save waits for company).
      const before = writing;
      for (let waited = 0; before && !before.outcome.done && waited < GIVE_UP_MS; waited += POLL_MS) await sleep(POLL_MS);
      if (forming === opened) forming = null;
      writing = opened;
      try {
        const ids = await writeGroup(db, opened.saves);
        opened.outcome = { done: true, written: { ids, bookmark: request.bookmark() } };
      } catch (error) {
        opened.outcome = { done: true, error };
      }
    })();
    request.keepAlive(work);
    await work;
  }
  for (let waited = 0; !group.outcome.done; waited += POLL_MS) {
    if (waited >= GIVE_UP_MS)
      throw new ApiError(503, "database_overloaded", "The database is busy; retry shortly", undefined, { "retry-after": "1" });
    await sleep(POLL_MS);
  }
  const outcome = group.outcome;
  if ("error" in outcome) throw outcome.error;
  return { written: outcome.written.ids.has(save.id), bookmark: outcome.written.bookmark };
}
