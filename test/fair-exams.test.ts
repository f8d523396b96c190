import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { call, examAnswers, token, twoStepCourse, uniqueName } from "./helpers";

afterEach(() => setClock(null));

const T0 = new Date("2026-12-14T09:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString().replace(".000Z", "Z");
const clockAt = (minutes: number) => setClock(() => at(minutes));

/** Tokens that outlive the hours these tests move the clock through. */
const DAY = { exp: Math.floor(T0.getTime() / 1000) + 86_400 };

/** A participant enrolled by the manager, with a day-long token. */
async function enrolled(manager: string, courseId: string) {
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant", DAY);
  const res = await call("POST", `/courses/${courseId}/enroll?participant_id=${pid}`, { token: manager });
  expect(res.status, res.text).toBe(200);
  return { pid, participant };
}

/** A course whose step-1 exam (30 min, 1 attempt) a fresh participant may start once materials are done. */
async function examWorld(form: Record<string, unknown> = {}) {
  clockAt(0);
  const manager = await token(uniqueName("manager"), "manager", DAY);
  const { course, step1, exam } = await twoStepCourse(manager);
  const updated = await call("PUT", `/forms/${exam.id}`, { token: manager, body: { max_attempts: 1, ...form } });
  expect(updated.status, updated.text).toBe(200);
  const people = [];
  for (let i = 0; i < 2; i++) {
    const p = await enrolled(manager, course.id);
    expect((await call("POST", `/steps/${step1.id}/materials-complete`, { token: p.participant })).status).toBe(200);
    people.push(p);
  }
  const start = (who: { participant: string }) => call("POST", `/steps/${step1.id}/exam/start`, { token: who.participant });
  return { manager, course, step1, exam, a: people[0]!, b: people[1]!, start };
}

describe("accommodations, overrides and windows", () => {
  it("combined: override + accommodation set the duration, the window's end caps the deadline", async () => {
    const w = await examWorld({ available_until: iso(50) });
    const acc = await call("PUT", `/participants/${w.a.pid}/accommodations`, {
      token: w.manager,
      body: { extra_time_percent: 50, extra_attempts: 0, note: "Dyslexia assessment 2026" },
    });
    expect(acc.status).toBe(200);
    expect(acc.json).toMatchObject({
      participant_id: w.a.pid,
      extra_time_percent: 50,
      extra_attempts: 0,
      note: "Dyslexia assessment 2026",
    });
    expect(acc.json.updated_by).toBeTruthy();
    const ov = await call("PUT", `/forms/${w.exam.id}/overrides/${w.a.pid}`, { token: w.manager, body: { duration_minutes: 40 } });
    expect(ov.status).toBe(200);
    expect(ov.json).toMatchObject({ form_id: w.exam.id, participant_id: w.a.pid, duration_minutes: 40, max_attempts: null });

    // A: 40 min (override) × 1.5 (accommodation) = 60 min, but the exam closes at +50: the deadline is +50.
    const a = await w.start(w.a);
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({ duration_minutes: 30, effective_duration_minutes: 60, deadline_at: at(50).toISOString() });
    // B: the form's 30 minutes, ending before the window does.
    const b = await w.start(w.b);
    expect(b.json).toMatchObject({ effective_duration_minutes: 30, deadline_at: at(30).toISOString() });

    // An attempt in progress keeps its deadline when the accommodation changes; the resume says the same.
    await call("PUT", `/participants/${w.a.pid}/accommodations`, { token: w.manager, body: { extra_time_percent: 0 } });
    clockAt(5);
    const resumed = await w.start(w.a);
    expect(resumed.status).toBe(200);
    expect(resumed.json).toMatchObject({
      submission_id: a.json.submission_id,
      effective_duration_minutes: 60,
      deadline_at: at(50).toISOString(),
    });
    expect(resumed.json.remaining_seconds).toBe(45 * 60);
  });

  it("extra attempts and an override's max_attempts add up (retakes still add one each)", async () => {
    const w = await examWorld();
    await call("PUT", `/forms/${w.exam.id}/overrides/${w.a.pid}`, { token: w.manager, body: { max_attempts: 2 } });
    await call("PUT", `/participants/${w.a.pid}/accommodations`, { token: w.manager, body: { extra_attempts: 1 } });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const started = await w.start(w.a);
      expect(started.status, `attempt ${attempt}`).toBe(201);
      expect(started.json.attempt_number).toBe(attempt);
      const id = started.json.submission_id;
      expect((await call("POST", `/forms/submissions/${id}/submit`, { token: w.a.participant, body: examAnswers() })).status).toBe(200);
      expect((await call("POST", `/form-submissions/${id}/reject`, { token: w.manager, body: { feedback: "again" } })).status).toBe(200);
    }
    const fourth = await w.start(w.a);
    expect(fourth.status).toBe(409);
    expect(fourth.json.code).toBe("no_attempts_left");
    // B has the form's single attempt.
    const b = await w.start(w.b);
    await call("POST", `/forms/submissions/${b.json.submission_id}/submit`, { token: w.b.participant, body: examAnswers() });
    await call("POST", `/form-submissions/${b.json.submission_id}/reject`, { token: w.manager, body: {} });
    expect((await w.start(w.b)).json.code).toBe("no_attempts_left");
  });

  it("a window: not open before available_from (409 exam_not_open), closed from available_until (exam_closed), unless overridden", async () => {
    const w = await examWorld({ available_from: iso(60), available_until: iso(120) });
    const early = await w.start(w.a);
    expect(early.status).toBe(409);
    expect(early.json.code).toBe("exam_not_open");
    clockAt(60);
    expect((await w.start(w.a)).status).toBe(201);
    await call("PUT", `/forms/${w.exam.id}/overrides/${w.b.pid}`, { token: w.manager, body: { available_until: iso(240) } });
    clockAt(130);
    const c = await enrolled(w.manager, w.course.id);
    await call("POST", `/steps/${w.step1.id}/materials-complete`, { token: c.participant });
    const late = await w.start(c);
    expect(late.status).toBe(409);
    expect(late.json.code).toBe("exam_closed");
    // B's own closing time is later: B may start, and the deadline is start + 30 minutes.
    const b = await w.start(w.b);
    expect(b.status).toBe(201);
    expect(b.json.deadline_at).toBe(at(160).toISOString());
    // The form shows its window.
    const form = await call("GET", `/forms/${w.exam.id}`, { token: w.manager });
    expect(form.json).toMatchObject({ available_from: iso(60), available_until: iso(120) });
  });

  it("a deadline capped by the window closes like any deadline", async () => {
    const w = await examWorld({ available_until: iso(10) });
    const a = await w.start(w.a);
    expect(a.json.deadline_at).toBe(at(10).toISOString());
    clockAt(10 + 60); // past the deadline and the grace
    const submit = await call("POST", `/forms/submissions/${a.json.submission_id}/submit`, { token: w.a.participant, body: examAnswers() });
    expect(submit.status).toBe(409);
    expect(submit.json.code).toBe("attempt_expired");
  });

  it("participants read their own accommodations without the note; managers read and clear anyone's", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant");
    const none = await call("GET", "/participants/me/accommodations", { token: participant });
    expect(none.json).toEqual({ participant_id: pid, extra_time_percent: 0, extra_attempts: 0, updated_at: null });
    await call("PUT", `/participants/${pid}/accommodations`, { token: manager, body: { extra_time_percent: 25, note: "Private" } });
    const mine = await call("GET", "/participants/me/accommodations", { token: participant });
    expect(mine.json).toMatchObject({ participant_id: pid, extra_time_percent: 25, extra_attempts: 0 });
    expect(mine.text).not.toContain("Private");
    expect(mine.json).not.toHaveProperty("updated_by");
    expect((await call("GET", `/participants/${pid}/accommodations`, { token: manager })).json.note).toBe("Private");
    expect((await call("GET", `/participants/${pid}/accommodations`, { token: participant })).status).toBe(403);
    expect((await call("DELETE", `/participants/${pid}/accommodations`, { token: manager })).status).toBe(204);
    expect((await call("GET", "/participants/me/accommodations", { token: participant })).json.extra_time_percent).toBe(0);
  });

  it("validates bounds and windows; an override needs a live form", async () => {
    const w = await examWorld();
    for (const body of [
      { extra_time_percent: 401 },
      { extra_attempts: 21 },
      { extra_time_percent: 1.5 },
      { note: "x".repeat(501) },
      { extra: 1 },
    ]) {
      const res = await call("PUT", `/participants/${w.a.pid}/accommodations`, { token: w.manager, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const inverted = await call("PUT", `/forms/${w.exam.id}`, {
      token: w.manager,
      body: { available_from: iso(10), available_until: iso(5) },
    });
    expect(inverted.status).toBe(400);
    expect(inverted.json.code).toBe("invalid_form");
    const offset = await call("PUT", `/forms/${w.exam.id}`, { token: w.manager, body: { available_until: "2026-12-14T10:00:00+02:00" } });
    expect(offset.status).toBe(400);
    const unknown = await call("PUT", `/forms/507f1f77bcf86cd799439099/overrides/${w.a.pid}`, {
      token: w.manager,
      body: { max_attempts: 3 },
    });
    expect(unknown.status).toBe(404);
    expect(
      (await call("PUT", `/forms/${w.exam.id}/overrides/${w.a.pid}`, { token: w.manager, body: { duration_minutes: 0 } })).status,
    ).toBe(400);
    // Listed by participant id; removed again.
    await call("PUT", `/forms/${w.exam.id}/overrides/${w.b.pid}`, { token: w.manager, body: { max_attempts: 2 } });
    await call("PUT", `/forms/${w.exam.id}/overrides/${w.a.pid}`, { token: w.manager, body: { max_attempts: 3 } });
    const list = await call("GET", `/forms/${w.exam.id}/overrides`, { token: w.manager });
    expect(list.json.map((o) => o.participant_id)).toEqual([w.a.pid, w.b.pid].sort());
    expect((await call("DELETE", `/forms/${w.exam.id}/overrides/${w.a.pid}`, { token: w.manager })).status).toBe(204);
    expect((await call("GET", `/forms/${w.exam.id}/overrides`, { token: w.manager })).json).toHaveLength(1);
  });
});
