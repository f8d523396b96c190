import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WEBHOOK_EVENT_TYPES } from "../src/domain/vocabulary";
import { call, enrolled, examAnswers, makeMaterial, makeTable, token, twoStepCourse, uniqueName } from "./helpers";

afterEach(() => vi.restoreAllMocks());

const GRADE_KEY = "grade-a";
/** What participant A wrote or was told: none of it may survive their erasure anywhere. */
const A_TEXTS = ["My own words 0", "Early morning 0", "Thoughtful"];

/** Every row of every table, as text (D1's own bookkeeping tables aside). */
async function everyTable(): Promise<Record<string, string[]>> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const all: Record<string, string[]> = {};
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    all[name] = results.map((r) => JSON.stringify(r));
  }
  return all;
}

/** HMAC-SHA256 under "participant-ref:<secret>", as the erasure log line's reference is made. */
async function keyedRef(id: string) {
  const bytes = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    bytes.encode(`participant-ref:${env.JWT_SECRET}`),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes.encode(id)));
  return [...sig]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .slice(0, 16);
}

/**
 * A participant with something of every kind stored: an enrolment, completions, a submitted and graded exam
 * attempt (sent with an Idempotency-Key), and a requirement table with a filled row; and a second participant
 * in the same course, whose data must survive the first one's erasure.
 */
async function twoParticipants() {
  const manager = await token(uniqueName("manager"), "manager");
  // A live subscriber, so the outbox records every event about the participants.
  const hook = await call("POST", "/webhooks", {
    token: manager,
    body: { url: `https://receiver.example/${uniqueName("erasure")}`, events: [...WEBHOOK_EVENT_TYPES] },
  });
  expect(hook.status, hook.text).toBe(201);
  const { course, step1, exam } = await twoStepCourse(manager);
  const table = await makeTable(manager, { step_id: step1.id });
  await makeMaterial(manager, step1.id, {
    material_type: "RequirementTable",
    title: "Tracker",
    content: { requirement_table_id: table.id },
    is_mandatory: false,
  });
  const people = [];
  for (let i = 0; i < 2; i++) {
    const p = await enrolled(manager, course.id);
    expect((await call("POST", `/steps/${step1.id}/materials-complete`, { token: p.participant })).status).toBe(200);
    const start = await call("POST", `/steps/${step1.id}/exam/start`, { token: p.participant });
    expect(start.status).toBe(201);
    const submitted = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, {
      token: p.participant,
      body: examAnswers("a", `My own words ${i}`),
      headers: { "idempotency-key": `submit-${i}` },
    });
    expect(submitted.status).toBe(200);
    const sheet = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: p.participant });
    const row = await call("POST", `/requirement-tables/submissions/${sheet.json.submission_id}/rows`, {
      token: p.participant,
      body: { serial_number: 1, completed: true, completed_value: 16, remarks: `Early morning ${i}` },
    });
    expect(row.status).toBe(200);
    people.push({ ...p, submissionId: start.json.submission_id as string, requirementSubmissionId: sheet.json.submission_id as string });
  }
  // A manager's decision sent with an Idempotency-Key: its stored reply carries the participant's answers and marks.
  const graded = await call("POST", `/form-submissions/${people[0]?.submissionId}/grade`, {
    token: manager,
    body: { theory_grades: [{ question_id: "q2", marks_awarded: 7 }], feedback: "Thoughtful" },
    headers: { "idempotency-key": GRADE_KEY },
  });
  expect(graded.status).toBe(200);
  expect(graded.text).toContain("My own words 0");
  // Both in one cohort, A in a second one too.
  const cohorts = [];
  for (const name of ["Morning", "Evening"]) {
    const cohort = await call("POST", `/courses/${course.id}/cohorts`, { token: manager, body: { name } });
    expect(cohort.status, cohort.text).toBe(201);
    cohorts.push(cohort.json);
  }
  for (const [cohort, p] of [
    [cohorts[0]!, people[0]!],
    [cohorts[0]!, people[1]!],
    [cohorts[1]!, people[0]!],
  ] as const)
    expect((await call("PUT", `/cohorts/${cohort.id}/members/${p.pid}`, { token: manager })).status).toBe(200);
  return { manager, course, step1, exam, table, cohorts, hookId: hook.json.id as string, a: people[0]!, b: people[1]! };
}

describe("data rights: export and erase one participant", () => {
  it("export → erase → export again is empty; the other participant and the review queue stay right", async () => {
    const w = await twoParticipants();
    const exported = await call("GET", `/participants/${w.a.pid}/export`, { token: w.manager });
    expect(exported.status).toBe(200);
    expect(exported.json).toMatchObject({
      participant_id: w.a.pid,
      enrollments: [{ course_id: w.course.id, participant_id: w.a.pid }],
      exam_attempts: [
        {
          id: w.a.submissionId,
          form_id: w.exam.id,
          submission_status: "UnderReview",
          mcq_score: 5,
          theory_score: 7,
          theory_grades: { q2: 7 },
          feedback: "Thoughtful",
        },
      ],
      requirement_submissions: [
        { id: w.a.requirementSubmissionId, rows: [{ serial_number: 1, completed: true, completed_value: 16, remarks: "Early morning 0" }] },
      ],
      files: [],
    });
    expect(exported.json.material_completions.length).toBeGreaterThanOrEqual(1);
    const byCohort = (a: { cohort_id: string }, b: { cohort_id: string }) => a.cohort_id.localeCompare(b.cohort_id);
    expect([...exported.json.cohort_memberships].sort(byCohort)).toEqual(
      w.cohorts
        .map((c) => ({
          cohort_id: c.id,
          course_id: w.course.id,
          cohort_name: c.name,
          added_by: expect.any(String),
          added_at: expect.any(String),
        }))
        .sort(byCohort),
    );
    expect(JSON.stringify(exported.json.exam_attempts[0])).toContain("My own words 0");
    expect(exported.text).not.toContain(w.b.pid);

    const queueBefore = await call("GET", `/form-submissions/pending?course_id=${w.course.id}`, { token: w.manager });
    expect(queueBefore.json.map((s) => s.participant_id).sort()).toEqual([w.a.pid, w.b.pid].sort());

    // The outbox holds events about A (enrolment, submit, grade), one of them still being delivered.
    const outbox = await env.DB.prepare("SELECT id FROM webhook_events WHERE json_extract(data, '$.participant_id') = ?")
      .bind(w.a.pid)
      .all<{ id: string }>();
    expect(outbox.results.length).toBeGreaterThanOrEqual(3);
    const pendingDelivery = [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const at = new Date().toISOString();
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, last_error, next_retry_at, created_at, updated_at) VALUES (?, ?, ?, 'submission.graded', 'pending', 1, NULL, ?, ?, ?)",
    )
      .bind(pendingDelivery, w.hookId, outbox.results[0]!.id, at, at, at)
      .run();
    const before = await everyTable();
    expect(before.idempotency_keys!.filter((r) => r.includes(w.a.pid)).length).toBe(2); // A's submit, the manager's grade

    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const erased = await call("DELETE", `/participants/${w.a.pid}`, { token: w.manager });
    vi.restoreAllMocks();
    expect(erased.status).toBe(200);
    expect(erased.json).toMatchObject({
      participant_id: w.a.pid,
      erased: {
        enrollments: 1,
        material_completions: exported.json.material_completions.length,
        exam_attempts: 1,
        requirement_submissions: 1,
        requirement_rows: 1,
        idempotency_keys: 2,
        cohort_memberships: 2,
        webhook_events: outbox.results.length,
      },
    });
    // The decision is logged: who, when, how much — and the participant only as a keyed digest, which someone
    // holding a candidate id but not the secret cannot recompute.
    const decision = lines.map((l) => JSON.parse(l)).find((l) => l.event === "participant_erased");
    expect(decision).toMatchObject({ request_id: erased.headers.get("x-request-id"), participant_ref: await keyedRef(w.a.pid) });
    const plain = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(w.a.pid)));
    expect(decision.participant_ref).not.toBe(
      [...plain]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("")
        .slice(0, 16),
    );
    expect(JSON.stringify(decision)).not.toContain(w.a.pid);

    // Nothing anywhere still holds A's id or what A wrote or was told — every table, every stored reply, the
    // outbox — but the audit log, which names A only as the entity of the events recorded about them.
    const remaining = await everyTable();
    for (const [table, rows] of Object.entries(remaining)) {
      for (const row of rows) {
        for (const text of A_TEXTS) expect(row, `${table} still holds "${text}"`).not.toContain(text);
        if (table === "audit_events") {
          if (row.includes(w.a.pid)) expect(JSON.parse(row)).toMatchObject({ entity_type: "participant", entity_id: w.a.pid });
        } else expect(row, `${table} still holds the erased participant's id`).not.toContain(w.a.pid);
      }
    }
    // B's rows are all still there.
    for (const table of [
      "enrollments",
      "form_submissions",
      "requirement_submissions",
      "idempotency_keys",
      "webhook_events",
      "cohort_members",
    ])
      expect(remaining[table]!.filter((r) => r.includes(w.b.pid)).length, table).toBe(
        before[table]!.filter((r) => r.includes(w.b.pid)).length,
      );
    // The delivery that was under way ends; deliveries themselves (the record) stay.
    const delivery = await env.DB.prepare("SELECT status, last_error, next_retry_at FROM webhook_deliveries WHERE id = ?")
      .bind(pendingDelivery)
      .first();
    expect(delivery).toEqual({ status: "failed", last_error: "participant_erased", next_retry_at: null });
    // And managers read it as that word of the deliveries' vocabulary, not as a network failure.
    const deliveries = await call("GET", `/webhooks/${w.hookId}/deliveries`, { token: w.manager });
    expect(deliveries.json.find((d: { id: string }) => d.id === pendingDelivery)).toMatchObject({
      status: "failed",
      last_error: "participant_erased",
    });

    // The manager's stored grade reply is gone: the same key runs again, and finds nothing to grade.
    const regrade = await call("POST", `/form-submissions/${w.a.submissionId}/grade`, {
      token: w.manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 7 }], feedback: "Thoughtful" },
      headers: { "idempotency-key": GRADE_KEY },
    });
    expect(regrade.headers.get("idempotent-replayed")).toBeNull();
    expect(regrade.status).toBe(404);
    expect(regrade.text).not.toContain("My own words 0");

    const after = await call("GET", `/participants/${w.a.pid}/export`, { token: w.manager });
    expect(after.json).toMatchObject({
      enrollments: [],
      material_completions: [],
      exam_attempts: [],
      requirement_submissions: [],
      files: [],
      cohort_memberships: [],
    });
    expect((await call("GET", `/cohorts/${w.cohorts[0]!.id}/members`, { token: w.manager })).json.map((m) => m.participant_id)).toEqual([
      w.b.pid,
    ]);
    // Erasing again removes nothing and says so.
    const again = await call("DELETE", `/participants/${w.a.pid}`, { token: w.manager });
    expect(again.status).toBe(200);
    expect(Object.values(again.json.erased).every((n) => n === 0)).toBe(true);

    // What is shown from what remains is right: the queue, the other participant's data, their progress.
    const queueAfter = await call("GET", `/form-submissions/pending?course_id=${w.course.id}`, { token: w.manager });
    expect(queueAfter.json.map((s) => s.participant_id)).toEqual([w.b.pid]);
    const others = await call("GET", `/participants/${w.b.pid}/export`, { token: w.manager });
    expect(others.json.exam_attempts).toHaveLength(1);
    expect(others.json.requirement_submissions[0]?.rows).toHaveLength(1);
    const progress = await call("GET", `/participants/me/progress/${w.course.id}`, { token: w.b.participant });
    expect(progress.status).toBe(200);
    expect((await call("GET", `/form-submissions/${w.b.submissionId}`, { token: w.manager })).status).toBe(200);

    // The erased participant's stored submit reply is gone too: the same key is not replayed.
    const replay = await call("POST", `/forms/submissions/${w.a.submissionId}/submit`, {
      token: w.a.participant,
      body: examAnswers("a", "My own words 0"),
      headers: { "idempotency-key": "submit-0" },
    });
    expect(replay.headers.get("idempotent-replayed")).toBeNull();
    expect(replay.status).toBe(404);
    // Their progress is as if they never started.
    expect((await call("GET", `/participants/me/progress/${w.course.id}`, { token: w.a.participant })).status).toBe(404);
  });

  it("finds what it erases along indexes, not by reading every stored reply or outbox row", async () => {
    for (const [sql, index] of [
      ["DELETE FROM webhook_events WHERE json_extract(data, '$.participant_id') = 'p'", "webhook_events_participant"],
      ["DELETE FROM idempotency_keys WHERE caller_id = 'participant:p' OR subject_id = 'p'", "idempotency_keys_subject"],
    ]) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).all<{ detail: string }>();
      expect(results.map((r) => r.detail).join("; ")).toContain(index);
    }
  });

  it("is for managers only, and a participant cannot export even their own data through it", async () => {
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant");
    for (const [method, path] of [
      ["GET", `/participants/${pid}/export`],
      ["DELETE", `/participants/${pid}`],
    ] as const) {
      const res = await call(method, path, { token: participant });
      expect(res.status).toBe(403);
      expect(res.json.code).toBe("manager_only");
    }
  });

  it("a participant with nothing stored exports empty and erases nothing (ids are token subjects, not records)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const nobody = uniqueName("nobody");
    const exported = await call("GET", `/participants/${nobody}/export`, { token: manager });
    expect(exported.status).toBe(200);
    expect(exported.json.exam_attempts).toEqual([]);
    const erased = await call("DELETE", `/participants/${nobody}`, { token: manager });
    expect(erased.json.erased.enrollments).toBe(0);
    expect((await call("GET", `/participants/${"x".repeat(201)}/export`, { token: manager })).status).toBe(400);
  });
});

describe("the document says what the server does for an id with nothing stored", () => {
  it("export, erase and the accommodations read answer 200 for any id, and do not declare a 404 they never send", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const nobody = uniqueName("nobody");
    const doc = (await call("GET", "/openapi.json")).json as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [method, template, path] of [
      ["get", "/participants/{participant_id}/export", `/participants/${nobody}/export`],
      ["delete", "/participants/{participant_id}", `/participants/${nobody}`],
      ["get", "/participants/{participant_id}/accommodations", `/participants/${nobody}/accommodations`],
    ] as const) {
      expect((await call(method.toUpperCase(), path, { token: manager })).status, path).toBe(200);
      expect(Object.keys(doc.paths[template]?.[method]?.responses ?? {}), template).not.toContain("404");
    }
  });
});
