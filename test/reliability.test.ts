import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setD1FaultInjector } from "../src/lib/d1";
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

const answers = { mcq_answers: [{ question_id: "q1", selected_option_id: "a" }], theory_answers: [{ question_id: "q2", answer_text: "x" }] };

describe("D1 faults", () => {
  it.each(["D1_ERROR: Network connection lost.", "D1_ERROR: connection reset by peer", "D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node"])(
    "retries a read on %s and succeeds",
    async (message) => {
      const manager = await token(uniqueName("manager"), "manager");
      const course = await makeCourse(manager);
      let failures = 0;
      setD1FaultInjector((sql, attempt) => (sql.includes("from \"courses\"") && attempt < 2 ? (failures++, new Error(message)) : null));
      const res = await call("GET", `/courses/${course.id}`, { token: manager });
      expect(res.status).toBe(200);
      expect(res.json.id).toBe(course.id);
      expect(failures).toBe(2);
    },
  );

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
    setD1FaultInjector((sql) => (sql.startsWith("insert into \"courses\"") ? (attempts++, new Error("D1_ERROR: Network connection lost.")) : null));
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

  it("a key that is not visible ASCII → 400", async () => {
    const { participant, id } = await submittedAttempt();
    const res = await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers, headers: { "idempotency-key": "a b" } });
    expect(res.status).toBe(400);
  });
});
