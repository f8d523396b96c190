/**
 * Course staff reviewing exam attempts: a grader limited to one cohort sees and decides that cohort's attempts only,
 * an observer reads without deciding, staff without a grant see nothing, and a revoked grant stops a decision in
 * flight (it lands before the revoke or not at all).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, makeCohort, makeCourse, makeForm, makeMaterial, makeStep, type Staff, staff, token, uniqueName } from "./helpers";

const answers = {
  mcq_answers: [{ question_id: "q1", selected_option_id: "a" }],
  theory_answers: [{ question_id: "q2", answer_text: "Chanting purifies the heart" }],
};

/** A course with one exam step, two cohorts (Morning, Evening) and a submitted attempt by one member of each. */
async function world() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const video = await makeMaterial(manager, step.id);
  await makeForm(manager, { step_id: step.id });
  const cohortOf = (name: string) => makeCohort(manager, course.id, name);
  const morning = await cohortOf("Morning");
  const evening = await cohortOf("Evening");
  const attempt = async (cohortId: string) => {
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant");
    expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager })).status).toBe(200);
    expect((await call("PUT", `/cohorts/${cohortId}/members/${pid}`, { token: manager })).status).toBe(200);
    await call("POST", `/materials/${video.id}/complete`, { token: participant });
    const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
    expect(start.status, start.text).toBe(201);
    const id = start.json.submission_id as string;
    expect((await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers })).status).toBe(200);
    return { pid, id };
  };
  const inMorning = await attempt(morning);
  const inEvening = await attempt(evening);
  const give = async (who: Staff, body: Record<string, unknown>) => {
    const res = await call("PUT", `/courses/${course.id}/staff/${who.sub}`, { token: manager, body });
    expect(res.status, res.text).toBe(200);
  };
  return { manager, course, morning, evening, inMorning, inEvening, give };
}

const pendingIds = async (as: string, courseId: string) => {
  const res = await call("GET", `/form-submissions/pending?course_id=${courseId}`, { token: as });
  expect(res.status, res.text).toBe(200);
  return (res.json as { submission_id: string }[]).map((s) => s.submission_id);
};
const grade = (id: string, as: string) =>
  call("POST", `/form-submissions/${id}/grade`, { token: as, body: { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] } });

describe("a grader limited to a cohort", () => {
  it("sees that cohort's attempts only, and grades, claims and approves them", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.morning] });

    expect(await pendingIds(grader.token, w.course.id)).toEqual([w.inMorning.id]);
    expect((await pendingIds(w.manager, w.course.id)).sort()).toEqual([w.inMorning.id, w.inEvening.id].sort());

    const detail = await call("GET", `/form-submissions/${w.inMorning.id}`, { token: grader.token });
    expect(detail.status, detail.text).toBe(200);
    // A review view, not an authoring one: no answer key for staff.
    expect(detail.text).not.toContain("is_correct");

    expect((await call("POST", `/form-submissions/${w.inMorning.id}/claim`, { token: grader.token })).status).toBe(200);
    const graded = await grade(w.inMorning.id, grader.token);
    expect(graded.status, graded.text).toBe(200);
    expect(graded.json.reviewed_by).toBe(grader.sub);
    expect(graded.text).not.toContain("is_correct");
    const approved = await call("POST", `/form-submissions/${w.inMorning.id}/approve`, { token: grader.token });
    expect(approved.status, approved.text).toBe(200);

    const audit = await call("GET", `/audit-events?entity_type=form_submission&entity_id=${w.inMorning.id}`, { token: w.manager });
    expect(
      (audit.json as { action: string; actor_id: string; actor_role: string }[]).map((e) => [e.action, e.actor_id, e.actor_role]),
    ).toEqual(
      expect.arrayContaining([
        ["submission.graded", grader.sub, "staff"],
        ["submission.approved", grader.sub, "staff"],
      ]),
    );
  });

  it("is told an attempt of another cohort does not exist, on every review route, and nothing changes", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.morning] });
    const id = w.inEvening.id;
    for (const res of [
      await call("GET", `/form-submissions/${id}`, { token: grader.token }),
      await call("POST", `/form-submissions/${id}/claim`, { token: grader.token }),
      await call("DELETE", `/form-submissions/${id}/claim`, { token: grader.token }),
      await grade(id, grader.token),
      await call("POST", `/form-submissions/${id}/approve`, { token: grader.token }),
      await call("POST", `/form-submissions/${id}/reject`, { token: grader.token, body: { feedback: "no" } }),
      await call("POST", `/form-submissions/${id}/request-retake`, { token: grader.token, body: { reason: "again" } }),
    ]) {
      expect(res.status, res.text).toBe(404);
      expect(res.json.code).toBe("submission_not_found");
    }
    const row = await env.DB.prepare("SELECT submission_status, claimed_by FROM form_submissions WHERE id = ?")
      .bind(id)
      .first<{ submission_status: string; claimed_by: string | null }>();
    expect(row).toEqual({ submission_status: "Submitted", claimed_by: null });
  });
});

describe("a participant's attempts, as staff read them", () => {
  it("a grader of Morning lists Morning's participant's attempts and nothing of Evening's; an observer both; no grant nothing", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, { role: "grader", cohort_ids: [w.morning] });
    const observer = await staff("observer");
    await w.give(observer, { role: "observer" });
    const nobody = await staff("nobody");
    const idsOf = async (pid: string, as: string) => {
      const res = await call("GET", `/form-submissions/participant/${pid}`, { token: as });
      expect(res.status, res.text).toBe(200);
      return (res.json as { submission_id: string }[]).map((s) => s.submission_id);
    };
    expect(await idsOf(w.inMorning.pid, grader.token)).toEqual([w.inMorning.id]);
    expect(await idsOf(w.inEvening.pid, grader.token)).toEqual([]);
    expect(await idsOf(w.inEvening.pid, observer.token)).toEqual([w.inEvening.id]);
    expect(await idsOf(w.inMorning.pid, nobody.token)).toEqual([]);
    expect(await idsOf(w.inMorning.pid, w.manager)).toEqual([w.inMorning.id]);
  });
});

describe("other grants", () => {
  it("an observer reads an attempt but may not claim or decide (403 insufficient_grant); their review queue is empty", async () => {
    const w = await world();
    const observer = await staff("observer");
    await w.give(observer, { role: "observer" });
    expect((await call("GET", `/form-submissions/${w.inEvening.id}`, { token: observer.token })).status).toBe(200);
    const id = w.inEvening.id;
    for (const res of [
      await grade(id, observer.token),
      await call("POST", `/form-submissions/${id}/claim`, { token: observer.token }),
      await call("DELETE", `/form-submissions/${id}/claim`, { token: observer.token }),
      await call("POST", `/form-submissions/${id}/approve`, { token: observer.token }),
      await call("POST", `/form-submissions/${id}/reject`, { token: observer.token, body: {} }),
      await call("POST", `/form-submissions/${id}/request-retake`, { token: observer.token, body: { reason: "again" } }),
    ]) {
      expect(res.status, res.text).toBe(403);
      expect(res.json.code).toBe("insufficient_grant");
    }
    expect(await pendingIds(observer.token, w.course.id)).toEqual([]);
  });

  it("an instructor reviews the whole course; a grader of another course, or staff without a grant, sees nothing", async () => {
    const w = await world();
    const instructor = await staff("instructor");
    await w.give(instructor, { role: "instructor" });
    expect((await pendingIds(instructor.token, w.course.id)).sort()).toEqual([w.inMorning.id, w.inEvening.id].sort());
    expect((await grade(w.inEvening.id, instructor.token)).status).toBe(200);

    const elsewhere = await staff("grader-elsewhere");
    const other = await makeCourse(w.manager);
    expect((await call("PUT", `/courses/${other.id}/staff/${elsewhere.sub}`, { token: w.manager, body: { role: "grader" } })).status).toBe(
      200,
    );
    const nobody = await staff("nobody");
    for (const who of [elsewhere, nobody]) {
      expect(await pendingIds(who.token, w.course.id)).toEqual([]);
      expect((await call("GET", `/form-submissions/${w.inMorning.id}`, { token: who.token })).status).toBe(404);
      expect((await grade(w.inMorning.id, who.token)).status).toBe(404);
    }
  });

  it("participants are still refused the review routes (403)", async () => {
    const w = await world();
    const participant = await token(w.inMorning.pid, "participant");
    expect((await call("GET", "/form-submissions/pending", { token: participant })).status).toBe(403);
    expect((await grade(w.inMorning.id, participant)).status).toBe(403);
  });
});

describe("revoking a grant while its holder decides", () => {
  it("the decision lands before the revoke or is refused; never after it", async () => {
    const trials = 6;
    for (let trial = 0; trial < trials; trial++) {
      const w = await world();
      const grader = await staff("grader");
      await w.give(grader, { role: "grader" });
      const [decision, revoke] = await Promise.all([
        call("POST", `/form-submissions/${w.inMorning.id}/reject`, { token: grader.token, body: { feedback: "again" } }),
        call("DELETE", `/courses/${w.course.id}/staff/${grader.sub}`, { token: w.manager }),
      ]);
      expect(revoke.status).toBe(204);
      expect([200, 404], decision.text).toContain(decision.status);
      const row = await env.DB.prepare("SELECT submission_status FROM form_submissions WHERE id = ?")
        .bind(w.inMorning.id)
        .first<{ submission_status: string }>();
      expect(row?.submission_status).toBe(decision.status === 200 ? "Rejected" : "Submitted");
      // The log's insertion order is the order the writes landed in: no decision after the revoke.
      const order = await env.DB.prepare(
        "SELECT action FROM audit_events WHERE (entity_type = 'grant' AND entity_id = ?) OR (entity_type = 'form_submission' AND entity_id = ?) ORDER BY rowid",
      )
        .bind(grader.sub, w.inMorning.id)
        .all<{ action: string }>();
      const actions = order.results.map((e) => e.action);
      expect(actions.slice(actions.indexOf("grant.revoked") + 1)).toEqual([]);
      // After it, the grader is outside the course.
      expect((await call("POST", `/form-submissions/${w.inEvening.id}/reject`, { token: grader.token, body: {} })).status).toBe(404);
    }
  });
});
