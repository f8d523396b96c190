import type { BatchItem } from "drizzle-orm/batch";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/types";
import { ProgressSet } from "./derive";
import { ownQueries, ownRows, structureQueries, structuresFrom, type CourseStructure, type OwnResults, type Who } from "./reads";
import { cached, remember } from "./structure-cache";

export type ExamClock = { now: Date; graceSeconds: number };

/**
 * A participant's progress in the courses `courseIds` names. Put `statements` into the request's one batch
 * next to the feature's own reads, then `finish(results)`: it costs another round trip only when a course's
 * structure is not cached at the version just read.
 */
export function progressQuery(db: Db, who: Who, courseIds: SQL, clock: ExamClock) {
  const statements = ownQueries(db, who, courseIds);
  const first = typeof who === "string" ? who : Array.isArray(who) ? who[0] : undefined;
  return {
    statements,
    /** `participantId` names whose progress to derive when `who` was an SQL expression or a list. */
    async finish(results: Readonly<OwnResults>, participantId: string | undefined = first): Promise<ProgressSet> {
      const own = ownRows(results);
      const structures = new Map<string, CourseStructure>();
      const missing: string[] = [];
      for (const { id, version } of own.versions) {
        const hit = cached(id, version);
        if (hit) structures.set(id, hit);
        else missing.push(id);
      }
      if (missing.length > 0) {
        const [head, ...rest] = structureQueries(db, missing);
        // Each group of five is typed alike; the batch's own tuple typing cannot follow a computed length.
        const fetched = structuresFrom(
          (await db.batch([head!, ...rest] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[][],
        );
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
