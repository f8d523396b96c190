import { describe, expect, it } from "vitest";
import notes from "../../docs/api-notes.md?raw";
import {
  CAPABILITIES,
  type Capability,
  courseAccess,
  GRANT_CAPABILITIES,
  grantAllows,
  grantReaches,
  mayGive,
  staffAccess,
} from "../../src/domain/authority";
import type { GrantRole, Role } from "../../src/domain/vocabulary";

describe("grantAllows: the capability table (README 'Roles')", () => {
  const table: [GrantRole, Capability, boolean][] = [
    ["instructor", "author", true],
    ["instructor", "enrol", true],
    ["instructor", "review", true],
    ["instructor", "read", true],
    ["instructor", "analytics", true],
    ["instructor", "grant", true],
    ["grader", "author", false],
    ["grader", "enrol", false],
    ["grader", "review", true],
    ["grader", "read", true],
    ["grader", "analytics", false],
    ["grader", "grant", false],
    ["observer", "author", false],
    ["observer", "enrol", false],
    ["observer", "review", false],
    ["observer", "read", true],
    ["observer", "analytics", true],
    ["observer", "grant", false],
  ];
  it.each(table)("%s may %s: %s", (role, capability, expected) => expect(grantAllows(role, capability)).toBe(expected));
});

describe("grantReaches: cohort limits", () => {
  const table: [string, string[] | null, string[], boolean][] = [
    ["no limit reaches everyone", null, [], true],
    ["no limit reaches a cohort member", null, ["c1"], true],
    ["a limit reaches a member of one of its cohorts", ["c1"], ["c2", "c1"], true],
    ["a limit does not reach a member of other cohorts only", ["c1"], ["c2"], false],
    ["a limit does not reach someone in no cohort", ["c1"], [], false],
    ["an empty limit reaches no one", [], ["c1"], false],
  ];
  it.each(table)("%s", (_, limit, cohorts, expected) => expect(grantReaches(limit, cohorts)).toBe(expected));
});

describe("mayGive: who gives which grant", () => {
  const table: [string, Role, GrantRole | null, GrantRole, boolean][] = [
    ["a manager gives an instructor grant", "manager", null, "instructor", true],
    ["a manager gives a grader grant", "manager", null, "grader", true],
    ["an instructor gives a grader grant", "staff", "instructor", "grader", true],
    ["an instructor gives an observer grant", "staff", "instructor", "observer", true],
    ["an instructor does not make instructors", "staff", "instructor", "instructor", false],
    ["a grader gives nothing", "staff", "grader", "observer", false],
    ["an observer gives nothing", "staff", "observer", "grader", false],
    ["staff without a grant in the course gives nothing", "staff", null, "observer", false],
    ["a participant gives nothing", "participant", null, "observer", false],
  ];
  it.each(table)("%s", (_, role, grant, given, expected) => expect(mayGive({ role, grant }, given)).toBe(expected));
});

describe("the API notes' capability table is the code's", () => {
  it("one row per capability, a ✔ exactly where GRANT_CAPABILITIES allows it", () => {
    const table = notes.slice(notes.indexOf("<!-- capabilities:start -->"), notes.indexOf("<!-- capabilities:end -->"));
    const rows = new Map<string, boolean[]>();
    for (const line of table.split("\n")) {
      const m = /^\| `([a-z]+)` \|[^|]*\| (✔|✘) \| (✔|✘) \| (✔|✘) \|$/.exec(line);
      if (m)
        rows.set(
          m[1] ?? "",
          [m[2], m[3], m[4]].map((cell) => cell === "✔"),
        );
    }
    expect([...rows.keys()]).toEqual([...CAPABILITIES]);
    for (const capability of CAPABILITIES)
      expect(rows.get(capability), capability).toEqual(
        (["instructor", "grader", "observer"] as const).map((role) => GRANT_CAPABILITIES[role].includes(capability)),
      );
  });
});

describe("staffAccess: one participant's data, for a staff member", () => {
  const grader = (cohort_ids: string[] | null) => ({ role: "grader" as const, cohort_ids });
  const table: [string, Parameters<typeof staffAccess>[0], string[], Capability, ReturnType<typeof staffAccess>][] = [
    ["no grant in the course: not there", null, [], "read", "hidden"],
    ["a whole-course grader reviews anyone", grader(null), [], "review", "allowed"],
    ["a grader of Morning reviews a Morning participant", grader(["morning"]), ["morning"], "review", "allowed"],
    ["a grader of Morning does not see an Evening participant", grader(["morning"]), ["evening"], "review", "hidden"],
    ["a grader of Morning does not see a participant in no cohort", grader(["morning"]), [], "read", "hidden"],
    ["a grader may not read analytics", grader(null), [], "analytics", "insufficient"],
    ["an observer reads", { role: "observer", cohort_ids: null }, [], "read", "allowed"],
    ["an observer may not review", { role: "observer", cohort_ids: null }, [], "review", "insufficient"],
    ["an observer outside their cohorts is not told why", { role: "observer", cohort_ids: ["a"] }, ["b"], "review", "hidden"],
    ["an instructor reviews anyone in the course", { role: "instructor", cohort_ids: null }, ["b"], "review", "allowed"],
  ];
  it.each(table)("%s", (_, grant, cohorts, capability, expected) =>
    expect(staffAccess(grant, { enrolled: true, cohorts }, capability)).toBe(expected),
  );
  it("a participant not enrolled in the course is nobody a grant covers, whatever the grant", () => {
    for (const role of ["instructor", "grader", "observer"] as const)
      expect(staffAccess({ role, cohort_ids: null }, { enrolled: false, cohorts: [] }, "read")).toBe("hidden");
  });
});

describe("courseAccess: the course itself (its staff, its cohorts)", () => {
  const table: [string, Parameters<typeof courseAccess>[0], Capability, ReturnType<typeof courseAccess>][] = [
    ["no grant: not there", null, "enrol", "hidden"],
    ["an instructor manages cohorts", { role: "instructor" }, "enrol", "allowed"],
    ["a grader may not manage cohorts", { role: "grader" }, "enrol", "insufficient"],
    ["an instructor gives grants", { role: "instructor" }, "grant", "allowed"],
    ["an observer does not", { role: "observer" }, "grant", "insufficient"],
  ];
  it.each(table)("%s", (_, grant, capability, expected) => expect(courseAccess(grant, capability)).toBe(expected));
});
