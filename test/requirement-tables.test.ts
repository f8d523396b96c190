import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actors, actors, call, makeCourse, makeStep, makeTable, touch, uniqueName } from "./helpers";

let who: Actors;
beforeAll(async () => {
  who = await actors();
});

const rows = () => [
  { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" },
  { serial_number: 2, activity: "Reading Bhagavad-gita", target: 30, unit: "minutes" },
];

const validBody = (overrides: Record<string, unknown> = {}) => ({
  name: uniqueName("tracker"),
  description: "Track your daily spiritual practices",
  requirements: rows(),
  ...overrides,
});

/** POST /requirement-tables must refuse `body` with a 400 whose `errors[]` points at `path`. */
async function expectRefused(body: unknown, path: string) {
  const res = await call("POST", "/requirement-tables", { token: who.manager, body });
  expect(res.status, res.text).toBe(400);
  expect(res.json.code).toBe("validation_error");
  expect(typeof res.json.detail).toBe("string");
  expect(
    res.json.errors?.map((e: { path: string }) => e.path),
    res.text,
  ).toContain(path);
  return res;
}

const tableRow = (id: string) =>
  env.DB.prepare("SELECT id, archived_at, requirement_count FROM requirement_tables WHERE id = ?")
    .bind(id)
    .first<{ id: string; archived_at: string | null; requirement_count: number }>();

const countByName = async (name: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM requirement_tables WHERE name = ?").bind(name).first<{ n: number }>())!.n;

async function freshStep() {
  const course = await makeCourse(who.manager);
  return makeStep(who.manager, course.id);
}

describe("POST /requirement-tables", () => {
  it("creates a table and echoes its requirements", async () => {
    const step = await freshStep();
    const body = validBody({ step_id: step.id });
    const res = await call("POST", "/requirement-tables", { token: who.manager, body });
    expect(res.status, res.text).toBe(201);
    expect(res.json.id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.json).toMatchObject({
      name: body.name,
      description: "Track your daily spiritual practices",
      step_id: step.id,
      requirements: rows(),
    });
    expect(res.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(res.json.updated_at).toMatch(/Z$/);
  });

  it("without step_id creates a loose table", async () => {
    const table = await makeTable(who.manager);
    expect(table.step_id).toBeNull();
    expect(table.description).toBeNull();
    expect(table.requirements).toHaveLength(2);
  });

  it("refuses duplicate serial numbers with duplicate_serial_number", async () => {
    const name = uniqueName("dups");
    const res = await call("POST", "/requirement-tables", {
      token: who.manager,
      body: validBody({
        name,
        requirements: [...rows(), { serial_number: 2, activity: "Again", target: 1, unit: "times" }],
      }),
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe("duplicate_serial_number");
    expect(res.json.detail).toContain("2");
    expect(await countByName(name)).toBe(0);
  });

  it("refuses serial number 0", async () => {
    await expectRefused(
      validBody({ requirements: [{ serial_number: 0, activity: "Chanting", target: 16, unit: "rounds" }] }),
      "requirements.0.serial_number",
    );
  });

  it("refuses a negative target", async () => {
    await expectRefused(
      validBody({ requirements: [...rows(), { serial_number: 3, activity: "Fasting", target: -1, unit: "days" }] }),
      "requirements.2.target",
    );
  });

  it("refuses an empty unit, blank included", async () => {
    await expectRefused(
      validBody({ requirements: [{ serial_number: 1, activity: "Chanting", target: 16, unit: "" }] }),
      "requirements.0.unit",
    );
    await expectRefused(
      validBody({ requirements: [{ serial_number: 1, activity: "Chanting", target: 16, unit: "   " }] }),
      "requirements.0.unit",
    );
  });

  it("refuses 501 rows and accepts 500", async () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ serial_number: i + 1, activity: `Activity ${i + 1}`, target: 1, unit: "times" }));
    await expectRefused(validBody({ requirements: many(501) }), "requirements");
    const ok = await call("POST", "/requirement-tables", { token: who.manager, body: validBody({ requirements: many(500) }) });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.json.requirements).toHaveLength(500);
  });

  it("refuses an empty requirement list", async () => {
    await expectRefused(validBody({ requirements: [] }), "requirements");
  });

  it("refuses an unknown field, naming it", async () => {
    const name = uniqueName("extra");
    const res = await call("POST", "/requirement-tables", { token: who.manager, body: validBody({ name, is_admin: true }) });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe("validation_error");
    const named = res.json.errors?.some((e: { path: string; message: string }) => `${e.path} ${e.message}`.includes("is_admin"));
    expect(named, res.text).toBe(true);
    expect(await countByName(name)).toBe(0);
  });

  it("refuses an unknown field inside a requirement", async () => {
    const res = await call("POST", "/requirement-tables", {
      token: who.manager,
      body: validBody({ requirements: [{ serial_number: 1, activity: "Chanting", target: 16, unit: "rounds", done: true }] }),
    });
    expect(res.status, res.text).toBe(400);
    const named = res.json.errors?.some(
      (e: { path: string; message: string }) => e.path.startsWith("requirements.0") && e.message.includes("done"),
    );
    expect(named, res.text).toBe(true);
  });

  it("answers 404 for an unknown step_id and creates nothing", async () => {
    const missing = "0123456789abcdef01234567";
    const name = uniqueName("orphan");
    const res = await call("POST", "/requirement-tables", { token: who.manager, body: validBody({ name, step_id: missing }) });
    expect(res.status, res.text).toBe(404);
    expect(res.json.detail).toContain(missing);
    expect(await countByName(name)).toBe(0);
  });

  it("answers 400 for a step_id that is not an id", async () => {
    await expectRefused(validBody({ step_id: "step-1" }), "step_id");
  });

  it("is refused to a participant with 403", async () => {
    const name = uniqueName("sneaky");
    const res = await call("POST", "/requirement-tables", { token: who.participant, body: validBody({ name }) });
    expect(res.status, res.text).toBe(403);
    expect(typeof res.json.detail).toBe("string");
    expect(await countByName(name)).toBe(0);
  });
});

describe("GET /requirement-tables", () => {
  it("lists tables with requirement_count, filtered by ?step_id=", async () => {
    const step = await freshStep();
    const other = await freshStep();
    const mine = await makeTable(who.manager, { step_id: step.id });
    const three = await makeTable(who.manager, {
      step_id: step.id,
      requirements: [...rows(), { serial_number: 3, activity: "Japa", target: 1, unit: "hour" }],
    });
    const theirs = await makeTable(who.manager, { step_id: other.id });

    const res = await call("GET", `/requirement-tables?step_id=${step.id}`, { token: who.participant });
    expect(res.status, res.text).toBe(200);
    const byId = new Map(res.json.map((t: { id: string }) => [t.id, t]));
    expect([...byId.keys()].sort()).toEqual([mine.id, three.id].sort());
    expect(byId.get(mine.id)).toMatchObject({ name: mine.name, step_id: step.id, requirement_count: 2, created_at: mine.created_at });
    expect(byId.get(three.id)).toMatchObject({ requirement_count: 3 });
    expect(res.json[0]).not.toHaveProperty("requirements");

    const all = await call("GET", "/requirement-tables", { token: who.manager });
    expect(all.json.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining([mine.id, three.id, theirs.id]));
  });

  it("GET by id is 404 to participants while the table is on no published step", async () => {
    const table = await makeTable(who.manager);
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: who.participant })).status).toBe(404);
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: who.manager })).status).toBe(200);
    // shown by a RequirementTable material of a live step of an active course: published
    const step = await freshStep();
    await call("POST", `/steps/${step.id}/materials`, {
      token: who.manager,
      body: { material_type: "RequirementTable", title: "Tracker", content: { requirement_table_id: table.id } },
    });
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: who.participant })).status).toBe(200);
  });

  it("GET by id answers the table to managers and participants", async () => {
    const step = await freshStep();
    const table = await makeTable(who.manager, { description: "daily", step_id: step.id });
    for (const tok of [who.manager, who.participant]) {
      const res = await call("GET", `/requirement-tables/${table.id}`, { token: tok });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toEqual({
        id: table.id,
        name: table.name,
        description: "daily",
        step_id: step.id,
        requirements: [
          { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" },
          { serial_number: 2, activity: "Reading", target: 30, unit: "minutes" },
        ],
        created_at: table.created_at,
        updated_at: table.updated_at,
      });
    }
  });

  it("GET by id answers 404 for an unknown id and 400 for a malformed one", async () => {
    const missing = "abcdefabcdefabcdefabcdef";
    const res = await call("GET", `/requirement-tables/${missing}`, { token: who.manager });
    expect(res.status).toBe(404);
    expect(res.json.detail).toContain(missing);
    const bad = await call("GET", "/requirement-tables/xyz", { token: who.manager });
    expect(bad.status).toBe(400);
    expect(bad.json.errors?.map((e: { path: string }) => e.path)).toContain("table_id");
  });
});

describe("PUT /requirement-tables/{id}", () => {
  it("replacing the requirements updates requirement_count and keeps the rest", async () => {
    const step = await freshStep();
    const table = await makeTable(who.manager, { step_id: step.id, description: "keep me" });
    const requirements = [
      { serial_number: 10, activity: "Chanting", target: 16, unit: "rounds" },
      { serial_number: 20, activity: "Reading", target: 45, unit: "minutes" },
      { serial_number: 30, activity: "Service", target: 2, unit: "hours" },
    ];
    const res = await call("PUT", `/requirement-tables/${table.id}`, { token: who.manager, body: { requirements } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id: table.id, name: table.name, description: "keep me", step_id: step.id, requirements });

    const list = await call("GET", `/requirement-tables?step_id=${step.id}`, { token: who.manager });
    expect(list.json).toHaveLength(1);
    expect(list.json[0]).toMatchObject({ id: table.id, requirement_count: 3 });

    const got = await call("GET", `/requirement-tables/${table.id}`, { token: who.participant });
    expect(got.json.requirements).toEqual(requirements);
  });

  it("renames without touching the requirements", async () => {
    const table = await makeTable(who.manager);
    const name = uniqueName("renamed");
    const res = await call("PUT", `/requirement-tables/${table.id}`, { token: who.manager, body: { name } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.name).toBe(name);
    expect(res.json.requirements).toEqual(table.requirements);
    expect((await tableRow(table.id))!.requirement_count).toBe(2);
  });

  it("refuses duplicate serial numbers and leaves the table as it was", async () => {
    const table = await makeTable(who.manager);
    const res = await call("PUT", `/requirement-tables/${table.id}`, {
      token: who.manager,
      body: {
        requirements: [
          { serial_number: 5, activity: "A", target: 1, unit: "x" },
          { serial_number: 5, activity: "B", target: 1, unit: "x" },
        ],
      },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe("duplicate_serial_number");
    const got = await call("GET", `/requirement-tables/${table.id}`, { token: who.manager });
    expect(got.json.requirements).toEqual(table.requirements);
  });

  it("refuses an unknown field", async () => {
    const table = await makeTable(who.manager);
    const res = await call("PUT", `/requirement-tables/${table.id}`, { token: who.manager, body: { requirement_count: 9 } });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe("validation_error");
  });

  it("answers 404 for an unknown table or step", async () => {
    const missing = "fedcbafedcbafedcbafedcba";
    const res = await call("PUT", `/requirement-tables/${missing}`, { token: who.manager, body: { name: "x" } });
    expect(res.status).toBe(404);
    expect(res.json.detail).toContain(missing);

    const table = await makeTable(who.manager);
    const noStep = await call("PUT", `/requirement-tables/${table.id}`, { token: who.manager, body: { step_id: missing } });
    expect(noStep.status).toBe(404);
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: who.manager })).json.step_id).toBeNull();
  });

  it("is refused to a participant with 403 and changes nothing", async () => {
    const table = await makeTable(who.manager, { step_id: (await freshStep()).id });
    const res = await call("PUT", `/requirement-tables/${table.id}`, { token: who.participant, body: { name: "hijacked" } });
    expect(res.status, res.text).toBe(403);
    const got = await call("GET", `/requirement-tables/${table.id}`, { token: who.participant });
    expect(got.status).toBe(200);
    expect(got.json.name).toBe(table.name);
  });
});

describe("DELETE /requirement-tables/{id}", () => {
  it("erases a table nobody started", async () => {
    const table = await makeTable(who.manager);
    const res = await call("DELETE", `/requirement-tables/${table.id}`, { token: who.manager });
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe("");
    expect(await tableRow(table.id)).toBeNull();
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: who.manager })).status).toBe(404);
    expect((await call("DELETE", `/requirement-tables/${table.id}`, { token: who.manager })).status).toBe(404);
  });

  it("archives a table a participant started, and its material leaves the step", async () => {
    const step = await freshStep();
    const table = await makeTable(who.manager, { step_id: step.id });
    const material = await call("POST", `/steps/${step.id}/materials`, {
      token: who.manager,
      body: { material_type: "RequirementTable", title: uniqueName("tracker"), content: { requirement_table_id: table.id } },
    });
    expect(material.status, material.text).toBe(201);
    const before = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(before.json.materials.map((m: { id: string }) => m.id)).toContain(material.json.id);

    const participantId = uniqueName("learner");
    const submissionId = await touch("requirement", { requirement_table_id: table.id, participant_id: participantId });

    const res = await call("DELETE", `/requirement-tables/${table.id}`, { token: who.manager });
    expect(res.status, res.text).toBe(204);

    const row = await tableRow(table.id);
    expect(row).not.toBeNull();
    expect(row!.archived_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: who.participant })).status).toBe(404);

    const list = await call("GET", "/requirement-tables", { token: who.manager });
    expect(list.json.map((t: { id: string }) => t.id)).not.toContain(table.id);
    const byStep = await call("GET", `/requirement-tables?step_id=${step.id}`, { token: who.manager });
    expect(byStep.json).toEqual([]);

    const after = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(after.status).toBe(200);
    expect(after.json.materials.map((m: { id: string }) => m.id)).not.toContain(material.json.id);

    const submission = await env.DB.prepare("SELECT requirement_table_id, participant_id FROM requirement_submissions WHERE id = ?")
      .bind(submissionId)
      .first();
    expect(submission).toEqual({ requirement_table_id: table.id, participant_id: participantId });
  });

  it("takes an untouched table's material with it too", async () => {
    const step = await freshStep();
    const table = await makeTable(who.manager);
    const material = await call("POST", `/steps/${step.id}/materials`, {
      token: who.manager,
      body: { material_type: "RequirementTable", title: uniqueName("tracker"), content: { requirement_table_id: table.id } },
    });
    expect(material.status, material.text).toBe(201);
    expect((await call("DELETE", `/requirement-tables/${table.id}`, { token: who.manager })).status).toBe(204);
    expect(await tableRow(table.id)).toBeNull();
    const after = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(after.json.materials).toEqual([]);
  });

  it("is refused to a participant with 403 and keeps the table", async () => {
    const table = await makeTable(who.manager, { step_id: (await freshStep()).id });
    const res = await call("DELETE", `/requirement-tables/${table.id}`, { token: who.participant });
    expect(res.status, res.text).toBe(403);
    const row = await tableRow(table.id);
    expect(row).not.toBeNull();
    expect(row!.archived_at).toBeNull();
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: who.participant })).status).toBe(200);
  });
});
