/**
 * Course staff grants (issue #24): who may give, change and revoke which grant, what each caller is told, the audit
 * trail, and what happens when two callers write the same grant at once. Cohorts are written straight into D1, so
 * these tests do not depend on the cohort endpoints.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "../src/lib/ids";
import { call, makeCourse, roundTrips, token, uniqueName } from "./helpers";

type Grant = {
  course_id: string;
  sub: string;
  role: string;
  cohort_ids: string[] | null;
  granted_by: string;
  created_at: string;
  updated_at: string;
};
type Event = {
  action: string;
  actor_id: string;
  actor_role: string;
  entity_id: string;
  request_id: string;
  changes: Record<string, unknown>;
};

const managerId = uniqueName("grants-manager");
const manager = await token(managerId, "manager");

afterEach(() => {
  vi.restoreAllMocks();
});

/** A staff member: their sub and a token for it. */
async function staff(prefix = "teacher") {
  const sub = uniqueName(prefix);
  return { sub, token: await token(sub, "staff") };
}

async function cohort(courseId: string, archived = false) {
  const id = newId();
  const at = new Date().toISOString();
  await env.DB.prepare(
    "INSERT INTO cohorts (id, course_id, name, created_by, created_at, updated_at, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(id, courseId, uniqueName("cohort"), managerId, at, at, archived ? at : null)
    .run();
  return id;
}

const put = (courseId: string, sub: string, body: unknown, as: string) =>
  call("PUT", `/courses/${courseId}/staff/${encodeURIComponent(sub)}`, { token: as, body });
const revoke = (courseId: string, sub: string, as: string) =>
  call("DELETE", `/courses/${courseId}/staff/${encodeURIComponent(sub)}`, { token: as });
const list = (courseId: string, as: string, query = "") => call("GET", `/courses/${courseId}/staff${query}`, { token: as });
const mine = (as: string) => call("GET", "/staff/me/grants", { token: as });

async function grant(courseId: string, sub: string, body: Record<string, unknown>, as = manager): Promise<Grant> {
  const res = await put(courseId, sub, body, as);
  expect(res.status, res.text).toBe(200);
  return res.json as Grant;
}

/** A course with an instructor (made by the manager). */
async function courseWithInstructor() {
  const course = await makeCourse(manager);
  const instructor = await staff("instructor");
  await grant(course.id, instructor.sub, { role: "instructor" });
  return { course, instructor };
}

async function grantEvents(sub: string): Promise<Event[]> {
  const res = await call("GET", `/audit-events?${new URLSearchParams({ entity_type: "grant", entity_id: sub })}`, { token: manager });
  expect(res.status, res.text).toBe(200);
  return res.json as unknown as Event[];
}

describe("giving grants", () => {
  it("a manager makes a teacher instructor of a course; the teacher sees it among their grants", async () => {
    const course = await makeCourse(manager);
    const teacher = await staff();
    const res = await put(course.id, teacher.sub, { role: "instructor" }, manager);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      course_id: course.id,
      sub: teacher.sub,
      role: "instructor",
      cohort_ids: null,
      granted_by: managerId,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const own = await mine(teacher.token);
    expect(own.status).toBe(200);
    expect(own.json).toEqual([res.json]);
  });

  it("an instructor adds a grader limited to one cohort of their course, and lists the course's staff", async () => {
    const { course, instructor } = await courseWithInstructor();
    const morning = await cohort(course.id);
    const grader = await staff("grader");
    const res = await put(course.id, grader.sub, { role: "grader", cohort_ids: [morning] }, instructor.token);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ role: "grader", cohort_ids: [morning], granted_by: instructor.sub });

    const listed = await list(course.id, instructor.token);
    expect(listed.status).toBe(200);
    expect((listed.json as Grant[]).map((g) => [g.sub, g.role, g.cohort_ids])).toEqual(
      [
        [instructor.sub, "instructor", null],
        [grader.sub, "grader", [morning]],
      ].sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
    expect((await mine(grader.token)).json).toEqual([res.json]);
  });

  it("replacing a grant changes it in place: one row, a new role and cohorts, created_at kept", async () => {
    const course = await makeCourse(manager);
    const [a, b] = [await cohort(course.id), await cohort(course.id)];
    const teacher = await staff();
    const first = await grant(course.id, teacher.sub, { role: "grader", cohort_ids: [b, a] });
    // Stored in id order: one set of cohorts has one spelling.
    expect(first.cohort_ids).toEqual([a, b].sort());
    const second = await grant(course.id, teacher.sub, { role: "observer" });
    expect(second).toMatchObject({ role: "observer", cohort_ids: null, created_at: first.created_at });
    expect((await list(course.id, manager)).json).toEqual([second]);
  });

  it("an instructor may not make anyone an instructor, nor change or revoke an instructor's grant", async () => {
    const { course, instructor } = await courseWithInstructor();
    const other = await staff("instructor");
    await grant(course.id, other.sub, { role: "instructor" });
    const newcomer = await staff();

    const asInstructor = await put(course.id, newcomer.sub, { role: "instructor" }, instructor.token);
    expect(asInstructor.status).toBe(403);
    expect(asInstructor.json).toMatchObject({ code: "insufficient_grant" });
    for (const res of [
      await put(course.id, other.sub, { role: "grader" }, instructor.token),
      await put(course.id, instructor.sub, { role: "observer" }, instructor.token),
      await revoke(course.id, other.sub, instructor.token),
    ]) {
      expect(res.status, res.text).toBe(403);
      expect(res.json).toMatchObject({ code: "insufficient_grant" });
    }
    expect((await list(course.id, manager)).json).toHaveLength(2);
  });

  it("an instructor of one course is told another course does not exist, as for a course id of nothing", async () => {
    const { instructor } = await courseWithInstructor();
    const elsewhere = await makeCourse(manager);
    const colleague = await staff();
    await grant(elsewhere.id, colleague.sub, { role: "grader" });
    const nowhere = "507f1f77bcf86cd799439099";
    for (const courseId of [elsewhere.id, nowhere])
      for (const res of [
        await put(courseId, colleague.sub, { role: "grader" }, instructor.token),
        await list(courseId, instructor.token),
        await revoke(courseId, colleague.sub, instructor.token),
      ]) {
        expect(res.status, res.text).toBe(404);
        expect(res.json).toMatchObject({ code: "course_not_found" });
      }
    // A manager is told the truth about the course that does not exist.
    expect((await put(nowhere, colleague.sub, { role: "grader" }, manager)).json).toMatchObject({ code: "course_not_found" });
  });

  it("graders and observers may not give, list or revoke grants in their own course", async () => {
    const { course } = await courseWithInstructor();
    const grader = await staff("grader");
    const observer = await staff("observer");
    await grant(course.id, grader.sub, { role: "grader" });
    await grant(course.id, observer.sub, { role: "observer" });
    for (const who of [grader, observer])
      for (const res of [
        await put(course.id, uniqueName("someone"), { role: "observer" }, who.token),
        await list(course.id, who.token),
        await revoke(course.id, who === grader ? observer.sub : grader.sub, who.token),
      ]) {
        expect(res.status, res.text).toBe(403);
        expect(res.json).toMatchObject({ code: "insufficient_grant" });
      }
  });

  it("participants may not touch grants; managers and participants have no grants of their own to read", async () => {
    const { course, instructor } = await courseWithInstructor();
    const participant = await token(uniqueName("participant"), "participant");
    for (const res of [
      await put(course.id, uniqueName("someone"), { role: "observer" }, participant),
      await list(course.id, participant),
      await revoke(course.id, instructor.sub, participant),
    ]) {
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ code: "manager_only" });
    }
    for (const who of [participant, manager]) {
      const res = await mine(who);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ code: "staff_only" });
    }
  });

  it("a staff token with no grant reads empty lists of grants and courses, and is refused or not told the rest", async () => {
    const nobody = await staff();
    const res = await mine(nobody.token);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([]);
    const course = await makeCourse(manager);
    expect((await put(course.id, nobody.sub, { role: "instructor" }, nobody.token)).status).toBe(404);
    expect((await call("GET", "/courses", { token: nobody.token })).json).toEqual([]);
    expect((await call("GET", "/forms", { token: nobody.token })).json).toEqual([]);
    expect((await call("GET", "/requirement-tables", { token: nobody.token })).json).toEqual([]);
  });

  it("a page size out of range on one's own grants is 400 with the field named", async () => {
    const nobody = await staff();
    for (const limit of ["0", "201", "05"]) {
      const res = await call("GET", `/staff/me/grants?limit=${limit}`, { token: nobody.token });
      expect(res.status, limit).toBe(400);
      expect(res.json.code).toBe("validation_error");
      expect(res.json.detail).toContain("limit");
    }
  });

  it("grants in an archived course are not listed among the holder's grants, and the course's grants are gone with it", async () => {
    const { course, instructor } = await courseWithInstructor();
    const kept = await makeCourse(manager);
    await grant(kept.id, instructor.sub, { role: "observer" });
    expect((await call("DELETE", `/courses/${course.id}`, { token: manager })).status).toBe(204);
    expect(((await mine(instructor.token)).json as Grant[]).map((g) => g.course_id)).toEqual([kept.id]);
    expect((await list(course.id, manager)).json).toMatchObject({ code: "course_not_found" });
  });
});

describe("cohort limits", () => {
  it("names live cohorts of this course only: another course's or an archived cohort is 404 cohort_not_found", async () => {
    const course = await makeCourse(manager);
    const other = await makeCourse(manager);
    const live = await cohort(course.id);
    const archived = await cohort(course.id, true);
    const foreign = await cohort(other.id);
    const teacher = await staff();
    for (const bad of [archived, foreign, "507f1f77bcf86cd799439098"]) {
      const res = await put(course.id, teacher.sub, { role: "grader", cohort_ids: [live, bad] }, manager);
      expect(res.status, res.text).toBe(404);
      expect(res.json).toMatchObject({ code: "cohort_not_found", detail: expect.stringContaining(bad) });
    }
    expect((await list(course.id, manager)).json).toEqual([]);
  });

  it("bad input is 400 with the field named", async () => {
    const course = await makeCourse(manager);
    const k = await cohort(course.id);
    const sub = uniqueName("teacher");
    const cases: [unknown, string][] = [
      [{ role: "instructor", cohort_ids: [k] }, "cohort_ids"],
      [{ role: "grader", cohort_ids: [k, k] }, "cohort_ids"],
      [{ role: "grader", cohort_ids: [] }, "cohort_ids"],
      [{ role: "grader", cohort_ids: Array.from({ length: 51 }, () => newId()) }, "cohort_ids"],
      [{ role: "grader", cohort_ids: ["not-an-id"] }, "cohort_ids.0"],
      [{ role: "admin" }, "role"],
      [{}, "role"],
      [{ role: "grader", until: "tomorrow" }, "until"],
    ];
    for (const [body, path] of cases) {
      const res = await put(course.id, sub, body, manager);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json).toMatchObject({ code: "validation_error", detail: expect.any(String) });
      expect((res.json as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(path);
    }
    for (const badSub of ["me", "x".repeat(201)]) {
      const res = await put(course.id, badSub, { role: "grader" }, manager);
      expect(res.status, badSub).toBe(400);
      expect(res.json).toMatchObject({ code: "validation_error" });
    }
    expect((await list(course.id, manager)).json).toEqual([]);
  });
});

describe("revoking", () => {
  it("an instructor revokes a grader: the grader's next request no longer has it; again is 404 grant_not_found", async () => {
    const { course, instructor } = await courseWithInstructor();
    const grader = await staff("grader");
    await grant(course.id, grader.sub, { role: "grader" }, instructor.token);
    expect((await mine(grader.token)).json).toHaveLength(1);
    expect((await revoke(course.id, grader.sub, instructor.token)).status).toBe(204);
    expect((await mine(grader.token)).json).toEqual([]);
    const again = await revoke(course.id, grader.sub, instructor.token);
    expect(again.status).toBe(404);
    expect(again.json).toMatchObject({ code: "grant_not_found" });
  });

  it("a manager revokes an instructor, who on their next request is outside the course", async () => {
    const { course, instructor } = await courseWithInstructor();
    expect((await list(course.id, instructor.token)).status).toBe(200);
    expect((await revoke(course.id, instructor.sub, manager)).status).toBe(204);
    expect((await list(course.id, instructor.token)).status).toBe(404);
    expect((await put(course.id, uniqueName("grader"), { role: "grader" }, instructor.token)).status).toBe(404);
  });
});

describe("the audit trail", () => {
  it("records each grant set and revoked, by whom, with what changed; the same grant again records nothing", async () => {
    const { course, instructor } = await courseWithInstructor();
    const k = await cohort(course.id);
    const teacher = await staff();
    const set = await put(course.id, teacher.sub, { role: "grader", cohort_ids: [k] }, instructor.token);
    expect(set.status).toBe(200);
    expect((await put(course.id, teacher.sub, { role: "grader", cohort_ids: [k] }, instructor.token)).status).toBe(200);
    const changed = await put(course.id, teacher.sub, { role: "observer", cohort_ids: [k] }, manager);
    expect(changed.status).toBe(200);
    const revoked = await revoke(course.id, teacher.sub, instructor.token);
    expect(revoked.status).toBe(204);
    // Refused calls leave nothing.
    expect((await revoke(course.id, teacher.sub, instructor.token)).status).toBe(404);
    expect((await put(course.id, teacher.sub, { role: "instructor" }, instructor.token)).status).toBe(403);

    const events = await grantEvents(teacher.sub);
    expect(events.map((e) => [e.action, e.actor_id, e.actor_role, e.request_id, e.changes])).toEqual([
      [
        "grant.set",
        instructor.sub,
        "staff",
        set.headers.get("x-request-id"),
        { course_id: [null, course.id], role: [null, "grader"], cohort_ids: [null, [k]] },
      ],
      [
        "grant.set",
        managerId,
        "manager",
        changed.headers.get("x-request-id"),
        { course_id: [course.id, course.id], role: ["grader", "observer"] },
      ],
      [
        "grant.revoked",
        instructor.sub,
        "staff",
        revoked.headers.get("x-request-id"),
        { course_id: [course.id, null], role: ["observer", null], cohort_ids: [[k], null] },
      ],
    ]);
  });
});

describe("concurrency and cost", () => {
  it("simultaneous PUTs of one grant end as one row, with one of the values sent, and an event for each write", async () => {
    const course = await makeCourse(manager);
    const teacher = await staff();
    const roles = ["grader", "observer", "grader", "observer", "instructor", "grader"];
    const answers = await Promise.all(roles.map((role) => put(course.id, teacher.sub, { role }, manager)));
    for (const res of answers) expect(res.status, res.text).toBe(200);
    const rows = await env.DB.prepare("SELECT role FROM course_staff WHERE course_id = ? AND staff_id = ?")
      .bind(course.id, teacher.sub)
      .all();
    expect(rows.results).toHaveLength(1);
    const [listed] = (await list(course.id, manager)).json as Grant[];
    expect(roles).toContain(listed?.role);
    // The events' role diffs, each read from the row its write replaced, chain from nothing to the stored role: one
    // creation, and every role entered as often as it was left but the last. (Events are ordered by their request's
    // start, not by when each write landed, so the chain is checked by counts, not replayed in order.)
    const events = await grantEvents(teacher.sub);
    expect(events.filter((e) => (e.changes.course_id as unknown[])[0] === null)).toHaveLength(1);
    const balance = new Map<unknown, number>();
    for (const e of events) {
      const pair = e.changes.role as [unknown, unknown] | undefined;
      if (!pair) continue;
      balance.set(pair[0], (balance.get(pair[0]) ?? 0) - 1);
      balance.set(pair[1], (balance.get(pair[1]) ?? 0) + 1);
    }
    const expected = new Map<unknown, number>([
      [null, -1],
      [listed?.role, 1],
    ]);
    for (const [value, count] of balance) expect(count, String(value)).toBe(expected.get(value) ?? 0);
  });

  it("an instructor's grants racing their own revoke land before it or are refused, never after it", async () => {
    const { course, instructor } = await courseWithInstructor();
    const subs = Array.from({ length: 8 }, () => uniqueName("raced"));
    const puts = subs.map((sub) => put(course.id, sub, { role: "grader" }, instructor.token));
    const revoked = revoke(course.id, instructor.sub, manager);
    const answers = await Promise.all(puts);
    expect((await revoked).status).toBe(204);
    for (const res of answers) expect([200, 404], res.text).toContain(res.status);
    const granted = subs.filter((_, i) => answers[i]?.status === 200);
    const stored = await list(course.id, manager);
    expect((stored.json as Grant[]).map((g) => g.sub).sort()).toEqual([...granted].sort());
    // The log's insertion order is the order the writes landed in.
    const order = await env.DB.prepare(
      `SELECT action, entity_id FROM audit_events WHERE entity_type = 'grant' AND (entity_id = ? OR entity_id IN (${subs.map(() => "?").join(", ")}))
        ORDER BY rowid`,
    )
      .bind(instructor.sub, ...subs)
      .all<{ action: string; entity_id: string }>();
    const revokedAt = order.results.findIndex((e) => e.action === "grant.revoked");
    expect(revokedAt).toBeGreaterThan(-1);
    expect(order.results.slice(revokedAt + 1)).toEqual([]);
    expect(
      order.results
        .filter((e) => e.action === "grant.set" && e.entity_id !== instructor.sub)
        .map((e) => e.entity_id)
        .sort(),
    ).toEqual([...granted].sort());
  });

  it("a grant write costs two D1 round trips (load, write), a read one", async () => {
    const { course, instructor } = await courseWithInstructor();
    const sub = uniqueName("grader");
    expect(await roundTrips(() => put(course.id, sub, { role: "grader" }, instructor.token))).toEqual([2]);
    expect(await roundTrips(() => list(course.id, instructor.token))).toEqual([1]);
    expect(await roundTrips(() => mine(instructor.token))).toEqual([1]);
    expect(await roundTrips(() => revoke(course.id, sub, instructor.token))).toEqual([2]);
  });

  it("lists page by sub with a Link to the next page", async () => {
    const course = await makeCourse(manager);
    const subs = [];
    for (let i = 0; i < 5; i++) {
      const s = uniqueName("paged");
      subs.push(s);
      await grant(course.id, s, { role: "observer" });
    }
    const seen: string[] = [];
    let path: string | null = `/courses/${course.id}/staff?limit=2`;
    while (path) {
      const res: Awaited<ReturnType<typeof call>> = await call("GET", path, { token: manager });
      expect(res.status).toBe(200);
      seen.push(...(res.json as Grant[]).map((g) => g.sub));
      const next: string | undefined = res.headers.get("link")?.match(/<([^>]+)>;\s*rel="next"/)?.[1];
      path = next ? next.replace(/^https?:\/\/[^/]+/, "") : null;
    }
    expect(seen).toEqual([...subs].sort());
  });
});
