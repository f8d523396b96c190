/**
 * The document's typed unions and rows describe what the server answers, field for field: a material is exactly
 * the variant its `material_type` maps to, an answer exactly one of its two shapes, each export row exactly its
 * named row schema, each audit change exactly `[before, after]`. The type-check files prove the types narrow; this
 * proves the answers fit them (a row schema missing a column, or naming one never sent, fails here).
 */
import { describe, expect, it } from "vitest";
import { call, enrolled, examAnswers, makeMaterial, makeTable, token, twoStepCourse, uniqueName } from "./helpers";
import { checkSchema } from "./security/lib";

type Schema = { properties?: Record<string, unknown>; required?: string[]; oneOf?: { $ref: string }[] };
type Doc = { components: { schemas: Record<string, Schema> } };

const componentOf = (doc: Doc, ref: string) => {
  const name = ref.replace("#/components/schemas/", "");
  const schema = doc.components.schemas[name];
  if (!schema) throw new Error(`no component ${name}`);
  return { name, schema };
};

/** The value fits the component and carries exactly its properties: every required one, none it does not name. */
function expectExactly(doc: Doc, ref: string, value: unknown) {
  const { name, schema } = componentOf(doc, ref);
  expect(checkSchema(doc, { $ref: ref }, value), name).toEqual([]);
  const keys = Object.keys(value as object);
  const documented = Object.keys(schema.properties ?? {});
  expect(
    keys.filter((k) => !documented.includes(k)),
    `${name}: answered but not documented`,
  ).toEqual([]);
  expect(
    (schema.required ?? []).filter((k) => !keys.includes(k)),
    `${name}: required but not answered`,
  ).toEqual([]);
}

/** The keys every material has, in the order the API has always answered them. */
const MATERIAL_KEYS = [
  "id",
  "step_id",
  "material_type",
  "title",
  "description",
  "content",
  "order_index",
  "is_mandatory",
  "created_at",
  "updated_at",
];

describe("typed unions and rows match the answers", () => {
  it("a material is the variant its material_type maps to, with that variant's content, on every view", async () => {
    const doc = (await call("GET", "/openapi.json")).json as Doc;
    const material = doc.components.schemas.Material as Schema & {
      discriminator: { propertyName: string; mapping: Record<string, string> };
    };
    expect(material.discriminator.propertyName).toBe("material_type");
    expect(material.oneOf?.map((v) => v.$ref).sort()).toEqual(Object.values(material.discriminator.mapping).sort());

    const manager = await token(uniqueName("manager"), "manager");
    const { course, step1 } = await twoStepCourse(manager);
    const table = await makeTable(manager, { step_id: step1.id });
    const sent = [
      { material_type: "Document", content: { url: "https://example.com/d.pdf" } },
      { material_type: "Audio", content: { url: "https://example.com/a.mp3" } },
      { material_type: "BookLink", content: { url: "https://example.com/b", title: "Gita" } },
      { material_type: "RequirementTable", content: { requirement_table_id: table.id } },
    ];
    for (const body of sent) {
      const created = await makeMaterial(manager, step1.id, { ...body, is_mandatory: false });
      // The wire format the union describes is the one clients always had: same keys, same order, content as sent.
      expect(Object.keys(created)).toEqual(MATERIAL_KEYS);
      expect(created).toMatchObject(body);
    }
    const { participant } = await enrolled(manager, course.id);
    type Viewed = { material_type: string; content: unknown; is_completed?: boolean; requirement_progress?: unknown };
    const views: Viewed[][] = [
      (await call("GET", `/steps/${step1.id}`, { token: manager })).json.materials,
      (await call("GET", `/steps/${step1.id}`, { token: participant })).json.materials,
      (await call("GET", `/participants/me/step/${step1.id}/progress`, { token: participant })).json.materials,
    ];
    for (const materials of views) {
      expect(new Set(materials.map((m) => m.material_type))).toEqual(
        new Set(["Video", "Document", "Audio", "BookLink", "RequirementTable"]),
      );
      for (const m of materials) {
        const variant = material.discriminator.mapping[m.material_type];
        if (!variant) throw new Error(`no variant for ${m.material_type}`);
        // Exactly one branch of the oneOf fits (checkSchema reports a second), and it is the mapped one.
        expect(checkSchema(doc, { $ref: "#/components/schemas/Material" }, m)).toEqual([]);
        expect(checkSchema(doc, { $ref: variant }, m)).toEqual([]);
        const { is_completed: _done, requirement_progress: _progress, ...own } = m;
        expectExactly(doc, variant, own);
        const content = componentOf(doc, variant).schema.properties?.content as { $ref: string };
        expectExactly(doc, content.$ref, m.content);
      }
    }
  });

  it("an answer is an McqAnswer on an MCQ and a TheoryAnswer on a THEORY question", async () => {
    const doc = (await call("GET", "/openapi.json")).json as Doc;
    const manager = await token(uniqueName("manager"), "manager");
    const { course, step1 } = await twoStepCourse(manager);
    const { participant } = await enrolled(manager, course.id);
    expect((await call("POST", `/steps/${step1.id}/materials-complete`, { token: participant })).status).toBe(200);
    const start = await call("POST", `/steps/${step1.id}/exam/start`, { token: participant });
    expect(start.status).toBe(201);
    const submit = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, { token: participant, body: examAnswers() });
    expect(submit.status).toBe(200);
    const detail = await call("GET", `/form-submissions/${start.json.submission_id}`, { token: manager });
    expect(detail.status).toBe(200);
    const shapes = { MCQ: "#/components/schemas/McqAnswer", THEORY: "#/components/schemas/TheoryAnswer" };
    expect(detail.json.questions.map((q) => q.question_type).sort()).toEqual(["MCQ", "THEORY"]);
    for (const q of detail.json.questions) {
      expect(checkSchema(doc, { $ref: "#/components/schemas/SubmissionDetail" }, detail.json)).toEqual([]);
      expectExactly(doc, shapes[q.question_type], q.participant_answer);
    }
  });

  it("each export collection's rows are exactly their named row schema; each audit change is [before, after]", async () => {
    const doc = (await call("GET", "/openapi.json")).json as Doc;
    const manager = await token(uniqueName("manager"), "manager");
    const { course, step1, exam } = await twoStepCourse(manager);
    const table = await makeTable(manager, { step_id: step1.id });
    await makeMaterial(manager, step1.id, {
      material_type: "RequirementTable",
      title: "Tracker",
      content: { requirement_table_id: table.id },
      is_mandatory: false,
    });
    const { pid, participant } = await enrolled(manager, course.id);
    expect((await call("POST", `/steps/${step1.id}/materials-complete`, { token: participant })).status).toBe(200);
    const start = await call("POST", `/steps/${step1.id}/exam/start`, { token: participant });
    expect(start.status, start.text).toBe(201);
    const submit = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, { token: participant, body: examAnswers() });
    expect(submit.status, submit.text).toBe(200);
    const graded = await call("POST", `/form-submissions/${start.json.submission_id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 7 }] },
    });
    expect(graded.status, graded.text).toBe(200);
    const sheet = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: participant });
    const row = await call("POST", `/requirement-tables/submissions/${sheet.json.submission_id}/rows`, {
      token: participant,
      body: { serial_number: 1, completed: true, completed_value: 16, remarks: "Early" },
    });
    expect(row.status).toBe(200);
    const accommodation = await call("PUT", `/participants/${pid}/accommodations`, { token: manager, body: { extra_time_percent: 25 } });
    expect(accommodation.status).toBe(200);
    const override = await call("PUT", `/forms/${exam.id}/overrides/${pid}`, { token: manager, body: { max_attempts: 3 } });
    expect(override.status).toBe(200);

    const exported = await call("GET", `/participants/${pid}/export`, { token: manager });
    expect(exported.status).toBe(200);
    expect(checkSchema(doc, { $ref: "#/components/schemas/ParticipantExport" }, exported.json)).toEqual([]);
    const rows: [string, unknown[]][] = [
      ["ExportEnrollment", exported.json.enrollments],
      ["ExportMaterialCompletion", exported.json.material_completions],
      ["ExportExamAttempt", exported.json.exam_attempts],
      ["ExportRequirementSubmission", exported.json.requirement_submissions],
      ["ExportExamOverride", exported.json.exam_overrides],
    ];
    for (const [name, items] of rows) {
      expect(items.length, name).toBeGreaterThanOrEqual(1);
      for (const item of items) expectExactly(doc, `#/components/schemas/${name}`, item);
    }
    for (const r of exported.json.requirement_submissions.flatMap((s) => s.rows))
      expectExactly(doc, "#/components/schemas/ExportRequirementRow", r);
    expectExactly(doc, "#/components/schemas/ExportAccommodation", exported.json.accommodations);
    expect(exported.json.files).toEqual([]);
    const answers = exported.json.exam_attempts[0]?.answers;
    expectExactly(doc, "#/components/schemas/McqAnswer", answers?.mcq_answers?.[0]);
    expectExactly(doc, "#/components/schemas/TheoryAnswer", answers?.theory_answers?.[0]);

    const events = [
      ...(await call("GET", `/audit-events?entity_id=${course.id}`, { token: manager })).json,
      ...(await call("GET", `/audit-events?entity_id=${start.json.submission_id}`, { token: manager })).json,
      ...(await call("GET", `/audit-events?entity_id=${pid}`, { token: manager })).json,
    ];
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(["course.created", "submission.graded", "participant.accommodation_set"]),
    );
    for (const event of events) {
      expect(checkSchema(doc, { $ref: "#/components/schemas/AuditEvent" }, event)).toEqual([]);
      for (const change of Object.values(event.changes)) expect(change).toHaveLength(2);
    }
  });
});
