/**
 * Instructors manage their course's cohorts (the `enrol` capability); graders and observers of the course may not
 * (403), staff of another course are told the course or cohort does not exist (404), and every write re-checks the
 * grant it acts under.
 */
import { describe, expect, it } from "vitest";
import { call, makeCourse, type Staff, staff, token, uniqueName } from "./helpers";

async function world() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const pid = uniqueName("participant");
  expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager })).status).toBe(200);
  const give = async (who: Staff, courseId: string, role: string) => {
    const res = await call("PUT", `/courses/${courseId}/staff/${who.sub}`, { token: manager, body: { role } });
    expect(res.status, res.text).toBe(200);
  };
  const made = await call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name: "Evening" } });
  expect(made.status, made.text).toBe(201);
  return { manager, course, pid, give, existing: made.json.id as string };
}

/** Every cohort route, on the course and an existing cohort, as `who`. */
const everyRoute = (courseId: string, cohortId: string, pid: string, who: string) => [
  () => call("POST", `/courses/${courseId}/cohorts`, { token: who, body: { name: uniqueName("Noon") } }),
  () => call("GET", `/courses/${courseId}/cohorts`, { token: who }),
  () => call("PUT", `/cohorts/${cohortId}`, { token: who, body: { name: uniqueName("Dusk") } }),
  () => call("PUT", `/cohorts/${cohortId}/members/${pid}`, { token: who }),
  () => call("GET", `/cohorts/${cohortId}/members`, { token: who }),
  () => call("DELETE", `/cohorts/${cohortId}/members/${pid}`, { token: who }),
  () => call("DELETE", `/cohorts/${cohortId}`, { token: who }),
];

describe("cohorts and course staff", () => {
  it("an instructor creates, lists, renames, fills, empties and archives their course's cohorts", async () => {
    const w = await world();
    const instructor = await staff("instructor");
    await w.give(instructor, w.course.id, "instructor");
    const statuses = [];
    for (const route of everyRoute(w.course.id, w.existing, w.pid, instructor.token)) statuses.push((await route()).status);
    expect(statuses).toEqual([201, 200, 200, 200, 200, 204, 204]);
    const events = await call("GET", `/audit-events?entity_type=cohort&entity_id=${w.existing}`, { token: w.manager });
    expect(
      (events.json as { action: string; actor_role: string }[])
        .filter((e) => e.actor_role === "staff")
        .map((e) => e.action)
        .sort(),
    ).toEqual(["cohort.archived", "cohort.renamed"]);
  });

  it("a grader or observer of the course is refused every cohort route (403 insufficient_grant), and nothing changes", async () => {
    const w = await world();
    for (const role of ["grader", "observer"]) {
      const who = await staff(role);
      await w.give(who, w.course.id, role);
      for (const route of everyRoute(w.course.id, w.existing, w.pid, who.token)) {
        const res = await route();
        expect(res.status, `${role}: ${res.text}`).toBe(403);
        expect(res.json.code).toBe("insufficient_grant");
      }
    }
    const listed = await call("GET", `/courses/${w.course.id}/cohorts`, { token: w.manager });
    expect((listed.json as { id: string; name: string; member_count: number }[]).map((k) => [k.id, k.name, k.member_count])).toEqual([
      [w.existing, "Evening", 0],
    ]);
  });

  it("an instructor of another course, or staff without a grant, is told the course and cohort are not there (404)", async () => {
    const w = await world();
    const elsewhere = await staff("instructor-elsewhere");
    await w.give(elsewhere, (await makeCourse(w.manager)).id, "instructor");
    const nobody = await staff("nobody");
    for (const who of [elsewhere, nobody])
      for (const route of everyRoute(w.course.id, w.existing, w.pid, who.token)) {
        const res = await route();
        expect(res.status, res.text).toBe(404);
        expect(["course_not_found", "cohort_not_found"]).toContain(res.json.code);
      }
    const listed = await call("GET", `/courses/${w.course.id}/cohorts?include_archived=true`, { token: w.manager });
    expect((listed.json as unknown[]).length).toBe(1);
  });

  it("a revoked instructor's next cohort write is refused; participants are still refused (403)", async () => {
    const w = await world();
    const instructor = await staff("instructor");
    await w.give(instructor, w.course.id, "instructor");
    expect((await call("DELETE", `/courses/${w.course.id}/staff/${instructor.sub}`, { token: w.manager })).status).toBe(204);
    expect((await call("PUT", `/cohorts/${w.existing}/members/${w.pid}`, { token: instructor.token })).status).toBe(404);
    const participant = await token(w.pid, "participant");
    expect((await call("GET", `/courses/${w.course.id}/cohorts`, { token: participant })).status).toBe(403);
  });
});

describe("courses as staff see them", () => {
  it("lists only the courses they hold a grant in, drafts included; any other course is not there (404)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const taught = await makeCourse(manager);
    const draft = await makeCourse(manager, { is_active: false });
    const other = await makeCourse(manager);
    const teacher = await staff("teacher");
    for (const [course, role] of [
      [taught, "instructor"],
      [draft, "observer"],
    ] as const)
      expect((await call("PUT", `/courses/${course.id}/staff/${teacher.sub}`, { token: manager, body: { role } })).status).toBe(200);

    const listed = await call("GET", "/courses?limit=200", { token: teacher.token });
    expect(listed.status, listed.text).toBe(200);
    expect((listed.json as { id: string }[]).map((c) => c.id).sort()).toEqual([taught.id, draft.id].sort());
    expect((await call("GET", `/courses/${draft.id}`, { token: teacher.token })).status).toBe(200);
    const elsewhere = await call("GET", `/courses/${other.id}`, { token: teacher.token });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.json.code).toBe("course_not_found");

    const nobody = await staff("nobody");
    expect((await call("GET", "/courses", { token: nobody.token })).json).toEqual([]);
    expect((await call("GET", `/courses/${taught.id}`, { token: nobody.token })).status).toBe(404);
  });
});
