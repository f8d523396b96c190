/**
 * The audit log (issue #16): every audited route, walked as a table. Each case prepares its own state through
 * the API, makes one call, and checks through GET /audit-events?entity_type=&entity_id= that exactly one new
 * event of its action exists, by the right actor, in the request's id, with the right `changes` diff. Then:
 * failed writes leave no event, only managers may read the log, the filters and keyset pagination, and no
 * event carries questions, options, answers, notes or file contents.
 *
 * To audit another route (e.g. a review decision), add a row to AUDITED_ROUTES: `prepare` makes what the call
 * needs, `call` is the request, `entity` and `changes` what the event must say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntityType } from "../src/domain/vocabulary";
import {
  call,
  enrolled,
  examAnswers,
  makeCourse,
  makeForm,
  makeMaterial,
  makeStep,
  makeTable,
  sampleQuestions,
  submittedTable,
  token,
  twoStepCourse,
  uniqueName,
} from "./helpers";

type Request = { method: string; path: string; body?: unknown; rawBody?: BodyInit; headers?: Record<string, string> };
type Response = Awaited<ReturnType<typeof call>>;
type Event = {
  id: string;
  at: string;
  actor_id: string;
  actor_role: string;
  action: AuditAction;
  entity_type: AuditEntityType;
  entity_id: string;
  request_id: string;
  changes: Record<string, [unknown, unknown]>;
};

type AuditCase = {
  action: AuditAction;
  /** What the call is, when one action has several cases. */
  name?: string;
  /** State the call needs, made through the API with the manager's token. */
  prepare: (manager: string) => Promise<any>;
  call: (st: any) => Request;
  status: number;
  /** The thing the event is about: from the prepared state, or from the response (a created id). */
  entity: (st: any, res: Response) => { type: AuditEntityType; id: string };
  /** The exact `changes`; or, with `partial`, fields the changes must include (the rest checked by `absent`). */
  changes: (st: any, res: Response) => Record<string, [unknown, unknown]>;
  partial?: boolean;
  /** Fields that must not appear in `changes`. */
  absent?: string[];
};

const pdfBytes = (size = 1500) => {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  for (let i = 9; i < size; i++) bytes[i] = 0x20 + (i % 90);
  return bytes;
};
const pdf = pdfBytes();
const sha256 = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
const upload = (materialId: string): Request => ({
  method: "PUT",
  path: `/materials/${materialId}/file`,
  rawBody: pdf,
  headers: { "content-type": "application/pdf", "content-length": String(pdf.byteLength) },
});

async function must(res: Response, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res.json as any;
}

/** The walk: one row per audited route. */
const AUDITED_ROUTES: AuditCase[] = [
  /* ---------------- courses ---------------- */
  {
    action: "course.created",
    prepare: async () => ({ name: uniqueName("audited-course") }),
    call: (st) => ({ method: "POST", path: "/courses", body: { name: st.name, description: "About it" } }),
    status: 201,
    entity: (_st, res) => ({ type: "course", id: (res.json as any).id }),
    changes: (st) => ({
      name: [null, st.name],
      description: [null, "About it"],
      is_active: [null, true],
      is_default: [null, false],
    }),
  },
  {
    action: "course.updated",
    name: "fields and a chain link",
    prepare: async (m) => ({ course: await makeCourse(m), before: await makeCourse(m) }),
    call: (st) => ({ method: "PUT", path: `/courses/${st.course.id}`, body: { name: "Renamed", previous_course_id: st.before.id } }),
    status: 200,
    entity: (st) => ({ type: "course", id: st.course.id }),
    changes: (st) => ({ name: [st.course.name, "Renamed"], previous_course_id: [null, st.before.id] }),
  },
  {
    action: "course.deleted",
    prepare: async (m) => ({ course: await makeCourse(m) }),
    call: (st) => ({ method: "DELETE", path: `/courses/${st.course.id}` }),
    status: 204,
    entity: (st) => ({ type: "course", id: st.course.id }),
    changes: (st) => ({
      name: [st.course.name, null],
      order_index: [st.course.order_index, null],
      is_active: [true, null],
      is_default: [false, null],
    }),
  },
  {
    action: "course.set_default",
    prepare: async (m) => ({ course: await makeCourse(m) }),
    call: (st) => ({ method: "PUT", path: `/courses/${st.course.id}/set-default` }),
    status: 200,
    entity: (st) => ({ type: "course", id: st.course.id }),
    changes: () => ({ is_default: [false, true] }),
  },
  {
    action: "course.steps_reordered",
    prepare: async (m) => {
      const course = await makeCourse(m);
      return { course, s1: await makeStep(m, course.id), s2: await makeStep(m, course.id) };
    },
    call: (st) => ({
      method: "POST",
      path: `/courses/${st.course.id}/steps/reorder`,
      body: {
        step_orders: [
          { step_id: st.s1.id, order_index: 1 },
          { step_id: st.s2.id, order_index: 0 },
        ],
      },
    }),
    status: 200,
    entity: (st) => ({ type: "course", id: st.course.id }),
    changes: (st) => ({
      step_ids: [
        [st.s1.id, st.s2.id],
        [st.s2.id, st.s1.id],
      ],
    }),
  },
  /* ---------------- steps ---------------- */
  {
    action: "step.created",
    prepare: async (m) => ({ course: await makeCourse(m) }),
    call: (st) => ({ method: "POST", path: "/steps", body: { course_id: st.course.id, name: "First" } }),
    status: 201,
    entity: (_st, res) => ({ type: "step", id: (res.json as any).id }),
    changes: (st) => ({ course_id: [null, st.course.id], name: [null, "First"], unlock_on_exam_pass: [null, true] }),
  },
  {
    action: "step.updated",
    prepare: async (m) => ({ step: await makeStep(m, (await makeCourse(m)).id) }),
    call: (st) => ({ method: "PUT", path: `/steps/${st.step.id}`, body: { name: "Second name", unlock_on_exam_pass: false } }),
    status: 200,
    entity: (st) => ({ type: "step", id: st.step.id }),
    changes: (st) => ({ name: [st.step.name, "Second name"], unlock_on_exam_pass: [true, false] }),
  },
  {
    action: "step.deleted",
    prepare: async (m) => ({ step: await makeStep(m, (await makeCourse(m)).id) }),
    call: (st) => ({ method: "DELETE", path: `/steps/${st.step.id}` }),
    status: 204,
    entity: (st) => ({ type: "step", id: st.step.id }),
    changes: (st) => ({
      course_id: [st.step.course_id, null],
      name: [st.step.name, null],
      order_index: [0, null],
      unlock_on_exam_pass: [true, null],
    }),
  },
  {
    action: "step.exam_linked",
    prepare: async (m) => ({ step: await makeStep(m, (await makeCourse(m)).id), form: await makeForm(m) }),
    call: (st) => ({ method: "PUT", path: `/steps/${st.step.id}/exam?form_id=${st.form.id}` }),
    status: 200,
    entity: (st) => ({ type: "step", id: st.step.id }),
    changes: (st) => ({ exam_id: [null, st.form.id] }),
  },
  /* ---------------- materials ---------------- */
  {
    action: "material.created",
    prepare: async (m) => ({ step: await makeStep(m, (await makeCourse(m)).id) }),
    call: (st) => ({
      method: "POST",
      path: `/steps/${st.step.id}/materials`,
      body: { material_type: "Video", title: "Intro", content: { url: "https://example.com/intro.mp4" } },
    }),
    status: 201,
    entity: (_st, res) => ({ type: "material", id: (res.json as any).id }),
    changes: (st) => ({
      step_id: [null, st.step.id],
      material_type: [null, "Video"],
      title: [null, "Intro"],
      content: [null, { url: "https://example.com/intro.mp4" }],
      is_mandatory: [null, true],
    }),
  },
  {
    action: "material.updated",
    prepare: async (m) => ({ material: await makeMaterial(m, (await makeStep(m, (await makeCourse(m)).id)).id) }),
    call: (st) => ({ method: "PUT", path: `/materials/${st.material.id}`, body: { title: "Retitled", is_mandatory: false } }),
    status: 200,
    entity: (st) => ({ type: "material", id: st.material.id }),
    changes: (st) => ({ title: [st.material.title, "Retitled"], is_mandatory: [true, false] }),
  },
  {
    action: "material.deleted",
    prepare: async (m) => ({ material: await makeMaterial(m, (await makeStep(m, (await makeCourse(m)).id)).id) }),
    call: (st) => ({ method: "DELETE", path: `/materials/${st.material.id}` }),
    status: 204,
    entity: (st) => ({ type: "material", id: st.material.id }),
    changes: (st) => ({
      step_id: [st.material.step_id, null],
      material_type: ["Video", null],
      title: [st.material.title, null],
      content: [{ url: "https://example.com/v.mp4" }, null],
      order_index: [0, null],
      is_mandatory: [true, null],
    }),
  },
  {
    action: "material.file_uploaded",
    prepare: async (m) => ({
      material: await makeMaterial(m, (await makeStep(m, (await makeCourse(m)).id)).id, {
        material_type: "Document",
        content: { url: "https://example.com/doc.pdf" },
      }),
      digest: await sha256(pdf),
    }),
    call: (st) => upload(st.material.id),
    status: 200,
    entity: (st) => ({ type: "material", id: st.material.id }),
    changes: (st) => ({
      file_size: [null, pdf.byteLength],
      file_content_type: [null, "application/pdf"],
      file_sha256: [null, st.digest],
    }),
  },
  {
    action: "material.file_deleted",
    prepare: async (m) => {
      const material = await makeMaterial(m, (await makeStep(m, (await makeCourse(m)).id)).id, {
        material_type: "Document",
        content: { url: "https://example.com/doc.pdf" },
      });
      const req = upload(material.id);
      await must(await call("PUT", req.path, { token: m, rawBody: req.rawBody, headers: req.headers }), 200, "upload");
      return { material, digest: await sha256(pdf) };
    },
    call: (st) => ({ method: "DELETE", path: `/materials/${st.material.id}/file` }),
    status: 204,
    entity: (st) => ({ type: "material", id: st.material.id }),
    changes: (st) => ({
      file_size: [pdf.byteLength, null],
      file_content_type: ["application/pdf", null],
      file_sha256: [st.digest, null],
    }),
  },
  /* ---------------- forms ---------------- */
  {
    action: "form.created",
    prepare: async () => ({ name: uniqueName("audited-exam") }),
    call: (st) => ({ method: "POST", path: "/forms", body: { name: st.name, duration_minutes: 30, questions: sampleQuestions() } }),
    status: 201,
    entity: (_st, res) => ({ type: "form", id: (res.json as any).id }),
    changes: (st, res) => ({
      name: [null, st.name],
      duration_minutes: [null, 30],
      question_count: [null, 2],
      total_marks: [null, (res.json as any).total_marks],
      max_attempts: [null, (res.json as any).max_attempts],
    }),
    partial: true,
    absent: ["questions", "options", "is_correct"],
  },
  {
    action: "form.updated",
    prepare: async (m) => ({ form: await makeForm(m) }),
    call: (st) => ({ method: "PUT", path: `/forms/${st.form.id}`, body: { duration_minutes: 45, shuffle_options: true } }),
    status: 200,
    entity: (st) => ({ type: "form", id: st.form.id }),
    changes: () => ({ duration_minutes: [30, 45], shuffle_options: [false, true] }),
  },
  {
    action: "form.updated",
    name: "questions replaced: counts only",
    prepare: async (m) => ({ form: await makeForm(m) }),
    call: (st) => ({ method: "PUT", path: `/forms/${st.form.id}`, body: { questions: [sampleQuestions()[0]] } }),
    status: 200,
    entity: (st) => ({ type: "form", id: st.form.id }),
    changes: (st, res) => ({
      question_count: [2, 1],
      total_marks: [st.form.total_marks, (res.json as any).total_marks],
      passing_marks: [st.form.passing_marks, (res.json as any).passing_marks],
    }),
    absent: ["questions"],
  },
  {
    action: "form.deleted",
    prepare: async (m) => ({ form: await makeForm(m) }),
    call: (st) => ({ method: "DELETE", path: `/forms/${st.form.id}` }),
    status: 204,
    entity: (st) => ({ type: "form", id: st.form.id }),
    changes: (st) => ({
      name: [st.form.name, null],
      duration_minutes: [30, null],
      total_marks: [st.form.total_marks, null],
      question_count: [2, null],
    }),
    partial: true,
    absent: ["questions"],
  },
  /* ---------------- requirement tables ---------------- */
  {
    action: "requirement_table.created",
    prepare: async () => ({ name: uniqueName("audited-table") }),
    call: (st) => ({
      method: "POST",
      path: "/requirement-tables",
      body: { name: st.name, requirements: [{ serial_number: 1, activity: "Reading", target: 30, unit: "minutes" }] },
    }),
    status: 201,
    entity: (_st, res) => ({ type: "requirement_table", id: (res.json as any).id }),
    changes: (st) => ({ name: [null, st.name], requirement_count: [null, 1] }),
  },
  {
    action: "requirement_table.updated",
    prepare: async (m) => ({ table: await makeTable(m) }),
    call: (st) => ({ method: "PUT", path: `/requirement-tables/${st.table.id}`, body: { name: "Renamed tracker" } }),
    status: 200,
    entity: (st) => ({ type: "requirement_table", id: st.table.id }),
    changes: (st) => ({ name: [st.table.name, "Renamed tracker"] }),
  },
  {
    action: "requirement_table.updated",
    name: "requirements replaced",
    prepare: async (m) => ({ table: await makeTable(m) }),
    call: (st) => ({
      method: "PUT",
      path: `/requirement-tables/${st.table.id}`,
      body: { requirements: [{ serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" }] },
    }),
    status: 200,
    entity: (st) => ({ type: "requirement_table", id: st.table.id }),
    changes: () => ({ requirement_count: [2, 1] }),
  },
  {
    action: "requirement_table.deleted",
    prepare: async (m) => ({ table: await makeTable(m) }),
    call: (st) => ({ method: "DELETE", path: `/requirement-tables/${st.table.id}` }),
    status: 204,
    entity: (st) => ({ type: "requirement_table", id: st.table.id }),
    changes: (st) => ({ name: [st.table.name, null], requirement_count: [2, null] }),
  },
  /* ---------------- participants: accommodations, overrides, data rights ---------------- */
  {
    action: "participant.accommodation_set",
    prepare: async () => ({ pid: uniqueName("participant") }),
    call: (st) => ({
      method: "PUT",
      path: `/participants/${st.pid}/accommodations`,
      body: { extra_time_percent: 50, extra_attempts: 1, note: "Private circumstances" },
    }),
    status: 200,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: () => ({ extra_time_percent: [null, 50], extra_attempts: [null, 1], has_note: [null, true] }),
    absent: ["note"],
  },
  {
    action: "participant.accommodation_set",
    name: "changed",
    prepare: async (m) => {
      const pid = uniqueName("participant");
      await must(
        await call("PUT", `/participants/${pid}/accommodations`, { token: m, body: { extra_time_percent: 50 } }),
        200,
        "accommodation",
      );
      return { pid };
    },
    call: (st) => ({ method: "PUT", path: `/participants/${st.pid}/accommodations`, body: { extra_time_percent: 25 } }),
    status: 200,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: () => ({ extra_time_percent: [50, 25] }),
  },
  {
    action: "participant.accommodation_deleted",
    prepare: async (m) => {
      const pid = uniqueName("participant");
      await must(
        await call("PUT", `/participants/${pid}/accommodations`, { token: m, body: { extra_time_percent: 50, extra_attempts: 1 } }),
        200,
        "accommodation",
      );
      return { pid };
    },
    call: (st) => ({ method: "DELETE", path: `/participants/${st.pid}/accommodations` }),
    status: 204,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: () => ({ extra_time_percent: [50, null], extra_attempts: [1, null], has_note: [false, null] }),
  },
  {
    action: "participant.override_set",
    prepare: async (m) => ({ form: await makeForm(m), pid: uniqueName("participant") }),
    call: (st) => ({ method: "PUT", path: `/forms/${st.form.id}/overrides/${st.pid}`, body: { duration_minutes: 60 } }),
    status: 200,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: (st) => ({ form_id: [null, st.form.id], duration_minutes: [null, 60] }),
  },
  {
    action: "participant.override_set",
    name: "changed",
    prepare: async (m) => {
      const form = await makeForm(m);
      const pid = uniqueName("participant");
      await must(await call("PUT", `/forms/${form.id}/overrides/${pid}`, { token: m, body: { duration_minutes: 60 } }), 200, "override");
      return { form, pid };
    },
    call: (st) => ({ method: "PUT", path: `/forms/${st.form.id}/overrides/${st.pid}`, body: { max_attempts: 3 } }),
    status: 200,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: (st) => ({ form_id: [st.form.id, st.form.id], duration_minutes: [60, null], max_attempts: [null, 3] }),
  },
  {
    action: "participant.override_deleted",
    prepare: async (m) => {
      const form = await makeForm(m);
      const pid = uniqueName("participant");
      await must(await call("PUT", `/forms/${form.id}/overrides/${pid}`, { token: m, body: { max_attempts: 3 } }), 200, "override");
      return { form, pid };
    },
    call: (st) => ({ method: "DELETE", path: `/forms/${st.form.id}/overrides/${st.pid}` }),
    status: 204,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: (st) => ({ form_id: [st.form.id, null], max_attempts: [3, null] }),
  },
  {
    action: "participant.exported",
    prepare: async (m) => ({ pid: (await enrolled(m, (await makeCourse(m)).id)).pid }),
    call: (st) => ({ method: "GET", path: `/participants/${st.pid}/export` }),
    status: 200,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: () => ({}),
  },
  {
    action: "certificate.revoked",
    prepare: async (m) => {
      const course = await makeCourse(m, { certificate: { enabled: true } });
      const video = await makeMaterial(m, (await makeStep(m, course.id)).id);
      const { participant } = await enrolled(m, course.id);
      await must(await call("POST", `/materials/${video.id}/complete`, { token: participant }), 200, "complete the course");
      const mine = await must(await call("GET", "/participants/me/certificates", { token: participant }), 200, "certificates");
      return { id: (mine as { id: string }[])[0]?.id };
    },
    call: (st) => ({ method: "POST", path: `/certificates/${st.id}/revoke`, body: { reason: "Awarded in error" } }),
    status: 200,
    entity: (st) => ({ type: "certificate", id: st.id }),
    changes: (_st, res) => ({ revoked_at: [null, res.json.revoked_at], revocation_reason: [null, "Awarded in error"] }),
  },
  {
    action: "participant.erased",
    prepare: async (m) => {
      const pid = (await enrolled(m, (await makeCourse(m)).id)).pid;
      await must(await call("PUT", `/participants/${pid}/accommodations`, { token: m, body: { extra_attempts: 1 } }), 200, "accommodation");
      return { pid };
    },
    call: (st) => ({ method: "DELETE", path: `/participants/${st.pid}` }),
    status: 200,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: () => ({ enrollments: [1, 0], accommodations: [1, 0] }),
  },
];

/* ---------------- cohorts: memberships are recorded on the participant, naming the cohort ---------------- */

const makeCohort = async (m: string, name = uniqueName("cohort")) => {
  const course = await makeCourse(m);
  const cohort = await must(await call("POST", `/courses/${course.id}/cohorts`, { token: m, body: { name } }), 201, "cohort");
  return { course, cohort };
};
const cohortMember = async (m: string) => {
  const st = await makeCohort(m);
  return { ...st, pid: (await enrolled(m, st.course.id)).pid };
};

AUDITED_ROUTES.push(
  {
    action: "cohort.created",
    prepare: async (m) => ({ course: await makeCourse(m) }),
    call: (st) => ({ method: "POST", path: `/courses/${st.course.id}/cohorts`, body: { name: "Morning" } }),
    status: 201,
    entity: (_st, res) => ({ type: "cohort", id: (res.json as { id: string }).id }),
    changes: (st) => ({ course_id: [null, st.course.id], name: [null, "Morning"] }),
  },
  {
    action: "cohort.renamed",
    prepare: async (m) => makeCohort(m, "Morning"),
    call: (st) => ({ method: "PUT", path: `/cohorts/${st.cohort.id}`, body: { name: "Evening" } }),
    status: 200,
    entity: (st) => ({ type: "cohort", id: st.cohort.id }),
    changes: () => ({ name: ["Morning", "Evening"] }),
  },
  {
    action: "cohort.archived",
    prepare: async (m) => makeCohort(m),
    call: (st) => ({ method: "DELETE", path: `/cohorts/${st.cohort.id}` }),
    status: 204,
    entity: (st) => ({ type: "cohort", id: st.cohort.id }),
    changes: () => ({ archived_at: [null, expect.any(String)] }),
  },
  {
    action: "cohort.member_added",
    prepare: cohortMember,
    call: (st) => ({ method: "PUT", path: `/cohorts/${st.cohort.id}/members/${st.pid}` }),
    status: 200,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: (st) => ({ cohort_id: [null, st.cohort.id] }),
  },
  {
    action: "cohort.member_removed",
    prepare: async (m) => {
      const st = await cohortMember(m);
      await must(await call("PUT", `/cohorts/${st.cohort.id}/members/${st.pid}`, { token: m }), 200, "member");
      return st;
    },
    call: (st) => ({ method: "DELETE", path: `/cohorts/${st.cohort.id}/members/${st.pid}` }),
    status: 204,
    entity: (st) => ({ type: "participant", id: st.pid }),
    changes: (st) => ({ cohort_id: [st.cohort.id, null] }),
  },
);

/* ---------------- review decisions ---------------- */

/** A submitted attempt (MCQ right: 5 marks; THEORY answered, ungraded) in a fresh two-step course. */
async function submittedAttempt(m: string) {
  const c = await twoStepCourse(m);
  const who = await enrolled(m, c.course.id);
  await must(await call("POST", `/materials/${c.video.id}/complete`, { token: who.participant }), 200, "complete video");
  const started = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
  await must(started, 201, "start");
  const id = (started.json as any).submission_id as string;
  await must(await call("POST", `/forms/submissions/${id}/submit`, { token: who.participant, body: examAnswers() }), 200, "submit");
  return { id };
}

async function gradedAttempt(m: string) {
  const st = await submittedAttempt(m);
  const body = { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] };
  await must(await call("POST", `/form-submissions/${st.id}/grade`, { token: m, body }), 200, "grade");
  return st;
}

/** A submitted requirement table in a fresh course (both rows filled, or every row of `serials`). */
const submittedTableOf = async (m: string, serials = [1, 2]) => {
  const { id, table } = await submittedTable(m, { serials });
  return { id, table: table.id as string };
};

/** Another manager's live claim on the submission at `path` (…/claim). */
async function claimedByAnother(path: string) {
  const holderId = uniqueName("holder");
  await must(await call("POST", path, { token: await token(holderId, "manager") }), 200, "claim");
  return holderId;
}

AUDITED_ROUTES.push(
  {
    action: "submission.graded",
    prepare: submittedAttempt,
    call: (st) => ({
      method: "POST",
      path: `/form-submissions/${st.id}/grade`,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] },
    }),
    status: 200,
    entity: (st) => ({ type: "form_submission", id: st.id }),
    // Before grading the total is unknown (a THEORY answer is ungraded): null, not the MCQ marks alone.
    changes: () => ({
      submission_status: ["Submitted", "UnderReview"],
      theory_grades: [null, { q2: 8 }],
      theory_score: [null, 8],
      total_score: [null, 13],
    }),
  },
  {
    action: "submission.approved",
    prepare: gradedAttempt,
    call: (st) => ({ method: "POST", path: `/form-submissions/${st.id}/approve`, body: { feedback: "Well done" } }),
    status: 200,
    entity: (st) => ({ type: "form_submission", id: st.id }),
    // Of the feedback only that there is some: free text about a participant does not outlive their erasure.
    changes: () => ({ submission_status: ["UnderReview", "Approved"], has_feedback: [false, true] }),
    absent: ["feedback"],
  },
  {
    action: "submission.rejected",
    prepare: submittedAttempt,
    call: (st) => ({ method: "POST", path: `/form-submissions/${st.id}/reject`, body: { feedback: "Not yet" } }),
    status: 200,
    entity: (st) => ({ type: "form_submission", id: st.id }),
    changes: () => ({ submission_status: ["Submitted", "Rejected"], has_feedback: [false, true] }),
  },
  {
    action: "submission.retake_requested",
    prepare: submittedAttempt,
    call: (st) => ({ method: "POST", path: `/form-submissions/${st.id}/request-retake`, body: { reason: "Once more" } }),
    status: 200,
    entity: (st) => ({ type: "form_submission", id: st.id }),
    changes: () => ({ submission_status: ["Submitted", "RetakeRequested"], has_retake_reason: [false, true] }),
    absent: ["retake_reason"],
  },
  {
    action: "submission.claim_forced",
    prepare: async (m) => {
      const st = await submittedAttempt(m);
      return { ...st, holder: await claimedByAnother(`/form-submissions/${st.id}/claim`) };
    },
    call: (st) => ({ method: "DELETE", path: `/form-submissions/${st.id}/claim?force=true` }),
    status: 204,
    entity: (st) => ({ type: "form_submission", id: st.id }),
    changes: (st) => ({ claimed_by: [st.holder, null] }),
    partial: true,
  },
  {
    action: "requirement_submission.row_approved",
    prepare: (m) => submittedTableOf(m),
    call: (st) => ({ method: "POST", path: `/requirement-tables/submissions/${st.id}/rows/1/approve`, body: { approved: true } }),
    status: 200,
    entity: (st) => ({ type: "requirement_submission", id: st.id }),
    changes: () => ({ "rows.1.approved": [null, true] }),
  },
  {
    action: "requirement_submission.row_rejected",
    prepare: (m) => submittedTableOf(m),
    call: (st) => ({
      method: "POST",
      path: `/requirement-tables/submissions/${st.id}/rows/2/approve`,
      body: { approved: false, approval_remarks: "Too few" },
    }),
    status: 200,
    entity: (st) => ({ type: "requirement_submission", id: st.id }),
    changes: () => ({ "rows.2.approved": [null, false], "rows.2.has_approval_remarks": [false, true] }),
  },
  {
    action: "requirement_submission.approved",
    prepare: async (m) => {
      const st = await submittedTableOf(m);
      const body = { approved: true };
      await must(await call("POST", `/requirement-tables/submissions/${st.id}/rows/1/approve`, { token: m, body }), 200, "row 1");
      return st;
    },
    call: (st) => ({ method: "POST", path: `/requirement-tables/submissions/${st.id}/approve`, body: {} }),
    status: 200,
    entity: (st) => ({ type: "requirement_submission", id: st.id }),
    changes: () => ({ approved_serials: [[1], [1, 2]] }),
  },
  {
    action: "requirement_submission.approved",
    name: "a completed row whose serial was removed stays out",
    prepare: async (m) => {
      const st = await submittedTableOf(m, [1, 2, 3]);
      // Serial 3 leaves the table: its filled row is history, not under review.
      const requirements = [1, 2].map((n) => ({ serial_number: n, activity: `A${n}`, target: 1, unit: "x" }));
      await must(await call("PUT", `/requirement-tables/${st.table}`, { token: m, body: { requirements } }), 200, "remove serial 3");
      return st;
    },
    call: (st) => ({ method: "POST", path: `/requirement-tables/submissions/${st.id}/approve`, body: {} }),
    status: 200,
    entity: (st) => ({ type: "requirement_submission", id: st.id }),
    changes: () => ({ approved_serials: [[], [1, 2]] }),
  },
  {
    action: "requirement_submission.claim_forced",
    prepare: async (m) => {
      const st = await submittedTableOf(m);
      return { ...st, holder: await claimedByAnother(`/requirement-tables/submissions/${st.id}/claim`) };
    },
    call: (st) => ({ method: "DELETE", path: `/requirement-tables/submissions/${st.id}/claim?force=true` }),
    status: 204,
    entity: (st) => ({ type: "requirement_submission", id: st.id }),
    changes: (st) => ({ claimed_by: [st.holder, null] }),
    partial: true,
  },
);

/* ---------------- webhooks ---------------- */

/** Webhooks these tests create: a live one counts against the deployment's limit, so each is deleted after. */
const hookUrl = () => `https://receiver.example/${uniqueName("audit-hook")}`;

async function makeWebhook(m: string, events = ["course.completed"], description?: string) {
  return must(await call("POST", "/webhooks", { token: m, body: { url: hookUrl(), events, description } }), 201, "webhook");
}

AUDITED_ROUTES.push(
  {
    action: "webhook.created",
    prepare: async () => ({ url: hookUrl() }),
    call: (st) => ({
      method: "POST",
      path: "/webhooks",
      body: { url: st.url, events: ["submission.approved", "course.completed"], description: "CRM" },
    }),
    status: 201,
    entity: (_st, res) => ({ type: "webhook", id: (res.json as any).id }),
    // Where events go and who sent them there; never the signing secret.
    changes: (st) => ({
      url: [null, st.url],
      events: [null, ["submission.approved", "course.completed"]],
      description: [null, "CRM"],
    }),
    absent: ["secret"],
  },
  {
    action: "webhook.deleted",
    prepare: async (m) => ({ hook: await makeWebhook(m, ["course.completed", "enrollment.created"]) }),
    call: (st) => ({ method: "DELETE", path: `/webhooks/${st.hook.id}` }),
    status: 204,
    entity: (st) => ({ type: "webhook", id: st.hook.id }),
    changes: (st) => ({ url: [st.hook.url, null], events: [["course.completed", "enrollment.created"], null] }),
    absent: ["secret", "description"],
  },
  // Grants are recorded on the staff member they are for, so one person's grant history is one query.
  {
    action: "grant.set",
    prepare: async (m) => ({ course: await makeCourse(m), sub: uniqueName("teacher") }),
    call: (st) => ({ method: "PUT", path: `/courses/${st.course.id}/staff/${st.sub}`, body: { role: "grader" } }),
    status: 200,
    entity: (st) => ({ type: "grant", id: st.sub }),
    changes: (st) => ({ course_id: [null, st.course.id], role: [null, "grader"] }),
  },
  {
    action: "grant.revoked",
    prepare: async (m) => {
      const course = await makeCourse(m);
      const sub = uniqueName("teacher");
      await must(await call("PUT", `/courses/${course.id}/staff/${sub}`, { token: m, body: { role: "observer" } }), 200, "grant");
      return { course, sub };
    },
    call: (st) => ({ method: "DELETE", path: `/courses/${st.course.id}/staff/${st.sub}` }),
    status: 204,
    entity: (st) => ({ type: "grant", id: st.sub }),
    changes: (st) => ({ course_id: [st.course.id, null], role: ["observer", null] }),
  },
);

/* ---------------- question banks: never a question's text or options in the log ---------------- */

const bankQuestionBody = (text: string, marks = 2) => ({
  question_type: "MCQ",
  question_text: text,
  options: [
    { option_id: "a", text: "Right", is_correct: true },
    { option_id: "b", text: "Wrong" },
  ],
  marks,
  tags: ["Chapter 2"],
});
const makeBank = async (m: string) =>
  must(await call("POST", "/question-banks", { token: m, body: { name: "Gita 1-6" } }), 201, "bank") as Promise<{ id: string }>;
const bankQuestion = async (m: string) => {
  const bank = await makeBank(m);
  const q = await must(
    await call("POST", `/question-banks/${bank.id}/questions`, { token: m, body: bankQuestionBody("Who speaks?") }),
    201,
    "question",
  );
  return { bank, question: q as { question_id: string } };
};

AUDITED_ROUTES.push(
  {
    action: "question_bank.created",
    prepare: async () => ({}),
    call: () => ({ method: "POST", path: "/question-banks", body: { name: "Gita 1-6", description: "Chapters one to six" } }),
    status: 201,
    entity: (_st, res) => ({ type: "question_bank", id: (res.json as { id: string }).id }),
    changes: () => ({ name: [null, "Gita 1-6"], description: [null, "Chapters one to six"] }),
  },
  {
    action: "question_bank.updated",
    prepare: async (m) => ({ bank: await makeBank(m) }),
    call: (st) => ({ method: "PUT", path: `/question-banks/${st.bank.id}`, body: { name: "Gita 7-12" } }),
    status: 200,
    entity: (st) => ({ type: "question_bank", id: st.bank.id }),
    changes: () => ({ name: ["Gita 1-6", "Gita 7-12"] }),
  },
  {
    action: "question_bank.deleted",
    prepare: async (m) => ({ bank: await makeBank(m) }),
    call: (st) => ({ method: "DELETE", path: `/question-banks/${st.bank.id}` }),
    status: 204,
    entity: (st) => ({ type: "question_bank", id: st.bank.id }),
    changes: () => ({ name: ["Gita 1-6", null] }),
  },
  {
    action: "question_bank.imported",
    prepare: async (m) => ({ bank: await makeBank(m) }),
    call: (st) => ({
      method: "POST",
      path: `/question-banks/${st.bank.id}/import`,
      rawBody: "::Speaker:: Who speaks the Gita? {=Krishna ~Arjuna}\n\nExplain 2.13. {}\n",
      headers: { "content-type": "text/plain; charset=utf-8" },
    }),
    status: 200,
    entity: (st) => ({ type: "question_bank", id: st.bank.id }),
    changes: () => ({ format: [null, "gift"], imported: [null, 2], skipped: [null, 0] }),
    absent: ["question_text", "options"],
  },
  {
    action: "bank_question.created",
    prepare: async (m) => ({ bank: await makeBank(m) }),
    call: (st) => ({ method: "POST", path: `/question-banks/${st.bank.id}/questions`, body: bankQuestionBody("Who speaks?") }),
    status: 201,
    entity: (_st, res) => ({ type: "bank_question", id: (res.json as { question_id: string }).question_id }),
    changes: () => ({ version: [null, 1], question_type: [null, "MCQ"], marks: [null, 2], tags: [null, ["chapter-2"]] }),
    absent: ["question_text", "options"],
  },
  {
    action: "bank_question.updated",
    prepare: bankQuestion,
    call: (st) => ({
      method: "PUT",
      path: `/question-banks/${st.bank.id}/questions/${st.question.question_id}`,
      body: bankQuestionBody("Who speaks first?", 3),
    }),
    status: 200,
    entity: (st) => ({ type: "bank_question", id: st.question.question_id }),
    changes: () => ({ marks: [2, 3] }),
    absent: ["question_text", "options"],
  },
  {
    action: "bank_question.deleted",
    prepare: bankQuestion,
    call: (st) => ({ method: "DELETE", path: `/question-banks/${st.bank.id}/questions/${st.question.question_id}` }),
    status: 204,
    entity: (st) => ({ type: "bank_question", id: st.question.question_id }),
    changes: () => ({ version: [1, null], question_type: ["MCQ", null], marks: [2, null], tags: [["chapter-2"], null] }),
    absent: ["question_text", "options"],
  },
);

let managerId: string;
let manager: string;

beforeAll(async () => {
  managerId = uniqueName("audit-manager");
  manager = await token(managerId, "manager");
});

afterAll(async () => {
  const res = await call("GET", "/webhooks?limit=200", { token: manager });
  for (const hook of res.json as { id: string; url: string }[])
    if (hook.url.includes("/audit-hook-")) await call("DELETE", `/webhooks/${hook.id}`, { token: manager });
});

const send = (req: Request, as: string) =>
  call(req.method, req.path, { token: as, body: req.body, rawBody: req.rawBody, headers: req.headers });

/** Every event matching the query, following the Link header page by page. */
async function allEvents(query: Record<string, string>, limit = 200): Promise<Event[]> {
  const out: Event[] = [];
  let path: string | null = `/audit-events?${new URLSearchParams({ ...query, limit: String(limit) })}`;
  while (path) {
    const res: Response = await call("GET", path, { token: manager });
    expect(res.status, res.text).toBe(200);
    out.push(...(res.json as unknown as Event[]));
    const next: string | undefined = res.headers.get("link")?.match(/<([^>]+)>;\s*rel="next"/)?.[1];
    path = next ? next.replace(/^https?:\/\/[^/]+/, "") : null;
  }
  return out;
}

const eventsOf = (entity: { type: AuditEntityType; id: string }) => allEvents({ entity_type: entity.type, entity_id: entity.id });

describe("audit log: every audited route records exactly one event with its diff", () => {
  it("covers every audit action there is", () => {
    const covered = new Set(AUDITED_ROUTES.map((c) => c.action));
    expect(AUDIT_ACTIONS.filter((a) => !covered.has(a))).toEqual([]);
  });

  it.each(AUDITED_ROUTES.map((c) => [c.name ? `${c.action} (${c.name})` : c.action, c] as const))("%s", async (_label, row) => {
    const st = await row.prepare(manager);
    // The events a call wrote are the ones that name its request id: the server's own, whatever id the client
    // sent (a client choosing its id could otherwise make its events look like another request's).
    const clientId = uniqueName("audit-req");
    const req = row.call(st);
    const res = await send({ ...req, headers: { ...req.headers, "x-request-id": clientId } }, manager);
    expect(res.status, res.text).toBe(row.status);
    const requestId = res.headers.get("x-request-id")!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await allEvents({ actor_id: managerId, since: new Date(Date.now() - 60_000).toISOString() })).not.toContainEqual(
      expect.objectContaining({ request_id: clientId }),
    );
    const entity = row.entity(st, res);
    // Exactly one event on the entity from this call, and no other event anywhere from it.
    const events = (await eventsOf(entity)).filter((e) => e.request_id === requestId);
    expect(events, JSON.stringify(events)).toHaveLength(1);
    const byCall = (await allEvents({ actor_id: managerId, since: new Date(Date.now() - 60_000).toISOString() })).filter(
      (e) => e.request_id === requestId,
    );
    expect(byCall).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      action: row.action,
      actor_id: managerId,
      actor_role: "manager",
      entity_type: entity.type,
      entity_id: entity.id,
    });
    const expected = row.changes(st, res);
    if (row.partial) expect(event!.changes).toMatchObject(expected);
    else expect(event!.changes).toEqual(expected);
    for (const field of row.absent ?? []) expect(event!.changes).not.toHaveProperty(field);
    // Every diff is [before, after] pairs that differ.
    for (const [field, pair] of Object.entries(event!.changes)) {
      expect(pair, field).toHaveLength(2);
      if (row.action !== "participant.override_set" && row.action !== "course.steps_reordered" && field !== "form_id")
        expect(JSON.stringify(pair[0]), field).not.toBe(JSON.stringify(pair[1]));
    }
  });
});

/** Calls that write nothing — a 404, 409 or 400, or a delete of what is not there — and so leave no event. */
const REFUSED: { name: string; prepare: (m: string) => Promise<any>; call: (st: any) => Request; status: number }[] = [
  {
    name: "approving a submission another manager has claimed",
    prepare: async (m) => {
      const st = await gradedAttempt(m);
      await claimedByAnother(`/form-submissions/${st.id}/claim`);
      return st;
    },
    call: (st) => ({ method: "POST", path: `/form-submissions/${st.id}/approve`, body: {} }),
    status: 409,
  },
  {
    name: "rejecting a submission already rejected",
    prepare: async (m) => {
      const st = await submittedAttempt(m);
      await must(await call("POST", `/form-submissions/${st.id}/reject`, { token: m, body: {} }), 200, "reject");
      return st;
    },
    call: (st) => ({ method: "POST", path: `/form-submissions/${st.id}/reject`, body: {} }),
    status: 409,
  },
  {
    name: "releasing another manager's claim without force",
    prepare: async (m) => {
      const st = await submittedTableOf(m);
      await claimedByAnother(`/requirement-tables/submissions/${st.id}/claim`);
      return st;
    },
    call: (st) => ({ method: "DELETE", path: `/requirement-tables/submissions/${st.id}/claim` }),
    status: 409,
  },
  {
    name: "update of an unknown course",
    prepare: async () => ({}),
    call: () => ({ method: "PUT", path: "/courses/0123456789abcdef01234567", body: { name: "x" } }),
    status: 404,
  },
  {
    name: "a chain link that is taken",
    prepare: async (m) => {
      const a = await makeCourse(m);
      const b = await makeCourse(m, { previous_course_id: a.id });
      return { a, b, c: await makeCourse(m) };
    },
    call: (st) => ({ method: "PUT", path: `/courses/${st.c.id}`, body: { previous_course_id: st.a.id } }),
    status: 409,
  },
  {
    name: "delete of a deleted course",
    prepare: async (m) => {
      const course = await makeCourse(m);
      await must(await call("DELETE", `/courses/${course.id}`, { token: m }), 204, "delete");
      return { course };
    },
    call: (st) => ({ method: "DELETE", path: `/courses/${st.course.id}` }),
    status: 404,
  },
  {
    name: "set-default of an unknown course",
    prepare: async () => ({}),
    call: () => ({ method: "PUT", path: "/courses/0123456789abcdef01234567/set-default" }),
    status: 404,
  },
  {
    name: "a reorder naming another course's step",
    prepare: async (m) => ({ course: await makeCourse(m), other: await makeStep(m, (await makeCourse(m)).id) }),
    call: (st) => ({
      method: "POST",
      path: `/courses/${st.course.id}/steps/reorder`,
      body: { step_orders: [{ step_id: st.other.id, order_index: 0 }] },
    }),
    status: 400,
  },
  {
    name: "a step in an unknown course",
    prepare: async () => ({}),
    call: () => ({ method: "POST", path: "/steps", body: { course_id: "0123456789abcdef01234567", name: "x" } }),
    status: 404,
  },
  {
    name: "an unknown exam linked",
    prepare: async (m) => ({ step: await makeStep(m, (await makeCourse(m)).id) }),
    call: (st) => ({ method: "PUT", path: `/steps/${st.step.id}/exam?form_id=0123456789abcdef01234567` }),
    status: 404,
  },
  {
    name: "delete of a file that is not there",
    prepare: async (m) => ({ material: await makeMaterial(m, (await makeStep(m, (await makeCourse(m)).id)).id) }),
    call: (st) => ({ method: "DELETE", path: `/materials/${st.material.id}/file` }),
    status: 404,
  },
  {
    name: "update of an unknown form",
    prepare: async () => ({}),
    call: () => ({ method: "PUT", path: "/forms/0123456789abcdef01234567", body: { name: "x" } }),
    status: 404,
  },
  {
    name: "delete of an unknown table",
    prepare: async () => ({}),
    call: () => ({ method: "DELETE", path: "/requirement-tables/0123456789abcdef01234567" }),
    status: 404,
  },
  {
    name: "an override on an unknown form",
    prepare: async () => ({}),
    call: () => ({ method: "PUT", path: `/forms/0123456789abcdef01234567/overrides/${uniqueName("p")}`, body: { max_attempts: 2 } }),
    status: 404,
  },
  {
    name: "delete of an override that is not there",
    prepare: async (m) => ({ form: await makeForm(m) }),
    call: (st) => ({ method: "DELETE", path: `/forms/${st.form.id}/overrides/${uniqueName("p")}` }),
    status: 204,
  },
  {
    name: "delete of accommodations that are not there",
    prepare: async () => ({}),
    call: () => ({ method: "DELETE", path: `/participants/${uniqueName("p")}/accommodations` }),
    status: 204,
  },
  {
    name: "a webhook whose URL is refused",
    prepare: async () => ({}),
    call: () => ({ method: "POST", path: "/webhooks", body: { url: "https://169.254.169.254../", events: ["course.completed"] } }),
    status: 400,
  },
  {
    name: "a webhook that is already there",
    prepare: async (m) => ({ hook: await makeWebhook(m) }),
    call: (st) => ({ method: "POST", path: "/webhooks", body: { url: st.hook.url, events: st.hook.events } }),
    status: 409,
  },
  {
    name: "delete of an unknown webhook",
    prepare: async () => ({}),
    call: () => ({ method: "DELETE", path: "/webhooks/0123456789abcdef01234567" }),
    status: 404,
  },
  {
    name: "delete of a deleted webhook",
    prepare: async (m) => {
      const hook = await makeWebhook(m);
      await must(await call("DELETE", `/webhooks/${hook.id}`, { token: m }), 204, "delete");
      return { hook };
    },
    call: (st) => ({ method: "DELETE", path: `/webhooks/${st.hook.id}` }),
    status: 404,
  },
];

describe("audit log: a write that did not land leaves no event", () => {
  it.each(REFUSED.map((r) => [r.name, r] as const))("%s", async (_name, row) => {
    // A manager of its own, so that any event of the refused call would be theirs alone.
    const id = uniqueName("refused-manager");
    const own = await token(id, "manager");
    const st = await row.prepare(manager);
    const res = await send(row.call(st), own);
    expect(res.status, res.text).toBe(row.status);
    expect(await allEvents({ actor_id: id })).toEqual([]);
  });
});

describe("chain links are recorded as stored", () => {
  it("two courses claiming the same previous course at once: each event's link diff is what its course holds", async () => {
    for (let round = 0; round < 5; round++) {
      const first = await makeCourse(manager);
      const [a, b] = [await makeCourse(manager), await makeCourse(manager)];
      const results = await Promise.all(
        [a, b].map((course) => call("PUT", `/courses/${course.id}`, { token: manager, body: { previous_course_id: first.id } })),
      );
      const ids = results.map((res) => res.headers.get("x-request-id"));
      for (const [i, course] of [a, b].entries()) {
        const res = results[i]!;
        const events = (await eventsOf({ type: "course", id: course.id })).filter((e) => e.request_id === ids[i]);
        if (res.status !== 200) {
          // Refused (the link was taken first): nothing recorded.
          expect(events).toEqual([]);
          continue;
        }
        expect(events).toHaveLength(1);
        const stored = (res.json as { previous_course_id: string | null }).previous_course_id;
        // The diff says the link changed exactly when the stored course holds it.
        expect(events[0]!.changes.previous_course_id ?? [null, null]).toEqual([null, stored]);
      }
      // Exactly one course holds the link.
      const held = results.filter(
        (r) => r.status === 200 && (r.json as { previous_course_id: string | null }).previous_course_id === first.id,
      );
      expect(held).toHaveLength(1);
    }
  });
});

describe("GET /audit-events", () => {
  it("is for managers only", async () => {
    const participant = await token(uniqueName("participant"), "participant");
    const res = await call("GET", "/audit-events", { token: participant });
    expect(res.status).toBe(403);
    expect((await call("GET", "/audit-events")).status).toBe(401);
  });

  it("filters by entity, actor, action and time, pages along (at, id) with a Link header, and refuses bad input", async () => {
    const id = uniqueName("paging-manager");
    const own = await token(id, "manager");
    const course = await makeCourse(own);
    for (let i = 0; i < 4; i++)
      await must(await call("PUT", `/courses/${course.id}`, { token: own, body: { name: `Name ${i}` } }), 200, "update");
    const step = await makeStep(own, course.id);

    const mine = await allEvents({ actor_id: id });
    expect(mine.map((e) => e.action)).toEqual(["course.created", ...Array(4).fill("course.updated"), "step.created"]);
    // Ordered by (at, id) ascending.
    const keys = mine.map((e) => `${e.at} ${e.id}`);
    expect([...keys].sort()).toEqual(keys);

    // Keyset pages of 2 give the same events, each once, and the last page has no Link.
    const first = await call("GET", `/audit-events?actor_id=${id}&limit=2`, { token: manager });
    expect(first.json).toHaveLength(2);
    expect(first.headers.get("link")).toMatch(/rel="next"/);
    const paged = await allEvents({ actor_id: id }, 2);
    expect(paged.map((e) => e.id)).toEqual(mine.map((e) => e.id));

    expect((await allEvents({ entity_type: "course", entity_id: course.id })).map((e) => e.action)).toEqual([
      "course.created",
      ...Array(4).fill("course.updated"),
    ]);
    // An entity id alone finds it whatever its type.
    expect((await allEvents({ entity_id: step.id })).map((e) => e.action)).toEqual(["step.created"]);
    expect((await allEvents({ actor_id: id, action: "course.updated" })).map((e) => e.changes.name?.[1])).toEqual([
      "Name 0",
      "Name 1",
      "Name 2",
      "Name 3",
    ]);
    // `since` is inclusive.
    const third = mine[2]!;
    expect((await allEvents({ actor_id: id, since: third.at })).map((e) => e.id)).toEqual(
      mine.filter((e) => e.at >= third.at).map((e) => e.id),
    );
    expect(await allEvents({ actor_id: id, since: new Date(Date.now() + 3_600_000).toISOString() })).toEqual([]);

    for (const bad of ["entity_type=widget", "action=course.exploded", "since=yesterday", "limit=0", "cursor=not-a-cursor"]) {
      const res = await call("GET", `/audit-events?${bad}`, { token: manager });
      expect(res.status, `${bad}: ${res.text}`).toBe(400);
    }
  });

  it("never records a webhook's signing secret", async () => {
    const id = uniqueName("webhook-manager");
    const own = await token(id, "manager");
    const hook = await makeWebhook(own, ["course.completed"], "Certificates");
    expect(hook.secret).toMatch(/^whsec_/);
    await must(await call("DELETE", `/webhooks/${hook.id}`, { token: own }), 204, "delete");
    const events = await allEvents({ actor_id: id });
    expect(events.map((e) => [e.action, e.entity_type, e.entity_id])).toEqual([
      ["webhook.created", "webhook", hook.id],
      ["webhook.deleted", "webhook", hook.id],
    ]);
    const text = JSON.stringify(events);
    expect(text).not.toContain(hook.secret);
    expect(text).not.toContain(hook.secret.slice("whsec_".length));
    expect(text).not.toContain("whsec_");
  });

  it("never records questions, options, is_correct, answers, notes or file contents", async () => {
    const id = uniqueName("privacy-manager");
    const own = await token(id, "manager");
    const marker = uniqueName("SECRET");
    const questions = sampleQuestions().map((q: any) => ({
      ...q,
      question_text: `${marker} question`,
      options: q.options?.map((o: any) => ({ ...o, text: `${marker} option` })),
    }));
    const { course, step1, exam } = await twoStepCourse(own);
    await must(await call("PUT", `/forms/${exam.id}`, { token: own, body: { questions } }), 200, "questions");
    const p = await enrolled(own, course.id);
    await must(await call("POST", `/steps/${step1.id}/materials-complete`, { token: p.participant }), 200, "complete");
    const start = await must(await call("POST", `/steps/${step1.id}/exam/start`, { token: p.participant }), 201, "start");
    await must(
      await call("POST", `/forms/submissions/${start.submission_id}/submit`, {
        token: p.participant,
        body: examAnswers("a", `${marker} answer`),
      }),
      200,
      "submit",
    );
    await must(
      await call("PUT", `/participants/${p.pid}/accommodations`, { token: own, body: { extra_time_percent: 10, note: `${marker} note` } }),
      200,
      "accommodation",
    );
    await must(await call("GET", `/participants/${p.pid}/export`, { token: own }), 200, "export");
    await must(await call("DELETE", `/participants/${p.pid}`, { token: own }), 200, "erase");
    await must(await call("DELETE", `/forms/${exam.id}`, { token: own }), 204, "delete form");

    const events = await allEvents({ actor_id: id });
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        "form.updated",
        "participant.accommodation_set",
        "participant.exported",
        "participant.erased",
        "form.deleted",
      ]),
    );
    const text = JSON.stringify(events);
    expect(text).not.toContain(marker);
    expect(text).not.toContain("is_correct");
    expect(text).not.toContain("question_text");
    expect(text).not.toContain("answers");
    // The erase kept the participant's history (the log is append-only) and recorded what it removed.
    const history = await allEvents({ entity_type: "participant", entity_id: p.pid });
    expect(history.map((e) => e.action)).toEqual(["participant.accommodation_set", "participant.exported", "participant.erased"]);
    expect(history[2]!.changes).toMatchObject({ enrollments: [1, 0], exam_attempts: [1, 0], accommodations: [1, 0] });
  });
});
