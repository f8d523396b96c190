import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { actors, call, makeCourse, makeMaterial, makeStep, touch } from "./helpers";

describe("courses: create, read, list", () => {
  it("creates a course with the spec's fields and 201", async () => {
    const { manager } = await actors();
    const res = await call("POST", "/courses", {
      token: manager,
      body: { name: "Bhakti Shastri Course", description: "Gita", image_url: "https://example.com/i.jpg", order_index: 0 },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      name: "Bhakti Shastri Course",
      description: "Gita",
      image_url: "https://example.com/i.jpg",
      previous_course_id: null,
      next_course_id: null,
      default_step_id: null,
      order_index: 0,
      is_active: true,
      is_default: false,
    });
    expect(res.json.id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Object.keys(res.json)).not.toContain("archived_at");
  });

  it("records created_by from the token, never from the body", async () => {
    const { manager } = await actors();
    const res = await call("POST", "/courses", { token: manager, body: { name: "x", created_by: "mallory" } });
    expect(res.status).toBe(400);
    const ok = await makeCourse(manager);
    expect(ok.created_by).toMatch(/^manager-/);
  });

  it("GET /courses/{id} returns the course with its steps ordered by order_index", async () => {
    const { manager, participant } = await actors();
    const course = await makeCourse(manager);
    const s2 = await makeStep(manager, course.id, { order_index: 2 });
    const s1 = await makeStep(manager, course.id, { order_index: 1 });
    for (const who of [manager, participant]) {
      const res = await call("GET", `/courses/${course.id}`, { token: who });
      expect(res.status).toBe(200);
      expect(res.json.steps.map((s: any) => s.id)).toEqual([s1.id, s2.id]);
      // A manager sees which steps are gated behind another; a participant not enrolled sees all locked.
      expect(res.json.steps[0]).toEqual({
        id: s1.id,
        name: s1.name,
        description: null,
        order_index: 1,
        exam_id: null,
        is_locked: who === participant,
      });
      expect(res.json.steps[1]?.is_locked).toBe(true);
    }
  });

  it("appends a course at the end when order_index is omitted", async () => {
    const { manager } = await actors();
    const a = await makeCourse(manager);
    const b = await makeCourse(manager);
    expect(b.order_index).toBeGreaterThan(a.order_index);
  });

  it("lists courses ordered by order_index with is_active / is_default filters", async () => {
    const { manager, participant } = await actors();
    const late = await makeCourse(manager, { order_index: 900_001 });
    const early = await makeCourse(manager, { order_index: 900_000 });
    const hidden = await makeCourse(manager, { order_index: 900_002, is_active: false });
    const all = await call("GET", "/courses", { token: manager });
    const ids = all.json.map((c: any) => c.id);
    expect(ids.indexOf(early.id)).toBeLessThan(ids.indexOf(late.id));
    const orders = all.json.map((c: any) => c.order_index);
    expect([...orders].sort((x: number, y: number) => x - y)).toEqual(orders);

    const inactive = await call("GET", "/courses?is_active=false", { token: manager });
    expect(inactive.json.map((c: any) => c.id)).toContain(hidden.id);
    expect(inactive.json.every((c: any) => c.is_active === false)).toBe(true);

    // Participants only ever see published (active) courses.
    const seen = await call("GET", "/courses", { token: participant });
    expect(seen.json.map((c: any) => c.id)).not.toContain(hidden.id);
    expect((await call("GET", "/courses?is_active=false", { token: participant })).json).toEqual([]);
    expect((await call("GET", `/courses/${hidden.id}`, { token: participant })).status).toBe(404);

    const bad = await call("GET", "/courses?is_active=yes", { token: manager });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("validation_error");
  });
});

describe("courses: validation and roles", () => {
  it.each([
    ["missing name", {}],
    ["empty name", { name: "  " }],
    ["name over 200 chars", { name: "n".repeat(201) }],
    ["description over 5,000 chars", { name: "x", description: "d".repeat(5001) }],
    ["javascript: image url", { name: "x", image_url: "javascript:alert(1)" }],
    ["url over 2,048 chars", { name: "x", image_url: `https://e.com/${"a".repeat(2040)}` }],
    ["wrong type", { name: 42 }],
    ["negative order_index", { name: "x", order_index: -1 }],
    ["fractional order_index", { name: "x", order_index: 1.5 }],
    ["unknown field", { name: "x", is_admin: true }],
    ["malformed previous id", { name: "x", previous_course_id: "abc" }],
  ])("%s → 400 with detail", async (_name, body) => {
    const { manager } = await actors();
    const res = await call("POST", "/courses", { token: manager, body });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("validation_error");
    expect(res.json.detail).toBeTruthy();
    expect(res.json.errors?.length).toBeGreaterThan(0);
  });

  it("malformed JSON → 400 malformed_json; a form body → 415", async () => {
    const { manager } = await actors();
    const bad = await call("POST", "/courses", { token: manager, rawBody: "{oops", headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("malformed_json");
    const form = await call("POST", "/courses", {
      token: manager,
      rawBody: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(form.json.detail).toBeTruthy();
    expect(form.json.code).toBe("unsupported_media_type");
    // An empty body of another type passes our JSON gate and meets zod-openapi's own: the same code.
    const empty = await call("POST", "/courses", {
      token: manager,
      rawBody: "",
      headers: { "content-type": "text/plain", "content-length": "0" },
    });
    expect([empty.status, empty.json.code]).toEqual([415, "unsupported_media_type"]);
  });

  it("unknown id → 404, id of the wrong shape → 400", async () => {
    const { manager } = await actors();
    const missing = await call("GET", "/courses/507f1f77bcf86cd799439011", { token: manager });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: "course_not_found" });
    const wrong = await call("GET", "/courses/not-an-id", { token: manager });
    expect(wrong.status).toBe(400);
    // A step id is a well-formed id of the wrong kind: not found as a course.
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    expect((await call("GET", `/courses/${step.id}`, { token: manager })).status).toBe(404);
  });

  it("participants may not write courses (403 on every manager endpoint)", async () => {
    const { manager, participant } = await actors();
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const attempts: [string, string, unknown?][] = [
      ["POST", "/courses", { name: "x" }],
      ["PUT", `/courses/${course.id}`, { name: "y" }],
      ["DELETE", `/courses/${course.id}`],
      ["PUT", `/courses/${course.id}/set-default`],
      ["POST", `/courses/${course.id}/steps/reorder`, { step_orders: [{ step_id: step.id, order_index: 3 }] }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(method, path, { token: participant, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.code).toBe("manager_only");
    }
    const after = await call("GET", `/courses/${course.id}`, { token: manager });
    expect(after.json.name).toBe(course.name);
  });
});

describe("courses: update, default, chain", () => {
  it("PUT updates only the fields given", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager, { description: "keep me" });
    const res = await call("PUT", `/courses/${course.id}`, { token: manager, body: { name: "Renamed", is_active: false } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: "Renamed", is_active: false, description: "keep me" });
    expect(res.json.updated_at >= course.updated_at).toBe(true);
  });

  it("default_step_id must be a step of the course", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager);
    const other = await makeCourse(manager);
    const own = await makeStep(manager, course.id);
    const foreign = await makeStep(manager, other.id);
    const bad = await call("PUT", `/courses/${course.id}`, { token: manager, body: { default_step_id: foreign.id } });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("invalid_default_step");
    const ok = await call("PUT", `/courses/${course.id}`, { token: manager, body: { default_step_id: own.id } });
    expect(ok.json.default_step_id).toBe(own.id);
  });

  it("set-default leaves exactly one default course, also when created as default", async () => {
    const { manager } = await actors();
    const a = await makeCourse(manager, { is_default: true });
    const b = await makeCourse(manager);
    const res = await call("PUT", `/courses/${b.id}/set-default`, { token: manager });
    expect(res.status).toBe(200);
    expect(res.json.is_default).toBe(true);
    const defaults = await call("GET", "/courses?is_default=true", { token: manager });
    expect(defaults.json.map((c: any) => c.id)).toEqual([b.id]);
    const c = await makeCourse(manager, { is_default: true });
    const again = await call("GET", "/courses?is_default=true", { token: manager });
    expect(again.json.map((x: any) => x.id)).toEqual([c.id]);
    expect((await call("GET", `/courses/${a.id}`, { token: manager })).json.is_default).toBe(false);
    expect((await call("PUT", "/courses/507f1f77bcf86cd799439011/set-default", { token: manager })).status).toBe(404);
  });

  it("parallel set-default calls still leave exactly one default", async () => {
    const { manager } = await actors();
    const list = await Promise.all([1, 2, 3, 4, 5].map(() => makeCourse(manager)));
    const results = await Promise.all(list.map((c) => call("PUT", `/courses/${c.id}/set-default`, { token: manager })));
    for (const r of results) expect([200, 409]).toContain(r.status);
    const { results: rows } = await env.DB.prepare("SELECT id FROM courses WHERE is_default = 1").all();
    expect(rows.length).toBe(1);
  });

  it("the chain is two-way: previous_course_id sets the other course's next_course_id", async () => {
    const { manager } = await actors();
    const first = await makeCourse(manager);
    const second = await makeCourse(manager, { previous_course_id: first.id });
    expect(second.previous_course_id).toBe(first.id);
    expect((await call("GET", `/courses/${first.id}`, { token: manager })).json.next_course_id).toBe(second.id);

    // and vice versa: next_course_id on update sets the other's previous_course_id
    const third = await makeCourse(manager);
    const upd = await call("PUT", `/courses/${second.id}`, { token: manager, body: { next_course_id: third.id } });
    expect(upd.status).toBe(200);
    expect(upd.json.next_course_id).toBe(third.id);
    expect((await call("GET", `/courses/${third.id}`, { token: manager })).json.previous_course_id).toBe(second.id);

    // clearing a link clears both sides
    await call("PUT", `/courses/${third.id}`, { token: manager, body: { previous_course_id: null } });
    expect((await call("GET", `/courses/${second.id}`, { token: manager })).json.next_course_id).toBeNull();
  });

  it("refuses a cycle, a self link, a taken neighbour and an unknown course", async () => {
    const { manager } = await actors();
    const a = await makeCourse(manager);
    const b = await makeCourse(manager, { previous_course_id: a.id });
    const c = await makeCourse(manager, { previous_course_id: b.id });
    const cycle = await call("PUT", `/courses/${a.id}`, { token: manager, body: { previous_course_id: c.id } });
    expect(cycle.status).toBe(409);
    expect(cycle.json.code).toBe("chain_cycle");
    const self = await call("PUT", `/courses/${a.id}`, { token: manager, body: { next_course_id: a.id } });
    expect(self.status).toBe(400);
    const taken = await call("POST", "/courses", { token: manager, body: { name: "x", previous_course_id: a.id } });
    expect(taken.status).toBe(409);
    expect(taken.json.code).toBe("chain_conflict");
    const unknown = await call("POST", "/courses", { token: manager, body: { name: "x", previous_course_id: "507f1f77bcf86cd799439011" } });
    expect(unknown.status).toBe(404);
    // nothing changed
    expect((await call("GET", `/courses/${a.id}`, { token: manager })).json.next_course_id).toBe(b.id);
  });
});

describe("courses: delete keeps history", () => {
  it("archives the course and its steps, joins the chain around it", async () => {
    const { manager, participant } = await actors();
    const a = await makeCourse(manager);
    const b = await makeCourse(manager, { previous_course_id: a.id, is_default: true });
    const c = await makeCourse(manager, { previous_course_id: b.id });
    const step = await makeStep(manager, b.id);
    const material = await makeMaterial(manager, step.id);
    await touch("enrollment", { participant_id: "p-hist", course_id: b.id, step_id: step.id });
    await touch("completion", { participant_id: "p-hist", material_id: material.id, step_id: step.id });

    const res = await call("DELETE", `/courses/${b.id}`, { token: manager });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await call("GET", `/courses/${b.id}`, { token: manager })).status).toBe(404);
    expect((await call("GET", `/steps/${step.id}`, { token: participant })).status).toBe(404);
    const list = await call("GET", "/courses", { token: manager });
    expect(list.json.map((x: any) => x.id)).not.toContain(b.id);
    expect((await call("GET", `/courses/${a.id}`, { token: manager })).json.next_course_id).toBe(c.id);
    expect((await call("GET", `/courses/${c.id}`, { token: manager })).json.previous_course_id).toBe(a.id);
    expect((await call("GET", "/courses?is_default=true", { token: manager })).json.map((x: any) => x.id)).not.toContain(b.id);

    // the participant's history still points at rows that exist
    const row = await env.DB.prepare("SELECT archived_at FROM courses WHERE id = ?").bind(b.id).first<{ archived_at: string }>();
    expect(row?.archived_at).toBeTruthy();
    const kept = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM material_completions mc JOIN materials m ON m.id = mc.material_id WHERE mc.participant_id = 'p-hist'",
    ).first<{ n: number }>();
    expect(kept?.n).toBe(1);
    expect((await call("DELETE", `/courses/${b.id}`, { token: manager })).status).toBe(404);
  });
});

describe("courses: reorder steps", () => {
  it("reorders atomically and lists the new order", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager);
    const [s1, s2, s3] = [await makeStep(manager, course.id), await makeStep(manager, course.id), await makeStep(manager, course.id)];
    const res = await call("POST", `/courses/${course.id}/steps/reorder`, {
      token: manager,
      body: {
        step_orders: [
          { step_id: s3.id, order_index: 0 },
          { step_id: s1.id, order_index: 1 },
          { step_id: s2.id, order_index: 2 },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ message: "Steps reordered successfully" });
    const after = await call("GET", `/courses/${course.id}`, { token: manager });
    expect(after.json.steps.map((s: any) => s.id)).toEqual([s3.id, s1.id, s2.id]);
  });

  it("refuses a step of another course and changes nothing", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager);
    const other = await makeCourse(manager);
    const own = await makeStep(manager, course.id, { order_index: 5 });
    const foreign = await makeStep(manager, other.id);
    const res = await call("POST", `/courses/${course.id}/steps/reorder`, {
      token: manager,
      body: {
        step_orders: [
          { step_id: own.id, order_index: 9 },
          { step_id: foreign.id, order_index: 1 },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_reorder");
    const after = await call("GET", `/courses/${course.id}`, { token: manager });
    expect(after.json.steps[0]?.order_index).toBe(5);
    const dup = await call("POST", `/courses/${course.id}/steps/reorder`, {
      token: manager,
      body: {
        step_orders: [
          { step_id: own.id, order_index: 1 },
          { step_id: own.id, order_index: 2 },
        ],
      },
    });
    expect(dup.status).toBe(400);
    expect((await call("POST", `/courses/${course.id}/steps/reorder`, { token: manager, body: { step_orders: [] } })).status).toBe(400);
    expect(
      (
        await call("POST", `/courses/507f1f77bcf86cd799439011/steps/reorder`, {
          token: manager,
          body: { step_orders: [{ step_id: own.id, order_index: 1 }] },
        })
      ).status,
    ).toBe(404);
  });
});
