import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actors, actors, call, makeCourse, makeForm, makeStep, sampleQuestions, touch, uniqueName } from "./helpers";

let who: Actors;
beforeAll(async () => {
  who = await actors();
});

/** A form body that is valid as is; tests override one thing at a time. */
const validBody = (overrides: Record<string, unknown> = {}) => ({
  name: uniqueName("exam"),
  duration_minutes: 30,
  questions: sampleQuestions(),
  ...overrides,
});

const mcq = (id: string, overrides: Record<string, unknown> = {}) => ({
  question_id: id,
  question_type: "MCQ",
  question_text: `Question ${id}`,
  options: [
    { option_id: "a", text: "Right", is_correct: true },
    { option_id: "b", text: "Wrong", is_correct: false },
  ],
  marks: 5,
  ...overrides,
});

const theory = (id: string, overrides: Record<string, unknown> = {}) => ({
  question_id: id,
  question_type: "THEORY",
  question_text: `Explain ${id}`,
  marks: 10,
  ...overrides,
});

/** POST /forms must refuse `body` with a 400 whose `errors[]` points at `path`. */
async function expectRefused(body: unknown, path: string) {
  const res = await call("POST", "/forms", { token: who.manager, body });
  expect(res.status, res.text).toBe(400);
  expect(typeof res.json.detail).toBe("string");
  expect(res.json.code).toMatch(/^[a-z_]+$/);
  expect(Array.isArray(res.json.errors), res.text).toBe(true);
  const paths = res.json.errors?.map((e: { path: string }) => e.path);
  expect(paths, res.text).toContain(path);
  for (const e of res.json.errors ?? []) expect(typeof e.message).toBe("string");
  return res;
}

const formRow = (id: string) =>
  env.DB.prepare("SELECT id, step_id, archived_at FROM forms WHERE id = ?")
    .bind(id)
    .first<{ id: string; step_id: string | null; archived_at: string | null }>();

async function stepWithCourse() {
  const course = await makeCourse(who.manager);
  const step = await makeStep(who.manager, course.id);
  return { course, step };
}

describe("POST /forms", () => {
  it("creates a form with totals computed from the questions and the default pass bar", async () => {
    const name = uniqueName("exam");
    const res = await call("POST", "/forms", {
      token: who.manager,
      body: { name, description: "Test your knowledge", duration_minutes: 30, questions: sampleQuestions() },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.json).toMatchObject({
      name,
      description: "Test your knowledge",
      step_id: null,
      duration_minutes: 30,
      total_marks: 15,
      passing_marks: 9,
      max_attempts: 3,
      passing_percentage: 60,
    });
    expect(res.json.created_at).toMatch(/Z$/);
    expect(res.json.questions).toHaveLength(2);
    expect(res.json.questions[0]).toEqual({
      question_id: "q1",
      question_type: "MCQ",
      question_text: "What is Bhakti?",
      options: [
        { option_id: "a", text: "Devotion", is_correct: true },
        { option_id: "b", text: "Knowledge", is_correct: false },
      ],
      marks: 5,
      max_words: null,
    });
    // `Theory` is accepted and answered in the spec's spelling.
    expect(res.json.questions[1]).toMatchObject({ question_id: "q2", question_type: "THEORY", options: [], marks: 10, max_words: 200 });

    const got = await call("GET", `/forms/${res.json.id}`, { token: who.manager });
    expect(got.status).toBe(200);
    expect(got.json.questions[1]?.question_type).toBe("THEORY");
    expect(got.json.total_marks).toBe(15);
  });

  it("keeps explicit totals that agree with the questions", async () => {
    const res = await call("POST", "/forms", {
      token: who.manager,
      body: validBody({ total_marks: 15, passing_marks: 12, max_attempts: 5 }),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ total_marks: 15, passing_marks: 12, max_attempts: 5, passing_percentage: 80 });
  });

  it("derives passing_marks from a given passing_percentage", async () => {
    const res = await call("POST", "/forms", { token: who.manager, body: validBody({ passing_percentage: 40 }) });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ total_marks: 15, passing_percentage: 40, passing_marks: 6 });
  });

  it("accepts 50 % with passing_marks rounded to whole marks (8 of 15), stores both, and shows 8 as the bar", async () => {
    const { step } = await stepWithCourse();
    const res = await call("POST", "/forms", {
      token: who.manager,
      body: validBody({ step_id: step.id, passing_percentage: 50, passing_marks: 8 }),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ total_marks: 15, passing_percentage: 50, passing_marks: 8 });
    const got = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(got.json.exam_info).toMatchObject({ passing_marks: 8 });
    const contradicting = await call("POST", "/forms", {
      token: who.manager,
      body: validBody({ passing_percentage: 50, passing_marks: 9 }),
    });
    expect(contradicting.status).toBe(400);
    expect(contradicting.json.code).toBe("invalid_form");
  });

  it("with step_id makes the form that step's exam", async () => {
    const { step } = await stepWithCourse();
    const form = await makeForm(who.manager, { step_id: step.id });
    expect(form.step_id).toBe(step.id);

    const got = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(got.status, got.text).toBe(200);
    expect(got.json).toMatchObject({ has_exam: true, exam_id: form.id });
    expect(got.json.exam_info).toMatchObject({ id: form.id, total_marks: 15, passing_marks: 9 });
  });

  it("a second form for the same step replaces the first as its exam", async () => {
    const { step } = await stepWithCourse();
    const first = await makeForm(who.manager, { step_id: step.id });
    const second = await makeForm(who.manager, { step_id: step.id });

    const got = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(got.json).toMatchObject({ has_exam: true, exam_id: second.id });

    const firstNow = await call("GET", `/forms/${first.id}`, { token: who.manager });
    expect(firstNow.status).toBe(200);
    expect(firstNow.json.step_id).toBeNull();

    const list = await call("GET", `/forms?step_id=${step.id}`, { token: who.manager });
    expect(list.json.map((f: { id: string }) => f.id)).toEqual([second.id]);
  });

  it("refuses an unknown step_id with 404 and creates nothing", async () => {
    const missing = "0123456789abcdef01234567";
    const name = uniqueName("orphan");
    const res = await call("POST", "/forms", { token: who.manager, body: validBody({ name, step_id: missing }) });
    expect(res.status, res.text).toBe(404);
    expect(res.json.detail).toContain(missing);
    const row = await env.DB.prepare("SELECT id FROM forms WHERE name = ?").bind(name).first();
    expect(row).toBeNull();
  });

  it("is refused to a participant with 403 and creates nothing", async () => {
    const name = uniqueName("sneaky");
    const res = await call("POST", "/forms", { token: who.participant, body: validBody({ name }) });
    expect(res.status, res.text).toBe(403);
    expect(typeof res.json.detail).toBe("string");
    const row = await env.DB.prepare("SELECT id FROM forms WHERE name = ?").bind(name).first();
    expect(row).toBeNull();
  });
});

describe("POST /forms refuses inconsistent or invalid forms", () => {
  it("duplicate question ids", async () => {
    await expectRefused(validBody({ questions: [mcq("q1"), theory("q1")] }), "questions.1.question_id");
  });

  it("an MCQ with a single option", async () => {
    await expectRefused(
      validBody({ questions: [mcq("q1", { options: [{ option_id: "a", text: "Only", is_correct: true }] })] }),
      "questions.0.options",
    );
  });

  it("an MCQ without a correct option", async () => {
    await expectRefused(
      validBody({
        questions: [
          theory("q0"),
          mcq("q1", {
            options: [
              { option_id: "a", text: "No", is_correct: false },
              { option_id: "b", text: "Nope" },
            ],
          }),
        ],
      }),
      "questions.1.options",
    );
  });

  it("duplicate option ids", async () => {
    await expectRefused(
      validBody({
        questions: [
          mcq("q1", {
            options: [
              { option_id: "a", text: "One", is_correct: true },
              { option_id: "a", text: "Two", is_correct: false },
            ],
          }),
        ],
      }),
      "questions.0.options.1.option_id",
    );
  });

  it("a THEORY question with options", async () => {
    await expectRefused(
      validBody({ questions: [mcq("q1"), theory("q2", { options: [{ option_id: "a", text: "?" }] })] }),
      "questions.1.options",
    );
  });

  it("total_marks different from the sum of the marks", async () => {
    const res = await expectRefused(validBody({ total_marks: 20 }), "total_marks");
    expect(res.text).toContain("15");
  });

  it("passing_marks above the total", async () => {
    await expectRefused(validBody({ passing_marks: 16 }), "passing_marks");
  });

  it("passing_percentage above 100", async () => {
    await expectRefused(validBody({ passing_percentage: 101 }), "passing_percentage");
  });

  it("max_attempts of 0", async () => {
    await expectRefused(validBody({ max_attempts: 0 }), "max_attempts");
  });

  it("zero marks", async () => {
    await expectRefused(validBody({ questions: [mcq("q1", { marks: 0 })] }), "questions.0.marks");
  });

  it.each([1e-9, 0.1, 0.3, 2.2, 10_000.25, 10_001])("marks of %s (not a multiple of 0.25 within 0.25 … 10,000)", async (marks) => {
    await expectRefused(validBody({ questions: [mcq("q1", { marks })] }), "questions.0.marks");
  });

  it("accepts quarter marks: 0.25, 2.75 and 10,000", async () => {
    const body = validBody({ questions: [mcq("q1", { marks: 0.25 }), mcq("q2", { marks: 2.75 }), mcq("q3", { marks: 10_000 })] });
    const res = await call("POST", "/forms", { token: who.manager, body });
    expect(res.status, res.text).toBe(201);
    expect(res.json.total_marks).toBe(10_003);
  });

  it("negative marks", async () => {
    await expectRefused(validBody({ questions: [theory("q1"), theory("q2", { marks: -5 })] }), "questions.1.marks");
  });

  it("201 questions", async () => {
    const questions = Array.from({ length: 201 }, (_, i) => theory(`q${i}`, { marks: 1 }));
    await expectRefused(validBody({ questions }), "questions");
  });

  it("accepts 200 questions", async () => {
    const questions = Array.from({ length: 200 }, (_, i) => theory(`q${i}`, { marks: 1 }));
    const res = await call("POST", "/forms", { token: who.manager, body: validBody({ questions }) });
    expect(res.status, res.text).toBe(201);
    expect(res.json.total_marks).toBe(200);
    expect(res.json.passing_marks).toBe(120);
  });

  it("21 options", async () => {
    const options = Array.from({ length: 21 }, (_, i) => ({ option_id: `o${i}`, text: `Option ${i}`, is_correct: i === 0 }));
    await expectRefused(validBody({ questions: [mcq("q1", { options })] }), "questions.0.options");
  });

  it("a name of 201 characters", async () => {
    await expectRefused(validBody({ name: "x".repeat(201) }), "name");
  });

  it("an unknown field, naming it", async () => {
    const res = await call("POST", "/forms", { token: who.manager, body: validBody({ is_admin: true }) });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe("validation_error");
    expect(Array.isArray(res.json.errors)).toBe(true);
    const named = res.json.errors?.some((e: { path: string; message: string }) => `${e.path} ${e.message}`.includes("is_admin"));
    expect(named, res.text).toBe(true);
  });

  it("an unknown field inside a question", async () => {
    const res = await call("POST", "/forms", {
      token: who.manager,
      body: validBody({ questions: [mcq("q1", { correct_answer: "a" })] }),
    });
    expect(res.status, res.text).toBe(400);
    const named = res.json.errors?.some(
      (e: { path: string; message: string }) => e.path.startsWith("questions.0") && `${e.path} ${e.message}`.includes("correct_answer"),
    );
    expect(named, res.text).toBe(true);
  });

  it("wrong types", async () => {
    const res = await expectRefused(validBody({ duration_minutes: "30" }), "duration_minutes");
    expect(res.json.code).toBe("validation_error");
    await expectRefused(validBody({ questions: [mcq("q1", { marks: "5" })] }), "questions.0.marks");
    await expectRefused(validBody({ questions: [mcq("q1", { question_type: "Essay" })] }), "questions.0.question_type");
  });

  it("missing questions", async () => {
    const { questions: _omit, ...body } = validBody();
    const res = await expectRefused(body, "questions");
    expect(res.json.code).toBe("validation_error");
  });

  it("an empty question list", async () => {
    await expectRefused(validBody({ questions: [] }), "questions");
  });

  it("malformed JSON with 400 malformed_json", async () => {
    const res = await call("POST", "/forms", {
      token: who.manager,
      rawBody: '{"name": "broken", "questions": [',
      headers: { "content-type": "application/json" },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe("malformed_json");
    expect(typeof res.json.detail).toBe("string");
  });

  it("a text/plain body with 415", async () => {
    const res = await call("POST", "/forms", {
      token: who.manager,
      rawBody: JSON.stringify(validBody()),
      headers: { "content-type": "text/plain" },
    });
    expect(res.status, res.text).toBe(415);
    expect(typeof res.json.detail).toBe("string");
  });

  it("never stores a refused form", async () => {
    const name = uniqueName("refused");
    const res = await call("POST", "/forms", { token: who.manager, body: validBody({ name, total_marks: 99 }) });
    expect(res.status).toBe(400);
    const row = await env.DB.prepare("SELECT id FROM forms WHERE name = ?").bind(name).first();
    expect(row).toBeNull();
  });
});

describe("GET /forms/{id}", () => {
  it("shows is_correct to a manager", async () => {
    const form = await makeForm(who.manager);
    const res = await call("GET", `/forms/${form.id}`, { token: who.manager });
    expect(res.status).toBe(200);
    expect(res.json.questions[0]?.options).toEqual([
      { option_id: "a", text: "Devotion", is_correct: true },
      { option_id: "b", text: "Knowledge", is_correct: false },
    ]);
  });

  it("never shows is_correct to a participant", async () => {
    const { step } = await stepWithCourse();
    const form = await makeForm(who.manager, { step_id: step.id });
    const res = await call("GET", `/forms/${form.id}`, { token: who.participant });
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain("is_correct");
    expect(res.json).toMatchObject({ id: form.id, total_marks: 15, passing_marks: 9, max_attempts: 3 });
    expect(res.json.questions[0]?.options).toEqual([
      { option_id: "a", text: "Devotion" },
      { option_id: "b", text: "Knowledge" },
    ]);
    expect(res.json.questions[1]).toMatchObject({ question_type: "THEORY", max_words: 200 });
  });

  it("is 404 to participants while unpublished (no step, or an inactive course), 200 to managers", async () => {
    const loose = await makeForm(who.manager);
    expect((await call("GET", `/forms/${loose.id}`, { token: who.participant })).status).toBe(404);
    expect((await call("GET", `/forms/${loose.id}`, { token: who.manager })).status).toBe(200);
    const course = await makeCourse(who.manager, { is_active: false });
    const step = await makeStep(who.manager, course.id);
    const hidden = await makeForm(who.manager, { step_id: step.id });
    expect((await call("GET", `/forms/${hidden.id}`, { token: who.participant })).status).toBe(404);
    await call("PUT", `/courses/${course.id}`, { token: who.manager, body: { is_active: true } });
    expect((await call("GET", `/forms/${hidden.id}`, { token: who.participant })).status).toBe(200);
  });

  it("answers 404 with a detail for an unknown id", async () => {
    const missing = "abcdefabcdefabcdefabcdef";
    const res = await call("GET", `/forms/${missing}`, { token: who.manager });
    expect(res.status).toBe(404);
    expect(res.json.detail).toContain(missing);
    expect(res.json.code).toMatch(/not_found$/);
  });

  it("answers 400 for an id that is not 24 hex characters", async () => {
    for (const bad of ["123", "ABCDEFABCDEFABCDEFABCDEF", "zzzzzzzzzzzzzzzzzzzzzzzz", "abcdefabcdefabcdefabcdef0"]) {
      const res = await call("GET", `/forms/${bad}`, { token: who.manager });
      expect(res.status, `${bad}: ${res.text}`).toBe(400);
      expect(res.json.code).toBe("validation_error");
      expect(res.json.errors?.map((e: { path: string }) => e.path)).toContain("form_id");
    }
  });
});

describe("GET /forms", () => {
  it("?step_id= lists only that step's forms, with question_count", async () => {
    const { step } = await stepWithCourse();
    const { step: other } = await stepWithCourse();
    const mine = await makeForm(who.manager, { step_id: step.id });
    const theirs = await makeForm(who.manager, { step_id: other.id });
    const loose = await makeForm(who.manager);

    const res = await call("GET", `/forms?step_id=${step.id}`, { token: who.manager });
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(1);
    expect(res.json[0]).toMatchObject({
      id: mine.id,
      step_id: step.id,
      name: mine.name,
      duration_minutes: 30,
      total_marks: 15,
      passing_marks: 9,
      question_count: 2,
    });
    expect(res.json[0]).not.toHaveProperty("questions");

    // Participants list published exams only: a form on no step (or on an inactive course) is not theirs to see.
    const all = await call("GET", "/forms?limit=200", { token: who.participant });
    expect(all.status).toBe(200);
    const ids = all.json.map((f: { id: string }) => f.id);
    expect(ids).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(ids).not.toContain(loose.id);
    expect(all.text).not.toContain("is_correct");
    const managers = await call("GET", "/forms?limit=200", { token: who.manager });
    expect(managers.json.map((f: { id: string }) => f.id)).toContain(loose.id);
  });

  it("refuses a step_id that is not an id", async () => {
    const res = await call("GET", "/forms?step_id=nope", { token: who.manager });
    expect(res.status).toBe(400);
    expect(res.json.errors?.map((e: { path: string }) => e.path)).toContain("step_id");
  });
});

describe("PUT /forms/{id}", () => {
  it("updates only what is given", async () => {
    const form = await makeForm(who.manager, { description: "before", max_attempts: 4 });
    const name = uniqueName("renamed");
    const res = await call("PUT", `/forms/${form.id}`, { token: who.manager, body: { name } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      id: form.id,
      name,
      description: "before",
      duration_minutes: 30,
      total_marks: 15,
      passing_marks: 9,
      passing_percentage: 60,
      max_attempts: 4,
    });
    expect(res.json.questions).toEqual(form.questions);

    const got = await call("GET", `/forms/${form.id}`, { token: who.manager });
    expect(got.json.name).toBe(name);
    expect(got.json.description).toBe("before");
  });

  it("replacing the questions re-computes the totals and keeps the passing percentage", async () => {
    const form = await makeForm(who.manager, { passing_percentage: 50 });
    expect(form.passing_marks).toBe(7.5);
    const questions = [mcq("n1", { marks: 10 }), theory("n2", { marks: 20 }), theory("n3", { marks: 10 })];
    const res = await call("PUT", `/forms/${form.id}`, { token: who.manager, body: { questions } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ total_marks: 40, passing_percentage: 50, passing_marks: 20 });
    expect(res.json.questions.map((q: { question_id: string }) => q.question_id)).toEqual(["n1", "n2", "n3"]);

    const list = await call("GET", "/forms", { token: who.manager });
    const summary = list.json.find((f: { id: string }) => f.id === form.id);
    expect(summary).toMatchObject({ question_count: 3, total_marks: 40, passing_marks: 20 });
  });

  it("refuses inconsistent questions with a path and leaves the form as it was", async () => {
    const form = await makeForm(who.manager);
    const res = await call("PUT", `/forms/${form.id}`, {
      token: who.manager,
      body: { questions: [mcq("q1", { options: [{ option_id: "a", text: "Only", is_correct: true }] })] },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.errors?.map((e: { path: string }) => e.path)).toContain("questions.0.options");

    const mismatch = await call("PUT", `/forms/${form.id}`, { token: who.manager, body: { total_marks: 99 } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.errors?.map((e: { path: string }) => e.path)).toContain("total_marks");

    const got = await call("GET", `/forms/${form.id}`, { token: who.manager });
    expect(got.json.questions).toEqual(form.questions);
    expect(got.json.total_marks).toBe(15);
  });

  it("answers 404 for an unknown form", async () => {
    const missing = "fedcbafedcbafedcbafedcba";
    const res = await call("PUT", `/forms/${missing}`, { token: who.manager, body: { name: "x" } });
    expect(res.status).toBe(404);
    expect(res.json.detail).toContain(missing);
  });

  it("is refused to a participant with 403 and changes nothing", async () => {
    const form = await makeForm(who.manager);
    const res = await call("PUT", `/forms/${form.id}`, { token: who.participant, body: { name: "hijacked" } });
    expect(res.status, res.text).toBe(403);
    const got = await call("GET", `/forms/${form.id}`, { token: who.manager });
    expect(got.json.name).toBe(form.name);
  });
});

describe("DELETE /forms/{id}", () => {
  it("erases a form nobody attempted", async () => {
    const { step } = await stepWithCourse();
    const form = await makeForm(who.manager, { step_id: step.id });
    const res = await call("DELETE", `/forms/${form.id}`, { token: who.manager });
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe("");

    const got = await call("GET", `/forms/${form.id}`, { token: who.manager });
    expect(got.status).toBe(404);
    expect(await formRow(form.id)).toBeNull();

    const stepNow = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(stepNow.json).toMatchObject({ has_exam: false, exam_id: null });

    const again = await call("DELETE", `/forms/${form.id}`, { token: who.manager });
    expect(again.status).toBe(404);
  });

  it("archives a form that has a submission, keeping the submission", async () => {
    const { course, step } = await stepWithCourse();
    const form = await makeForm(who.manager, { step_id: step.id });
    const participantId = uniqueName("learner");
    const submissionId = await touch("submission", {
      form_id: form.id,
      step_id: step.id,
      course_id: course.id,
      participant_id: participantId,
    });

    const res = await call("DELETE", `/forms/${form.id}`, { token: who.manager });
    expect(res.status, res.text).toBe(204);

    const got = await call("GET", `/forms/${form.id}`, { token: who.manager });
    expect(got.status).toBe(404);
    const list = await call("GET", "/forms", { token: who.manager });
    expect(list.json.map((f: { id: string }) => f.id)).not.toContain(form.id);

    const row = await formRow(form.id);
    expect(row).not.toBeNull();
    expect(row!.archived_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

    const submission = await env.DB.prepare("SELECT form_id, step_id, participant_id, submission_status FROM form_submissions WHERE id = ?")
      .bind(submissionId)
      .first();
    expect(submission).toEqual({ form_id: form.id, step_id: step.id, participant_id: participantId, submission_status: "Submitted" });

    const stepNow = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(stepNow.json).toMatchObject({ has_exam: false, exam_id: null, exam_info: null });
    const stepRow = await env.DB.prepare("SELECT exam_id FROM steps WHERE id = ?").bind(step.id).first<{ exam_id: string | null }>();
    expect(stepRow!.exam_id).toBeNull();

    // The step can take a new exam afterwards.
    const next = await makeForm(who.manager, { step_id: step.id });
    const stepLater = await call("GET", `/steps/${step.id}`, { token: who.manager });
    expect(stepLater.json).toMatchObject({ has_exam: true, exam_id: next.id });
  });

  it("is refused to a participant with 403 and keeps the form", async () => {
    const { step } = await stepWithCourse();
    const form = await makeForm(who.manager, { step_id: step.id });
    const res = await call("DELETE", `/forms/${form.id}`, { token: who.participant });
    expect(res.status, res.text).toBe(403);
    const got = await call("GET", `/forms/${form.id}`, { token: who.participant });
    expect(got.status).toBe(200);
    expect((await formRow(form.id))!.archived_at).toBeNull();
  });

  it("answers 404 for an unknown form and 400 for a malformed id", async () => {
    const res = await call("DELETE", "/forms/aaaaaaaaaaaaaaaaaaaaaaaa", { token: who.manager });
    expect(res.status).toBe(404);
    expect(typeof res.json.detail).toBe("string");
    const bad = await call("DELETE", "/forms/not-an-id", { token: who.manager });
    expect(bad.status).toBe(400);
  });
});
