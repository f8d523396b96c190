import { createScheduledController } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { examAnswers as answers, call, enrolled, token, twoStepCourse, uniqueName } from "./helpers";

afterEach(() => setClock(null));

/* ------------------------------------------------ fixtures ------------------------------------------------ */

type Course = Awaited<ReturnType<typeof twoStepCourse>>;

type Who = Awaited<ReturnType<typeof enrolled>>;

const managerToken = () => token(uniqueName("manager"), "manager");

/** An enrolled participant with step 1's mandatory material done: ready to start the exam. */
async function ready(manager: string, c: Course): Promise<Who> {
  const who = await enrolled(manager, c.course.id);
  const done = await call("POST", `/materials/${c.video.id}/complete`, { token: who.participant });
  expect(done.status).toBe(200);
  return who;
}

async function start(c: Course, who: Who, expected = 201): Promise<string> {
  const res = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
  expect(res.status, res.text).toBe(expected);
  return res.json.submission_id;
}

async function submit(id: string, who: Who, body: unknown = answers()) {
  const res = await call("POST", `/forms/submissions/${id}/submit`, { token: who.participant, body });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

/** A course, a participant and one submitted attempt (MCQ right: mcq_score 5). */
async function submittedAttempt(manager: string, formOverrides?: Record<string, unknown>) {
  const c = await twoStepCourse(manager);
  if (formOverrides) {
    const res = await call("PUT", `/forms/${c.exam.id}`, { token: manager, body: formOverrides });
    expect(res.status, res.text).toBe(200);
  }
  const who = await ready(manager, c);
  const id = await start(c, who);
  return { c, who, id };
}

const detail = async (id: string, as: string) => {
  const res = await call("GET", `/form-submissions/${id}`, { token: as });
  expect(res.status, res.text).toBe(200);
  return res.json;
};

const row = (id: string) =>
  env.DB.prepare("SELECT submission_status, is_late, auto_submitted, mcq_score, submitted_at, answers FROM form_submissions WHERE id = ?")
    .bind(id)
    .first<{
      submission_status: string;
      is_late: number;
      auto_submitted: number;
      mcq_score: number | null;
      submitted_at: string | null;
      answers: string;
    }>();

/* ------------------------------------------------ the clock ----------------------------------------------- */

const SEC = 1000;
const MIN = 60 * SEC;
const DURATION = 30 * MIN;
/** A whole second, so ISO stamps compare exactly. */
const wholeSecond = () => new Date(Math.floor(Date.now() / SEC) * SEC);
const plus = (t: Date, ms: number) => new Date(t.getTime() + ms);
/** Moves the server clock (and the clock `token()` signs with) to `at`, frozen. */
const freeze = (at: Date) => setClock(() => at);

/* ------------------------------------------------- tests -------------------------------------------------- */

describe("exam start", () => {
  it("50 concurrent starts by one participant open exactly one attempt", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant })),
    );
    const statuses = results.map((r) => r.status);
    expect(
      statuses.every((s) => s === 200 || s === 201),
      statuses.join(","),
    ).toBe(true);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    const ids = new Set(results.map((r) => r.json.submission_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f]{24}$/);
    expect(results.every((r) => r.json.attempt_number === 1)).toBe(true);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM form_submissions WHERE participant_id = ?")
      .bind(who.pid)
      .first<{ n: number }>();
    expect(count!.n).toBe(1);
  });
});

describe("deadline", () => {
  it("a submit one second before the deadline is on time", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const startRes = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(startRes.status).toBe(201);
    expect(startRes.json).toMatchObject({
      started_at: T.toISOString(),
      deadline_at: plus(T, DURATION).toISOString(),
      remaining_seconds: 1800,
    });

    const at = plus(T, DURATION - SEC);
    freeze(at);
    const res = await submit(startRes.json.submission_id, who);
    expect(res).toMatchObject({ submission_status: "Submitted", is_late: false, mcq_score: 5, submitted_at: at.toISOString() });
  });

  it("a submit inside the grace period is accepted and flagged late", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const id = await start(c, who);

    freeze(plus(T, DURATION + 60 * SEC));
    const res = await submit(id, who);
    expect(res).toMatchObject({ submission_status: "Submitted", is_late: true });
    const seen = await detail(id, await managerToken());
    expect(seen).toMatchObject({ submission_status: "Submitted", is_late: true, auto_submitted: false });
  });

  it("a submit after the grace period → 409 attempt_expired; the attempt is closed with its autosaved answers", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const id = await start(c, who);
    freeze(plus(T, 10 * MIN));
    const saved = await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("a", "saved draft") });
    expect(saved.status).toBe(200);

    freeze(plus(T, DURATION + 121 * SEC));
    // The late body would score 0; what counts is what was saved in time.
    const late = await call("POST", `/forms/submissions/${id}/submit`, { token: who.participant, body: answers("b", "too late") });
    expect(late.status).toBe(409);
    expect(late.json.code).toBe("attempt_expired");

    const seen = await detail(id, await managerToken());
    expect(seen).toMatchObject({
      submission_status: "Submitted",
      is_late: true,
      auto_submitted: true,
      mcq_score: 5,
      theory_score: null,
      submitted_at: plus(T, DURATION).toISOString(),
    });
    expect(seen.questions.find((q: any) => q.question_id === "q2")?.participant_answer).toEqual({
      question_id: "q2",
      answer_text: "saved draft",
    });
    const again = await call("POST", `/forms/submissions/${id}/submit`, { token: who.participant, body: answers() });
    expect(again.status).toBe(409);
  });

  it("GET /form-submissions/pending closes an expired open attempt and lists it", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const id = await start(c, who);
    await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("a") });

    freeze(plus(T, DURATION + 119 * SEC));
    const inGrace = await call("GET", `/form-submissions/pending?course_id=${c.course.id}`, { token: await managerToken() });
    expect(inGrace.status).toBe(200);
    expect(inGrace.json).toEqual([]);
    expect((await row(id))!.submission_status).toBe("InProgress");

    freeze(plus(T, DURATION + 121 * SEC));
    const after = await call("GET", `/form-submissions/pending?course_id=${c.course.id}`, { token: await managerToken() });
    expect(after.status).toBe(200);
    expect(after.json).toHaveLength(1);
    expect(after.json[0]).toMatchObject({
      submission_id: id,
      participant_id: who.pid,
      submission_status: "Submitted",
      is_late: true,
      mcq_score: 5,
    });
    expect(await row(id)).toMatchObject({ submission_status: "Submitted", auto_submitted: 1 });
  });

  it("exam/start on an expired open attempt → 409 attempt_expired and closes it; before that it resumes", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const id = await start(c, who);

    freeze(plus(T, DURATION + 100 * SEC));
    const resumed = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(resumed.status).toBe(200);
    expect(resumed.json).toMatchObject({ submission_id: id, remaining_seconds: 0 });

    freeze(plus(T, 40 * MIN));
    const expired = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(expired.status).toBe(409);
    expect(expired.json.code).toBe("attempt_expired");
    expect(await row(id)).toMatchObject({ submission_status: "Submitted", is_late: 1, auto_submitted: 1 });
    const next = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(next.status).toBe(409);
    expect(next.json.code).toBe("awaiting_review");
  });

  it("autosave is accepted inside the grace period and refused after it (409)", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const id = await start(c, who);

    freeze(plus(T, DURATION + 30 * SEC));
    const inGrace = await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("b") });
    expect(inGrace.status).toBe(200);
    expect(inGrace.json).toMatchObject({ submission_id: id, remaining_seconds: 0, deadline_at: plus(T, DURATION).toISOString() });

    freeze(plus(T, DURATION + 121 * SEC));
    const after = await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("a") });
    expect(after.status).toBe(409);
    expect(after.json.code).toBe("attempt_expired");
    // Closed with what was saved inside the grace period (option b: 0 marks), not the refused save.
    expect(await row(id)).toMatchObject({ submission_status: "Submitted", auto_submitted: 1, mcq_score: 0 });
  });

  it("the participant's progress views show an expired attempt as closed, not InProgress", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const id = await start(c, who);
    await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("a") });

    // At the edge of the grace period (120 s): a second before it ends still open, a second after closed and scored
    // from the saved answers — the read carries an open attempt's answers only near or past its expiry.
    const stepAt = async (at: Date) => {
      freeze(at);
      return (await call("GET", `/participants/me/step/${c.step1.id}/progress`, { token: who.participant })).json;
    };
    expect((await stepAt(plus(T, DURATION + 119 * SEC))).exam_submission).toMatchObject({
      submission_id: id,
      submission_status: "InProgress",
    });
    expect((await stepAt(plus(T, DURATION + 121 * SEC))).exam_submission).toMatchObject({
      submission_id: id,
      submission_status: "Submitted",
      mcq_score: 5,
    });

    freeze(plus(T, 40 * MIN));
    const stepView = await call("GET", `/participants/me/step/${c.step1.id}/progress`, { token: who.participant });
    expect(stepView.status).toBe(200);
    expect(stepView.json.exam_submission).toMatchObject({ submission_id: id, submission_status: "Submitted", is_late: true, mcq_score: 5 });
    expect(stepView.json.progress.exam_status).toBe("Submitted");
    const courseView = await call("GET", `/participants/me/progress/${c.course.id}`, { token: who.participant });
    expect(courseView.json.steps[0]?.progress?.exam_status).toBe("Submitted");
    const step = await call("GET", `/steps/${c.step1.id}`, { token: who.participant });
    expect(step.json.progress?.exam_status).toBe("Submitted");
  });

  it("the scheduled handler closes expired attempts nobody read, and only those", async () => {
    const T = wholeSecond();
    freeze(T);
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const id = await start(c, who);
    await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("a") });
    freeze(plus(T, 20 * MIN));
    const fresh = await ready(manager, c);
    const freshId = await start(c, fresh);

    // The loopback binding forwards a plain (serialisable) copy of the controller to the Worker's `scheduled`.
    const worker = exports.default as unknown as { scheduled?: (options: { scheduledTime: Date; cron: string }) => Promise<unknown> };
    const cron = async (at: Date) => {
      freeze(at);
      const controller = createScheduledController({ scheduledTime: at, cron: "*/5 * * * *" });
      await worker.scheduled!({ scheduledTime: new Date(controller.scheduledTime), cron: controller.cron });
    };
    /** The handler may finish its work in `waitUntil`: give it a moment. */
    const settled = async () => {
      for (let i = 0; i < 40 && (await row(id))!.submission_status === "InProgress"; i++) await new Promise((r) => setTimeout(r, 25));
    };

    // Inside the grace period the cron leaves it open.
    await cron(plus(T, DURATION + 60 * SEC));
    expect((await row(id))!.submission_status).toBe("InProgress");

    await cron(plus(T, 35 * MIN));
    await settled();
    expect(await row(id)).toMatchObject({
      submission_status: "Submitted",
      is_late: 1,
      auto_submitted: 1,
      mcq_score: 5,
      submitted_at: plus(T, DURATION).toISOString(),
    });
    expect((await row(freshId))!.submission_status).toBe("InProgress");
  });
});

describe("attempts", () => {
  it("max_attempts, retakes past the maximum, approval and pending review refuse or allow a new start", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager); // max_attempts 2
    const who = await ready(manager, c);

    const first = await start(c, who);
    await submit(first, who);
    const waiting = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(waiting.status).toBe(409);
    expect(waiting.json.code).toBe("awaiting_review");
    expect((await call("POST", `/form-submissions/${first}/reject`, { token: manager, body: { feedback: "Again" } })).status).toBe(200);

    const secondRes = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(secondRes.status).toBe(201);
    expect(secondRes.json.attempt_number).toBe(2);
    expect(secondRes.json.answers).toEqual({ mcq_answers: [], theory_answers: [] });
    const second = secondRes.json.submission_id;
    expect(second).not.toBe(first);
    await submit(second, who, answers("b"));
    expect((await call("POST", `/form-submissions/${second}/reject`, { token: manager, body: {} })).status).toBe(200);

    const none = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(none.status).toBe(409);
    expect(none.json.code).toBe("no_attempts_left");

    const retake = await call("POST", `/form-submissions/${second}/request-retake`, { token: manager, body: { reason: "One more try" } });
    expect(retake.status).toBe(200);
    expect(retake.json).toMatchObject({ submission_id: second, submission_status: "RetakeRequested" });
    expect((await detail(second, manager)).retake_reason).toBe("One more try");

    const thirdRes = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(thirdRes.status).toBe(201);
    expect(thirdRes.json.attempt_number).toBe(3);
    const third = thirdRes.json.submission_id;
    await submit(third, who);
    const pending = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(pending.status).toBe(409);
    expect(pending.json.code).toBe("awaiting_review");

    expect(
      (
        await call("POST", `/form-submissions/${third}/grade`, {
          token: manager,
          body: { theory_grades: [{ question_id: "q2", marks_awarded: 7 }] },
        })
      ).status,
    ).toBe(200);
    expect((await call("POST", `/form-submissions/${third}/approve`, { token: manager, body: {} })).status).toBe(200);
    const approved = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
    expect(approved.status).toBe(409);
    expect(approved.json.code).toBe("exam_already_approved");
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM form_submissions WHERE participant_id = ?")
      .bind(who.pid)
      .first<{ n: number }>();
    expect(count!.n).toBe(3);
  });
});

describe("submit validation", () => {
  it("refuses invalid answers with 400 invalid_answers and keeps the attempt open", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
    const invalid: [string, unknown][] = [
      ["unknown question", { mcq_answers: [{ question_id: "q9", selected_option_id: "a" }] }],
      ["unknown option", { mcq_answers: [{ question_id: "q1", selected_option_id: "z" }] }],
      ["MCQ answer to a THEORY question", { mcq_answers: [{ question_id: "q2", selected_option_id: "a" }] }],
      ["THEORY answer to an MCQ", { theory_answers: [{ question_id: "q1", answer_text: "Devotion" }] }],
      ["over max_words", { theory_answers: [{ question_id: "q2", answer_text: words(201) }] }],
      [
        "answered twice",
        {
          mcq_answers: [
            { question_id: "q1", selected_option_id: "a" },
            { question_id: "q1", selected_option_id: "b" },
          ],
        },
      ],
      [
        "theory answered twice",
        {
          theory_answers: [
            { question_id: "q2", answer_text: "x" },
            { question_id: "q2", answer_text: "y" },
          ],
        },
      ],
    ];
    for (const [label, body] of invalid) {
      const res = await call("POST", `/forms/submissions/${id}/submit`, { token: who.participant, body });
      expect(res.status, label).toBe(400);
      expect(res.json.code, label).toBe("invalid_answers");
      expect(res.json.errors?.length, label).toBeGreaterThan(0);
    }
    const unknownField = await call("POST", `/forms/submissions/${id}/submit`, {
      token: who.participant,
      body: { ...answers(), score: 100 },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.code).toBe("validation_error");
    expect((await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: invalid[4]![1] })).status).toBe(400);

    expect((await row(id))!.submission_status).toBe("InProgress");
    // Exactly max_words words is fine; extra whitespace does not make words.
    const ok = await submit(id, who, answers("a", `  ${words(200).replace(/ /g, " \n\t ")}  `));
    expect(ok).toMatchObject({ submission_status: "Submitted", mcq_score: 5 });
  });

  it("50 parallel submits of one attempt: exactly one 200, 49 × 409, scored once", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call("POST", `/forms/submissions/${id}/submit`, { token: who.participant, body: answers(i % 2 === 0 ? "a" : "b", `answer ${i}`) }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const stored = (await row(id))!;
    expect(stored.submission_status).toBe("Submitted");
    expect(stored.mcq_score).toBe(ok[0]!.json.mcq_score);
    expect(stored.submitted_at).toBe(ok[0]!.json.submitted_at);
    // The stored answers are those of the one accepted submit.
    const winner = results.indexOf(ok[0]!);
    expect(JSON.parse(stored.answers).theory_answers).toEqual([{ question_id: "q2", answer_text: `answer ${winner}` }]);
  });
});

describe("ownership", () => {
  it("another participant cannot submit or autosave someone's attempt (403), nor see it (404)", async () => {
    const manager = await managerToken();
    const { c, id } = await submittedAttempt(manager);
    const other = await ready(manager, c);
    const sub = await call("POST", `/forms/submissions/${id}/submit`, { token: other.participant, body: answers() });
    expect(sub.status).toBe(403);
    const save = await call("PUT", `/forms/submissions/${id}/answers`, { token: other.participant, body: answers() });
    expect(save.status).toBe(403);
    const seen = await call("GET", `/form-submissions/${id}`, { token: other.participant });
    expect(seen.status).toBe(404);
    expect((await row(id))!.submission_status).toBe("InProgress");
    // A manager is not the owner either.
    expect((await call("POST", `/forms/submissions/${id}/submit`, { token: manager, body: answers() })).status).toBe(403);
  });

  it("a participant lists their own attempts (including the open one) but not another's", async () => {
    const manager = await managerToken();
    const { c, who, id } = await submittedAttempt(manager);
    const other = await ready(manager, c);
    const mine = await call("GET", `/form-submissions/participant/${who.pid}`, { token: who.participant });
    expect(mine.status).toBe(200);
    expect(mine.json).toHaveLength(1);
    expect(mine.json[0]).toMatchObject({ submission_id: id, participant_id: who.pid, submission_status: "InProgress", attempt_number: 1 });
    const theirs = await call("GET", `/form-submissions/participant/${who.pid}`, { token: other.participant });
    expect(theirs.status).toBe(403);
    const asManager = await call("GET", `/form-submissions/participant/${who.pid}`, { token: manager });
    expect(asManager.status).toBe(200);
    expect(asManager.json.map((s: any) => s.submission_id)).toEqual([id]);
  });

  it("participant_id naming someone else → 403 on exam/start, material completion and progress views", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    const other = await enrolled(manager, c.course.id);
    const q = `participant_id=${other.pid}`;
    const attempts: [string, string][] = [
      ["POST", `/steps/${c.step1.id}/exam/start?${q}`],
      ["POST", `/materials/${c.video.id}/complete?${q}`],
      ["POST", `/steps/${c.step1.id}/materials-complete?${q}`],
      ["GET", `/steps/${c.step1.id}?${q}`],
      ["GET", `/participants/me/courses?${q}`],
      ["GET", `/participants/me/progress/${c.course.id}?${q}`],
      ["GET", `/participants/me/step/${c.step1.id}/progress?${q}`],
    ];
    for (const [method, path] of attempts) {
      const res = await call(method, path, { token: who.participant });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // Nothing was written for the other participant.
    const done = await env.DB.prepare("SELECT COUNT(*) AS n FROM material_completions WHERE participant_id = ?")
      .bind(other.pid)
      .first<{ n: number }>();
    expect(done!.n).toBe(0);
    // Naming themself is fine.
    const own = await call("POST", `/steps/${c.step1.id}/exam/start?participant_id=${who.pid}`, { token: who.participant });
    expect(own.status).toBe(201);
  });

  it("a manager cannot start an exam (403), even for a participant", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const who = await ready(manager, c);
    expect((await call("POST", `/steps/${c.step1.id}/exam/start`, { token: manager })).status).toBe(403);
    expect((await call("POST", `/steps/${c.step1.id}/exam/start?participant_id=${who.pid}`, { token: manager })).status).toBe(403);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM form_submissions WHERE form_id = ?")
      .bind(c.exam.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("participants cannot grade, approve, reject, request a retake or list pending submissions (403)", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    await submit(id, who);
    const calls: [string, string, unknown][] = [
      ["POST", `/form-submissions/${id}/grade`, { theory_grades: [{ question_id: "q2", marks_awarded: 10 }] }],
      ["POST", `/form-submissions/${id}/approve`, {}],
      ["POST", `/form-submissions/${id}/reject`, {}],
      ["POST", `/form-submissions/${id}/request-retake`, {}],
      ["GET", `/form-submissions/pending`, undefined],
    ];
    for (const [method, path, body] of calls) {
      const res = await call(method, path, { token: who.participant, body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await detail(id, manager)).toMatchObject({ submission_status: "Submitted", theory_score: null });
  });

  it("manager_id that is not the caller → 403; their own id is accepted", async () => {
    const managerId = uniqueName("manager");
    const manager = await token(managerId, "manager");
    const { who, id } = await submittedAttempt(manager);
    await submit(id, who);
    const grade = { theory_grades: [{ question_id: "q2", marks_awarded: 10 }] };
    for (const [action, body] of [
      ["grade", grade],
      ["approve", {}],
      ["reject", {}],
      ["request-retake", {}],
    ] as const) {
      const res = await call("POST", `/form-submissions/${id}/${action}?manager_id=someone-else`, { token: manager, body });
      expect(res.status, action).toBe(403);
    }
    expect((await detail(id, manager)).submission_status).toBe("Submitted");
    const own = await call("POST", `/form-submissions/${id}/grade?manager_id=${managerId}`, { token: manager, body: grade });
    expect(own.status).toBe(200);
    expect(own.json.reviewed_by).toBe(managerId);
  });
});

describe("review state machine", () => {
  it("grade moves Submitted → UnderReview and can be repeated; reject records feedback; decided submissions refuse other decisions", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    await submit(id, who);

    const first = await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 4 }], feedback: "Thin" },
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ submission_status: "UnderReview", theory_score: 4, feedback: "Thin" });
    const second = await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 6.5 }], feedback: "Better" },
    });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ submission_status: "UnderReview", theory_score: 6.5, feedback: "Better" });
    expect(second.json.questions.find((q: any) => q.question_id === "q2")?.marks_awarded).toBe(6.5);

    const reject = await call("POST", `/form-submissions/${id}/reject`, { token: manager, body: { feedback: "Study chapter 2" } });
    expect(reject.status).toBe(200);
    expect(reject.json).toMatchObject({ submission_id: id, submission_status: "Rejected" });
    expect(await detail(id, manager)).toMatchObject({ submission_status: "Rejected", feedback: "Study chapter 2" });
    expect((await detail(id, who.participant)).feedback).toBe("Study chapter 2");

    const approve = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} });
    expect(approve.status).toBe(409);
    expect(approve.json.code).toBe("not_reviewable");
    expect(
      (
        await call("POST", `/form-submissions/${id}/grade`, {
          token: manager,
          body: { theory_grades: [{ question_id: "q2", marks_awarded: 9 }] },
        })
      ).status,
    ).toBe(409);
    expect((await call("POST", `/form-submissions/${id}/reject`, { token: manager, body: {} })).status).toBe(409);
    expect((await detail(id, manager)).submission_status).toBe("Rejected");
  });

  it("an empty body sent as JSON (Content-Length: 0) is no body: approve, reject and request-retake answer as without one", async () => {
    const manager = await managerToken();
    const empty = { rawBody: "", headers: { "content-type": "application/json", "content-length": "0" } };
    for (const [decision, status] of [
      ["approve", "Approved"],
      ["reject", "Rejected"],
      ["request-retake", "RetakeRequested"],
    ] as const) {
      const { who, id } = await submittedAttempt(manager);
      await submit(id, who);
      await call("POST", `/form-submissions/${id}/grade`, {
        token: manager,
        body: { theory_grades: [{ question_id: "q2", marks_awarded: 9 }] },
      });
      const res = await call("POST", `/form-submissions/${id}/${decision}`, { token: manager, ...empty });
      expect(res.status, `${decision}: ${res.text}`).toBe(200);
      expect((await detail(id, manager)).submission_status).toBe(status);
    }
    // Where a body is required, an empty one names what is missing instead of calling it malformed JSON.
    const course = await call("POST", "/courses", { token: manager, ...empty });
    expect(course.status).toBe(400);
    expect(course.json.code).toBe("validation_error");
    // A body that is there but not JSON is still malformed.
    const broken = await call("POST", "/courses", { token: manager, rawBody: "{", headers: { "content-type": "application/json" } });
    expect(broken.json.code).toBe("malformed_json");
  });

  it("request-retake on an Approved submission → 409; an open attempt is not reviewable", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    const open = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} });
    expect(open.status).toBe(409);
    await submit(id, who);
    await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 10 }] },
    });
    expect((await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} })).status).toBe(200);
    const retake = await call("POST", `/form-submissions/${id}/request-retake`, { token: manager, body: { reason: "x" } });
    expect(retake.status).toBe(409);
    expect(retake.json.code).toBe("not_reviewable");
    const rejected = await call("POST", `/form-submissions/${id}/reject`, { token: manager, body: {} });
    expect(rejected.status).toBe(409);
    expect(rejected.json.detail).toBe("A submission that is Approved cannot be rejected");
    expect(await detail(id, manager)).toMatchObject({ submission_status: "Approved", total_score: 15, retake_reason: null });
  });

  it("two managers approving one submission in parallel: one 200, one 409", async () => {
    const manager = await managerToken();
    const otherManager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    await submit(id, who);
    await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] },
    });
    const results = await Promise.all([
      call("POST", `/form-submissions/${id}/approve`, { token: manager, body: { feedback: "A" } }),
      call("POST", `/form-submissions/${id}/approve`, { token: otherManager, body: { feedback: "B" } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results.find((r) => r.status === 200)!;
    expect(winner.json).toMatchObject({ message: "Submission approved", next_step_unlocked: true });
    const seen = await detail(id, manager);
    expect(seen).toMatchObject({ submission_status: "Approved", total_score: 13 });
    expect(seen.feedback).toBe(results[0] === winner ? "A" : "B");
  });

  it("an MCQ-only exam is approved without grading; total_score = mcq_score", async () => {
    const manager = await managerToken();
    const mcqOnly = [
      {
        question_id: "q1",
        question_type: "MCQ",
        question_text: "What is Bhakti?",
        marks: 5,
        options: [
          { option_id: "a", text: "Devotion", is_correct: true },
          { option_id: "b", text: "Knowledge" },
        ],
      },
      {
        question_id: "q3",
        question_type: "MCQ",
        question_text: "Rounds?",
        marks: 3,
        options: [
          { option_id: "x", text: "16", is_correct: true },
          { option_id: "y", text: "1" },
        ],
      },
    ];
    const { who, id } = await submittedAttempt(manager, { questions: mcqOnly });
    const res = await submit(id, who, {
      mcq_answers: [
        { question_id: "q1", selected_option_id: "a" },
        { question_id: "q3", selected_option_id: "y" },
      ],
    });
    expect(res.mcq_score).toBe(5);
    const approve = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} });
    expect(approve.status, approve.text).toBe(200);
    const seen = await detail(id, manager);
    expect(seen).toMatchObject({ submission_status: "Approved", mcq_score: 5, total_score: 5 });
  });

  it("grades above the question's marks or naming an MCQ question → 400", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    await submit(id, who);
    const cases: [string, unknown][] = [
      ["above marks", [{ question_id: "q2", marks_awarded: 10.5 }]],
      ["MCQ question", [{ question_id: "q1", marks_awarded: 1 }]],
      ["unknown question", [{ question_id: "q7", marks_awarded: 1 }]],
      ["negative", [{ question_id: "q2", marks_awarded: -1 }]],
      ["not a quarter mark", [{ question_id: "q2", marks_awarded: 3.3 }]],
      ["a billionth", [{ question_id: "q2", marks_awarded: 1e-9 }]],
    ];
    for (const [label, theory_grades] of cases) {
      const res = await call("POST", `/form-submissions/${id}/grade`, { token: manager, body: { theory_grades } });
      expect(res.status, label).toBe(400);
    }
    expect(await detail(id, manager)).toMatchObject({ submission_status: "Submitted", theory_score: null });
    const quarter = await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 7.75 }] },
    });
    expect(quarter.status, quarter.text).toBe(200);
    expect(quarter.json.theory_score).toBe(7.75);
    // Exactly the question's marks is fine.
    const full = await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 10 }] },
    });
    expect(full.status).toBe(200);
    expect(full.json.theory_score).toBe(10);
  });
});

describe("pending list and visibility", () => {
  it("filters by step_id and course_id", async () => {
    const manager = await managerToken();
    const a = await submittedAttempt(manager);
    await submit(a.id, a.who);
    const b = await submittedAttempt(manager);
    await submit(b.id, b.who);
    const ids = async (query: string) => {
      const res = await call("GET", `/form-submissions/pending?${query}`, { token: manager });
      expect(res.status, res.text).toBe(200);
      return res.json.map((s: any) => s.submission_id);
    };
    expect(await ids(`course_id=${a.c.course.id}`)).toEqual([a.id]);
    expect(await ids(`course_id=${b.c.course.id}`)).toEqual([b.id]);
    expect(await ids(`step_id=${b.c.step1.id}`)).toEqual([b.id]);
    expect(await ids(`step_id=${a.c.step1.id}&course_id=${b.c.course.id}`)).toEqual([]);
    const all = await ids("");
    expect(all).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it("approved, rejected and retake-requested submissions leave the pending list; graded ones stay", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const who = await ready(manager, c);
      const id = await start(c, who);
      await submit(id, who);
      ids.push(id);
    }
    const [approved, rejected, retake, graded] = ids as [string, string, string, string];
    const grade = { theory_grades: [{ question_id: "q2", marks_awarded: 5 }] };
    await call("POST", `/form-submissions/${approved}/grade`, { token: manager, body: grade });
    expect((await call("POST", `/form-submissions/${approved}/approve`, { token: manager, body: {} })).status).toBe(200);
    expect((await call("POST", `/form-submissions/${rejected}/reject`, { token: manager, body: {} })).status).toBe(200);
    expect((await call("POST", `/form-submissions/${retake}/request-retake`, { token: manager, body: {} })).status).toBe(200);
    expect((await call("POST", `/form-submissions/${graded}/grade`, { token: manager, body: grade })).status).toBe(200);
    const res = await call("GET", `/form-submissions/pending?course_id=${c.course.id}`, { token: manager });
    expect(res.status).toBe(200);
    expect(res.json.map((s: any) => [s.submission_id, s.submission_status])).toEqual([[graded, "UnderReview"]]);
  });

  it("a participant never sees is_correct in their submission; a manager does", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    await submit(id, who);
    for (const [label, as] of [
      ["participant", who.participant],
      ["manager", manager],
    ] as const) {
      const res = await call("GET", `/form-submissions/${id}`, { token: as });
      expect(res.status, label).toBe(200);
      const options = res.json.questions.find((q: any) => q.question_id === "q1")?.options;
      if (label === "participant") {
        expect(res.text).not.toContain("is_correct");
        expect(options).toEqual([
          { option_id: "a", text: "Devotion" },
          { option_id: "b", text: "Knowledge" },
        ]);
      } else {
        expect(options).toEqual([
          { option_id: "a", text: "Devotion", is_correct: true },
          { option_id: "b", text: "Knowledge", is_correct: false },
        ]);
      }
    }
  });
});

/* -------------------------------------- slow bodies meet the deadline -------------------------------------- */

/**
 * Sends a JSON body in two chunks through a real stream: the headers (and the first chunk) arrive at once,
 * the rest only after `between()` ran — the server clock is moved there, as a slow client's last bytes would
 * arrive later.
 */
async function slowCall(method: string, path: string, bearer: string, body: unknown, between: () => void) {
  const text = JSON.stringify(body);
  const cut = Math.floor(text.length / 2);
  const encoder = new TextEncoder();
  let push!: (controller: ReadableStreamDefaultController<Uint8Array>) => void;
  const gate = new Promise<void>((resolve) => {
    push = () => resolve();
  });
  let sentFirst = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentFirst) {
        sentFirst = true;
        controller.enqueue(encoder.encode(text.slice(0, cut)));
        return;
      }
      await gate;
      controller.enqueue(encoder.encode(text.slice(cut)));
      controller.close();
    },
  });
  const pending = exports.default.fetch(
    new Request(`http://api.test${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: stream,
    }),
  );
  // Let the request's headers and first chunk be taken in before time moves on.
  await new Promise((r) => setTimeout(r, 20));
  between();
  push(undefined as never);
  const res = await pending;
  const raw = await res.text();
  return { status: res.status, json: raw ? JSON.parse(raw) : null, text: raw };
}

/** A ready participant's attempt, started at a whole second T with the clock frozen there. */
async function attemptStartedNow() {
  const T = wholeSecond();
  freeze(T);
  const manager = await managerToken();
  const c = await twoStepCourse(manager);
  const who = await ready(manager, c);
  return { T, who, id: await start(c, who) };
}

describe("slow bodies: the answers count when they arrive", () => {
  it("a submit whose last bytes arrive after deadline + grace → 409 attempt_expired; autosaved answers are kept", async () => {
    const { T, who, id } = await attemptStartedNow();
    expect((await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("b", "draft") })).status).toBe(
      200,
    );

    freeze(plus(T, MIN));
    const res = await slowCall("POST", `/forms/submissions/${id}/submit`, who.participant, answers("a", "written long after"), () =>
      freeze(plus(T, DURATION + 10 * MIN)),
    );
    expect(res.status, res.text).toBe(409);
    expect(res.json.code).toBe("attempt_expired");
    const seen = await detail(id, await managerToken());
    expect(seen).toMatchObject({
      submission_status: "Submitted",
      auto_submitted: true,
      is_late: true,
      mcq_score: 0,
      submitted_at: plus(T, DURATION).toISOString(),
    });
    expect(seen.questions.find((q: any) => q.question_id === "q2")?.participant_answer).toEqual({
      question_id: "q2",
      answer_text: "draft",
    });
  });

  it("a submit whose last bytes arrive inside the grace → 200, is_late true, submitted_at = when they arrived", async () => {
    const { T, who, id } = await attemptStartedNow();

    freeze(plus(T, MIN));
    const arrived = plus(T, DURATION + 60 * SEC);
    const res = await slowCall("POST", `/forms/submissions/${id}/submit`, who.participant, answers(), () => freeze(arrived));
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ submission_status: "Submitted", is_late: true, submitted_at: arrived.toISOString(), mcq_score: 5 });
  });

  it("an autosave whose last bytes arrive after deadline + grace → 409 and changes nothing", async () => {
    const { T, who, id } = await attemptStartedNow();
    expect((await call("PUT", `/forms/submissions/${id}/answers`, { token: who.participant, body: answers("b", "draft") })).status).toBe(
      200,
    );

    freeze(plus(T, MIN));
    const res = await slowCall("PUT", `/forms/submissions/${id}/answers`, who.participant, answers("a", "late draft"), () =>
      freeze(plus(T, DURATION + 3 * MIN)),
    );
    expect(res.status, res.text).toBe(409);
    expect(res.json.code).toBe("attempt_expired");
    const stored = await row(id);
    expect(JSON.parse(stored!.answers)).toEqual(answers("b", "draft"));
    expect(stored).toMatchObject({ submission_status: "Submitted", auto_submitted: 1, mcq_score: 0 });
  });
});

describe("scores a reviewer sees", () => {
  it("once every THEORY answer is graded, total_score = mcq + theory in the grade response, the details and both lists", async () => {
    const manager = await managerToken();
    const { c, who, id } = await submittedAttempt(manager);
    const submitted = await submit(id, who);
    expect(submitted).toMatchObject({ mcq_score: 5, theory_score: null, total_score: null });

    const graded = await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] },
    });
    expect(graded.status, graded.text).toBe(200);
    expect(graded.json).toMatchObject({ mcq_score: 5, theory_score: 8, total_score: 13, submission_status: "UnderReview" });
    expect(await detail(id, manager)).toMatchObject({ total_score: 13 });
    const pending = await call("GET", `/form-submissions/pending?course_id=${c.course.id}`, { token: manager });
    expect(pending.json.find((s: any) => s.submission_id === id)).toMatchObject({ theory_score: 8, total_score: 13 });
    const mine = await call("GET", `/form-submissions/participant/${who.pid}`, { token: who.participant });
    expect(mine.json.find((s: any) => s.submission_id === id)).toMatchObject({ total_score: 13 });
  });

  it("THEORY answers all left blank: theory_score 0 and total_score = mcq before and after approval", async () => {
    const manager = await managerToken();
    const { who, id } = await submittedAttempt(manager);
    const submitted = await submit(id, who, {
      mcq_answers: [{ question_id: "q1", selected_option_id: "a" }],
      theory_answers: [{ question_id: "q2", answer_text: "   " }],
    });
    expect(submitted).toMatchObject({ mcq_score: 5, theory_score: 0, total_score: 5 });
    const approved = await call("POST", `/form-submissions/${id}/approve`, { token: manager });
    expect(approved.status, approved.text).toBe(200);
    expect(await detail(id, manager)).toMatchObject({ submission_status: "Approved", theory_score: 0, total_score: 5 });
  });
});
