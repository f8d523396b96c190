import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { callerKey } from "../src/env";
import { setD1FaultInjector } from "../src/lib/d1";
import { sha256Hex } from "../src/lib/hash";
import { call, makeCourse, makeForm, makeMaterial, makeStep, token, uniqueName } from "./helpers";

afterEach(() => setD1FaultInjector(null));

async function submittedAttempt() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const video = await makeMaterial(manager, step.id);
  await makeForm(manager, { step_id: step.id });
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant");
  await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
  await call("POST", `/materials/${video.id}/complete`, { token: participant });
  const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
  return { manager, participant, pid, course, step, id: start.json.submission_id as string };
}

const answers = {
  mcq_answers: [{ question_id: "q1", selected_option_id: "a" }],
  theory_answers: [{ question_id: "q2", answer_text: "x" }],
};

describe("D1 faults", () => {
  it.each([
    "D1_ERROR: Network connection lost.",
    "D1_ERROR: connection reset by peer",
    "D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node",
  ])("retries a read on %s and succeeds", async (message) => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    let failures = 0;
    setD1FaultInjector((sql, attempt) =>
      sql.includes('from "courses"') && attempt < 2 && failures < 2 ? (failures++, new Error(message)) : null,
    );
    const res = await call("GET", `/courses/${course.id}`, { token: manager });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(course.id);
    expect(failures).toBe(2);
  });

  it("gives up after its retries with a 500 that carries no SQL", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    setD1FaultInjector(() => new Error("D1_ERROR: Network connection lost. SELECT * FROM courses"));
    const res = await call("GET", "/courses", { token: manager });
    expect(res.status).toBe(500);
    expect(res.text).not.toMatch(/SELECT|courses|D1_ERROR/);
    expect(res.json.detail).toBeTruthy();
  });

  it("never retries a plain INSERT of a new row (it may have landed)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    let attempts = 0;
    setD1FaultInjector((sql) =>
      sql.startsWith('insert into "courses"') ? (attempts++, new Error("D1_ERROR: Network connection lost.")) : null,
    );
    const res = await call("POST", "/courses", { token: manager, body: { name: uniqueName("c") } });
    expect(res.status).toBe(500);
    expect(attempts).toBe(1);
  });

  it("overloaded → 503 with Retry-After", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    setD1FaultInjector(() => new Error("D1_ERROR: D1 DB is overloaded. Too many requests queued."));
    const res = await call("GET", "/courses", { token: manager });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.json.code).toBe("database_overloaded");
  });
});

describe("Idempotency-Key", () => {
  it("a replayed submit returns the first response; the same key with another body → 422", async () => {
    const { participant, id } = await submittedAttempt();
    const headers = { "idempotency-key": `submit-${id}` };
    const first = await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers, headers });
    expect(first.status).toBe(200);
    const replay = await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers, headers });
    expect(replay.status).toBe(200);
    expect(replay.json).toEqual(first.json);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const other = await call("POST", `/forms/submissions/${id}/submit`, {
      token: participant,
      body: { ...answers, mcq_answers: [{ question_id: "q1", selected_option_id: "b" }] },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.json.code).toBe("idempotency_key_reused");
    // without a key the second submit is the ordinary conflict
    expect((await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers })).status).toBe(409);
  });

  it("review decisions replay too, and keys are per caller", async () => {
    const { manager, participant, id } = await submittedAttempt();
    await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers });
    const headers = { "idempotency-key": "reject-1" };
    const first = await call("POST", `/form-submissions/${id}/reject`, { token: manager, body: { feedback: "again" }, headers });
    expect(first.status).toBe(200);
    const replay = await call("POST", `/form-submissions/${id}/reject`, { token: manager, body: { feedback: "again" }, headers });
    expect(replay.status).toBe(200);
    expect(replay.json).toEqual(first.json);
    const otherManager = await token(uniqueName("manager"), "manager");
    const theirs = await call("POST", `/form-submissions/${id}/reject`, { token: otherManager, body: { feedback: "again" }, headers });
    expect(theirs.status).toBe(409);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'reject-1'").first<{ n: number }>();
    expect(rows?.n).toBeGreaterThanOrEqual(2);
  });

  it("keys are scoped to (sub, role) and replay only after the route's role check: a participant whose sub is a manager's gets 403, not the manager's grade", async () => {
    const { manager, participant, id } = await submittedAttempt();
    await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers });
    const managerSub = uniqueName("manager");
    const reviewer = await token(managerSub, "manager");
    const headers = { "idempotency-key": "grade-shared-sub" };
    const body = { theory_grades: [{ question_id: "q2", marks_awarded: 3 }] };
    const graded = await call("POST", `/form-submissions/${id}/grade`, { token: reviewer, body, headers });
    expect(graded.status, graded.text).toBe(200);
    expect(graded.text).toContain("is_correct");

    const impostor = await token(managerSub, "participant");
    const replayed = await call("POST", `/form-submissions/${id}/grade`, { token: impostor, body, headers });
    expect(replayed.status).toBe(403);
    expect(replayed.headers.get("idempotent-replayed")).toBeNull();
    expect(replayed.text).not.toContain("is_correct");
    void manager;
  });

  it("a manager_id that is not the caller is refused on a replay too (the query is part of the request)", async () => {
    const { manager, participant, id } = await submittedAttempt();
    await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers });
    const headers = { "idempotency-key": "reject-query" };
    const first = await call("POST", `/form-submissions/${id}/reject`, { token: manager, body: {}, headers });
    expect(first.status).toBe(200);
    const withOther = await call("POST", `/form-submissions/${id}/reject?manager_id=someone-else`, { token: manager, body: {}, headers });
    expect(withOther.status).not.toBe(200);
  });

  it("while the first request with a key is still running, the same request again → 409 idempotency_in_progress, and nothing runs twice", async () => {
    const { participant, pid, id } = await submittedAttempt();
    const key = `in-flight-${id}`;
    // The first request's claim, as its conditional INSERT leaves it until its answer is stored (status NULL).
    const scope = `POST /forms/submissions/${id}/submit`;
    await env.DB.prepare("INSERT INTO idempotency_keys (caller_id, key, scope, request_hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(
        callerKey({ role: "participant", id: pid }),
        key,
        scope,
        await sha256Hex(`${scope}\n${JSON.stringify(answers)}`),
        new Date().toISOString(),
      )
      .run();
    const second = await call("POST", `/forms/submissions/${id}/submit`, {
      token: participant,
      body: answers,
      headers: { "idempotency-key": key },
    });
    expect(second.status, second.text).toBe(409);
    expect(second.json.code).toBe("idempotency_in_progress");
    const attempt = await env.DB.prepare("SELECT submission_status FROM form_submissions WHERE id = ?")
      .bind(id)
      .first<{ submission_status: string }>();
    expect(attempt?.submission_status).toBe("InProgress");
  });

  it("a key that is not visible ASCII → 400", async () => {
    const { participant, id } = await submittedAttempt();
    const res = await call("POST", `/forms/submissions/${id}/submit`, {
      token: participant,
      body: answers,
      headers: { "idempotency-key": "a b" },
    });
    expect(res.status).toBe(400);
  });
});

describe("limits", () => {
  it("a JSON body over 1 MB → 413, also when sent chunked without Content-Length", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const big = JSON.stringify({ name: "x", description: "d".repeat(1_100_000) });
    const sized = await call("POST", "/courses", { token: manager, rawBody: big, headers: { "content-type": "application/json" } });
    expect(sized.status).toBe(413);
    expect(sized.json.code).toBe("body_too_large");
    const bytes = new TextEncoder().encode(big);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await call("POST", "/courses", { token: manager, rawBody: chunked, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
  });

  it("a 200-question form works end to end (no statement binds more than 100 parameters)", { timeout: 30_000 }, async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const questions = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? {
            question_id: `q${i}`,
            question_type: "MCQ",
            question_text: `Q${i}`,
            marks: 1,
            options: [
              { option_id: "a", text: "A", is_correct: true },
              { option_id: "b", text: "B" },
            ],
          }
        : { question_id: `q${i}`, question_type: "THEORY", question_text: `Q${i}`, marks: 1 },
    );
    const form = await makeForm(manager, { step_id: step.id, questions });
    expect(form.questions).toHaveLength(200);
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant");
    await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
    const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
    expect(start.status).toBe(201);
    const body = {
      mcq_answers: questions.filter((_, i) => i % 2 === 0).map((q) => ({ question_id: q.question_id, selected_option_id: "a" })),
      theory_answers: questions.filter((_, i) => i % 2 === 1).map((q) => ({ question_id: q.question_id, answer_text: "ok" })),
    };
    const submit = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, { token: participant, body });
    expect(submit.status).toBe(200);
    expect(submit.json.mcq_score).toBe(100);
    const grade = await call("POST", `/form-submissions/${start.json.submission_id}/grade`, {
      token: manager,
      body: { theory_grades: body.theory_answers.map((a) => ({ question_id: a.question_id, marks_awarded: 1 })) },
    });
    expect(grade.status).toBe(200);
    const approve = await call("POST", `/form-submissions/${start.json.submission_id}/approve`, { token: manager, body: {} });
    expect(approve.status).toBe(200);
  });

  it("client-sent timestamps are refused, never used", async () => {
    const { participant, id } = await submittedAttempt();
    const res = await call("POST", `/forms/submissions/${id}/submit`, {
      token: participant,
      body: { ...answers, submitted_at: "2000-01-01T00:00:00Z" },
    });
    expect(res.status).toBe(400);
    const ok = await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers });
    expect(Date.parse(ok.json.submitted_at)).toBeGreaterThan(Date.parse("2020-01-01T00:00:00Z"));
  });
});

describe("D1 sessions", () => {
  it("a write returns a bookmark; a read sent with it sees the write", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const created = await call("POST", "/courses", { token: manager, body: { name: uniqueName("c") } });
    const bookmark = created.headers.get("x-d1-bookmark");
    expect(bookmark).toMatch(/^[A-Za-z0-9-]+$/);
    const read = await call("GET", `/courses/${created.json.id}`, { token: manager, headers: { "x-d1-bookmark": bookmark! } });
    expect(read.status).toBe(200);
    expect(read.json.name).toBe(created.json.name);
    expect(read.headers.get("x-d1-bookmark")! >= bookmark!).toBe(true);
  });

  it("a malformed bookmark → 400", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const res = await call("GET", "/courses", { token: manager, headers: { "x-d1-bookmark": "not a bookmark!" } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_bookmark");
  });

  it("an empty bookmark is no bookmark yet (a client's first request), not a malformed one", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const res = await call("GET", "/courses", { token: manager, headers: { "x-d1-bookmark": "" } });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("x-d1-bookmark")).toBeTruthy();
  });
});

describe("review follow-ups", () => {
  it("writes whose RETURNING decides the answer are never retried", async () => {
    const { isSafeToRepeat } = await import("../src/lib/d1");
    expect(isSafeToRepeat('select "id" from "courses"')).toBe(true);
    expect(isSafeToRepeat("WITH x AS (SELECT 1) SELECT * FROM x")).toBe(true);
    expect(isSafeToRepeat("WITH x AS (SELECT ? AS id) INSERT INTO courses (id) SELECT id FROM x")).toBe(false);
    expect(isSafeToRepeat("with x as (select 1) delete from courses where id in x")).toBe(false);
    expect(isSafeToRepeat('update "form_submissions" set "x" = ? where "id" = ?')).toBe(true);
    expect(isSafeToRepeat('update "form_submissions" set "x" = ? where "id" = ? returning "id"')).toBe(false);
    expect(isSafeToRepeat('insert into "idempotency_keys" ("key") values (?) on conflict do nothing returning "key"')).toBe(false);
    expect(isSafeToRepeat('insert into "material_completions" ("a") values (?) on conflict do nothing')).toBe(true);
    expect(isSafeToRepeat('insert into "courses" ("id") values (?)')).toBe(false);
  });

  it("signed links refuse a missing secret and an expiry beyond 15 minutes", async () => {
    const { signLink, verifyLink } = await import("../src/lib/signed-links");
    const caller = { id: "u", role: "participant" as const };
    const now = new Date();
    await expect(signLink("m", caller, Math.floor(now.getTime() / 1000) + 60, "")).rejects.toThrow(/JWT_SECRET/);
    const forever = await signLink("m", caller, Math.floor(now.getTime() / 1000) + 86_400, "s3cret");
    expect(await verifyLink(forever, "m", "s3cret", now)).toBe("link lives too long");
    const fine = await signLink("m", caller, Math.floor(now.getTime() / 1000) + 600, "s3cret");
    expect(await verifyLink(fine, "m", "s3cret", now)).toEqual(caller);
  });
});

describe("approving an exam with a blank THEORY answer", () => {
  it("needs no grade for the blank answer (it scores 0)", async () => {
    const { manager, participant, id } = await submittedAttempt();
    await call("POST", `/forms/submissions/${id}/submit`, {
      token: participant,
      body: { mcq_answers: [{ question_id: "q1", selected_option_id: "a" }], theory_answers: [] },
    });
    const res = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} });
    expect(res.status).toBe(200);
    const detail = await call("GET", `/form-submissions/${id}`, { token: manager });
    expect(detail.json).toMatchObject({ submission_status: "Approved", mcq_score: 5, total_score: 5 });
  });
});

describe("approve and the next course", () => {
  it("reports next_course_id only when the participant was really enrolled there", async () => {
    const { manager, participant, pid, course, id } = await submittedAttempt();
    const inactive = await makeCourse(manager, { is_active: false });
    await call("PUT", `/courses/${course.id}`, { token: manager, body: { next_course_id: inactive.id } });
    await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers });
    await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 5 }] },
    });
    const res = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: { unlock_next_course: true } });
    expect(res.status).toBe(200);
    expect(res.json.next_course_id).toBeNull();
    const row = await env.DB.prepare("SELECT 1 FROM enrollments WHERE participant_id = ? AND course_id = ?").bind(pid, inactive.id).first();
    expect(row).toBeNull();
  });
});
