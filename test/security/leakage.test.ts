/**
 * Answer and data leakage, and mass assignment.
 *
 * Leakage: participants A and B take the same course (exam, requirement table, files). Every response either
 * receives — the scripted participant actions (enrol, step and progress views, exam start/resume/autosave/
 * submit, submission views, requirement rows) and a walk over every route of the OpenAPI document with their
 * own ids and with the other's — is deep-scanned for a key named `is_correct` at any depth and for the other
 * participant's `sub` anywhere in the text.
 *
 * Mass assignment: every write route with a JSON body (read from the document) gets its valid base body plus,
 * one at a time, each server-owned field (`id`, `created_by`, `mcq_score`, `approved`, …) that its schema does
 * not name — at the top level and inside the first item of each array of objects. Each must be refused with
 * 400 naming the field; the whole database and a read-back must be unchanged; and the base body alone must then
 * succeed, which shows the refusal came from the field.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../helpers";
import {
  answersFor,
  BANK_TEXT,
  buildWorld,
  clip,
  deref,
  describeReq,
  GIFT_SAMPLE,
  jsonBodySchema,
  keyPaths,
  openApiDoc,
  operations,
  type Person,
  params,
  type Req,
  type Res,
  responseProblems,
  type StaffId,
  send,
  snapshotDatabase,
  type World,
} from "./lib";

let doc: any;
let w: World;

/** What a participant owns, by parameter name. */
type Holdings = { person: Person; formSubmission: string; tableSubmission: string; certificate: { id: string; list: string } };
let A: Holdings;
let B: Holdings;

const leaks: string[] = [];
const serverErrors: string[] = [];
let scanned = 0;

function scan(viewer: Person, other: Person, req: Req, res: Res) {
  scanned++;
  for (const p of responseProblems(res)) if (res.status >= 500 || /contains/.test(p)) serverErrors.push(`${describeReq(req)} → ${p}`);
  if (res.json !== undefined)
    for (const path of keyPaths(res.json, "is_correct"))
      leaks.push(`is_correct at ${path}: ${viewer.sub} ← ${describeReq(req)} (${res.status})`);
  else if (/"is_correct"/.test(res.text)) leaks.push(`is_correct in text: ${viewer.sub} ← ${describeReq(req)} (${res.status})`);
  // Headers too: a Link to a next page carries a cursor, which is base64url JSON of the last row's keys.
  for (const [name, value] of res.headers) {
    const cursors = [...value.matchAll(/cursor=([A-Za-z0-9_-]+)/g)].map((m) => {
      try {
        return atob(m[1]!.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((m[1]!.length + 3) % 4));
      } catch {
        return "";
      }
    });
    for (const text of [value, ...cursors])
      if (text.includes(other.sub) || text.includes("is_correct"))
        leaks.push(`${other.sub} or is_correct in header ${name} of ${viewer.sub}'s response ← ${describeReq(req)}: ${clip(text, 200)}`);
  }
  if (res.text.includes(other.sub))
    leaks.push(
      `${other.sub} (another participant) in ${viewer.sub}'s response ← ${describeReq(req)} (${res.status}): ${clip(res.text, 300)}`,
    );
  // Question banks are for their authors: no participant response carries a bank's name or its questions' text.
  for (const [what, text] of [
    ["a bank question's text", BANK_TEXT],
    ["the bank's name", w.bank.name],
  ] as const)
    if (res.text.includes(text) || [...res.headers].some(([, value]) => value.includes(text)))
      leaks.push(`${what} in ${viewer.sub}'s response ← ${describeReq(req)} (${res.status}): ${clip(res.text, 200)}`);
}

/** A participant's request, scanned; `expected` guards that the action really happened. */
async function act(viewer: Person, other: Person, method: string, path: string, json?: unknown, expected?: number[]): Promise<Res> {
  const req: Req = { method, path, token: viewer.token, json };
  const res = await send(req);
  scan(viewer, other, req, res);
  if (expected && !expected.includes(res.status))
    throw new Error(`${describeReq(req)}: expected ${expected}, got ${res.status} ${res.text}`);
  return res;
}

async function asManager(method: string, path: string, json?: unknown, expected = [200]) {
  const res = await send({ method, path, token: w.manager, json });
  if (!expected.includes(res.status)) throw new Error(`manager ${method} ${path}: ${res.status} ${res.text}`);
  return res;
}

beforeAll(async () => {
  doc = await openApiDoc();
  w = await buildWorld();
  // B joins A's course and goes through it alongside A: an exam attempt graded and approved, a table approved.
  await asManager("POST", `/courses/${w.course.id}/enroll?participant_id=${w.b.sub}`);
  await act(w.b, w.a, "POST", `/steps/${w.step1.id}/materials-complete`, undefined, [200]);
  const start = await act(w.b, w.a, "POST", `/steps/${w.step1.id}/exam/start`, undefined, [201]);
  await act(w.b, w.a, "PUT", `/forms/submissions/${start.json.submission_id}/answers`, answersFor("b"), [200]);
  await act(w.b, w.a, "POST", `/forms/submissions/${start.json.submission_id}/submit`, answersFor("a"), [200]);
  await asManager("POST", `/form-submissions/${start.json.submission_id}/grade`, {
    theory_grades: [{ question_id: "q2", marks_awarded: 9 }],
  });
  await asManager("POST", `/form-submissions/${start.json.submission_id}/approve`, {});
  const table = await act(w.b, w.a, "GET", `/requirement-tables/${w.table.id}/my-submission`, undefined, [200]);
  for (const serial of [1, 2])
    await act(
      w.b,
      w.a,
      "POST",
      `/requirement-tables/submissions/${table.json.submission_id}/rows`,
      { serial_number: serial, completed: true, completed_value: 5, remarks: "done" },
      [200],
    );
  await act(w.b, w.a, "POST", `/requirement-tables/submissions/${table.json.submission_id}/submit`, undefined, [200]);
  await asManager("POST", `/requirement-tables/submissions/${table.json.submission_id}/approve`, { approval_remarks: "good" });
  A = { person: w.a, formSubmission: w.submitted, tableSubmission: w.aTable, certificate: w.certificate };
  B = {
    person: w.b,
    formSubmission: start.json.submission_id,
    tableSubmission: table.json.submission_id,
    certificate: await w.certify(w.b),
  };
}, 60_000);

describe("answer and data leakage", () => {
  it("participant actions: enrol, views, exam start/resume/autosave/submit, submissions, requirement rows", async () => {
    const a = w.a;
    const b = w.b;
    await asManager("PUT", `/courses/${w.course.id}/set-default`);
    await act(a, b, "POST", "/courses/enroll-default", undefined, [200]);
    for (const path of [
      "/courses",
      "/courses?is_active=true",
      `/courses/${w.course.id}`,
      `/steps/${w.step1.id}`,
      `/steps/${w.step2.id}`,
      "/forms",
      `/forms?step_id=${w.step1.id}`,
      `/forms/${w.exam1.id}`,
      `/forms/${w.exam2.id}`,
      "/requirement-tables",
      `/requirement-tables/${w.table.id}`,
      `/requirement-tables/${w.table.id}/my-submission`,
      "/participants/me/courses",
      `/participants/me/progress/${w.course.id}`,
      `/participants/me/step/${w.step1.id}/progress`,
      `/participants/me/step/${w.step2.id}/progress`,
      `/form-submissions/${w.submitted}`,
      `/form-submissions/participant/${a.sub}`,
    ])
      await act(a, b, "GET", path, undefined, [200]);
    await act(a, b, "POST", `/materials/${w.video.id}/complete`, undefined, [200]);
    await act(a, b, "POST", `/steps/${w.step1.id}/materials-complete`, undefined, [200]);
    const link = await act(a, b, "POST", `/materials/${w.doc.id}/file-link`, undefined, [200]);
    await act(a, b, "GET", link.json.url.replace(/^https?:\/\/[^/]+/, ""), undefined, [200]);

    // The open attempt on exam2: resume, autosave, submit.
    const resume = await act(a, b, "POST", `/steps/${w.step2.id}/exam/start`, undefined, [200]);
    expect(resume.json.submission_id).toBe(w.open);
    await act(a, b, "PUT", `/forms/submissions/${w.open}/answers`, answersFor("b", "first draft"), [200]);
    await act(a, b, "POST", `/steps/${w.step2.id}/exam/start`, undefined, [200]);
    await act(a, b, "POST", `/forms/submissions/${w.open}/submit`, answersFor("a"), [200]);
    await act(a, b, "GET", `/form-submissions/${w.open}`, undefined, [200]);

    // exam1: rejected by the manager, started again (a new attempt), submitted, graded, approved; viewed at each stage.
    await asManager("POST", `/form-submissions/${w.submitted}/reject`, { feedback: "try again" });
    await act(a, b, "GET", `/form-submissions/${w.submitted}`, undefined, [200]);
    const again = await act(a, b, "POST", `/steps/${w.step1.id}/exam/start`, undefined, [201]);
    await act(a, b, "PUT", `/forms/submissions/${again.json.submission_id}/answers`, answersFor("a"), [200]);
    await act(a, b, "POST", `/steps/${w.step1.id}/exam/start`, undefined, [200]);
    await act(a, b, "POST", `/forms/submissions/${again.json.submission_id}/submit`, answersFor("a"), [200]);
    await act(a, b, "GET", `/form-submissions/${again.json.submission_id}`, undefined, [200]);
    await asManager("POST", `/form-submissions/${again.json.submission_id}/grade`, {
      theory_grades: [{ question_id: "q2", marks_awarded: 10 }],
    });
    await act(a, b, "GET", `/form-submissions/${again.json.submission_id}`, undefined, [200]);
    await asManager("POST", `/form-submissions/${again.json.submission_id}/approve`, { feedback: "well done" });
    await act(a, b, "GET", `/form-submissions/${again.json.submission_id}`, undefined, [200]);
    await act(a, b, "GET", `/form-submissions/participant/${a.sub}`, undefined, [200]);

    // Requirement rows: edit, submit, manager rejects one, edit again.
    await act(
      a,
      b,
      "POST",
      `/requirement-tables/submissions/${w.aTable}/rows`,
      { serial_number: 1, completed: true, completed_value: 16, remarks: "daily" },
      [200],
    );
    await act(a, b, "POST", `/requirement-tables/submissions/${w.aTable}/submit`, undefined, [200]);
    await asManager("POST", `/requirement-tables/submissions/${w.aTable}/rows/1/approve`, {
      approved: false,
      approval_remarks: "prove it",
    });
    await act(a, b, "GET", `/requirement-tables/${w.table.id}/my-submission`, undefined, [200]);
    await act(
      a,
      b,
      "POST",
      `/requirement-tables/submissions/${w.aTable}/rows`,
      { serial_number: 1, completed: true, completed_value: 17 },
      [200],
    );
    await asManager("POST", `/requirement-tables/submissions/${w.aTable}/submit?participant_id=${a.sub}`);
    await asManager("POST", `/requirement-tables/submissions/${w.aTable}/approve`, {});

    // And every view once more, now that A has reviewed, approved and completed work.
    for (const path of [
      `/courses/${w.course.id}`,
      `/steps/${w.step1.id}`,
      `/steps/${w.step2.id}`,
      "/participants/me/courses",
      `/participants/me/progress/${w.course.id}`,
      `/participants/me/step/${w.step1.id}/progress`,
      `/participants/me/step/${w.step2.id}/progress`,
    ])
      await act(a, b, "GET", path, undefined, [200]);

    expect(serverErrors).toEqual([]);
    expect(leaks, leaks.join("\n")).toEqual([]);
  });

  it("a walk over every route of the document, by A and by B, with their own ids and with the other's", async () => {
    const ops = operations(doc);
    const bodyFor = (key: string): unknown => WALK_BODIES[key];
    const missing = ops.filter((o) => jsonBodySchema(doc, o.op) && !(o.key in WALK_BODIES)).map((o) => o.key);
    expect(missing, "JSON-body routes without a walk body").toEqual([]);
    let walked = 0;
    const before = leaks.length;
    for (const [viewer, other] of [
      [A, B],
      [B, A],
    ] as const) {
      for (const owner of [viewer, other]) {
        // On their own ids, a participant's writes come after the reads (they change state the reads should see first).
        const sorted = [...ops].sort(
          (x, y) => Number(x.method !== "GET" && owner === viewer) - Number(y.method !== "GET" && owner === viewer),
        );
        for (const o of sorted) {
          if (o.method === "DELETE" && owner === viewer) continue; // a participant's delete is a 403 either way
          let path = o.path;
          for (const p of params(o.op, "path")) path = path.replace(`{${p.name}}`, encodeURIComponent(valueFor(p.name, o.path, owner)));
          const query = params(o.op, "query").filter((p: any) => p.name === "participant_id" || p.required);
          if (query.length)
            path += `?${query.map((p: any) => `${p.name}=${encodeURIComponent(valueFor(p.name, o.path, owner))}`).join("&")}`;
          const req: Req = { method: o.method, path, token: viewer.person.token, json: bodyFor(o.key) };
          if (o.key === "PUT /materials/{material_id}/file") {
            delete req.json;
            req.raw = "%PDF-1.7 tiny";
            req.headers = { "content-type": "application/pdf", "content-length": "13" };
          }
          if (o.key === "POST /question-banks/{bank_id}/import") {
            delete req.json;
            req.raw = GIFT_SAMPLE;
            req.headers = { "content-type": "text/plain" };
          }
          const res = await send(req);
          // A certificate read with the other's id (as if they had shared its link) shows their achievement, never
          // their account id: the credential carries it only salted and hashed.
          scan(viewer.person, other.person, req, res);
          walked++;
          // Question banks are refused to every participant, whoever's ids they name.
          if (o.path.startsWith("/question-banks") && (res.status !== 403 || res.json?.code !== "manager_only"))
            leaks.push(`${viewer.person.sub} got ${res.status} ${res.json?.code} on a question bank route: ${describeReq(req)}`);
          // The other's private data is never served: their submissions, rows and progress are 403/404.
          if (owner !== viewer && res.status < 300 && PRIVATE.has(o.key))
            leaks.push(`${viewer.person.sub} got ${res.status} on ${other.person.sub}'s data: ${describeReq(req)}: ${clip(res.text, 200)}`);
        }
      }
    }
    console.log(`leakage walk: ${walked} requests over ${ops.length} routes; ${scanned} responses scanned in this file`);
    expect(serverErrors).toEqual([]);
    expect(leaks.slice(before), leaks.slice(before).join("\n")).toEqual([]);
  });

  it("an exam drawing from a bank: each attempt shows its own drawn questions, without is_correct; never the rest of the pool", async () => {
    const pool = Array.from({ length: 6 }, (_, i) => `Pool question ${i} ${uniqueName("pool")}`);
    const bank = await asManager("POST", "/question-banks", { name: uniqueName("pool-bank") }, [201]);
    for (const text of pool)
      await asManager(
        "POST",
        `/question-banks/${bank.json.id}/questions`,
        {
          question_type: "MCQ",
          question_text: text,
          options: [
            { option_id: "a", text: "Right", is_correct: true },
            { option_id: "b", text: "Wrong", is_correct: false },
          ],
          marks: 1,
          tags: ["Chapter 2"],
        },
        [201],
      );
    const course = await asManager("POST", "/courses", { name: uniqueName("pool-course") }, [201]);
    const step = await asManager("POST", "/steps", { course_id: course.json.id, name: "Drawn exam" }, [201]);
    const form = await asManager(
      "POST",
      "/forms",
      {
        name: uniqueName("drawn"),
        step_id: step.json.id,
        duration_minutes: 30,
        max_attempts: 5,
        questions: [],
        sections: [{ bank_id: bank.json.id, tags_all: ["chapter-2"], count: 2 }],
      },
      [201],
    );
    const seen = (res: Res) => pool.filter((text) => res.text.includes(text));
    const problems: string[] = [];
    for (const [viewer, other] of [
      [w.a, w.b],
      [w.b, w.a],
    ] as const) {
      await asManager("POST", `/courses/${course.json.id}/enroll?participant_id=${viewer.sub}`);
      const view = await act(viewer, other, "GET", `/forms/${form.json.id}`, undefined, [200]);
      if (seen(view).length) problems.push(`${viewer.sub}'s form view shows pool questions: ${seen(view).join(" | ")}`);
      const start = await act(viewer, other, "POST", `/steps/${step.json.id}/exam/start`, undefined, [201]);
      const drawn = seen(start);
      if (drawn.length !== 2) problems.push(`${viewer.sub}'s attempt shows ${drawn.length} pool questions, not the 2 drawn`);
      const id = start.json.submission_id;
      const mcq = start.json.form.questions.map((q: any) => ({ question_id: q.question_id, selected_option_id: q.options[0].option_id }));
      for (const res of [
        await act(viewer, other, "POST", `/steps/${step.json.id}/exam/start`, undefined, [200]),
        await act(viewer, other, "PUT", `/forms/submissions/${id}/answers`, { mcq_answers: mcq }, [200]),
        await act(viewer, other, "POST", `/forms/submissions/${id}/submit`, { mcq_answers: mcq }, [200]),
        await act(viewer, other, "GET", `/form-submissions/${id}`, undefined, [200]),
        await act(viewer, other, "GET", `/form-submissions/participant/${viewer.sub}`, undefined, [200]),
      ]) {
        const extra = seen(res).filter((text) => !drawn.includes(text));
        if (extra.length) problems.push(`${viewer.sub}: ${res.status} shows undrawn pool questions: ${extra.join(" | ")}`);
      }
    }
    expect(serverErrors).toEqual([]);
    expect(leaks, leaks.join("\n")).toEqual([]);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("the scanner is live: it finds is_correct in a manager's form view and a participant's id in a manager's list", async () => {
    const form = await send({ method: "GET", path: `/forms/${w.exam1.id}`, token: w.manager });
    expect(keyPaths(form.json, "is_correct").length).toBeGreaterThan(0);
    const list = await send({ method: "GET", path: `/form-submissions/participant/${w.b.sub}`, token: w.manager });
    expect(list.text).toContain(w.b.sub);
    const canary: string[] = [];
    const saved = leaks.length;
    scan(w.a, w.b, { method: "GET", path: `/forms/${w.exam1.id}` }, form);
    scan(w.a, w.b, { method: "GET", path: `/form-submissions/participant/${w.b.sub}` }, list);
    canary.push(...leaks.splice(saved));
    scanned -= 2;
    expect(canary.some((l) => l.startsWith("is_correct at $.questions[0].options[0].is_correct"))).toBe(true);
    expect(canary.some((l) => l.startsWith(`${w.b.sub} (another participant)`))).toBe(true);
    // And a bank question's text, in a manager's read of the bank.
    const banked = await send({ method: "GET", path: `/question-banks/${w.bank.id}/questions`, token: w.manager });
    const saved2 = leaks.length;
    scan(w.a, w.b, { method: "GET", path: `/question-banks/${w.bank.id}/questions` }, banked);
    scanned -= 1;
    expect(leaks.splice(saved2).some((l) => l.startsWith("a bank question's text"))).toBe(true);
  });

  it("reports the figures", () => {
    console.log(`leakage: ${scanned} participant responses scanned, ${leaks.length} leaks`);
    expect(leaks).toEqual([]);
  });
});

/* ------------------------------------------------ course staff ------------------------------------------------ */

/**
 * Course staff see their own course only. A world of its own (B takes course B only; the walk above enrolled the
 * first world's B in course A): A has an accommodation with a distinctive note and an exam override, B an attempt
 * in course B graded and approved with distinctive feedback. Then, with the staff tokens of course A
 * (instructor-a, grader-a-c1, observer-a), every GET (and read-only POST) the document admits staff to is called with
 * course A's ids, and every 2xx body and its headers are scanned: no id, name or answer of course B, no
 * accommodation note, no `is_correct` outside the authoring views of forms and their analytics. instructor-b sends the same requests:
 * every one naming a course A id is 4xx, and what its lists answer holds nothing of course A. Question banks are the
 * organisation's (`x-staff-scope: organisation` in the document): every instructor reads them (instructor-b too, and
 * they hold nothing of course A), they are authoring views, and graders and observers are refused them.
 */
describe("course staff: no other course's data, no accommodation note, no answer key outside authoring views", () => {
  let sw: World;
  const NOTE = `accommodation-note-${uniqueName("sensitive")}`;
  const NOTE_B = `accommodation-note-${uniqueName("sensitive-b")}`;
  const FEEDBACK_B = `feedback-${uniqueName("only-course-b")}`;
  /** Read-only POSTs staff may send (the participant walk calls every route; these only read). */
  const READ_ONLY_POSTS = new Set(["POST /materials/{material_id}/file-link"]);
  /**
   * Authoring views of a course's exams: `is_correct` belongs there, for the staff of that course — the forms, and
   * item analytics (which option each attempt chose, beside the right one: instructors and observers only), and the
   * responses report (each answer and whether it was right: the item review of staff who read the course's attempts).
   */
  const AUTHORING = new Set(["GET /forms", "GET /forms/{form_id}", "GET /forms/{form_id}/analytics", "GET /forms/{form_id}/responses"]);
  /** Lists filtered to the caller's grants, though the path names a participant: an empty answer is theirs to give. */
  const FILTERED = new Set(["GET /form-submissions/participant/{participant_id}"]);
  const found: string[] = [];
  const refusedWrongly: string[] = [];
  const errors: string[] = [];
  const bodies = { courseA: 0, instructorB: 0, requests: 0 };
  const ok2xx = new Map<string, Set<string>>();
  /** Answers that were not 2xx, per viewer: "status key" → count (printed, so a refusal that hides content shows). */
  const refused = new Map<string, Map<string, number>>();

  beforeAll(async () => {
    sw = await buildWorld();
    const as = async (method: string, path: string, json?: unknown, expected = [200]) => {
      const res = await send({ method, path, token: sw.manager, json });
      if (!expected.includes(res.status)) throw new Error(`manager ${method} ${path}: ${res.status} ${res.text}`);
      return res;
    };
    await as("PUT", `/participants/${sw.a.sub}/accommodations`, { extra_time_percent: 25, note: NOTE });
    await as("PUT", `/participants/${sw.b.sub}/accommodations`, { extra_time_percent: 50, note: NOTE_B });
    await as("PUT", `/forms/${sw.exam1.id}/overrides/${sw.a.sub}`, { duration_minutes: 45 });
    await as("POST", `/form-submissions/${sw.bSubmitted}/grade`, { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] });
    await as("POST", `/form-submissions/${sw.bSubmitted}/approve`, { feedback: FEEDBACK_B });
  }, 60_000);

  /** Course A's ids, per parameter name. */
  const idsOfA = (name: string, path: string): string[] => {
    switch (name) {
      case "course_id":
        return [sw.course.id];
      case "step_id":
        return [sw.step1.id, sw.step2.id, sw.draftStep.id];
      case "material_id":
        return [sw.video.id, sw.doc.id, sw.rt.id, sw.video2.id];
      case "form_id":
        return [sw.exam1.id, sw.exam2.id];
      case "table_id":
        return [sw.table.id];
      case "submission_id":
        return path.startsWith("/requirement-tables") ? [sw.aTable] : [sw.submitted, sw.open];
      case "participant_id":
        return [sw.a.sub];
      case "cohort_id":
        return [sw.cohorts.c1, sw.cohorts.c2, sw.cohorts.c3];
      // The organisation's bank (in no course), made by the manager.
      case "bank_id":
        return [sw.bank.id];
      case "question_id":
        return [sw.bankQuestion];
      default:
        throw new Error(`no course A value for parameter ${name} of ${path}`);
    }
  };

  /**
   * Operations whose staff reach is the organisation (`x-staff-scope: organisation`: question banks), read from the
   * document: their ids name no course, any instructor reads them (instructor-b too), and they are authoring views
   * (`is_correct` belongs there) — for instructors only: graders and observers are 403.
   */
  const organisationWide = (op: any) => op["x-staff-scope"] === "organisation";
  const organisationKeys = () =>
    new Set(
      operations(doc)
        .filter((o) => organisationWide(o.op))
        .map((o) => o.key),
    );
  const authoringView = (key: string) => AUTHORING.has(key) || organisationKeys().has(key);

  /** Every request of the scan: each read operation admitting staff, once per combination of course A's ids. */
  const requests = (): { key: string; path: string; namesA: boolean }[] => {
    const out: { key: string; path: string; namesA: boolean }[] = [];
    for (const o of operations(doc)) {
      const roles: unknown = o.op["x-roles"];
      if (!Array.isArray(roles) || !roles.includes("staff")) continue;
      if (o.method !== "GET" && !READ_ONLY_POSTS.has(o.key)) continue;
      const names: string[] = [
        ...params(o.op, "path").map((p: any) => p.name),
        ...params(o.op, "query")
          .filter((p: any) => p.name === "participant_id" || p.required)
          .map((p: any) => p.name),
      ];
      let combos: Record<string, string>[] = [{}];
      for (const name of names) combos = combos.flatMap((c) => idsOfA(name, o.path).map((v) => ({ ...c, [name]: v })));
      for (const combo of combos) {
        let path = o.path;
        const query: string[] = [];
        for (const [name, value] of Object.entries(combo)) {
          if (path.includes(`{${name}}`)) path = path.replace(`{${name}}`, encodeURIComponent(value));
          else query.push(`${name}=${encodeURIComponent(value)}`);
        }
        out.push({
          key: o.key,
          path: query.length ? `${path}?${query.join("&")}` : path,
          namesA: names.length > 0 && !organisationWide(o.op),
        });
      }
    }
    return out;
  };

  /** Where `texts` occur in a response: its body, its headers, and the cursors its headers carry. */
  function occurrences(res: Res, texts: [string, string][]): string[] {
    const hay = [res.text];
    for (const [name, value] of res.headers) {
      hay.push(`${name}: ${value}`);
      for (const m of value.matchAll(/cursor=([A-Za-z0-9_-]+)/g)) {
        try {
          hay.push(atob(m[1]!.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((m[1]!.length + 3) % 4)));
        } catch {
          // not base64url: the header itself was scanned
        }
      }
    }
    return texts.filter(([, text]) => hay.some((h) => h.includes(text))).map(([what]) => what);
  }

  async function scanAs(viewer: StaffId, key: string, req: Req, forbidden: [string, string][], answerKeyAllowed: boolean) {
    const res = await send(req);
    bodies.requests++;
    for (const p of responseProblems(res))
      if (res.status >= 500 || /contains/.test(p)) errors.push(`[${viewer}] ${describeReq(req)} → ${p}`);
    if (res.status < 200 || res.status >= 300) {
      if (!refused.has(viewer)) refused.set(viewer, new Map());
      const tally = refused.get(viewer)!;
      tally.set(`${res.status} ${key}`, (tally.get(`${res.status} ${key}`) ?? 0) + 1);
      return res;
    }
    if (viewer === "instructor-b") bodies.instructorB++;
    else bodies.courseA++;
    if (!ok2xx.has(viewer)) ok2xx.set(viewer, new Set());
    ok2xx.get(viewer)!.add(key);
    const hits = occurrences(res, forbidden);
    if (hits.length) found.push(`[${viewer}] ${describeReq(req)} (${res.status}) shows ${hits.join(", ")}: ${clip(res.text, 300)}`);
    if (!answerKeyAllowed) {
      const at = res.json !== undefined ? keyPaths(res.json, "is_correct") : /"is_correct"/.test(res.text) ? ["(text)"] : [];
      if (at.length) found.push(`[${viewer}] ${describeReq(req)} (${res.status}) shows is_correct at ${at.slice(0, 3).join(", ")}`);
    }
    return res;
  }

  /** What course B holds, and what no staff member may ever read: the accommodation notes. */
  const ofCourseB = (): [string, string][] => [
    ["course B's id", sw.courseB.id],
    ["course B's name", sw.courseB.name],
    ["step B's id", sw.stepB.id],
    ["step B's name", sw.stepB.name],
    ["video B's id", sw.videoB.id],
    ["video B's title", sw.videoB.title],
    ["exam B's id", sw.examB.id],
    ["exam B's name", sw.examB.name],
    ["participant B's sub", sw.b.sub],
    ["B's submission id", sw.bSubmitted],
    ["B's answer text", sw.bAnswerText],
    ["B's feedback", FEEDBACK_B],
    ["course B's instructor", sw.staff["instructor-b"].sub],
    ["A's accommodation note", NOTE],
    ["B's accommodation note", NOTE_B],
  ];
  const ofCourseA = (): [string, string][] => [
    ["course A's id", sw.course.id],
    ["course A's name", sw.course.name],
    ["step 1's id", sw.step1.id],
    ["step 2's id", sw.step2.id],
    ["the draft step's id", sw.draftStep.id],
    ["video's id", sw.video.id],
    ["document's id", sw.doc.id],
    ["table material's id", sw.rt.id],
    ["video 2's id", sw.video2.id],
    ["exam 1's id", sw.exam1.id],
    ["exam 1's name", sw.exam1.name],
    ["exam 2's id", sw.exam2.id],
    ["exam 2's name", sw.exam2.name],
    ["table T's id", sw.table.id],
    ["table T's name", sw.table.name],
    ["participant A's sub", sw.a.sub],
    ["A's submission ids", sw.submitted],
    ["A's open attempt", sw.open],
    ["A's table submission", sw.aTable],
    ["cohort 1", sw.cohorts.c1],
    ["cohort 3", sw.cohorts.c3],
    ["course A's instructor", sw.staff["instructor-a"].sub],
    ["A's accommodation note", NOTE],
    ["B's accommodation note", NOTE_B],
  ];

  it("staff of course A (instructor, grader limited to cohort 1, observer): every 2xx body is free of course B and of notes", {
    timeout: 120_000,
  }, async () => {
    const all = requests();
    expect(all.length).toBeGreaterThan(20);
    for (const viewer of ["instructor-a", "grader-a-c1", "observer-a"] as const) {
      const token = sw.staff[viewer].token;
      for (const r of all) {
        const res = await scanAs(viewer, r.key, { method: r.key.split(" ")[0]!, path: r.path, token }, ofCourseB(), authoringView(r.key));
        // A signed link is read too: it serves the file to whoever holds it.
        if (r.key === "POST /materials/{material_id}/file-link" && res.status === 200) {
          const link: Req = { method: "GET", path: res.json.url.replace(/^https?:\/\/[^/]+/, "") };
          const file = await scanAs(viewer, "GET (signed link)", link, ofCourseB(), false);
          if (file.status !== 200)
            refusedWrongly.push(`${viewer}'s own signed link: ${describeReq(link)} → ${file.status} ${clip(file.text, 200)}`);
        }
      }
    }
    // The scan reads real content: each of them opens course A, its exam, A's attempt and A's progress.
    for (const viewer of ["instructor-a", "grader-a-c1", "observer-a"])
      for (const key of [
        "GET /courses/{course_id}",
        "GET /forms/{form_id}",
        "GET /form-submissions/{submission_id}",
        "GET /participants/me/progress/{course_id}",
      ])
        if (!ok2xx.get(viewer)?.has(key)) refusedWrongly.push(`${viewer} was not answered 2xx on ${key} for course A`);
    // Question banks: instructor-a reads every one (the organisation's); a grader's or observer's grant reads none.
    for (const key of organisationKeys()) {
      if (!key.startsWith("GET ")) continue;
      if (!ok2xx.get("instructor-a")?.has(key)) refusedWrongly.push(`instructor-a was not answered 2xx on ${key}`);
      for (const viewer of ["grader-a-c1", "observer-a"])
        if (ok2xx.get(viewer)?.has(key)) refusedWrongly.push(`${viewer} was answered 2xx on ${key}: banks are for instructors`);
    }
    console.log(
      `staff leakage: ${bodies.courseA} 2xx bodies of course A's staff scanned (${all.length} requests each for instructor-a, grader-a-c1, observer-a), ${found.length} leaks; not 2xx:`,
      Object.fromEntries([...refused].filter(([v]) => v !== "instructor-b").map(([v, t]) => [v, Object.fromEntries(t)])),
    );
    const problems = [...errors, ...refusedWrongly, ...found];
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("instructor-b, with course A's ids: every request naming one is 4xx, and its lists show nothing of course A", {
    timeout: 120_000,
  }, async () => {
    const before = found.length;
    const wrong: string[] = [];
    let named = 0;
    for (const r of requests()) {
      const req: Req = { method: r.key.split(" ")[0]!, path: r.path, token: sw.staff["instructor-b"].token };
      const res = await scanAs("instructor-b", r.key, req, ofCourseA(), authoringView(r.key));
      // A bank is the organisation's: instructor-b, an instructor too, reads it (and it holds nothing of course A).
      if (organisationKeys().has(r.key) && (res.status < 200 || res.status >= 300))
        wrong.push(`${describeReq(req)} → ${res.status}, expected 2xx: question banks are read by every instructor`);
      if (!r.namesA) continue;
      named++;
      const fine =
        (res.status >= 400 && res.status < 500) ||
        (FILTERED.has(r.key) && res.status === 200 && Array.isArray(res.json) && res.json.length === 0);
      if (!fine) wrong.push(`${describeReq(req)} → ${res.status} ${clip(res.text, 200)}`);
    }
    console.log(
      `staff leakage: instructor-b sent ${named} requests naming course A's ids (${wrong.length} not refused) and ${bodies.instructorB} of its 2xx bodies (lists, and the organisation's question banks) were scanned`,
    );
    expect(errors, errors.join("\n")).toEqual([]);
    expect(wrong, wrong.join("\n")).toEqual([]);
    expect(found.slice(before), found.slice(before).join("\n")).toEqual([]);
  });

  it("the scanner is live: the manager's view of course B shows its name, and the manager's accommodation read shows the note", async () => {
    const course = await send({ method: "GET", path: `/courses/${sw.courseB.id}`, token: sw.manager });
    expect(occurrences(course, ofCourseB())).toContain("course B's name");
    const accommodation = await send({ method: "GET", path: `/participants/${sw.a.sub}/accommodations`, token: sw.manager });
    expect(occurrences(accommodation, ofCourseB())).toContain("A's accommodation note");
    const attempt = await send({ method: "GET", path: `/form-submissions/${sw.bSubmitted}`, token: sw.manager });
    expect(occurrences(attempt, ofCourseB())).toEqual(expect.arrayContaining(["B's answer text", "B's feedback"]));
  });

  it("reports the figures", () => {
    console.log(
      `staff leakage: ${bodies.requests} staff requests, ${bodies.courseA + bodies.instructorB} 2xx bodies scanned ` +
        `(${bodies.courseA} of course A's staff, ${bodies.instructorB} of instructor-b), ${found.length} leaks`,
    );
    expect(found).toEqual([]);
  });
});

/** Routes whose ids or participant_id name one participant's private data. */
const PRIVATE = new Set([
  "GET /participants/{participant_id}/certificates",
  "POST /requirement-tables/submissions/{submission_id}/rows",
  "POST /requirement-tables/submissions/{submission_id}/submit",
  "GET /requirement-tables/{table_id}/my-submission",
  "PUT /forms/submissions/{submission_id}/answers",
  "POST /forms/submissions/{submission_id}/submit",
  "GET /form-submissions/participant/{participant_id}",
  "GET /form-submissions/{submission_id}",
  "GET /participants/me/courses",
  "GET /participants/me/progress/{course_id}",
  "GET /participants/me/step/{step_id}/progress",
  "POST /steps/{step_id}/exam/start",
  "POST /steps/{step_id}/materials-complete",
  "POST /materials/{material_id}/complete",
  "POST /courses/enroll-default",
  "GET /steps/{step_id}",
]);

function valueFor(name: string, path: string, owner: Holdings): string {
  switch (name) {
    case "participant_id":
      return owner.person.sub;
    case "submission_id":
      return path.startsWith("/requirement-tables") ? owner.tableSubmission : owner.formSubmission;
    case "course_id":
      return w.course.id;
    case "step_id":
      return w.step1.id;
    case "material_id":
      return w.doc.id;
    case "form_id":
      return w.exam1.id;
    case "table_id":
      return w.table.id;
    case "serial_number":
      return "1";
    case "manager_id":
      return w.managerSub;
    case "webhook_id":
    case "cohort_id":
      // Participants are refused every webhook and cohort route (403) before an id is looked at.
      return "507f1f77bcf86cd799439011";
    case "sub":
      // A staff member's subject: participants are refused every grant route (403) before it is looked at.
      return "walk-staff";
    case "bank_id":
      // The organisation's bank (participants are refused every bank route, 403 manager_only).
      return w.bank.id;
    case "question_id":
      return w.bankQuestion;
    case "certificate_id":
      return owner.certificate.id;
    case "list_id":
      return owner.certificate.list;
    default:
      throw new Error(`no walk value for parameter ${name} of ${path}`);
  }
}

const WALK_BODIES: Record<string, unknown> = {
  "POST /certificates/{certificate_id}/revoke": { reason: "walk" },
  "PUT /participants/{participant_id}/accommodations": { extra_time_percent: 10 },
  "PUT /forms/{form_id}/overrides/{participant_id}": { duration_minutes: 45 },
  "POST /courses": { name: "walk" },
  "PUT /courses/{course_id}": { description: "walk" },
  "POST /courses/{course_id}/steps/reorder": { step_orders: [{ step_id: "507f1f77bcf86cd799439011", order_index: 0 }] },
  "PUT /steps/{step_id}": { description: "walk" },
  "POST /steps": { course_id: "507f1f77bcf86cd799439011", name: "walk" },
  "POST /steps/{step_id}/materials": { material_type: "Video", title: "walk", content: { url: "https://example.com/w" } },
  "PUT /materials/{material_id}": { description: "walk" },
  "POST /forms": {
    name: "walk",
    duration_minutes: 5,
    questions: [{ question_id: "t", question_type: "THEORY", question_text: "?", marks: 1 }],
  },
  "PUT /forms/{form_id}": { description: "walk" },
  "POST /requirement-tables/submissions/{submission_id}/rows": { serial_number: 2, completed: true, completed_value: 1 },
  "POST /requirement-tables/submissions/{submission_id}/rows/{serial_number}/approve": { approved: true },
  "POST /requirement-tables/submissions/{submission_id}/approve": {},
  "POST /requirement-tables": { name: "walk", requirements: [{ serial_number: 1, activity: "a", target: 1, unit: "u" }] },
  "PUT /requirement-tables/{table_id}": { description: "walk" },
  "PUT /forms/submissions/{submission_id}/answers": { mcq_answers: [{ question_id: "q1", selected_option_id: "a" }] },
  "POST /forms/submissions/{submission_id}/submit": { mcq_answers: [{ question_id: "q1", selected_option_id: "a" }] },
  "POST /form-submissions/{submission_id}/grade": { theory_grades: [{ question_id: "q2", marks_awarded: 1 }] },
  "POST /form-submissions/{submission_id}/approve": {},
  "POST /form-submissions/{submission_id}/reject": {},
  "POST /form-submissions/{submission_id}/request-retake": {},
  "POST /webhooks": { url: "https://receiver.example/walk", events: ["course.completed"] },
  "POST /courses/{course_id}/cohorts": { name: "walk" },
  "PUT /cohorts/{cohort_id}": { name: "walk" },
  "PUT /courses/{course_id}/staff/{sub}": { role: "observer" },
  "POST /question-banks": { name: "walk" },
  "PUT /question-banks/{bank_id}": { description: "walk" },
  "POST /question-banks/{bank_id}/questions": { question_type: "THEORY", question_text: "walk?", marks: 1, tags: ["walk"] },
  "PUT /question-banks/{bank_id}/questions/{question_id}": { question_type: "THEORY", question_text: "walk?", marks: 1 },
};

/* ------------------------------------------------ mass assignment ------------------------------------------------ */

/** Fields the server owns. Sent where an operation's schema does not name them, each must be refused. */
const SERVER_FIELDS = [
  "id",
  "created_by",
  "created_at",
  "updated_at",
  "archived_at",
  "mcq_score",
  "theory_score",
  "total_score",
  "submission_status",
  "attempt_number",
  "is_late",
  "submitted_at",
  "approved",
  "approved_by",
  "approved_at",
  "reviewed_by",
  "participant_id",
  "file_key",
  "role",
  "secret",
];
const FORGED: Record<string, unknown> = {
  id: "507f1f77bcf86cd799439099",
  created_by: "mallory",
  created_at: "2000-01-01T00:00:00Z",
  updated_at: "2000-01-01T00:00:00Z",
  archived_at: "2000-01-01T00:00:00Z",
  mcq_score: 9999,
  theory_score: 9999,
  total_score: 9999,
  submission_status: "Approved",
  attempt_number: 0,
  is_late: false,
  submitted_at: "2000-01-01T00:00:00Z",
  approved: true,
  approved_by: "mallory",
  approved_at: "2000-01-01T00:00:00Z",
  reviewed_by: "mallory",
  participant_id: "mallory",
  file_key: "materials/other/secret",
  role: "manager",
  secret: "whsec_Zm9yZ2VkLWJ5LW1hbGxvcnktMzItYnl0ZXMtbG9uZyEh",
};

type Target = { path: string; token: string; body: Record<string, unknown>; readBack?: { path: string; token: string } };

/** For every JSON-body write: a fresh target, its valid base body and where to read it back. */
const TARGETS: Record<string, (w: World) => Promise<Target>> = {
  "POST /certificates/{certificate_id}/revoke": async (w) => {
    const { id } = await w.freshCertificate();
    return {
      path: `/certificates/${id}/revoke`,
      token: w.manager,
      body: { reason: "base" },
      readBack: { path: `/certificates/${id}`, token: w.manager },
    };
  },
  "PUT /participants/{participant_id}/accommodations": async (w) => {
    const p = uniqueName("ma-accommodated");
    return {
      path: `/participants/${p}/accommodations`,
      token: w.manager,
      body: { extra_time_percent: 10 },
      readBack: { path: `/participants/${p}/accommodations`, token: w.manager },
    };
  },
  "PUT /forms/{form_id}/overrides/{participant_id}": async (w) => {
    const f = await w.freshForm();
    return {
      path: `/forms/${f.id}/overrides/${uniqueName("ma-overridden")}`,
      token: w.manager,
      body: { duration_minutes: 45 },
      readBack: { path: `/forms/${f.id}/overrides`, token: w.manager },
    };
  },
  "POST /courses": async (w) => ({ path: "/courses", token: w.manager, body: { name: uniqueName("ma-course") } }),
  "PUT /courses/{course_id}": async (w) => {
    const c = await w.freshCourse();
    return {
      path: `/courses/${c.id}`,
      token: w.manager,
      body: { description: "base" },
      readBack: { path: `/courses/${c.id}`, token: w.manager },
    };
  },
  "POST /courses/{course_id}/steps/reorder": async (w) => {
    const c = await w.freshCourse();
    const s = await send({ method: "POST", path: "/steps", token: w.manager, json: { course_id: c.id, name: "s" } });
    return {
      path: `/courses/${c.id}/steps/reorder`,
      token: w.manager,
      body: { step_orders: [{ step_id: s.json.id, order_index: 3 }] },
      readBack: { path: `/courses/${c.id}`, token: w.manager },
    };
  },
  "PUT /steps/{step_id}": async (w) => {
    const s = await w.freshStep();
    return {
      path: `/steps/${s.id}`,
      token: w.manager,
      body: { description: "base" },
      readBack: { path: `/steps/${s.id}`, token: w.manager },
    };
  },
  "POST /steps": async (w) => {
    const c = await w.freshCourse();
    return {
      path: "/steps",
      token: w.manager,
      body: { course_id: c.id, name: uniqueName("ma-step") },
      readBack: { path: `/courses/${c.id}`, token: w.manager },
    };
  },
  "POST /steps/{step_id}/materials": async (w) => {
    const s = await w.freshStep();
    return {
      path: `/steps/${s.id}/materials`,
      token: w.manager,
      body: { material_type: "Video", title: "t", content: { url: "https://example.com/v" } },
      readBack: { path: `/steps/${s.id}`, token: w.manager },
    };
  },
  "PUT /materials/{material_id}": async (w) => {
    const m = await w.freshMaterial();
    return {
      path: `/materials/${m.id}`,
      token: w.manager,
      body: { description: "base" },
      readBack: { path: `/steps/${m.step_id}`, token: w.manager },
    };
  },
  "POST /forms": async (w) => ({
    path: "/forms",
    token: w.manager,
    body: {
      name: uniqueName("ma-form"),
      duration_minutes: 5,
      questions: [
        {
          question_id: "q",
          question_type: "MCQ",
          question_text: "?",
          marks: 1,
          options: [
            { option_id: "a", text: "A", is_correct: true },
            { option_id: "b", text: "B" },
          ],
        },
      ],
    },
  }),
  "PUT /forms/{form_id}": async (w) => {
    const f = await w.freshForm();
    return {
      path: `/forms/${f.id}`,
      token: w.manager,
      body: { description: "base" },
      readBack: { path: `/forms/${f.id}`, token: w.manager },
    };
  },
  "POST /requirement-tables/submissions/{submission_id}/rows": async (w) => {
    const p = await w.freshTableSubmission();
    return {
      path: `/requirement-tables/submissions/${p.submission}/rows`,
      token: p.token,
      body: { serial_number: 1, completed: true, completed_value: 3 },
      readBack: { path: `/requirement-tables/${w.table.id}/my-submission`, token: p.token },
    };
  },
  "POST /requirement-tables/submissions/{submission_id}/rows/{serial_number}/approve": async (w) => {
    const p = await w.freshTableSubmission();
    return {
      path: `/requirement-tables/submissions/${p.submission}/rows/1/approve`,
      token: w.manager,
      body: { approved: true },
      readBack: { path: `/requirement-tables/${w.table.id}/my-submission`, token: p.token },
    };
  },
  "POST /requirement-tables/submissions/{submission_id}/approve": async (w) => {
    const p = await w.freshTableSubmission();
    return {
      path: `/requirement-tables/submissions/${p.submission}/approve`,
      token: w.manager,
      body: { approval_remarks: "ok" },
      readBack: { path: `/requirement-tables/${w.table.id}/my-submission`, token: p.token },
    };
  },
  "POST /requirement-tables": async (w) => ({
    path: "/requirement-tables",
    token: w.manager,
    body: { name: uniqueName("ma-table"), requirements: [{ serial_number: 1, activity: "a", target: 1, unit: "u" }] },
  }),
  "PUT /requirement-tables/{table_id}": async (w) => {
    const t = await w.freshTable();
    return {
      path: `/requirement-tables/${t.id}`,
      token: w.manager,
      body: { description: "base" },
      readBack: { path: `/requirement-tables/${t.id}`, token: w.manager },
    };
  },
  "PUT /forms/submissions/{submission_id}/answers": async (w) => {
    const p = await w.freshOpen();
    return {
      path: `/forms/submissions/${p.submission}/answers`,
      token: p.token,
      body: answersFor("b"),
      readBack: { path: `/form-submissions/${p.submission}`, token: p.token },
    };
  },
  "POST /forms/submissions/{submission_id}/submit": async (w) => {
    const p = await w.freshOpen();
    return {
      path: `/forms/submissions/${p.submission}/submit`,
      token: p.token,
      body: answersFor("a"),
      readBack: { path: `/form-submissions/${p.submission}`, token: p.token },
    };
  },
  "POST /form-submissions/{submission_id}/grade": async (w) => {
    const p = await w.freshSubmitted();
    return {
      path: `/form-submissions/${p.submission}/grade`,
      token: w.manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 4 }] },
      readBack: { path: `/form-submissions/${p.submission}`, token: w.manager },
    };
  },
  "POST /form-submissions/{submission_id}/approve": async (w) => {
    const p = await w.freshSubmitted();
    await asManager("POST", `/form-submissions/${p.submission}/grade`, { theory_grades: [{ question_id: "q2", marks_awarded: 4 }] });
    return {
      path: `/form-submissions/${p.submission}/approve`,
      token: w.manager,
      body: { feedback: "ok" },
      readBack: { path: `/form-submissions/${p.submission}`, token: w.manager },
    };
  },
  "POST /form-submissions/{submission_id}/reject": async (w) => {
    const p = await w.freshSubmitted();
    return {
      path: `/form-submissions/${p.submission}/reject`,
      token: w.manager,
      body: { feedback: "no" },
      readBack: { path: `/form-submissions/${p.submission}`, token: w.manager },
    };
  },
  "POST /form-submissions/{submission_id}/request-retake": async (w) => {
    const p = await w.freshSubmitted();
    return {
      path: `/form-submissions/${p.submission}/request-retake`,
      token: w.manager,
      body: { reason: "again" },
      readBack: { path: `/form-submissions/${p.submission}`, token: w.manager },
    };
  },
  "POST /courses/{course_id}/cohorts": async (w) => {
    const course = await w.freshCourse();
    return {
      path: `/courses/${course.id}/cohorts`,
      token: w.manager,
      body: { name: uniqueName("ma-cohort") },
      readBack: { path: `/courses/${course.id}/cohorts?include_archived=true`, token: w.manager },
    };
  },
  "PUT /cohorts/{cohort_id}": async (w) => {
    const course = await w.freshCourse();
    const cohort = await send({
      method: "POST",
      path: `/courses/${course.id}/cohorts`,
      token: w.manager,
      json: { name: uniqueName("ma-cohort") },
    });
    if (cohort.status !== 201) throw new Error(`cohort ${cohort.status} ${cohort.text}`);
    return {
      path: `/cohorts/${cohort.json.id}`,
      token: w.manager,
      body: { name: uniqueName("ma-renamed") },
      readBack: { path: `/courses/${course.id}/cohorts?include_archived=true`, token: w.manager },
    };
  },
  "PUT /courses/{course_id}/staff/{sub}": async (w) => {
    const course = await w.freshCourse();
    return {
      path: `/courses/${course.id}/staff/${uniqueName("ma-staff")}`,
      token: w.manager,
      body: { role: "grader" },
      readBack: { path: `/courses/${course.id}/staff`, token: w.manager },
    };
  },
  "POST /question-banks": async (w) => ({ path: "/question-banks", token: w.manager, body: { name: uniqueName("ma-bank") } }),
  "PUT /question-banks/{bank_id}": async (w) => {
    const { bank } = await w.freshBank();
    return {
      path: `/question-banks/${bank.id}`,
      token: w.manager,
      body: { description: "base" },
      readBack: { path: `/question-banks/${bank.id}`, token: w.manager },
    };
  },
  "POST /question-banks/{bank_id}/questions": async (w) => {
    const { bank } = await w.freshBank();
    return {
      path: `/question-banks/${bank.id}/questions`,
      token: w.manager,
      body: {
        question_type: "MCQ",
        question_text: "Which?",
        options: [
          { option_id: "a", text: "This", is_correct: true },
          { option_id: "b", text: "That", is_correct: false },
        ],
        marks: 1,
        tags: ["ma"],
      },
      readBack: { path: `/question-banks/${bank.id}/questions?include_archived=true`, token: w.manager },
    };
  },
  "PUT /question-banks/{bank_id}/questions/{question_id}": async (w) => {
    const { bank, question } = await w.freshBank();
    return {
      path: `/question-banks/${bank.id}/questions/${question}`,
      token: w.manager,
      body: {
        question_type: "MCQ",
        question_text: "Which, now?",
        options: [
          { option_id: "a", text: "This", is_correct: false },
          { option_id: "b", text: "That", is_correct: true },
        ],
        marks: 1,
      },
      readBack: { path: `/question-banks/${bank.id}/questions/${question}`, token: w.manager },
    };
  },
  // Last: once its base body succeeds a live webhook subscribes to course.completed (nothing else here completes one).
  "POST /webhooks": async (w) => ({
    path: "/webhooks",
    token: w.manager,
    body: { url: `https://receiver.example/${uniqueName("ma-hook")}`, events: ["course.completed"], description: "ma" },
    readBack: { path: "/webhooks?limit=200", token: w.manager },
  }),
};

/** Where each forged field goes: the top level, and the first item of every array of objects in the body. */
function injections(schema: any, body: Record<string, unknown>): { where: string; field: string; body: Record<string, unknown> }[] {
  const out: { where: string; field: string; body: Record<string, unknown> }[] = [];
  const visit = (s: any, value: any, at: (string | number)[]) => {
    s = deref(doc, s);
    if (s?.anyOf) s = deref(doc, s.anyOf[0]);
    if (Array.isArray(value)) {
      if (value.length && value[0] && typeof value[0] === "object") visit(s?.items, value[0], [...at, 0]);
      return;
    }
    if (!value || typeof value !== "object") return;
    for (const field of SERVER_FIELDS) {
      if (s?.properties && field in s.properties) continue; // a field this schema accepts is not forged here
      const copy = JSON.parse(JSON.stringify(body));
      const node = at.reduce((n: any, k) => n[k], copy);
      node[field] = FORGED[field];
      out.push({ where: [...at, field].join("."), field, body: copy });
    }
    for (const [k, v] of Object.entries(value)) visit(s?.properties?.[k], v, [...at, k]);
  };
  visit(schema, body, []);
  return out;
}

describe("mass assignment", () => {
  const accepted: string[] = [];
  let sent = 0;

  it("every JSON-body write route has a target, and no target names a route the document lacks", () => {
    const writes = operations(doc)
      .filter((o) => jsonBodySchema(doc, o.op))
      .map((o) => o.key);
    expect(
      writes.filter((k) => !(k in TARGETS)),
      "JSON-body routes without a mass-assignment target",
    ).toEqual([]);
    expect(Object.keys(TARGETS).filter((k) => !writes.includes(k))).toEqual([]);
  });

  it.each(Object.keys(TARGETS))("%s refuses server-owned fields and changes nothing", async (key) => {
    const o = operations(doc).find((x) => x.key === key)!;
    expect(o).toBeDefined();
    const target = await TARGETS[key]!(w);
    const schema = jsonBodySchema(doc, o.op);
    const cases = injections(schema, target.body);
    expect(cases.length).toBeGreaterThan(0);
    const beforeDb = await snapshotDatabase();
    const beforeRead = target.readBack ? await send({ method: "GET", ...target.readBack }) : undefined;
    const problems: string[] = [];
    for (const c of cases) {
      const req: Req = { method: o.method, path: target.path, token: target.token, json: c.body };
      const res = await send(req);
      sent++;
      if (res.status !== 400) {
        accepted.push(`${key} accepted ${c.where}: ${res.status} ${clip(res.text, 200)}`);
        problems.push(`${c.where}: expected 400, got ${res.status} ${clip(res.text, 200)}`);
        continue;
      }
      if (res.json?.code !== "validation_error") problems.push(`${c.where}: code ${res.json?.code}`);
      const named = (res.json?.errors ?? []).some((e: any) => typeof e.path === "string" && e.path.split(".").includes(c.field));
      if (!named && !String(res.json?.detail).includes(c.field))
        problems.push(`${c.where}: the 400 does not name the field: ${clip(res.text, 200)}`);
    }
    const afterDb = await snapshotDatabase();
    for (const table of Object.keys({ ...beforeDb, ...afterDb }))
      if (JSON.stringify(beforeDb[table]) !== JSON.stringify(afterDb[table]))
        problems.push(`table ${table} changed while every request was refused`);
    if (target.readBack) {
      const afterRead = await send({ method: "GET", ...target.readBack });
      if (afterRead.text !== beforeRead!.text)
        problems.push(`read-back changed: ${clip(beforeRead!.text, 200)} → ${clip(afterRead.text, 200)}`);
    }
    // The base body alone is accepted: the refusals above came from the forged fields.
    const base = await send({ method: o.method, path: target.path, token: target.token, json: target.body });
    if (base.status < 200 || base.status >= 300) problems.push(`the base body itself is refused: ${base.status} ${clip(base.text, 200)}`);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("recorded actors come from the token, not from a query parameter", async () => {
    const res = await send({
      method: "POST",
      path: "/courses?created_by=mallory&id=507f1f77bcf86cd799439099",
      token: w.manager,
      json: { name: uniqueName("q") },
    });
    expect([201, 400]).toContain(res.status);
    if (res.status === 201) {
      expect(res.json.created_by).toBe(w.managerSub);
      expect(res.json.id).not.toBe("507f1f77bcf86cd799439099");
    }
  });

  it("reports the figures", () => {
    console.log(`mass assignment: ${sent} forged-field requests over ${Object.keys(TARGETS).length} routes, ${accepted.length} accepted`);
    expect(accepted, accepted.join("\n")).toEqual([]);
  });
});

describe("webhooks", () => {
  it("a signing secret is shown by its create call only: no manager read shows it again, no participant ever sees one", async () => {
    const created = await asManager("POST", "/webhooks", { url: "https://receiver.example/leak", events: ["course.completed"] }, [201]);
    const secret: string = created.json.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const key = secret.slice("whsec_".length);
    const problems: string[] = [];
    let reads = 0;
    // Every GET of the document, by the manager (with this webhook's id where a path names one) and by A.
    for (const o of operations(doc).filter((x) => x.method === "GET")) {
      let path = o.path;
      for (const p of params(o.op, "path"))
        path = path.replace(`{${p.name}}`, encodeURIComponent(p.name === "webhook_id" ? created.json.id : valueFor(p.name, o.path, A)));
      for (const viewer of [{ sub: w.managerSub, token: w.manager }, A.person]) {
        const res = await send({ method: "GET", path, token: viewer.token });
        reads++;
        if (res.text.includes(key) || keyPaths(res.json, "secret").length)
          problems.push(`${viewer.sub}: GET ${path} (${res.status}) shows a secret: ${clip(res.text, 200)}`);
      }
    }
    // A second webhook's create call shows its own secret, not the first one's.
    const second = await asManager("POST", "/webhooks", { url: "https://receiver.example/leak2", events: ["course.completed"] }, [201]);
    expect(second.json.secret).not.toBe(secret);
    expect(second.text).not.toContain(key);
    for (const id of [created.json.id, second.json.id]) await asManager("DELETE", `/webhooks/${id}`, undefined, [204]);
    console.log(`webhook secrets: ${reads} reads over every GET route, ${problems.length} showed a secret`);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("webhook events never carry answers or is_correct: every outbox row of a graded, approved, rejected and retaken exam", async () => {
    const hook = await asManager(
      "POST",
      "/webhooks",
      {
        url: "https://receiver.example/leak-events",
        events: ["submission.submitted", "submission.graded", "submission.approved", "submission.rejected", "submission.retake_requested"],
      },
      [201],
    );
    const before = await env.DB.prepare("SELECT count(*) AS n FROM webhook_events").first<{ n: number }>();
    const approved = await w.freshSubmitted();
    await asManager("POST", `/form-submissions/${approved.submission}/grade`, { theory_grades: [{ question_id: "q2", marks_awarded: 6 }] });
    await asManager("POST", `/form-submissions/${approved.submission}/approve`, { feedback: "fine" });
    await asManager("POST", `/form-submissions/${(await w.freshSubmitted()).submission}/reject`, { feedback: "no" });
    await asManager("POST", `/form-submissions/${(await w.freshSubmitted()).submission}/request-retake`, { reason: "again" });
    await asManager("DELETE", `/webhooks/${hook.json.id}`, undefined, [204]);
    const rows = (await env.DB.prepare("SELECT type, data FROM webhook_events").all<{ type: string; data: string }>()).results;
    expect(rows.length).toBeGreaterThan(before!.n);
    const found: string[] = [];
    for (const row of rows) {
      const data = JSON.parse(row.data);
      for (const name of ["is_correct", "answers", "mcq_answers", "theory_answers", "answer_text", "selected_option_id", "questions"])
        for (const at of keyPaths(data, name)) found.push(`${row.type}: ${name} at ${at}`);
      if (/is_correct|answer_text|selected_option_id/.test(row.data)) found.push(`${row.type}: ${clip(row.data, 200)}`);
    }
    console.log(`webhook events: ${rows.length} outbox rows scanned (${[...new Set(rows.map((r) => r.type))].join(", ")})`);
    expect(found, found.join("\n")).toEqual([]);
  });
});

describe("unpublished courses", () => {
  it("an inactive or archived course shows nothing to participants on any path, enrolled or not", async () => {
    const { call, makeCourse, makeStep, makeMaterial, enrolled, token } = await import("../helpers");
    const manager = await token(uniqueName("manager"), "manager");
    for (const unpublish of ["deactivate", "archive"] as const) {
      const course = await makeCourse(manager);
      const step = await makeStep(manager, course.id);
      await makeMaterial(manager, step.id);
      const who = await enrolled(manager, course.id);
      const stranger = await token(uniqueName("participant"), "participant");
      expect((await call("GET", `/participants/me/progress/${course.id}`, { token: who.participant })).status).toBe(200);

      if (unpublish === "deactivate")
        expect((await call("PUT", `/courses/${course.id}`, { token: manager, body: { is_active: false } })).status).toBe(200);
      else expect((await call("DELETE", `/courses/${course.id}`, { token: manager })).status).toBe(204);
      const draftTitle = uniqueName("draft-material");
      if (unpublish === "deactivate") await makeMaterial(manager, step.id, { title: draftTitle });

      for (const viewer of [who.participant, stranger]) {
        const content = await call("GET", `/courses/${course.id}`, { token: viewer });
        expect(content.status).toBe(404);
        const progress = await call("GET", `/participants/me/progress/${course.id}`, { token: viewer });
        expect([progress.status, progress.json.code], `${unpublish}: ${progress.text}`).toEqual([404, "course_not_found"]);
        const stepView = await call("GET", `/participants/me/step/${step.id}/progress`, { token: viewer });
        expect([stepView.status, stepView.json.code], `${unpublish}: ${stepView.text}`).toEqual([404, "step_not_found"]);
        const mine = await call("GET", "/participants/me/courses", { token: viewer });
        expect(mine.status).toBe(200);
        expect(mine.json.map((c: any) => c.course_id)).not.toContain(course.id);
        for (const res of [progress, stepView, mine]) expect(res.text).not.toContain(draftTitle);
      }
      // Managers still see an inactive course's progress (they author it); an archived one is gone for everyone.
      const forManager = await call("GET", `/participants/me/progress/${course.id}?participant_id=${who.pid}`, { token: manager });
      expect(forManager.status).toBe(unpublish === "deactivate" ? 200 : 404);
    }
  });
});
