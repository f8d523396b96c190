import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { actors, call, makeCourse, makeForm, makeMaterial, makeStep, makeTable, touch } from "./helpers";

describe("steps", () => {
  it("creates a step (201) with the spec's fields and defaults", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager);
    const first = await makeStep(manager, course.id);
    const res = await call("POST", "/steps", {
      token: manager,
      body: {
        course_id: course.id,
        name: "Step 2",
        description: "Deeper",
        order_index: 1,
        previous_step_id: first.id,
        unlock_on_exam_pass: false,
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      course_id: course.id,
      name: "Step 2",
      description: "Deeper",
      order_index: 1,
      previous_step_id: first.id,
      unlock_on_exam_pass: false,
      exam_id: null,
    });
    expect(first.unlock_on_exam_pass).toBe(true);
  });

  it("refuses an unknown course, a previous step of another course, and a loop", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager);
    const other = await makeCourse(manager);
    const foreign = await makeStep(manager, other.id);
    const unknown = await call("POST", "/steps", { token: manager, body: { course_id: "507f1f77bcf86cd799439011", name: "x" } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("course_not_found");
    const wrongPrev = await call("POST", "/steps", {
      token: manager,
      body: { course_id: course.id, name: "x", previous_step_id: foreign.id },
    });
    expect(wrongPrev.status).toBe(400);
    const a = await makeStep(manager, course.id);
    const b = await makeStep(manager, course.id, { previous_step_id: a.id });
    const loop = await call("PUT", `/steps/${a.id}`, { token: manager, body: { previous_step_id: b.id } });
    expect(loop.status).toBe(409);
    expect(loop.json.code).toBe("step_cycle");
    const self = await call("PUT", `/steps/${a.id}`, { token: manager, body: { previous_step_id: a.id } });
    expect(self.status).toBe(409);
  });

  it("PUT updates only the fields given", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id, { description: "keep" });
    const res = await call("PUT", `/steps/${step.id}`, { token: manager, body: { name: "Renamed", unlock_on_exam_pass: false } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: "Renamed", description: "keep", unlock_on_exam_pass: false, order_index: step.order_index });
    expect((await call("PUT", `/steps/${step.id}`, { token: manager, body: { course_id: course.id } })).status).toBe(400);
  });

  it("GET /steps/{id} shows the exam summary and ordered materials; participants see no answers", async () => {
    const { manager, participant } = await actors();
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const form = await makeForm(manager, { step_id: step.id, name: "Step 1 Exam", passing_marks: 9 });
    const m2 = await makeMaterial(manager, step.id, { order_index: 2 });
    const m1 = await makeMaterial(manager, step.id, {
      order_index: 1,
      material_type: "BookLink",
      content: { url: "https://b.example/x", title: "Gita" },
    });
    for (const who of [manager, participant]) {
      const res = await call("GET", `/steps/${step.id}`, { token: who });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        id: step.id,
        course_id: course.id,
        has_exam: true,
        exam_id: form.id,
        // the first step is not gated; a participant who has not enrolled sees it locked
        is_locked: who === participant,
        exam_info: { id: form.id, name: "Step 1 Exam", duration_minutes: 30, total_marks: 15, passing_marks: 9 },
      });
      expect(res.json.materials.map((m: any) => m.id)).toEqual([m1.id, m2.id]);
      expect(res.json.materials[0]?.content).toEqual({ url: "https://b.example/x", title: "Gita" });
      expect(res.text).not.toContain("is_correct");
    }
  });

  it("links an exam with PUT /steps/{id}/exam?form_id= (one exam per step, one step per exam)", async () => {
    const { manager, participant } = await actors();
    const course = await makeCourse(manager);
    const s1 = await makeStep(manager, course.id);
    const s2 = await makeStep(manager, course.id);
    const form = await makeForm(manager);
    const res = await call("PUT", `/steps/${s1.id}/exam?form_id=${form.id}`, { token: manager });
    expect(res.status).toBe(200);
    expect(res.json.exam_id).toBe(form.id);
    // Linking it to another step moves it: s1 no longer has that exam.
    await call("PUT", `/steps/${s2.id}/exam?form_id=${form.id}`, { token: manager });
    expect((await call("GET", `/steps/${s1.id}`, { token: manager })).json.exam_id).toBeNull();
    expect((await call("GET", `/forms/${form.id}`, { token: manager })).json.step_id).toBe(s2.id);
    expect((await call("PUT", `/steps/${s1.id}/exam?form_id=507f1f77bcf86cd799439011`, { token: manager })).status).toBe(404);
    expect((await call("PUT", `/steps/${s1.id}/exam`, { token: manager })).status).toBe(400);
    expect((await call("PUT", `/steps/${s1.id}/exam?form_id=${form.id}`, { token: participant })).status).toBe(403);
  });

  it("participants cannot write steps; an inactive course hides its steps from them", async () => {
    const { manager, participant } = await actors();
    const course = await makeCourse(manager, { is_active: false });
    const step = await makeStep(manager, course.id);
    expect((await call("POST", "/steps", { token: participant, body: { course_id: course.id, name: "x" } })).status).toBe(403);
    expect((await call("PUT", `/steps/${step.id}`, { token: participant, body: { name: "x" } })).status).toBe(403);
    expect((await call("DELETE", `/steps/${step.id}`, { token: participant })).status).toBe(403);
    expect((await call("GET", `/steps/${step.id}`, { token: participant })).status).toBe(404);
    expect((await call("GET", `/steps/${step.id}`, { token: manager })).status).toBe(200);
  });

  it("a participant may not ask for another participant's view", async () => {
    const { manager, participant } = await actors();
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const res = await call("GET", `/steps/${step.id}?participant_id=someone-else`, { token: participant });
    expect(res.status).toBe(403);
    expect((await call("GET", `/steps/${step.id}?participant_id=someone-else`, { token: manager })).status).toBe(200);
  });

  it("DELETE archives the step with its materials and re-threads the unlock chain", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager);
    const a = await makeStep(manager, course.id);
    const b = await makeStep(manager, course.id, { previous_step_id: a.id });
    const c = await makeStep(manager, course.id, { previous_step_id: b.id });
    await call("PUT", `/courses/${course.id}`, { token: manager, body: { default_step_id: b.id } });
    const material = await makeMaterial(manager, b.id);
    await touch("completion", { participant_id: "p-step", material_id: material.id, step_id: b.id });
    expect((await call("DELETE", `/steps/${b.id}`, { token: manager })).status).toBe(204);
    expect((await call("GET", `/steps/${b.id}`, { token: manager })).status).toBe(404);
    const courseView = await call("GET", `/courses/${course.id}`, { token: manager });
    expect(courseView.json.steps.map((s: any) => s.id)).toEqual([a.id, c.id]);
    expect(courseView.json.default_step_id).toBeNull();
    expect((await call("GET", `/steps/${c.id}`, { token: manager })).json.previous_step_id).toBe(a.id);
    const kept = await env.DB.prepare("SELECT archived_at FROM materials WHERE id = ?").bind(material.id).first<{ archived_at: string }>();
    expect(kept?.archived_at).toBeTruthy();
    expect((await call("DELETE", `/steps/${b.id}`, { token: manager })).status).toBe(404);
  });
});

describe("materials", () => {
  it.each([
    ["Video", { url: "https://youtube.com/watch?v=x" }],
    ["Document", { url: "https://example.com/a.pdf" }],
    ["Audio", { url: "http://example.com/a.mp3" }],
    ["BookLink", { url: "https://example.com/book", title: "Book Name" }],
  ])("creates a %s material (201)", async (material_type, content) => {
    const { manager } = await actors();
    const step = await makeStep(manager, (await makeCourse(manager)).id);
    const res = await call("POST", `/steps/${step.id}/materials`, {
      token: manager,
      body: { material_type, title: "Intro", description: "Watch first", content, order_index: 0, is_mandatory: true },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ step_id: step.id, material_type, title: "Intro", content, is_mandatory: true, order_index: 0 });
  });

  it("a RequirementTable material needs an existing table", async () => {
    const { manager } = await actors();
    const step = await makeStep(manager, (await makeCourse(manager)).id);
    const table = await makeTable(manager, { step_id: step.id });
    const ok = await call("POST", `/steps/${step.id}/materials`, {
      token: manager,
      body: { material_type: "RequirementTable", title: "Tracker", content: { requirement_table_id: table.id } },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.content).toEqual({ requirement_table_id: table.id });
    const missing = await call("POST", `/steps/${step.id}/materials`, {
      token: manager,
      body: { material_type: "RequirementTable", title: "Tracker", content: { requirement_table_id: "507f1f77bcf86cd799439011" } },
    });
    expect(missing.status).toBe(404);
  });

  it.each([
    ["Video without url", { material_type: "Video", title: "t", content: {} }],
    ["Video with a title in content", { material_type: "Video", title: "t", content: { url: "https://e.com", title: "x" } }],
    ["BookLink without title", { material_type: "BookLink", title: "t", content: { url: "https://e.com" } }],
    ["ftp url", { material_type: "Document", title: "t", content: { url: "ftp://e.com/a.pdf" } }],
    ["javascript url", { material_type: "Audio", title: "t", content: { url: "javascript:alert(1)" } }],
    ["RequirementTable with a url", { material_type: "RequirementTable", title: "t", content: { url: "https://e.com" } }],
    ["unknown type", { material_type: "Podcast", title: "t", content: { url: "https://e.com" } }],
    ["missing title", { material_type: "Video", content: { url: "https://e.com" } }],
    ["unknown field", { material_type: "Video", title: "t", content: { url: "https://e.com" }, step_id: "x" }],
  ])("%s → 400", async (_name, body) => {
    const { manager } = await actors();
    const step = await makeStep(manager, (await makeCourse(manager)).id);
    const res = await call("POST", `/steps/${step.id}/materials`, { token: manager, body });
    expect(res.status).toBe(400);
    expect(res.json.detail).toBeTruthy();
  });

  it("unknown step → 404; participant → 403", async () => {
    const { manager, participant } = await actors();
    const body = { material_type: "Video", title: "t", content: { url: "https://e.com" } };
    expect((await call("POST", "/steps/507f1f77bcf86cd799439011/materials", { token: manager, body })).status).toBe(404);
    const step = await makeStep(manager, (await makeCourse(manager)).id);
    expect((await call("POST", `/steps/${step.id}/materials`, { token: participant, body })).status).toBe(403);
    const material = await makeMaterial(manager, step.id);
    expect((await call("PUT", `/materials/${material.id}`, { token: participant, body: { title: "x" } })).status).toBe(403);
    expect((await call("DELETE", `/materials/${material.id}`, { token: participant })).status).toBe(403);
  });

  it("PUT updates fields and re-checks content against the type", async () => {
    const { manager } = await actors();
    const step = await makeStep(manager, (await makeCourse(manager)).id);
    const material = await makeMaterial(manager, step.id, { description: "keep" });
    const res = await call("PUT", `/materials/${material.id}`, {
      token: manager,
      body: { title: "New", content: { url: "https://new-url.com" } },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ title: "New", description: "keep", content: { url: "https://new-url.com" } });
    const typeChange = await call("PUT", `/materials/${material.id}`, { token: manager, body: { material_type: "BookLink" } });
    expect(typeChange.status).toBe(400);
    const ok = await call("PUT", `/materials/${material.id}`, {
      token: manager,
      body: { material_type: "BookLink", content: { url: "https://b.com", title: "B" } },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.material_type).toBe("BookLink");
    expect((await call("PUT", "/materials/507f1f77bcf86cd799439011", { token: manager, body: { title: "x" } })).status).toBe(404);
  });

  it("DELETE erases an untouched material but archives one a participant completed", async () => {
    const { manager } = await actors();
    const step = await makeStep(manager, (await makeCourse(manager)).id);
    const untouched = await makeMaterial(manager, step.id);
    const touched = await makeMaterial(manager, step.id);
    await touch("completion", { participant_id: "p-mat", material_id: touched.id, step_id: step.id });
    expect((await call("DELETE", `/materials/${untouched.id}`, { token: manager })).status).toBe(204);
    expect((await call("DELETE", `/materials/${touched.id}`, { token: manager })).status).toBe(204);
    const gone = await env.DB.prepare("SELECT id FROM materials WHERE id = ?").bind(untouched.id).first();
    expect(gone).toBeNull();
    const archived = await env.DB.prepare("SELECT archived_at FROM materials WHERE id = ?")
      .bind(touched.id)
      .first<{ archived_at: string }>();
    expect(archived?.archived_at).toBeTruthy();
    const view = await call("GET", `/steps/${step.id}`, { token: manager });
    expect(view.json.materials).toEqual([]);
    expect((await call("DELETE", `/materials/${touched.id}`, { token: manager })).status).toBe(404);
  });
});
