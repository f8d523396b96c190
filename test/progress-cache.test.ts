/**
 * The per-isolate course-structure cache and the D1 cost of the hot participant paths. Requests go through
 * the app with D1_STATS on, so each response reports its own round trips and rows read (D1's own meta).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { structureCacheStats } from "../src/progress";
import { clearStructureCache, MAX_BYTES, remember } from "../src/progress/structure-cache";
import { call, makeCourse, makeForm, makeMaterial, makeStep, makeTable, token, uniqueName } from "./helpers";

const app = createApp();

async function measured(method: string, path: string, bearer: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`http://api.test${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    { ...env, D1_STATS: "true" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  const stats = Object.fromEntries(
    (res.headers.get("x-d1-stats") ?? "")
      .split(";")
      .map((kv) => kv.trim().split("=") as [string, string])
      .map(([k, v]) => [k, Number(v)]),
  ) as { calls: number; rows_read: number };
  return { status: res.status, json: text ? JSON.parse(text) : null, text, ...stats };
}

/** A 20-step × 5-material course with an exam on the first step, and a newly enrolled participant. */
async function bigCourse() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const steps = [];
  for (let i = 0; i < 20; i++) {
    const step = await makeStep(manager, course.id);
    for (let m = 0; m < 5; m++) await makeMaterial(manager, step.id);
    steps.push(step);
  }
  const form = await makeForm(manager, { step_id: steps[0]!.id });
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant");
  expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager })).status).toBe(200);
  return { manager, course, steps, form, pid, participant };
}

describe("course structure cache", () => {
  it("a manager's edit is seen by the next request from the same isolate, whatever it changed", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id, { name: "Before" });
    await makeMaterial(manager, step.id);
    const form = await makeForm(manager, { step_id: step.id, name: "Exam before" });
    const table = await makeTable(manager, { step_id: step.id });
    await makeMaterial(manager, step.id, {
      material_type: "RequirementTable",
      title: "Tracker",
      content: { requirement_table_id: table.id },
    });
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant");
    await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
    const view = async () => (await call("GET", `/participants/me/progress/${course.id}`, { token: participant })).json;

    const first = await view();
    const hitsBefore = structureCacheStats().hits;
    expect(await view()).toEqual(first);
    expect(structureCacheStats().hits).toBeGreaterThan(hitsBefore);

    await call("PUT", `/steps/${step.id}`, { token: manager, body: { name: "After" } });
    expect((await view()).steps[0]?.name).toBe("After");
    await makeMaterial(manager, step.id);
    expect((await view()).steps[0]?.material_count).toBe(3);
    await call("PUT", `/forms/${form.id}`, { token: manager, body: { name: "Exam after" } });
    expect((await view()).steps[0]?.exam_info?.name).toBe("Exam after");
    await call("PUT", `/requirement-tables/${table.id}`, {
      token: manager,
      body: { requirements: [1, 2, 3].map((serial_number) => ({ serial_number, activity: "x", target: 1, unit: "u" })) },
    });
    const mine = await call("GET", "/participants/me/courses", { token: participant });
    expect(mine.json.find((c: any) => c.course_id === course.id)?.requirement_status?.total).toBe(3);
    await call("PUT", `/courses/${course.id}`, { token: manager, body: { name: "Renamed" } });
    expect((await view()).course.name).toBe("Renamed");
    await call("PUT", `/courses/${course.id}`, { token: manager, body: { is_active: false } });
    expect((await call("GET", `/participants/me/progress/${course.id}`, { token: participant })).status).toBe(404);
  });

  it("is bounded by bytes and lets the least recently used go first", () => {
    clearStructureCache();
    const big = (id: string) => ({
      course: { id, structure_version: 1 } as never,
      steps: [],
      materials: [{ description: "x".repeat(200_000) }] as never,
      exams: [],
      tables: [],
    });
    for (let i = 0; i < 40; i++) remember(`c${i}`, 1, big(`c${i}`));
    const stats = structureCacheStats();
    expect(stats.bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(stats.entries).toBeLessThan(40);
    expect(stats.evictions).toBeGreaterThan(0);
  });
});

describe("D1 cost of the hot participant paths (warm isolate, 20 steps × 5 materials, newly enrolled)", () => {
  it("views: 1 round trip and at most 60 rows read; writes: at most 2 round trips", async () => {
    const w = await bigCourse();
    const reads = [
      `/participants/me/courses`,
      `/participants/me/progress/${w.course.id}`,
      `/participants/me/step/${w.steps[3]!.id}/progress`,
      `/steps/${w.steps[3]!.id}?participant_id=${w.pid}`,
      `/courses/${w.course.id}`,
    ];
    await measured("GET", reads[1]!, w.participant); // warms the structure cache
    const figures: string[] = [];
    for (const path of reads) {
      const res = await measured("GET", path, w.participant);
      expect(res.status, res.text).toBe(200);
      figures.push(`${path}: calls=${res.calls} rows_read=${res.rows_read}`);
      expect(res.calls, path).toBe(1);
      expect(res.rows_read, path).toBeLessThanOrEqual(60);
    }
    const material = (await call("GET", `/steps/${w.steps[0]!.id}`, { token: w.manager })).json.materials;
    const complete = await measured("POST", `/materials/${material[0]?.id}/complete`, w.participant);
    expect(complete.status, complete.text).toBe(200);
    expect(complete.calls).toBeLessThanOrEqual(2);
    const all = await measured("POST", `/steps/${w.steps[0]!.id}/materials-complete`, w.participant);
    expect(all.status, all.text).toBe(200);
    expect(all.calls).toBeLessThanOrEqual(2);
    const start = await measured("POST", `/steps/${w.steps[0]!.id}/exam/start`, w.participant);
    expect(start.status, start.text).toBe(201);
    expect(start.calls).toBeLessThanOrEqual(2);
    figures.push(`complete calls=${complete.calls}, materials-complete calls=${all.calls}, exam start calls=${start.calls}`);
    console.log(figures.join("\n"));
  });

  it("approve: 2 round trips", async () => {
    const w = await bigCourse();
    const materials = (await call("GET", `/steps/${w.steps[0]!.id}`, { token: w.manager })).json.materials;
    for (const m of materials) await call("POST", `/materials/${m.id}/complete`, { token: w.participant });
    const start = await call("POST", `/steps/${w.steps[0]!.id}/exam/start`, { token: w.participant });
    const id = start.json.submission_id;
    await call("POST", `/forms/submissions/${id}/submit`, {
      token: w.participant,
      body: { mcq_answers: [{ question_id: "q1", selected_option_id: "a" }], theory_answers: [{ question_id: "q2", answer_text: "x" }] },
    });
    await call("POST", `/form-submissions/${id}/grade`, {
      token: w.manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 5 }] },
    });
    await measured("GET", `/participants/me/progress/${w.course.id}`, w.participant);
    const approved = await measured("POST", `/form-submissions/${id}/approve`, w.manager);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.calls).toBe(2);
  });
});
