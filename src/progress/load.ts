import type { SQL } from "drizzle-orm";
import { batch } from "../db/batch";
import type { Db } from "../db/types";
import { answerableSince } from "../domain/exams";
import { ProgressSet } from "./derive";
import { type CourseStructure, type OwnResult, ownQuery, ownRows, structureQueries, structuresFrom, type Who } from "./reads";
import { cached, remember } from "./structure-cache";

export type ExamClock = { now: Date; graceSeconds: number };

/**
 * The deadline before which an open attempt's answers and questions are read: every attempt `isExpired` at the
 * clock (deadline + grace before now) is before it, with a minute to spare, so the SQL comparison of stored
 * deadlines never leaves out one the derivation then closes and scores.
 */
const expiringBy = (clock: ExamClock) => answerableSince(new Date(clock.now.getTime() + 60_000), clock.graceSeconds);

/**
 * A participant's progress in the courses `courseIds` names. Put `own` into the request's one batch as a named
 * entry next to the feature's own reads (`batch(db, { step: …, own: query.own })`), then `finish(read.own)`: it
 * costs another round trip only when a course's structure is not cached at the version just read.
 */
export function progressQuery(db: Db, who: Who, courseIds: SQL, clock: ExamClock) {
  const first = typeof who === "string" ? who : Array.isArray(who) ? who[0] : undefined;
  return {
    own: ownQuery(db, who, courseIds, expiringBy(clock)),
    /** `participantId` names whose progress to derive when `who` was an SQL expression or a list. */
    async finish(result: OwnResult, participantId: string | undefined = first): Promise<ProgressSet> {
      const own = ownRows(result);
      const structures = new Map<string, CourseStructure>();
      const missing: string[] = [];
      for (const { id, version } of own.versions) {
        const hit = cached(id, version);
        if (hit) structures.set(id, hit);
        else missing.push(id);
      }
      if (missing.length > 0) {
        const fetched = structuresFrom((await batch(db, { groups: structureQueries(db, missing) })).groups);
        for (const [id, structure] of fetched) {
          // Remembered at the version read with it, in the same batch: never newer data under an older version.
          remember(id, structure.course.structure_version, structure);
          structures.set(id, structure);
        }
      }
      return new ProgressSet(participantId, structures, own, clock.now, clock.graceSeconds);
    },
  };
}

/** Reads progress alone, in one round trip (the views whose only read it is). */
export async function readProgress(db: Db, who: Who, courseIds: SQL, clock: ExamClock, participantId?: string): Promise<ProgressSet> {
  const query = progressQuery(db, who, courseIds, clock);
  return query.finish(await query.own, participantId);
}
