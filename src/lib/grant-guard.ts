/**
 * The course-staff check of a route, declared on it (lib/policy.ts `withGrant`): the thing the path names (or, for a
 * create, the parent its body names) is resolved to its course in SQL, and the caller's grant there is read along
 * course_staff_pk — one indexed read, for staff requests only (managers and participants pass untouched). Outside
 * the caller's grants the thing is not there (404, no existence oracle); inside, a capability the grant lacks is
 * refused with its reason (403 `insufficient_grant`). The handler then runs as it does for a manager.
 *
 * A write is not re-checked in its own statement: a grant revoked between this read and the write lets that one
 * request land, and none after it. Review decisions, where that matters, carry the grant in the write itself.
 */
import { createMiddleware } from "hono/factory";
import { batch } from "../db/batch";
import { type Access, type Capability, courseAccess } from "../domain/authority";
import type { AppContext, AppEnv } from "../env";
import { courseOf, grantOf, instructorGrants, type Owned, staffAccessOf, staffGrantFor } from "../visibility/grants";
import { forbidden, notFound } from "./errors";

type Source = "param" | "query" | "body";
/** Where a request names the thing: a path or query parameter, or a (dotted) field of its JSON body. */
export type Named = { kind: Owned; in: Source; key: string };
export type GuardOptions = {
  /** Further things the body may name (a form to link, a table to show, a step to move to): each must be in a course the grant covers for the same capability. */
  also?: Named[];
  /** The participant whose data the request reads or changes: the grant must reach them (their cohorts). */
  participant?: { in: "param" | "query"; key: string };
  /** Staff must name the target (a create outside any course is for managers). */
  required?: boolean;
};

const NAMES = { course: "Course", step: "Step", material: "Material", form: "Form", table: "Requirement table" } as const;

async function bodyOf(c: AppContext): Promise<unknown> {
  if (!c.req.header("content-type")?.toLowerCase().includes("json")) return undefined;
  // Hono keeps the parsed body, so the validator that runs next reads the same one; a body that does not parse is
  // the validator's to refuse (400), not ours.
  return c.req.json().catch(() => undefined);
}

function pick(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split(".")) at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

async function namedValue(c: AppContext, named: Named): Promise<string | undefined> {
  const raw =
    named.in === "param" ? c.req.param(named.key) : named.in === "query" ? c.req.query(named.key) : pick(await bodyOf(c), named.key);
  return typeof raw === "string" && raw.length > 0 ? raw : undefined;
}

export function grantGuard(capability: Capability, target: Named, options: GuardOptions = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.get("caller");
    if (caller?.role !== "staff") return next();
    const db = c.get("db");
    const id = await namedValue(c, target);
    if (id === undefined) {
      if (options.required)
        throw forbidden(
          `Course staff name the ${NAMES[target.kind].toLowerCase()} of a course they teach (${target.key})`,
          "insufficient_grant",
        );
      return next();
    }
    const participantId = options.participant
      ? options.participant.in === "param"
        ? c.req.param(options.participant.key)
        : c.req.query(options.participant.key)
      : undefined;
    const also: { named: Named; id: string }[] = [];
    for (const named of options.also ?? []) {
      const value = await namedValue(c, named);
      if (value !== undefined) also.push({ named, id: value });
    }
    const courseId = courseOf(target.kind, id);
    const read = await batch(db, {
      reach: participantId ? staffGrantFor(db, caller.id, courseId, participantId) : null,
      grant: participantId ? null : grantOf(db, caller.id, courseId),
      also: also.map((a) => grantOf(db, caller.id, courseOf(a.named.kind, a.id))),
    });
    const decide = (access: Access, kind: Owned, thing: string) => {
      if (access === "hidden") throw notFound(NAMES[kind], thing);
      if (access === "insufficient") throw forbidden(`Your grant in this course does not let you ${capability} here`, "insufficient_grant");
    };
    decide(read.reach ? staffAccessOf(read.reach, capability) : courseAccess(read.grant?.[0] ?? null, capability), target.kind, id);
    const held = read.reach?.[0] ?? read.grant?.[0];
    if (held) c.set("grant", { role: held.role, cohort_ids: held.cohort_ids ?? null });
    for (const [i, a] of also.entries()) decide(courseAccess(read.also[i]?.[0] ?? null, capability), a.named.kind, a.id);
    await next();
  });
}

/**
 * Question banks belong to the organisation, not to a course: course staff use them as instructors of some live
 * course (any), one indexed read along course_staff_by_staff. A staff token without such a grant is 403
 * `insufficient_grant` (a bank is not a course's to hide).
 */
export const instructorSomewhere = createMiddleware<AppEnv>(async (c, next) => {
  const caller = c.get("caller");
  if (caller?.role !== "staff") return next();
  const [held] = await instructorGrants(c.get("db"), caller.id);
  if (!held) throw forbidden("Question banks are for managers and the instructors of a course", "insufficient_grant");
  await next();
});
