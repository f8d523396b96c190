/**
 * Course staff reviewing requirement tables: a grader limited to one cohort sees and decides that cohort's tables
 * only, an observer reads without deciding, staff without a grant (or of another course) see nothing, and a revoked
 * grant stops a row decision in flight (it lands before the revoke or not at all). The course of a submission is
 * its table's step's course, resolved from the path's submission, never from the client.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import * as schema from "../src/db/schema";
import { staffReachesSubmission } from "../src/requirement-tables/submission-queries";
import { call, makeCohort, makeCourse, makeMaterial, makeStep, makeTable, type Staff, staff, token, uniqueName } from "./helpers";

/** A participant's filled and submitted table: their id and the submission's. */
type Filled = { pid: string; participant: string; id: string };

async function fillAndSubmit(tableId: string, pid: string): Promise<Filled> {
  const participant = await token(pid, "participant");
  const mine = await call("GET", `/requirement-tables/${tableId}/my-submission`, { token: participant });
  expect(mine.status, mine.text).toBe(200);
  const id = mine.json.submission_id as string;
  for (const serial_number of [1, 2]) {
    const row = await call("POST", `/requirement-tables/submissions/${id}/rows`, {
      token: participant,
      body: { serial_number, completed: true, completed_value: 5 },
    });
    expect(row.status, row.text).toBe(200);
  }
  expect((await call("POST", `/requirement-tables/submissions/${id}/submit`, { token: participant })).status).toBe(200);
  return { pid, participant, id };
}

/**
 * A course whose step holds a requirement table (shown by a material), two cohorts (Morning, Evening) and a
 * submitted table by one member of each.
 */
async function world() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const table = await makeTable(manager, { step_id: step.id });
  await makeMaterial(manager, step.id, {
    material_type: "RequirementTable",
    title: "Tracker",
    content: { requirement_table_id: table.id },
  });
  const cohortOf = (name: string) => makeCohort(manager, course.id, name);
  const morning = await cohortOf("Morning");
  const evening = await cohortOf("Evening");
  const member = async (cohortId: string) => {
    const pid = uniqueName("participant");
    expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager })).status).toBe(200);
    expect((await call("PUT", `/cohorts/${cohortId}/members/${pid}`, { token: manager })).status).toBe(200);
    return fillAndSubmit(table.id, pid);
  };
  const inMorning = await member(morning);
  const inEvening = await member(evening);
  const give = async (who: Staff, body: Record<string, unknown>) => {
    const res = await call("PUT", `/courses/${course.id}/staff/${who.sub}`, { token: manager, body });
    expect(res.status, res.text).toBe(200);
  };
  return { manager, course, step, table, morning, evening, inMorning, inEvening, give };
}

const pendingIds = async (as: string, stepId: string) => {
  const res = await call("GET", `/requirement-tables/submissions/pending?step_id=${stepId}`, { token: as });
  expect(res.status, res.text).toBe(200);
  return (res.json as { submission_id: string }[]).map((s) => s.submission_id);
};
const readFor = (tableId: string, pid: string, as: string) =>
  call("GET", `/requirement-tables/${tableId}/my-submission?participant_id=${pid}`, { token: as });
const reviewRow = (id: string, as: string, approved = true) =>
  call("POST", `/requirement-tables/submissions/${id}/rows/1/approve`, { token: as, body: { approved } });
const approveAll = (id: string, as: string) =>
  call("POST", `/requirement-tables/submissions/${id}/approve`, { token: as, body: { approval_remarks: "well kept" } });
const claim = (id: string, as: string) => call("POST", `/requirement-tables/submissions/${id}/claim`, { token: as });
const release = (id: string, as: string) => call("DELETE", `/requirement-tables/submissions/${id}/claim`, { token: as });

const stored = async (id: string) => ({
  submission: await env.DB.prepare("SELECT approved_at, claimed_by FROM requirement_submissions WHERE id = ?")
    .bind(id)
    .first<{ approved_at: string | null; claimed_by: string | null }>(),
  approved: (
    await env.DB.prepare(
      "SELECT serial_number FROM requirement_rows WHERE submission_id = ? AND approved IS NOT NULL ORDER BY serial_number",
    )
      .bind(id)
      .all<{ serial_number: number }>()
  ).results.map((r) => r.serial_number),
});
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const submissionsOf = async (pid: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM requirement_submissions WHERE participant_id = ?").bind(pid).first<{ n: number }>())?.n;

describe("a grader limited to a cohort", () => {
  it("sees that cohort's tables only, reads one, and claims, releases, approves a row and approves all", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.morning] });

    expect(await pendingIds(grader.token, w.step.id)).toEqual([w.inMorning.id]);
    expect((await pendingIds(w.manager, w.step.id)).sort()).toEqual([w.inMorning.id, w.inEvening.id].sort());

    const read = await readFor(w.table.id, w.inMorning.pid, grader.token);
    expect(read.status, read.text).toBe(200);
    expect(read.json.submission_id).toBe(w.inMorning.id);
    // Staff act for a participant only by naming them, as managers do: never for themselves by default.
    const unnamed = await call("GET", `/requirement-tables/${w.table.id}/my-submission`, { token: grader.token });
    expect(unnamed.status, unnamed.text).toBe(400);
    expect(unnamed.json.code).toBe("participant_required");
    expect(await submissionsOf(grader.sub)).toBe(0);

    expect((await claim(w.inMorning.id, grader.token)).status).toBe(200);
    expect((await release(w.inMorning.id, grader.token)).status).toBe(204);
    expect((await claim(w.inMorning.id, grader.token)).status).toBe(200);
    const row = await reviewRow(w.inMorning.id, grader.token);
    expect(row.status, row.text).toBe(200);
    expect(row.json.all_approved).toBe(false);
    const all = await approveAll(w.inMorning.id, grader.token);
    expect(all.status, all.text).toBe(200);
    expect(all.json.is_approved).toBe(true);
    const rows = await env.DB.prepare("SELECT approved_by FROM requirement_rows WHERE submission_id = ?")
      .bind(w.inMorning.id)
      .all<{ approved_by: string }>();
    expect(rows.results.map((r) => r.approved_by)).toEqual([grader.sub, grader.sub]);

    const audit = await call("GET", `/audit-events?entity_type=requirement_submission&entity_id=${w.inMorning.id}`, { token: w.manager });
    expect(audit.status, audit.text).toBe(200);
    expect(
      (audit.json as { action: string; actor_id: string; actor_role: string }[]).map((e) => [e.action, e.actor_id, e.actor_role]),
    ).toEqual(
      expect.arrayContaining([
        ["requirement_submission.row_approved", grader.sub, "staff"],
        ["requirement_submission.approved", grader.sub, "staff"],
      ]),
    );
  });

  it("is told a table of another cohort does not exist, on every route, and nothing changes", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.morning] });
    const id = w.inEvening.id;

    const read = await readFor(w.table.id, w.inEvening.pid, grader.token);
    expect(read.status, read.text).toBe(404);
    expect(read.json.code).toBe("requirement_table_not_found");
    for (const res of [
      await claim(id, grader.token),
      await release(id, grader.token),
      await reviewRow(id, grader.token),
      await reviewRow(id, grader.token, false),
      await approveAll(id, grader.token),
      // An unknown serial is not looked at before the grant: the submission itself is not there.
      await call("POST", `/requirement-tables/submissions/${id}/rows/99/approve`, { token: grader.token, body: { approved: true } }),
    ]) {
      expect(res.status, res.text).toBe(404);
      expect(res.json.code).toBe("submission_not_found");
    }
    expect(await stored(id)).toEqual({ submission: { approved_at: null, claimed_by: null }, approved: [] });

    // Reading for a participant outside the grant creates nothing either (the read creates a missing submission).
    const stranger = uniqueName("participant");
    expect((await readFor(w.table.id, stranger, grader.token)).status).toBe(404);
    expect(await submissionsOf(stranger)).toBe(0);
  });
});

describe("other grants", () => {
  it("an observer reads a table but may not claim or decide (403 insufficient_grant); their review queue is empty", async () => {
    const w = await world();
    const observer = await staff("observer");
    await w.give(observer, { role: "observer" });
    const id = w.inEvening.id;
    const read = await readFor(w.table.id, w.inEvening.pid, observer.token);
    expect(read.status, read.text).toBe(200);
    expect(read.json.submission_id).toBe(id);
    for (const res of [
      await claim(id, observer.token),
      await release(id, observer.token),
      await reviewRow(id, observer.token),
      await approveAll(id, observer.token),
    ]) {
      expect(res.status, res.text).toBe(403);
      expect(res.json.code).toBe("insufficient_grant");
    }
    expect(await stored(id)).toEqual({ submission: { approved_at: null, claimed_by: null }, approved: [] });
    expect(await pendingIds(observer.token, w.step.id)).toEqual([]);
  });

  it("an instructor reviews the whole course; a grader of another course, or staff without a grant, sees nothing", async () => {
    const w = await world();
    const instructor = await staff("instructor");
    await w.give(instructor, { role: "instructor" });
    expect((await pendingIds(instructor.token, w.step.id)).sort()).toEqual([w.inMorning.id, w.inEvening.id].sort());
    expect((await readFor(w.table.id, w.inEvening.pid, instructor.token)).status).toBe(200);
    expect((await reviewRow(w.inEvening.id, instructor.token)).status).toBe(200);

    const elsewhere = await staff("grader-elsewhere");
    const other = await makeCourse(w.manager);
    expect((await call("PUT", `/courses/${other.id}/staff/${elsewhere.sub}`, { token: w.manager, body: { role: "grader" } })).status).toBe(
      200,
    );
    const nobody = await staff("nobody");
    for (const who of [elsewhere, nobody]) {
      expect(await pendingIds(who.token, w.step.id)).toEqual([]);
      expect((await readFor(w.table.id, w.inMorning.pid, who.token)).status).toBe(404);
      expect((await claim(w.inMorning.id, who.token)).status).toBe(404);
      expect((await reviewRow(w.inMorning.id, who.token)).status).toBe(404);
      expect((await approveAll(w.inMorning.id, who.token)).status).toBe(404);
    }
    expect(await stored(w.inMorning.id)).toEqual({ submission: { approved_at: null, claimed_by: null }, approved: [] });
  });

  it("a whole-course grant covers the course's participants only: an id not enrolled there is not there, and nothing is created", async () => {
    const w = await world();
    const instructor = await staff("instructor");
    await w.give(instructor, { role: "instructor" });
    const stranger = uniqueName("not-enrolled");
    const res = await readFor(w.table.id, stranger, instructor.token);
    expect(res.status, res.text).toBe(404);
    expect(await submissionsOf(stranger)).toBe(0);
    // A manager still may, as before: managers act for anyone.
    expect((await readFor(w.table.id, stranger, w.manager)).status).toBe(200);
  });

  it("a table on no step belongs to no course: a material showing it does not open it to that course's staff", async () => {
    const w = await world();
    const instructor = await staff("instructor");
    await w.give(instructor, { role: "instructor" });
    const loose = await makeTable(w.manager);
    await makeMaterial(w.manager, w.step.id, {
      material_type: "RequirementTable",
      title: "Loose",
      content: { requirement_table_id: loose.id },
    });
    const filled = await fillAndSubmit(loose.id, w.inMorning.pid);
    const all = await call("GET", "/requirement-tables/submissions/pending?limit=100", { token: instructor.token });
    expect((all.json as { submission_id: string }[]).map((s) => s.submission_id)).not.toContain(filled.id);
    expect((await readFor(loose.id, w.inMorning.pid, instructor.token)).status).toBe(404);
    expect((await reviewRow(filled.id, instructor.token)).status).toBe(404);
    expect((await reviewRow(filled.id, w.manager)).status).toBe(200);
  });

  it("participants are still refused the review routes (403) and read their own table as before", async () => {
    const w = await world();
    const { participant, id } = w.inMorning;
    expect((await call("GET", "/requirement-tables/submissions/pending", { token: participant })).status).toBe(403);
    for (const res of [
      await claim(id, participant),
      await release(id, participant),
      await reviewRow(id, participant),
      await approveAll(id, participant),
    ])
      expect(res.status, res.text).toBe(403);
    const own = await call("GET", `/requirement-tables/${w.table.id}/my-submission`, { token: participant });
    expect(own.status, own.text).toBe(200);
    expect(own.json.submission_id).toBe(id);
    expect((await readFor(w.table.id, w.inEvening.pid, participant)).status).toBe(403);
  });

  it("staff may still not fill or submit a participant's table (403 insufficient_grant)", async () => {
    const w = await world();
    const instructor = await staff("instructor");
    await w.give(instructor, { role: "instructor" });
    const path = `/requirement-tables/submissions/${w.inMorning.id}`;
    for (const res of [
      await call("POST", `${path}/rows?participant_id=${w.inMorning.pid}`, {
        token: instructor.token,
        body: { serial_number: 1, completed: false },
      }),
      await call("POST", `${path}/submit?participant_id=${w.inMorning.pid}`, { token: instructor.token }),
    ]) {
      expect(res.status, res.text).toBe(403);
      expect(res.json.code).toBe("insufficient_grant");
    }
  });
});

describe("revoking a grant while its holder decides", () => {
  it("a row decision or approve-all lands before the revoke or is refused; never after it", async () => {
    const trials = 8;
    for (let trial = 0; trial < trials; trial++) {
      const w = await world();
      const grader = await staff("grader");
      await w.give(grader, { role: "grader" });
      const wholeTable = trial % 2 === 1;
      // Sent together, the revoke tends to land first; a task later, the decision: both orders are tried.
      const revokeLater = trial % 4 >= 2;
      const [decision, revoke] = await Promise.all([
        wholeTable ? approveAll(w.inMorning.id, grader.token) : reviewRow(w.inMorning.id, grader.token),
        (revokeLater ? nextTask() : Promise.resolve()).then(() =>
          call("DELETE", `/courses/${w.course.id}/staff/${grader.sub}`, { token: w.manager }),
        ),
      ]);
      expect(revoke.status).toBe(204);
      expect([200, 404], decision.text).toContain(decision.status);
      const after = await stored(w.inMorning.id);
      const landed = wholeTable ? [1, 2] : [1];
      expect(after.approved).toEqual(decision.status === 200 ? landed : []);
      expect(after.submission?.approved_at != null).toBe(decision.status === 200 && wholeTable);
      // The log's insertion order is the order the writes landed in: no decision after the revoke.
      const order = await env.DB.prepare(
        "SELECT action FROM audit_events WHERE (entity_type = 'grant' AND entity_id = ?) OR (entity_type = 'requirement_submission' AND entity_id = ?) ORDER BY rowid",
      )
        .bind(grader.sub, w.inMorning.id)
        .all<{ action: string }>();
      const actions = order.results.map((e) => e.action);
      expect(actions).toContain("grant.revoked");
      expect(actions.slice(actions.indexOf("grant.revoked") + 1)).toEqual([]);
      // After it, the grader is outside the course.
      expect((await reviewRow(w.inEvening.id, grader.token)).status).toBe(404);
    }
  });
});

describe("the grant a decision's own write carries", () => {
  // Over HTTP a revoke lands before a decision's load or after its write; this holds the window in between: the
  // condition the row UPDATE carries, evaluated once the load has passed and the grant is gone.
  it("reaches the grader's cohort only, and nothing once the grant is revoked", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.morning] });
    const db = drizzle(env.DB);
    const reaches = async (id: string) => {
      const condition = staffReachesSubmission({ id: grader.sub, role: "staff" }, id, "review");
      const [row] = await db
        .select({ ok: sql<number>`CASE WHEN ${condition} THEN 1 ELSE 0 END` })
        .from(schema.requirementSubmissions)
        .limit(1);
      return row?.ok;
    };
    expect(staffReachesSubmission({ id: w.manager, role: "manager" }, w.inMorning.id, "review")).toBeUndefined();
    expect(await reaches(w.inMorning.id)).toBe(1);
    expect(await reaches(w.inEvening.id)).toBe(0);
    expect((await call("DELETE", `/courses/${w.course.id}/staff/${grader.sub}`, { token: w.manager })).status).toBe(204);
    expect(await reaches(w.inMorning.id)).toBe(0);
  });
});
