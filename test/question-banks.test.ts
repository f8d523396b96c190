/**
 * Question banks: versioned, tagged questions shared across exams; forms that draw sections from them, each
 * attempt its own questions, least-seen first without repeats until the pool is used up.
 */
import { describe, expect, it } from "vitest";
import variedGift from "./fixtures/varied.gift?raw";
import variedXml from "./fixtures/varied-moodle.xml?raw";
import { call, makeCourse, makeMaterial, makeStep, token, uniqueName } from "./helpers";

type Json = Record<string, unknown>;

const mcq = (text: string, overrides: Json = {}) => ({
  question_type: "MCQ",
  question_text: text,
  options: [
    { option_id: "a", text: "Right", is_correct: true },
    { option_id: "b", text: "Wrong" },
  ],
  marks: 2,
  ...overrides,
});

async function bankWith(manager: string, questions: Json[]) {
  const bank = await call("POST", "/question-banks", { token: manager, body: { name: uniqueName("bank") } });
  expect(bank.status, bank.text).toBe(201);
  const ids: string[] = [];
  for (const q of questions) {
    const res = await call("POST", `/question-banks/${bank.json.id}/questions`, { token: manager, body: q });
    expect(res.status, res.text).toBe(201);
    ids.push(res.json.question_id);
  }
  return { bank: bank.json as { id: string }, ids };
}

/** A course whose one step's exam draws `count` questions tagged `chapter-2` from the bank, and an enrolled participant. */
async function examFrom(manager: string, bankId: string, section: Json) {
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const video = await makeMaterial(manager, step.id);
  const form = await call("POST", "/forms", {
    token: manager,
    body: {
      name: "Chapter 2 exam",
      step_id: step.id,
      duration_minutes: 30,
      questions: [],
      sections: [{ bank_id: bankId, ...section }],
      max_attempts: 5,
    },
  });
  const participant = async () => {
    const sub = uniqueName("p");
    const t = await token(sub, "participant");
    expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${sub}`, { token: manager })).status).toBe(200);
    await call("POST", `/materials/${video.id}/complete`, { token: t });
    return { sub, token: t };
  };
  return { form, step, participant };
}

const drawnIds = (start: { json: { form: { questions: { question_id: string }[] } } }) =>
  start.json.form.questions.map((q) => q.question_id).sort();

describe("banks and their questions", () => {
  it("a manager makes a bank, adds tagged questions (ids from the bank), finds them by tag and text, and pages them", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank, ids } = await bankWith(manager, [
      mcq("Who is the speaker of the Gita?", { tags: ["Chapter 2", "speakers"] }),
      mcq("What is the soul's nature?", { tags: ["chapter-2"] }),
      { question_type: "THEORY", question_text: "Explain 2.13 in your words", marks: 5, max_words: 200, tags: ["CHAPTER 3"] },
    ]);
    const one = await call("GET", `/question-banks/${bank.id}/questions/${ids[0]}`, { token: manager });
    expect(one.json).toMatchObject({ question_id: ids[0], bank_id: bank.id, version: 1, tags: ["chapter-2", "speakers"] });
    expect(one.json.options[0]).toEqual({ option_id: "a", text: "Right", is_correct: true });

    const tagged = await call("GET", `/question-banks/${bank.id}/questions?tag=Chapter%202`, { token: manager });
    expect(tagged.json.map((q: { question_id: string }) => q.question_id)).toEqual(ids.slice(0, 2).sort());
    const found = await call("GET", `/question-banks/${bank.id}/questions?q=SOUL`, { token: manager });
    expect(found.json.map((q: { question_id: string }) => q.question_id)).toEqual([ids[1]]);
    const literal = await call("GET", `/question-banks/${bank.id}/questions?q=%25`, { token: manager });
    expect(literal.json).toEqual([]);

    // Ids order the pages (a bank's ids share their first second, so not the order of creation).
    const first = await call("GET", `/question-banks/${bank.id}/questions?limit=2`, { token: manager });
    expect(first.json).toHaveLength(2);
    const byId = [...ids].sort();
    expect(first.json.map((q: { question_id: string }) => q.question_id)).toEqual(byId.slice(0, 2));
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1];
    expect(next).toBeDefined();
    const rest = await call("GET", new URL(next as string).pathname + new URL(next as string).search, { token: manager });
    expect(rest.json.map((q: { question_id: string }) => q.question_id)).toEqual(byId.slice(2));

    const listed = await call("GET", `/question-banks/${bank.id}`, { token: manager });
    expect(listed.json.question_count).toBe(3);
  });

  it("refuses a question that is not one: an MCQ without a right option is 400 invalid_question naming the field", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank } = await bankWith(manager, []);
    const res = await call("POST", `/question-banks/${bank.id}/questions`, {
      token: manager,
      body: mcq("No right answer", {
        options: [
          { option_id: "a", text: "x" },
          { option_id: "b", text: "y" },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_question");
    expect(res.json.errors?.[0]?.path).toBe("options");
  });

  it("an unused question changes in place; once an attempt drew it, an edit makes version 2 and the attempt keeps version 1", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank, ids } = await bankWith(manager, [mcq("Original wording", { tags: ["chapter-2"] })]);
    const id = ids[0] as string;
    const edited = await call("PUT", `/question-banks/${bank.id}/questions/${id}`, {
      token: manager,
      body: mcq("Reworded before use", { tags: ["chapter-2"] }),
    });
    expect(edited.json).toMatchObject({ version: 1, question_text: "Reworded before use" });

    const exam = await examFrom(manager, bank.id, { tags_all: ["chapter-2"], count: 1 });
    expect(exam.form.status, exam.form.text).toBe(201);
    const p = await exam.participant();
    const start = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: p.token });
    expect(start.status, start.text).toBe(201);
    expect(start.json.form.questions[0]?.question_text).toBe("Reworded before use");

    const forked = await call("PUT", `/question-banks/${bank.id}/questions/${id}`, {
      token: manager,
      body: mcq("Reworded after use", { tags: ["chapter-2"] }),
    });
    expect(forked.json).toMatchObject({ version: 2, question_text: "Reworded after use" });
    const old = await call("GET", `/question-banks/${bank.id}/questions/${id}?version=1`, { token: manager });
    expect(old.json).toMatchObject({ version: 1, question_text: "Reworded before use" });
    const attempt = await call("GET", `/form-submissions/${start.json.submission_id}`, { token: manager });
    expect(attempt.text).toContain("Reworded before use");
    // Saving the same content again changes nothing: still version 2.
    const same = await call("PUT", `/question-banks/${bank.id}/questions/${id}`, {
      token: manager,
      body: mcq("Reworded after use", { tags: ["chapter-2", "new-tag"] }),
    });
    expect(same.json).toMatchObject({ version: 2, tags: ["chapter-2", "new-tag"] });
  });

  it("deleting archives: a deleted question is drawn no more, a deleted bank leaves the list", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank, ids } = await bankWith(manager, [mcq("Q1", { tags: ["t"] }), mcq("Q2", { tags: ["t"] })]);
    expect((await call("DELETE", `/question-banks/${bank.id}/questions/${ids[0]}`, { token: manager })).status).toBe(204);
    const refused = await examFrom(manager, bank.id, { tags_all: ["t"], count: 2 });
    expect(refused.form.status).toBe(409);
    expect(refused.form.json).toMatchObject({ code: "bank_pool_too_small" });
    expect(refused.form.json.detail).toContain("sections.0");
    expect((await call("DELETE", `/question-banks/${bank.id}`, { token: manager })).status).toBe(204);
    const banks = await call("GET", "/question-banks?limit=200", { token: manager });
    expect(banks.json.map((b: { id: string }) => b.id)).not.toContain(bank.id);
    expect((await call("GET", `/question-banks/${bank.id}`, { token: manager })).json.archived_at).not.toBeNull();
  });
});

describe("exams that draw from banks", () => {
  it("refuses a section it cannot fill (409), an unknown bank (404) and a pool of mixed marks without marks_each (400)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank } = await bankWith(manager, [mcq("A", { tags: ["x"] }), mcq("B", { tags: ["x"], marks: 3 })]);
    const tooMany = await examFrom(manager, bank.id, { count: 3 });
    expect([tooMany.form.status, tooMany.form.json.code]).toEqual([409, "bank_pool_too_small"]);
    const unknown = await examFrom(manager, "507f1f77bcf86cd7994390ff", { count: 1 });
    expect([unknown.form.status, unknown.form.json.code]).toEqual([404, "question_bank_not_found"]);
    const mixed = await examFrom(manager, bank.id, { count: 2 });
    expect([mixed.form.status, mixed.form.json.code]).toEqual([400, "invalid_form"]);
    const scored = await examFrom(manager, bank.id, { count: 2, marks_each: 4 });
    expect(scored.form.status, scored.form.text).toBe(201);
    expect(scored.form.json).toMatchObject({ total_marks: 8, question_count: 2 });
  });

  it("two participants draw their own questions; a retake draws unseen ones until the pool is used up", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const questions = Array.from({ length: 6 }, (_, i) => mcq(`Chapter 2, question ${i + 1}`, { tags: ["chapter-2"] }));
    const { bank, ids } = await bankWith(manager, [...questions, mcq("Chapter 3 only", { tags: ["chapter-3"] })]);
    const exam = await examFrom(manager, bank.id, { tags_all: ["chapter-2"], count: 2 });
    expect(exam.form.status, exam.form.text).toBe(201);
    const p = await exam.participant();
    const seen: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: p.token });
      expect(start.status, start.text).toBe(201);
      const drawn = drawnIds(start);
      expect(drawn).toHaveLength(2);
      // Never a question drawn before, while unseen ones remain; never one without the tag.
      for (const id of drawn) expect(seen).not.toContain(id);
      seen.push(...drawn);
      const id = start.json.submission_id;
      const answers = { mcq_answers: drawn.map((q) => ({ question_id: q, selected_option_id: "a" })) };
      expect((await call("POST", `/forms/submissions/${id}/submit`, { token: p.token, body: answers })).status).toBe(200);
      const retake = await call("POST", `/form-submissions/${id}/request-retake`, { token: manager, body: { reason: "again" } });
      expect(retake.status, retake.text).toBe(200);
    }
    expect([...seen].sort()).toEqual(ids.slice(0, 6).sort());
    // The pool used up, the least seen come back: any two of the six, once more.
    const fourth = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: p.token });
    expect(drawnIds(fourth).every((id) => ids.slice(0, 6).includes(id))).toBe(true);

    // Another participant draws independently: over a few starts, not always the first participant's first pair.
    const others = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const q = await exam.participant();
      others.add(drawnIds(await call("POST", `/steps/${exam.step.id}/exam/start`, { token: q.token })).join());
    }
    expect(others.size).toBeGreaterThan(1);
  });

  it("scores a drawn MCQ by its bank answer key and the section's marks", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank } = await bankWith(manager, [mcq("Only one", { tags: ["k"] })]);
    const exam = await examFrom(manager, bank.id, { count: 1, marks_each: 5 });
    const p = await exam.participant();
    const start = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: p.token });
    expect(start.text).not.toContain("is_correct");
    const q = start.json.form.questions[0]?.question_id;
    const submit = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, {
      token: p.token,
      body: { mcq_answers: [{ question_id: q, selected_option_id: "a" }] },
    });
    expect(submit.status, submit.text).toBe(200);
    expect(submit.json).toMatchObject({ mcq_score: 5 });
    const detail = await call("GET", `/form-submissions/${start.json.submission_id}`, { token: manager });
    expect(detail.json).toMatchObject({ total_score: 5 });
  });
});

describe("who may use banks", () => {
  it("instructors make and change their own banks and read any; graders, observers and participants may not (403)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const staff = async (role: string) => {
      const sub = uniqueName(role);
      expect((await call("PUT", `/courses/${course.id}/staff/${sub}`, { token: manager, body: { role } })).status).toBe(200);
      return token(sub, "staff");
    };
    const instructor = await staff("instructor");
    const own = await call("POST", "/question-banks", { token: instructor, body: { name: "Mine" } });
    expect(own.status, own.text).toBe(201);
    expect((await call("POST", `/question-banks/${own.json.id}/questions`, { token: instructor, body: mcq("Q") })).status).toBe(201);
    const managers = await bankWith(manager, [mcq("Theirs")]);
    expect((await call("GET", `/question-banks/${managers.bank.id}/questions`, { token: instructor })).status).toBe(200);
    const change = await call("PUT", `/question-banks/${managers.bank.id}`, { token: instructor, body: { name: "Taken" } });
    expect([change.status, change.json.code]).toEqual([403, "insufficient_grant"]);
    for (const who of [await staff("grader"), await staff("observer"), await token(uniqueName("p"), "participant")]) {
      expect((await call("GET", "/question-banks", { token: who })).status).toBe(403);
      expect((await call("GET", `/question-banks/${own.json.id}`, { token: who })).status).toBe(403);
    }
  });
});

const importAs = (token: string, bankId: string, body: string, type: string, query = "") =>
  call("POST", `/question-banks/${bankId}/import${query}`, { token, rawBody: body, headers: { "content-type": type } });

describe("import and export", () => {
  it("imports a varied GIFT file: what it can score, the rest skipped with its line and why; a dry run writes nothing", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank } = await bankWith(manager, []);
    const dry = await importAs(manager, bank.id, variedGift, "text/plain; charset=utf-8", "?dry_run=true");
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json).toMatchObject({ imported: 11, dry_run: true, questions: [] });
    expect(dry.json.preview).toHaveLength(11);
    expect((await call("GET", `/question-banks/${bank.id}`, { token: manager })).json.question_count).toBe(0);

    const res = await importAs(manager, bank.id, variedGift, "text/plain");
    expect(res.status, res.text).toBe(200);
    expect(res.json.imported).toBe(11);
    expect(res.json.questions).toHaveLength(11);
    expect(res.json.skipped.map((s: { line: number; type: string }) => [s.line, s.type])).toEqual([
      [28, "shortanswer"],
      [30, "numerical"],
      [32, "matching"],
      [39, expect.any(String)],
      [47, expect.any(String)],
      [53, "description"],
      [56, expect.any(String)],
    ]);
    // Categories became tags: Chapter 1's questions are found by the tag.
    const chapter1 = await call("GET", `/question-banks/${bank.id}/questions?tag=chapter-1`, { token: manager });
    expect(chapter1.json.length).toBeGreaterThan(0);
    const essay = (await call("GET", `/question-banks/${bank.id}/questions?q=Hammarskj`, { token: manager })).json[0];
    expect(essay).toMatchObject({ question_type: "THEORY", name: "Essay", options: [] });
  });

  it("imports Moodle XML, skipping what it cannot score by element index", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank } = await bankWith(manager, []);
    const res = await importAs(manager, bank.id, variedXml, "application/xml");
    expect(res.status, res.text).toBe(200);
    expect(res.json.imported).toBe(7);
    expect(res.json.skipped.map((s: { index: number }) => s.index)).toEqual([3, 5, 6, 7, 8, 9, 10, 13, 17, 18]);
  });

  it("malformed input is 400 invalid_import naming the line, and nothing is imported; other types are 415", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank } = await bankWith(manager, []);
    const res = await importAs(manager, bank.id, "::Q1:: Fine? {=yes ~no}\n\n::Q2:: Broken {=yes ~no\n", "text/plain");
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_import");
    expect(res.json.detail).toMatch(/line 3/);
    expect((await call("GET", `/question-banks/${bank.id}`, { token: manager })).json.question_count).toBe(0);
    const json = await call("POST", `/question-banks/${bank.id}/import`, { token: manager, body: { questions: [] } });
    expect([json.status, json.json.code]).toEqual([415, "unsupported_media_type"]);
  });

  it("exports GIFT and Moodle XML that the import reads back to the same questions", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank } = await bankWith(manager, [
      mcq("Escapes ~ = # { } : and Cyrillic: Кришна", { tags: ["chapter-2"], name: "Escapes" }),
      { question_type: "THEORY", question_text: "Explain 2.13", marks: 5, max_words: 150, tags: ["essays"] },
    ]);
    const shape = (qs: Json[]) =>
      qs
        .map((q) => ({
          name: q.name,
          type: q.question_type,
          text: q.question_text,
          options: q.options,
          marks: q.marks,
          max_words: q.max_words,
          tags: q.tags,
        }))
        .sort((a, b) => String(a.text).localeCompare(String(b.text)));
    const original = shape((await call("GET", `/question-banks/${bank.id}/questions`, { token: manager })).json);
    for (const [format, type] of [
      ["gift", "text/plain"],
      ["moodle-xml", "application/xml"],
    ] as const) {
      const file = await call("GET", `/question-banks/${bank.id}/export?format=${format}`, { token: manager });
      expect(file.status).toBe(200);
      expect(file.headers.get("content-type")).toContain(type);
      expect(file.headers.get("content-disposition")).toMatch(/^attachment; filename="/);
      const copy = await bankWith(manager, []);
      const back = await importAs(manager, copy.bank.id, file.text, type);
      expect(back.status, back.text).toBe(200);
      expect(back.json.skipped).toEqual([]);
      const read = shape((await call("GET", `/question-banks/${copy.bank.id}/questions`, { token: manager })).json);
      expect(read, format).toEqual(original);
    }
  });
});

describe("item analytics per question version", () => {
  it("reports each version of a bank question that attempts drew, with its own figures", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank, ids } = await bankWith(manager, [mcq("Version one", { tags: ["a"] })]);
    const exam = await examFrom(manager, bank.id, { count: 1 });
    const sit = async (option: string) => {
      const p = await exam.participant();
      const start = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: p.token });
      const q = start.json.form.questions[0]?.question_id;
      const res = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, {
        token: p.token,
        body: { mcq_answers: [{ question_id: q, selected_option_id: option }] },
      });
      expect(res.status, res.text).toBe(200);
    };
    await sit("a");
    await sit("b");
    const edited = await call("PUT", `/question-banks/${bank.id}/questions/${ids[0]}`, {
      token: manager,
      body: mcq("Version two", { tags: ["a"] }),
    });
    expect(edited.json.version).toBe(2);
    await sit("a");
    const analytics = await call("GET", `/forms/${exam.form.json.id}/analytics`, { token: manager });
    expect(analytics.status, analytics.text).toBe(200);
    expect(analytics.json.attempts).toBe(3);
    const versions = analytics.json.questions.map((q: Json) => [q.question_id, q.version, q.scored, q.mean_marks]);
    expect(versions).toEqual([
      [ids[0], 1, 2, 1],
      [ids[0], 2, 1, 2],
    ]);
    const v1 = analytics.json.questions[0] as { options: { option_id: string; selected: number; is_correct: boolean }[] };
    expect(v1.options.map((o) => [o.option_id, o.selected, o.is_correct])).toEqual([
      ["a", 1, true],
      ["b", 1, false],
    ]);
  });
});

describe("a section that picks questions by id", () => {
  it("draws only those, each at its latest version for attempts started after an edit", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank, ids } = await bankWith(manager, [mcq("Picked, first wording"), mcq("Not picked"), mcq("Also not picked")]);
    const picked = ids[0] as string;
    const exam = await examFrom(manager, bank.id, { question_ids: [picked], count: 1 });
    expect(exam.form.status, exam.form.text).toBe(201);
    const first = await exam.participant();
    const one = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: first.token });
    expect(one.json.form.questions.map((q: Json) => [q.question_id, q.question_text])).toEqual([[picked, "Picked, first wording"]]);
    await call("PUT", `/question-banks/${bank.id}/questions/${picked}`, { token: manager, body: mcq("Picked, second wording") });
    const second = await exam.participant();
    const two = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: second.token });
    expect(two.json.form.questions.map((q: Json) => [q.question_id, q.question_text])).toEqual([[picked, "Picked, second wording"]]);
    // The first attempt keeps what it was shown.
    const kept = await call("GET", `/form-submissions/${one.json.submission_id}`, { token: manager });
    expect(kept.text).toContain("Picked, first wording");
  });

  it("tags_all needs every tag; tags_any one of them", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank, ids } = await bankWith(manager, [
      mcq("Both", { tags: ["x", "y"] }),
      mcq("Only x", { tags: ["x"] }),
      mcq("Only z", { tags: ["z"] }),
    ]);
    const all = await examFrom(manager, bank.id, { tags_all: ["x", "y"], count: 2 });
    expect([all.form.status, all.form.json.code]).toEqual([409, "bank_pool_too_small"]);
    const any = await examFrom(manager, bank.id, { tags_any: ["y", "z"], count: 2 });
    expect(any.form.status, any.form.text).toBe(201);
    const p = await any.participant();
    const start = await call("POST", `/steps/${any.step.id}/exam/start`, { token: p.token });
    expect(drawnIds(start)).toEqual([ids[0], ids[2]].sort());
  });
});

describe("a pool that shrinks after the exam was saved", () => {
  it("refuses the start (409 bank_pool_too_small naming the section) and writes no attempt", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const { bank, ids } = await bankWith(manager, [mcq("One", { tags: ["k"] }), mcq("Two", { tags: ["k"] })]);
    const exam = await examFrom(manager, bank.id, { tags_all: ["k"], count: 2 });
    expect(exam.form.status, exam.form.text).toBe(201);
    expect((await call("DELETE", `/question-banks/${bank.id}/questions/${ids[1]}`, { token: manager })).status).toBe(204);
    const p = await exam.participant();
    const start = await call("POST", `/steps/${exam.step.id}/exam/start`, { token: p.token });
    expect([start.status, start.json.code]).toEqual([409, "bank_pool_too_small"]);
    expect(start.json.detail).toContain("sections.0");
    const mine = await call("GET", `/form-submissions/participant/${p.sub}`, { token: p.token });
    expect(mine.json).toEqual([]);
  });
});
