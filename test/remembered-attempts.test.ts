/**
 * Issue #26: an open attempt this isolate has seen is remembered (src/form-submissions/known-attempts.ts), so an
 * autosave or a submit is one D1 statement. The memo must never let a write through that the reading path would
 * refuse: the write itself holds the owner, the open status, the time and the deadline remembered, and every
 * refusal keeps its own code.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { call, enrolled, examAnswers, roundTrips, token, twoStepCourse, uniqueName } from "./helpers";

afterEach(() => setClock(null));

async function openAttempt() {
  const manager = await token(uniqueName("manager"), "manager");
  const c = await twoStepCourse(manager);
  const who = await enrolled(manager, c.course.id);
  expect((await call("POST", `/materials/${c.video.id}/complete`, { token: who.participant })).status).toBe(200);
  const started = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
  expect(started.status, started.text).toBe(201);
  return { manager, who, id: started.json.submission_id as string, deadline: started.json.deadline_at as string };
}

const save = (id: string, tok: string, body: unknown = examAnswers()) =>
  call("PUT", `/forms/submissions/${id}/answers`, { token: tok, body });
const submit = (id: string, tok: string, body: unknown = examAnswers()) =>
  call("POST", `/forms/submissions/${id}/submit`, { token: tok, body });
const stored = async (id: string) =>
  JSON.parse((await env.DB.prepare("SELECT answers FROM form_submissions WHERE id = ?").bind(id).first<{ answers: string }>())!.answers);

describe("remembered open attempts", () => {
  it("after the start, each autosave and the submit write in one D1 round trip, and what they wrote is stored", async () => {
    const { who, id } = await openAttempt();
    const trips = await roundTrips(async () => {
      expect((await save(id, who.participant, examAnswers("b", "first draft"))).status).toBe(200);
      expect((await save(id, who.participant, examAnswers("a", "second draft"))).status).toBe(200);
      const done = await submit(id, who.participant, examAnswers("a", "final"));
      expect(done.status, done.text).toBe(200);
      expect(done.json.submission_status).toBe("Submitted");
    });
    // The submit's own write is one round trip. No webhook subscribes here, so its event was not written and the
    // outbox reads nothing after the response (journal/outbox.ts; it did: [1, 1, 2]). Read first, these were [2, 2, 3].
    expect(trips).toEqual([1, 1, 1]);
    expect((await stored(id)).theory_answers[0].answer_text).toBe("final");
  });

  it("another participant's token is refused with not_your_attempt, and nothing is written", async () => {
    const { id, who } = await openAttempt();
    expect((await save(id, who.participant, examAnswers("a", "mine"))).status).toBe(200);
    const other = await token(uniqueName("participant"), "participant");
    const refused = await save(id, other, examAnswers("b", "theirs"));
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe("not_your_attempt");
    expect((await submit(id, other)).json.code).toBe("not_your_attempt");
    expect((await stored(id)).theory_answers[0].answer_text).toBe("mine");
  });

  it("a remembered attempt whose deadline moved earlier is refused as expired and closed, not written", async () => {
    const { id, who } = await openAttempt();
    expect((await save(id, who.participant, examAnswers("a", "in time"))).status).toBe(200);
    const past = new Date(Date.now() - 60 * 60_000).toISOString();
    await env.DB.prepare("UPDATE form_submissions SET deadline_at = ? WHERE id = ?").bind(past, id).run();
    const refused = await save(id, who.participant, examAnswers("b", "too late"));
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe("attempt_expired");
    expect((await stored(id)).theory_answers[0].answer_text).toBe("in time");
    expect((await submit(id, who.participant)).json.code).toBe("already_submitted");
  });

  it("answers that do not fit the questions, and writes after the submit, keep their codes", async () => {
    const { id, who } = await openAttempt();
    expect((await save(id, who.participant)).status).toBe(200);
    const wrong = await save(id, who.participant, { mcq_answers: [{ question_id: "q1", selected_option_id: "zz" }] });
    expect(wrong.status).toBe(400);
    expect(wrong.json.code).toBe("invalid_answers");
    expect((await submit(id, who.participant)).status).toBe(200);
    expect((await save(id, who.participant)).json.code).toBe("already_submitted");
    // Once submitted, a wrong answer is still "already submitted": the order of refusals is the reading path's.
    expect((await submit(id, who.participant, { mcq_answers: [{ question_id: "nope", selected_option_id: "a" }] })).json.code).toBe(
      "already_submitted",
    );
  });

  it("a submit past the deadline but within the grace is late on the remembered path too", async () => {
    const { id, who, deadline } = await openAttempt();
    expect((await save(id, who.participant)).status).toBe(200);
    setClock(() => new Date(Date.parse(deadline) + 10_000));
    const done = await submit(id, who.participant);
    expect(done.status, done.text).toBe(200);
    expect(done.json.is_late).toBe(true);
  });

  it("a question set remembered but no longer stored (a database restored to before it) is written again at the next start", async () => {
    const { manager, id } = await openAttempt();
    const {
      question_set: set,
      step_id: stepId,
      course_id: courseId,
    } = (await env.DB.prepare("SELECT question_set, step_id, course_id FROM form_submissions WHERE id = ?")
      .bind(id)
      .first<{ question_set: string; step_id: string; course_id: string }>())!;
    // The restore: the first attempt and its set are gone; this isolate still remembers the set.
    await env.DB.prepare("DELETE FROM form_submissions WHERE id = ?").bind(id).run();
    await env.DB.prepare("DELETE FROM question_sets WHERE hash = ?").bind(set).run();
    const next = await enrolled(manager, courseId);
    const material = await env.DB.prepare("SELECT id FROM materials WHERE step_id = ? AND is_mandatory = 1")
      .bind(stepId)
      .first<{ id: string }>();
    expect((await call("POST", `/materials/${material!.id}/complete`, { token: next.participant })).status).toBe(200);
    const started = await call("POST", `/steps/${stepId}/exam/start`, { token: next.participant });
    expect(started.status, started.text).toBe(201);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM question_sets WHERE hash = ?").bind(set).first("n")).toBe(1);
    const resumed = await call("POST", `/steps/${stepId}/exam/start`, { token: next.participant });
    expect(resumed.status).toBe(200);
    expect(resumed.json.form.questions.map((q: { question_id: string }) => q.question_id)).toEqual(
      started.json.form.questions.map((q: { question_id: string }) => q.question_id),
    );
    expect(resumed.json.form.questions.length).toBeGreaterThan(0);
  });

  it("autosaves arriving while one is being written are written together, each stored and answered as a lone write would be", async () => {
    const takers: { who: { pid: string; participant: string }; id: string }[] = [];
    const manager = await token(uniqueName("manager"), "manager");
    const c = await twoStepCourse(manager);
    for (let i = 0; i < 6; i++) {
      const who = await enrolled(manager, c.course.id);
      expect((await call("POST", `/materials/${c.video.id}/complete`, { token: who.participant })).status).toBe(200);
      const started = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
      expect(started.status).toBe(201);
      takers.push({ who, id: started.json.submission_id as string });
    }
    // One of them ran out of time meanwhile: its row's own condition fails inside the shared statement.
    const late = takers[5]!;
    await env.DB.prepare("UPDATE form_submissions SET deadline_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 3_600_000).toISOString(), late.id)
      .run();
    let answers: Awaited<ReturnType<typeof save>>[] = [];
    const trips = await roundTrips(async () => {
      answers = await Promise.all(takers.slice(0, 5).map((t, i) => save(t.id, t.who.participant, examAnswers("a", `answer ${i}`))));
    });
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // Five saves, two statements: the first goes out alone, the other four gather while it is in flight.
    expect(trips.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
    for (const [i, t] of takers.slice(0, 5).entries()) expect((await stored(t.id)).theory_answers[0].answer_text).toBe(`answer ${i}`);
    const [ok, refused] = await Promise.all([
      save(takers[0]!.id, takers[0]!.who.participant, examAnswers("b", "again")),
      save(late.id, late.who.participant, examAnswers("b", "too late")),
    ]);
    expect(ok.status).toBe(200);
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe("attempt_expired");
    expect((await stored(takers[0]!.id)).theory_answers[0].answer_text).toBe("again");
    expect(await stored(late.id)).toEqual({});
  });

  it("two autosaves of one attempt in one group: both answered, the later one stored", async () => {
    const { who, id } = await openAttempt();
    expect((await save(id, who.participant, examAnswers("a", "remembered now"))).status).toBe(200);
    const [first, second] = await Promise.all([
      save(id, who.participant, examAnswers("a", "first")),
      save(id, who.participant, examAnswers("b", "second")),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(["first", "second"]).toContain((await stored(id)).theory_answers[0].answer_text);
  });
});
