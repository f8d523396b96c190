/**
 * Which changes announce which webhook events: each real change through the API writes exactly one outbox row of
 * its type, in its own batch; a refused change writes none; no event carries answers.
 */
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_EVENT_TYPES } from "../src/domain/vocabulary";
import { setClock } from "../src/lib/clock";
import { call, enrolled, examAnswers, makeCourse, makeForm, makeMaterial, makeStep, submittedTable, token, uniqueName } from "./helpers";

const manager = await token(uniqueName("events-manager"), "manager");
let hookId = "";

beforeAll(async () => {
  // Events are written only while someone subscribes to them.
  const res = await call("POST", "/webhooks", {
    token: manager,
    body: { url: `https://receiver.example/${uniqueName("events")}`, events: [...WEBHOOK_EVENT_TYPES] },
  });
  expect(res.status, res.text).toBe(201);
  hookId = res.json.id;
});
afterEach(() => setClock(null));
afterAll(async () => {
  await call("DELETE", `/webhooks/${hookId}`, { token: manager });
});

type Event = { type: string; data: Record<string, unknown> };

/** The outbox rows about a participant, oldest first. */
async function eventsOf(participantId: string): Promise<Event[]> {
  const { results } = await env.DB.prepare(
    "SELECT type, data FROM webhook_events WHERE json_extract(data, '$.participant_id') = ? ORDER BY created_at, rowid",
  )
    .bind(participantId)
    .all<{ type: string; data: string }>();
  return results.map((r) => {
    // Never answers, options or their correctness.
    expect(r.data).not.toMatch(/answers|is_correct|selected_option_id|answer_text|Chanting purifies/);
    return { type: r.type, data: JSON.parse(r.data) };
  });
}

const typesOf = async (pid: string) => (await eventsOf(pid)).map((e) => e.type);

/** A one-step course whose step has an exam (MCQ + THEORY), chained to a next course; a participant enrolled. */
async function examCourse() {
  const next = await makeCourse(manager);
  const course = await makeCourse(manager, { next_course_id: next.id });
  const step = await makeStep(manager, course.id);
  await makeForm(manager, { step_id: step.id });
  const who = await enrolled(manager, course.id);
  return { next, course, step, ...who };
}

async function submitted(w: Awaited<ReturnType<typeof examCourse>>) {
  const start = await call("POST", `/steps/${w.step.id}/exam/start`, { token: w.participant });
  expect(start.status, start.text).toBe(201);
  const id = start.json.submission_id as string;
  expect((await call("POST", `/forms/submissions/${id}/submit`, { token: w.participant, body: examAnswers() })).status).toBe(200);
  return id;
}

describe("webhook events written by the changes they report", () => {
  it("enrolment → submit → grade → approve: one event each, then the course completes and the next enrols", async () => {
    const w = await examCourse();
    expect(await typesOf(w.pid)).toEqual(["enrollment.created"]);
    // Enrolling again changes nothing and announces nothing.
    expect((await call("POST", `/courses/${w.course.id}/enroll?participant_id=${w.pid}`, { token: manager })).status).toBe(200);
    const [enrolment] = await eventsOf(w.pid);
    expect(enrolment!.data).toMatchObject({ participant_id: w.pid, course_id: w.course.id });

    const id = await submitted(w);
    const grade = { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] };
    expect((await call("POST", `/form-submissions/${id}/grade`, { token: manager, body: grade })).status).toBe(200);

    // A decision refused (another manager holds the claim) writes nothing.
    const holder = await token(uniqueName("holder"), "manager");
    expect((await call("POST", `/form-submissions/${id}/claim`, { token: holder })).status).toBe(200);
    expect((await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} })).status).toBe(409);
    expect(await typesOf(w.pid)).toEqual(["enrollment.created", "submission.submitted", "submission.graded"]);
    expect((await call("DELETE", `/form-submissions/${id}/claim`, { token: holder })).status).toBe(204);

    const approved = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({ course_completed: true, next_course_id: w.next.id });
    const events = await eventsOf(w.pid);
    expect(events.map((e) => e.type)).toEqual([
      "enrollment.created",
      "submission.submitted",
      "submission.graded",
      "submission.approved",
      "course.completed",
      "enrollment.created",
    ]);
    const ref = { submission_id: id, participant_id: w.pid, step_id: w.step.id, course_id: w.course.id, attempt_number: 1 };
    expect(events[1]!.data).toMatchObject({ ...ref, mcq_score: 5, is_late: false });
    expect(events[2]!.data).toMatchObject({ ...ref, theory_score: 8, total_score: 13, submission_status: "UnderReview" });
    expect(events[3]!.data).toMatchObject({ ...ref, submission_status: "Approved", total_score: 13 });
    expect(events[4]!.data).toMatchObject({ participant_id: w.pid, course_id: w.course.id });
    expect(events[5]!.data).toMatchObject({ participant_id: w.pid, course_id: w.next.id });

    // A second approval is refused and announces nothing more.
    expect((await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} })).status).toBe(409);
    expect(await eventsOf(w.pid)).toHaveLength(6);
  });

  it("reject and request-retake each announce their decision once", async () => {
    for (const [path, type, status] of [
      ["reject", "submission.rejected", "Rejected"],
      ["request-retake", "submission.retake_requested", "RetakeRequested"],
    ] as const) {
      const w = await examCourse();
      const id = await submitted(w);
      expect((await call("POST", `/form-submissions/${id}/${path}`, { token: manager, body: {} })).status).toBe(200);
      expect((await call("POST", `/form-submissions/${id}/${path}`, { token: manager, body: {} })).status).toBe(409);
      const events = await eventsOf(w.pid);
      expect(events.map((e) => e.type)).toEqual(["enrollment.created", "submission.submitted", type]);
      expect(events[2]!.data).toMatchObject({ submission_id: id, submission_status: status });
    }
  });

  it("a requirement table: submitted, then approved (completing the course) — once each", async () => {
    const { table, pid, id } = await submittedTable(manager);
    expect(
      (await call("POST", `/requirement-tables/submissions/${id}/rows/1/approve`, { token: manager, body: { approved: true } })).status,
    ).toBe(200);
    expect(await typesOf(pid)).toEqual(["enrollment.created", "requirement_submission.submitted"]);
    expect((await call("POST", `/requirement-tables/submissions/${id}/approve`, { token: manager, body: {} })).status).toBe(200);
    expect((await call("POST", `/requirement-tables/submissions/${id}/approve`, { token: manager, body: {} })).status).toBe(200);
    const events = await eventsOf(pid);
    expect(events.map((e) => e.type)).toEqual([
      "enrollment.created",
      "requirement_submission.submitted",
      "requirement_submission.approved",
      "course.completed",
    ]);
    expect(events[2]!.data).toMatchObject({ submission_id: id, requirement_table_id: table.id, participant_id: pid });
  });

  it("completing a course's last material announces course.completed once", async () => {
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const video = await makeMaterial(manager, step.id);
    const { pid, participant } = await enrolled(manager, course.id);
    expect((await call("POST", `/materials/${video.id}/complete`, { token: participant })).status).toBe(200);
    expect((await call("POST", `/materials/${video.id}/complete`, { token: participant })).status).toBe(200);
    expect(await typesOf(pid)).toEqual(["enrollment.created", "course.completed"]);
  });

  it("an attempt closed at its deadline (nobody submitted it) announces submission.submitted once, marked auto_submitted", async () => {
    const w = await examCourse();
    const start = await call("POST", `/steps/${w.step.id}/exam/start`, { token: w.participant });
    expect(start.status).toBe(201);
    const id = start.json.submission_id as string;
    // Past the deadline and the grace: the next read closes it with the answers saved so far.
    setClock(() => new Date(Date.parse(start.json.deadline_at) + 5 * 60_000));
    expect((await call("GET", `/form-submissions/${id}`, { token: w.participant })).json.submission_status).toBe("Submitted");
    expect((await call("GET", `/form-submissions/${id}`, { token: manager })).status).toBe(200);
    const events = await eventsOf(w.pid);
    expect(events.map((e) => e.type)).toEqual(["enrollment.created", "submission.submitted"]);
    expect(events[1]!.data).toMatchObject({ submission_id: id, auto_submitted: true, is_late: true, submitted_at: start.json.deadline_at });
  });

  it("a table edit that removes the only unapproved serial approves the submission: announced like an approve-all", async () => {
    const { table, pid, id } = await submittedTable(manager);
    expect(
      (await call("POST", `/requirement-tables/submissions/${id}/rows/1/approve`, { token: manager, body: { approved: true } })).status,
    ).toBe(200);
    // Serial 2 (not approved) leaves the table: every current serial is approved now.
    const edited = await call("PUT", `/requirement-tables/${table.id}`, {
      token: manager,
      body: { requirements: [{ serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" }] },
    });
    expect(edited.status, edited.text).toBe(200);
    const events = await eventsOf(pid);
    expect(events.map((e) => e.type)).toEqual([
      "enrollment.created",
      "requirement_submission.submitted",
      "requirement_submission.approved",
      "course.completed",
    ]);
    expect(events[2]!.data).toMatchObject({ submission_id: id, requirement_table_id: table.id });
  });
});
