/**
 * Cohorts of a course (issue #24): create, list, rename, archive, and their members — for managers, audited in the
 * batch of each change, and refused to participants and to staff without a grant.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, enrolled, makeCourse, token, uniqueName } from "./helpers";

let manager: string;
let managerId: string;
beforeAll(async () => {
  managerId = uniqueName("manager");
  manager = await token(managerId, "manager");
});

const nextPath = (res: { headers: Headers }) =>
  res.headers
    .get("link")
    ?.match(/<([^>]+)>;\s*rel="next"/)?.[1]
    ?.replace(/^https?:\/\/[^/]+/, "");

/** Every item of a list, page by page along its Link header, and how many pages it took. */
async function allPages(path: string) {
  const items: { id?: string; participant_id?: string; name?: string }[] = [];
  let pages = 0;
  let next: string | undefined = path;
  while (next) {
    const res = await call("GET", next, { token: manager });
    expect(res.status, res.text).toBe(200);
    items.push(...(res.json as unknown as typeof items));
    pages++;
    next = nextPath(res);
  }
  return { items, pages };
}

async function makeCohort(courseId: string, name = uniqueName("cohort")) {
  const res = await call("POST", `/courses/${courseId}/cohorts`, { token: manager, body: { name } });
  if (res.status !== 201) throw new Error(`makeCohort: ${res.status} ${res.text}`);
  return res.json;
}

const memberRows = async (cohortId: string, participantId: string) =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM cohort_members WHERE cohort_id = ? AND participant_id = ?")
      .bind(cohortId, participantId)
      .first<{ n: number }>()
  )?.n;

async function events(query: Record<string, string>) {
  const res = await call("GET", `/audit-events?${new URLSearchParams({ ...query, limit: "200" })}`, { token: manager });
  expect(res.status, res.text).toBe(200);
  return res.json as unknown as {
    action: string;
    entity_type: string;
    entity_id: string;
    actor_id: string;
    changes: Record<string, unknown>;
  }[];
}

describe("cohorts of a course", () => {
  it("creates one (name trimmed), lists live ones, renames, and refuses a live name twice in a course, whatever its case", async () => {
    const course = await makeCourse(manager);
    const created = await call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name: "  Morning  " } });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      course_id: course.id,
      name: "Morning",
      member_count: 0,
      created_at: expect.any(String),
      updated_at: created.json.created_at,
      archived_at: null,
    });

    for (const name of ["Morning", "MORNING", " morning "]) {
      const dup = await call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name } });
      expect(dup.status, name).toBe(409);
      expect(dup.json).toMatchObject({ code: "cohort_name_taken" });
      expect(dup.json.detail).toContain(created.json.id);
    }
    // The same name in another course is another cohort.
    const elsewhere = await makeCourse(manager);
    expect((await call("POST", `/courses/${elsewhere.id}/cohorts`, { token: manager, body: { name: "Morning" } })).status).toBe(201);

    const evening = await makeCohort(course.id, "Evening");
    const taken = await call("PUT", `/cohorts/${evening.id}`, { token: manager, body: { name: "mOrNiNg" } });
    expect(taken.status).toBe(409);
    expect(taken.json.code).toBe("cohort_name_taken");

    // A change of case is a rename of its own name.
    const recased = await call("PUT", `/cohorts/${created.json.id}`, { token: manager, body: { name: "MORNING" } });
    expect(recased.status, recased.text).toBe(200);
    expect(recased.json).toMatchObject({ id: created.json.id, name: "MORNING", member_count: 0, archived_at: null });
    const renamed = await call("PUT", `/cohorts/${created.json.id}`, { token: manager, body: { name: "Dawn" } });
    expect(renamed.json.name).toBe("Dawn");
    // Renaming to the current name changes nothing and answers the cohort.
    const same = await call("PUT", `/cohorts/${created.json.id}`, { token: manager, body: { name: "Dawn" } });
    expect(same.status).toBe(200);
    expect(same.json.updated_at).toBe(renamed.json.updated_at);

    const list = await call("GET", `/courses/${course.id}/cohorts`, { token: manager });
    expect(list.status).toBe(200);
    expect(list.json.map((c) => c.name).sort()).toEqual(["Dawn", "Evening"]);
  });

  it("archives a cohort: it leaves the list (include_archived shows it), its name is free again, and it takes no change", async () => {
    const course = await makeCourse(manager);
    const cohort = await makeCohort(course.id, "Weekend");
    const p = await enrolled(manager, course.id);
    expect((await call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager })).status).toBe(200);

    const archived = await call("DELETE", `/cohorts/${cohort.id}`, { token: manager });
    expect(archived.status, archived.text).toBe(204);
    expect((await call("GET", `/courses/${course.id}/cohorts`, { token: manager })).json).toEqual([]);
    const all = await call("GET", `/courses/${course.id}/cohorts?include_archived=true`, { token: manager });
    expect(all.json).toEqual([expect.objectContaining({ id: cohort.id, member_count: 1, archived_at: expect.any(String) })]);

    // The name is free for a new live cohort.
    const again = await call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name: "weekend" } });
    expect(again.status, again.text).toBe(201);

    // Its memberships stay readable; it takes no new member, no rename, no second archive, no removal.
    const members = await call("GET", `/cohorts/${cohort.id}/members`, { token: manager });
    expect(members.json.map((m) => m.participant_id)).toEqual([p.pid]);
    const other = await enrolled(manager, course.id);
    for (const [method, path, body] of [
      ["PUT", `/cohorts/${cohort.id}/members/${other.pid}`, undefined],
      ["PUT", `/cohorts/${cohort.id}/members/${p.pid}`, undefined],
      ["DELETE", `/cohorts/${cohort.id}/members/${p.pid}`, undefined],
      ["PUT", `/cohorts/${cohort.id}`, { name: "Renamed" }],
      ["DELETE", `/cohorts/${cohort.id}`, undefined],
    ] as const) {
      const res = await call(method, path, { token: manager, body });
      expect(res.status, `${method} ${path}`).toBe(409);
      expect(res.json.code).toBe("cohort_archived");
    }
    expect(await memberRows(cohort.id, other.pid)).toBe(0);
    expect(await memberRows(cohort.id, p.pid)).toBe(1);
  });

  it("pages a course's cohorts by keyset: every cohort once, in creation order", async () => {
    const course = await makeCourse(manager);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await makeCohort(course.id, `Group ${i}`));
    const first = await call("GET", `/courses/${course.id}/cohorts?limit=2`, { token: manager });
    expect(first.json).toHaveLength(2);
    expect(first.headers.get("link")).toMatch(/rel="next"/);
    const { items, pages } = await allPages(`/courses/${course.id}/cohorts?limit=2`);
    expect(pages).toBe(3);
    expect(items.map((c) => c.id)).toEqual(made.map((c) => c.id).sort());
    const bad = await call("GET", `/courses/${course.id}/cohorts?cursor=not-a-cursor`, { token: manager });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("invalid_cursor");
  });
});

describe("cohort members", () => {
  it("adds an enrolled participant (twice: one row, 200 both times), refuses one not enrolled, removes, and counts", async () => {
    const course = await makeCourse(manager);
    const cohort = await makeCohort(course.id);
    const p = await enrolled(manager, course.id);
    const first = await call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({ cohort_id: cohort.id, participant_id: p.pid, added_by: managerId, added_at: expect.any(String) });
    const second = await call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    expect(await memberRows(cohort.id, p.pid)).toBe(1);

    // Enrolled in another course only: not this cohort's.
    const elsewhere = await makeCourse(manager);
    const stranger = await enrolled(manager, elsewhere.id);
    const refused = await call("PUT", `/cohorts/${cohort.id}/members/${stranger.pid}`, { token: manager });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe("not_enrolled");
    expect(await memberRows(cohort.id, stranger.pid)).toBe(0);

    // One participant in several cohorts of a course.
    const second_cohort = await makeCohort(course.id);
    expect((await call("PUT", `/cohorts/${second_cohort.id}/members/${p.pid}`, { token: manager })).status).toBe(200);
    const counted = await call("GET", `/courses/${course.id}/cohorts`, { token: manager });
    expect(counted.json.map((c) => c.member_count)).toEqual([1, 1]);

    const removed = await call("DELETE", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    expect(removed.status, removed.text).toBe(204);
    expect(await memberRows(cohort.id, p.pid)).toBe(0);
    const again = await call("DELETE", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    expect(again.status).toBe(404);
    expect(again.json.code).toBe("cohort_member_not_found");
    expect(await memberRows(second_cohort.id, p.pid)).toBe(1);
  });

  it("pages a cohort's members by participant id", async () => {
    const course = await makeCourse(manager);
    const cohort = await makeCohort(course.id);
    const pids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await enrolled(manager, course.id);
      pids.push(p.pid);
      expect((await call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager })).status).toBe(200);
    }
    const { items, pages } = await allPages(`/cohorts/${cohort.id}/members?limit=2`);
    expect(pages).toBe(3);
    expect(items.map((m) => m.participant_id)).toEqual([...pids].sort());
  });

  it("simultaneous adds of one participant make one row, all answered 200; simultaneous creates of one name make one cohort", async () => {
    const course = await makeCourse(manager);
    const cohort = await makeCohort(course.id);
    const p = await enrolled(manager, course.id);
    const adds = await Promise.all(
      Array.from({ length: 6 }, () => call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager })),
    );
    expect(adds.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(adds.map((r) => r.json.added_at)).size).toBe(1);
    expect(await memberRows(cohort.id, p.pid)).toBe(1);
    expect((await events({ entity_type: "participant", entity_id: p.pid, action: "cohort.member_added" })).length).toBe(1);

    const name = uniqueName("Rush");
    const creates = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name: i % 2 ? name : name.toUpperCase() } }),
      ),
    );
    expect(creates.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const cohorts = (await call("GET", `/courses/${course.id}/cohorts`, { token: manager })).json;
    expect(cohorts.map((c) => c.name.toLowerCase()).sort()).toEqual([cohort.name.toLowerCase(), name.toLowerCase()].sort());
    const created = creates.find((r) => r.status === 201)?.json.id ?? "";
    expect((await events({ entity_type: "cohort", entity_id: created })).map((e) => e.action)).toEqual(["cohort.created"]);
  });
});

describe("who may, and what is not there", () => {
  it("participants are refused every cohort operation (403); staff without a grant are told it is not there (404)", async () => {
    const course = await makeCourse(manager);
    const cohort = await makeCohort(course.id);
    const p = await enrolled(manager, course.id);
    const staff = await token(uniqueName("staff"), "staff");
    const requests = [
      ["POST", `/courses/${course.id}/cohorts`, { name: "x" }],
      ["GET", `/courses/${course.id}/cohorts`, undefined],
      ["PUT", `/cohorts/${cohort.id}`, { name: "y" }],
      ["DELETE", `/cohorts/${cohort.id}`, undefined],
      ["PUT", `/cohorts/${cohort.id}/members/${p.pid}`, undefined],
      ["DELETE", `/cohorts/${cohort.id}/members/${p.pid}`, undefined],
      ["GET", `/cohorts/${cohort.id}/members`, undefined],
    ] as const;
    for (const [who, tok, status] of [
      ["participant", p.participant, 403],
      ["staff", staff, 404],
    ] as const)
      for (const [method, path, body] of requests) {
        const res = await call(method, path, { token: tok, body });
        expect(res.status, `${who} ${method} ${path}`).toBe(status);
      }
    const [participantAnswer] = await Promise.all([call("GET", `/cohorts/${cohort.id}/members`, { token: p.participant })]);
    expect(participantAnswer.json.code).toBe("manager_only");
    expect(await memberRows(cohort.id, p.pid)).toBe(0);
    expect((await call("GET", `/courses/${course.id}/cohorts`, { token: manager })).json.map((c) => c.name)).toEqual([cohort.name]);
  });

  it("an unknown or archived course is 404 course_not_found; an unknown cohort, or one of an archived course, 404 cohort_not_found", async () => {
    const nobody = "507f1f77bcf86cd799439099";
    const archivedCourse = await makeCourse(manager);
    const orphan = await makeCohort(archivedCourse.id);
    expect((await call("DELETE", `/courses/${archivedCourse.id}`, { token: manager })).status).toBe(204);
    for (const courseId of [nobody, archivedCourse.id]) {
      for (const res of [
        await call("POST", `/courses/${courseId}/cohorts`, { token: manager, body: { name: "x" } }),
        await call("GET", `/courses/${courseId}/cohorts`, { token: manager }),
      ]) {
        expect(res.status).toBe(404);
        expect(res.json.code).toBe("course_not_found");
      }
    }
    for (const cohortId of [nobody, orphan.id])
      for (const [method, path, body] of [
        ["PUT", `/cohorts/${cohortId}`, { name: "y" }],
        ["DELETE", `/cohorts/${cohortId}`, undefined],
        ["PUT", `/cohorts/${cohortId}/members/someone`, undefined],
        ["DELETE", `/cohorts/${cohortId}/members/someone`, undefined],
        ["GET", `/cohorts/${cohortId}/members`, undefined],
      ] as const) {
        const res = await call(method, path, { token: manager, body });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.json.code).toBe("cohort_not_found");
      }
  });

  it("bad input is 400 validation_error naming the field", async () => {
    const course = await makeCourse(manager);
    const cohort = await makeCohort(course.id);
    const cases = [
      ["POST", `/courses/${course.id}/cohorts`, { name: "   " }, "name"],
      ["POST", `/courses/${course.id}/cohorts`, { name: "x".repeat(201) }, "name"],
      ["POST", `/courses/${course.id}/cohorts`, {}, "name"],
      ["POST", `/courses/${course.id}/cohorts`, { name: "ok", colour: "red" }, "colour"],
      ["POST", `/courses/not-an-id/cohorts`, { name: "ok" }, "course_id"],
      ["PUT", `/cohorts/${cohort.id}`, { name: 5 }, "name"],
      ["PUT", `/cohorts/${cohort.id}/members/me`, undefined, "participant_id"],
      ["PUT", `/cohorts/${cohort.id}/members/${"p".repeat(201)}`, undefined, "participant_id"],
      ["GET", `/courses/${course.id}/cohorts?include_archived=yes`, undefined, "include_archived"],
      ["GET", `/cohorts/${cohort.id}/members?limit=0`, undefined, "limit"],
      ["GET", `/cohorts/xyz/members`, undefined, "cohort_id"],
    ] as const;
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, { token: manager, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json).toMatchObject({ code: "validation_error", detail: expect.stringContaining(field) });
      const problem: { errors?: { path: string }[] } = JSON.parse(res.text);
      expect(problem.errors?.map((e) => e.path)).toContain(field);
    }
  });
});

describe("the audit log", () => {
  it("records each change once, by its actor, with its diff; refusals and no-op repeats record nothing", async () => {
    const course = await makeCourse(manager);
    const cohort = await makeCohort(course.id, "First");
    const p = await enrolled(manager, course.id);
    await call("PUT", `/cohorts/${cohort.id}`, { token: manager, body: { name: "Second" } });
    await call("PUT", `/cohorts/${cohort.id}`, { token: manager, body: { name: "Second" } });
    await call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    await call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    await call("PUT", `/cohorts/${cohort.id}/members/not-enrolled-${p.pid}`, { token: manager });
    await call("DELETE", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    await call("DELETE", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager });
    await call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name: "second" } });
    await call("DELETE", `/cohorts/${cohort.id}`, { token: manager });
    await call("DELETE", `/cohorts/${cohort.id}`, { token: manager });

    const onCohort = await events({ entity_type: "cohort", entity_id: cohort.id });
    expect(onCohort.map((e) => [e.action, e.actor_id, e.changes])).toEqual([
      ["cohort.created", managerId, { course_id: [null, course.id], name: [null, "First"] }],
      ["cohort.renamed", managerId, { name: ["First", "Second"] }],
      ["cohort.archived", managerId, { archived_at: [null, expect.any(String)] }],
    ]);
    // Memberships are recorded on the participant, naming the cohort (and never the participant in the diff).
    const onParticipant = await events({ entity_type: "participant", entity_id: p.pid });
    expect(onParticipant.map((e) => [e.action, e.changes])).toEqual([
      ["cohort.member_added", { cohort_id: [null, cohort.id] }],
      ["cohort.member_removed", { cohort_id: [cohort.id, null] }],
    ]);
    expect((await events({ entity_id: `not-enrolled-${p.pid}` })).length).toBe(0);
    // The refused create (a live name) wrote nothing: the course still has one cohort, created once.
    const all = (await call("GET", `/courses/${course.id}/cohorts?include_archived=true`, { token: manager })).json;
    expect(all.map((c) => c.id)).toEqual([cohort.id]);
  });
});
