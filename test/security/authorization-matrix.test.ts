/**
 * Authorization matrix: every route of the OpenAPI document × every identity → the expected status.
 *
 * Identities: the nine bad-authentication cases (lib.ts BAD_AUTH), then
 *  - self:          a participant acting on their own data (A, or the owner of a row's fresh resource);
 *  - names-other:   that participant naming participant B through `participant_id` (query or path) — only on
 *                   routes that have the parameter;
 *  - intruder:      participant B sending the very request `self` sends (A's ids), on every route;
 *  - mgr-names-other: a manager naming another manager through `manager_id` — only where the route has it;
 *  - staff-no-grant: a `staff` token holding no course grant, sending the manager's request (staffNoGrantExpected:
 *                   403 where the document's `x-roles` lacks staff; else a course outside its grants is 404, and a
 *                   list filtered to its grants is 200, empty);
 *  - course staff with one grant each (lib.ts STAFF_GRANTS), sending the manager's request, which acts in course A
 *    (the course participant A takes): instructor-a, instructor-b (an instructor of course B only), grader-a-c1
 *    (a grader of A limited to cohort 1, which A is in, as A is in cohort 2), grader-a-c3 (limited to cohort 3,
 *    which A is not in) and observer-a. Their expected statuses are derived (staffExpected) from the document's
 *    `x-roles` and `x-capability` and the capability table (domain/authority.ts), unless the row says otherwise;
 *  - manager.
 * A row may prepare fresh state (a throwaway course to delete, a fresh attempt to decide on) so that its
 * cells do not disturb other rows; cells run in the order above, so the manager's write comes last, and a staff
 * identity expected to succeed gets state of its own (the row's `prepare` again), so its write spares the manager's.
 * A public operation (the document gives it `security: []` and no `x-roles`) answers whatever the Authorization
 * header holds, bad tokens included; a HEAD answers as its GET does, without a body.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Capability, GRANT_CAPABILITIES } from "../../src/domain/authority";
import { setClock } from "../../src/lib/clock";
import { token, uniqueName } from "../helpers";
import {
  BAD_AUTH,
  buildWorld,
  describeReq,
  GIFT_SAMPLE,
  MORE_BAD_AUTH,
  openApiDoc,
  operations,
  type Person,
  params,
  pdfBytes,
  type Req,
  responseProblems,
  STAFF_GRANTS,
  STAFF_IDS,
  type StaffId,
  send,
  type World,
} from "./lib";

afterEach(() => setClock(null));

type Expect = number | number[];
type Entity = { id: string };
/** Everything a row's `prepare` may make fresh for its cells; each row makes only the part its requests read. */
type State = {
  course: Entity;
  step: Entity;
  form: Entity;
  material: Entity;
  table: Entity;
  webhook: Entity;
  cohort: Entity;
  bank: Entity;
  /** A question of `bank`. */
  question: string;
  submission: string;
  certificate: string;
  /** A participant id the manager's request names. */
  p: string;
  /** With `token`: the participant who owns the fresh state, who then plays `self`. */
  sub: string;
  token: string;
};
type Ctx<S = Partial<State>> = { w: World; st: S; self: Person };
type Sent = Omit<Req, "method" | "token">;
/**
 * A row of the table. `S` is what its `prepare` returns; its requests are written as methods so that a row typed
 * by its own state is a row of the table (`prepared`): the runner hands each row only the state its own `prepare`
 * made, and the bad-token sweep a stand-in with every field of `State`.
 */
type Row<S = Partial<State>> = {
  /** Fresh state for this row's cells; `self` may name the participant who owns it. */
  prepare?: (w: World) => Promise<S>;
  /** The request `self` sends (the intruder sends it too, with B's token). */
  req(c: Ctx<S>): Sent;
  /** The request a manager sends (defaults to `req`). */
  managerReq?(c: Ctx<S>): Sent;
  self: Expect;
  intruder: Expect;
  manager: Expect;
  /** Only where the route has `participant_id`: the request naming B. */
  namesOther?(c: Ctx<S>): Sent;
  /** The operation needs no token (the document's `security: []`): bad tokens are not looked at. */
  public?: true;
  /** A `staff` token holding no grant, sending the manager's request (default: staffNoGrantExpected). */
  staffNoGrant?: Expect;
  /** Course staff (STAFF_IDS): what every one, or each named one, answers instead of the derived expectation. */
  staff?: Expect | Partial<Record<StaffId, Expect>>;
  /** The capability a staff grant needs here, for a route admitting staff whose document names none (`x-capability`). */
  capability?: Capability;
  /**
   * The request acts on one participant's data (a submission, or `participant_id` in the path or query): a staff
   * grant that does not reach that participant (another course, other cohorts) answers 404 before any 403.
   */
  participantScoped?: true;
  /** A list filtered to the caller's grants: course staff get the manager's answer, holding only what they reach. */
  list?: true;
  /**
   * On a route whose staff reach is the organisation (`x-staff-scope: organisation`, question banks): the request
   * changes what the manager made, and staff change only what they made (403 `insufficient_grant`, also for an
   * instructor).
   */
  othersThing?: true;
};
/** A row whose requests read the state its `prepare` makes, typed by what that returns. */
const prepared = <S extends Partial<State>>(row: Row<S> & { prepare: (w: World) => Promise<S> }): Row => row;

const pdf = pdfBytes(1500);
const q = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query)}`;

/** A webhook of the manager's (pointing where nothing listens), for rows that delete it or read its deliveries. */
/** A cohort of the course A is enrolled in, with A as a member when `withA`. */
async function freshCohort(w: World, withA = false): Promise<{ id: string }> {
  const r = await send({
    method: "POST",
    path: `/courses/${w.course.id}/cohorts`,
    token: w.manager,
    json: { name: uniqueName("matrix-cohort") },
  });
  if (r.status !== 201) throw new Error(`cohort ${r.status} ${r.text}`);
  if (withA) {
    const m = await send({ method: "PUT", path: `/cohorts/${r.json.id}/members/${w.a.sub}`, token: w.manager });
    if (m.status !== 200) throw new Error(`cohort member ${m.status} ${m.text}`);
  }
  return r.json;
}

async function freshWebhook(w: World): Promise<{ id: string }> {
  const r = await send({
    method: "POST",
    path: "/webhooks",
    token: w.manager,
    json: { url: `https://receiver.example/${uniqueName("matrix-hook")}`, events: ["course.completed"] },
  });
  if (r.status !== 201) throw new Error(`webhook ${r.status} ${r.text}`);
  return r.json;
}

/** The table. Keys are `METHOD /path` exactly as in the OpenAPI document. */
const MATRIX: Record<string, Row> = {
  /* ---------------- public ---------------- */
  "GET /health": { public: true, req: () => ({ path: "/health" }), self: 200, intruder: 200, manager: 200 },
  // Issue #28: a certificate and what verifies it are anyone's to read, with or without a token.
  "GET /certificates/{certificate_id}": {
    public: true,
    req: ({ w }) => ({ path: `/certificates/${w.certificate.id}` }),
    self: 200,
    intruder: 200,
    manager: 200,
  },
  "GET /certificates/{certificate_id}/badge.svg": {
    public: true,
    req: ({ w }) => ({ path: `/certificates/${w.certificate.id}/badge.svg` }),
    self: 200,
    intruder: 200,
    manager: 200,
  },
  "GET /status-lists/{list_id}": {
    public: true,
    req: ({ w }) => ({ path: `/status-lists/${w.certificate.list}` }),
    self: 200,
    intruder: 200,
    manager: 200,
  },
  "GET /.well-known/did.json": { public: true, req: () => ({ path: "/.well-known/did.json" }), self: 200, intruder: 200, manager: 200 },
  "GET /did.json": { public: true, req: () => ({ path: "/did.json" }), self: 200, intruder: 200, manager: 200 },
  "GET /.well-known/jwks.json": { public: true, req: () => ({ path: "/.well-known/jwks.json" }), self: 200, intruder: 200, manager: 200 },

  /* ---------------- webhooks ---------------- */
  "POST /webhooks": {
    req: () => ({
      path: "/webhooks",
      json: { url: `https://receiver.example/${uniqueName("matrix-hook")}`, events: ["course.completed"] },
    }),
    self: 403,
    intruder: 403,
    manager: 201,
  },
  "GET /webhooks": { req: () => ({ path: "/webhooks" }), self: 403, intruder: 403, manager: 200 },
  "DELETE /webhooks/{webhook_id}": prepared({
    prepare: async (w) => ({ webhook: await freshWebhook(w) }),
    req: ({ st }) => ({ path: `/webhooks/${st.webhook.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),
  "GET /webhooks/{webhook_id}/deliveries": prepared({
    prepare: async (w) => ({ webhook: await freshWebhook(w) }),
    req: ({ st }) => ({ path: `/webhooks/${st.webhook.id}/deliveries` }),
    self: 403,
    intruder: 403,
    manager: 200,
  }),

  /* ---------------- course staff grants ---------------- */
  // A staff token without a grant in the course is told it does not exist (404), as for any course outside its grants.
  // Instructors give and revoke grader and observer grants in their course (capability `grant`).
  "PUT /courses/{course_id}/staff/{sub}": prepared({
    prepare: async () => ({ p: uniqueName("grantee") }),
    req: ({ w, st }) => ({ path: `/courses/${w.course.id}/staff/${st.p}`, json: { role: "observer" } }),
    self: 403,
    intruder: 403,
    staffNoGrant: 404,
    manager: 200,
    capability: "grant",
  }),
  "GET /courses/{course_id}/staff": {
    req: ({ w }) => ({ path: `/courses/${w.course.id}/staff` }),
    self: 403,
    intruder: 403,
    staffNoGrant: 404,
    manager: 200,
    capability: "grant",
  },
  "DELETE /courses/{course_id}/staff/{sub}": prepared({
    prepare: async (w) => {
      const p = uniqueName("grantee");
      const r = await send({ method: "PUT", path: `/courses/${w.course.id}/staff/${p}`, token: w.manager, json: { role: "grader" } });
      if (r.status !== 200) throw new Error(`grant ${r.status} ${r.text}`);
      return { p };
    },
    req: ({ w, st }) => ({ path: `/courses/${w.course.id}/staff/${st.p}` }),
    self: 403,
    intruder: 403,
    staffNoGrant: 404,
    manager: 204,
    capability: "grant",
  }),
  // Only staff have grants of their own: the one operation a staff token with no grant may call.
  "GET /staff/me/grants": {
    req: () => ({ path: "/staff/me/grants" }),
    self: 403,
    intruder: 403,
    staffNoGrant: 200,
    staff: 200,
    manager: 403,
  },

  /* ---------------- cohorts ---------------- */
  "POST /courses/{course_id}/cohorts": {
    req: ({ w }) => ({ path: `/courses/${w.course.id}/cohorts`, json: { name: uniqueName("matrix-cohort") } }),
    self: 403,
    intruder: 403,
    manager: 201,
    staffNoGrant: 404,
  },
  "GET /courses/{course_id}/cohorts": {
    req: ({ w }) => ({ path: `/courses/${w.course.id}/cohorts` }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
  },
  "PUT /cohorts/{cohort_id}": prepared({
    prepare: async (w) => ({ cohort: await freshCohort(w) }),
    req: ({ st }) => ({ path: `/cohorts/${st.cohort.id}`, json: { name: uniqueName("renamed") } }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
  }),
  "DELETE /cohorts/{cohort_id}": prepared({
    prepare: async (w) => ({ cohort: await freshCohort(w) }),
    req: ({ st }) => ({ path: `/cohorts/${st.cohort.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
    staffNoGrant: 404,
  }),
  "PUT /cohorts/{cohort_id}/members/{participant_id}": prepared({
    prepare: async (w) => ({ cohort: await freshCohort(w) }),
    req: ({ st, self }) => ({ path: `/cohorts/${st.cohort.id}/members/${self.sub}` }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
  }),
  "DELETE /cohorts/{cohort_id}/members/{participant_id}": prepared({
    prepare: async (w) => ({ cohort: await freshCohort(w, true) }),
    req: ({ st, self }) => ({ path: `/cohorts/${st.cohort.id}/members/${self.sub}` }),
    self: 403,
    intruder: 403,
    manager: 204,
    staffNoGrant: 404,
  }),
  "GET /cohorts/{cohort_id}/members": prepared({
    prepare: async (w) => ({ cohort: await freshCohort(w, true) }),
    req: ({ st }) => ({ path: `/cohorts/${st.cohort.id}/members` }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
  }),

  /* ---------------- courses ---------------- */
  "POST /courses/enroll-default": prepared({
    // The scratch course is made the default, so both enrolments succeed deterministically.
    prepare: async (w) => {
      const r = await send({ method: "PUT", path: `/courses/${w.scratchCourse.id}/set-default`, token: w.manager });
      if (r.status !== 200) throw new Error(`set-default ${r.status}`);
      return { p: `fresh-${uniqueName("p")}` };
    },
    req: () => ({ path: "/courses/enroll-default" }),
    namesOther: ({ w }) => ({ path: q("/courses/enroll-default", { participant_id: w.b.sub }) }),
    managerReq: ({ st }) => ({ path: q("/courses/enroll-default", { participant_id: st.p }) }),
    self: 200,
    intruder: 200, // B enrols themself: their own data
    manager: 200,
  }),
  "POST /courses/{course_id}/enroll": prepared({
    prepare: async () => ({ p: uniqueName("p") }),
    req: ({ w, self }) => ({ path: q(`/courses/${w.course.id}/enroll`, { participant_id: self.sub }) }),
    namesOther: ({ w }) => ({ path: q(`/courses/${w.course.id}/enroll`, { participant_id: w.b.sub }) }),
    managerReq: ({ w, st }) => ({ path: q(`/courses/${w.course.id}/enroll`, { participant_id: st.p }) }),
    self: 403,
    intruder: 403,
    manager: 200,
  }),
  "GET /courses": { req: () => ({ path: "/courses" }), self: 200, intruder: 200, manager: 200, staffNoGrant: 200, list: true },
  "POST /courses": {
    req: () => ({ path: "/courses", json: { name: uniqueName("matrix-course") } }),
    self: 403,
    intruder: 403,
    manager: 201,
  },
  "GET /courses/{course_id}": {
    req: ({ w }) => ({ path: `/courses/${w.course.id}` }),
    self: 200,
    intruder: 200,
    manager: 200,
    staffNoGrant: 404,
  },
  "PUT /courses/{course_id}": {
    req: ({ w }) => ({ path: `/courses/${w.course.id}`, json: { description: "changed by the matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /courses/{course_id}": prepared({
    prepare: async (w) => ({ course: await w.freshCourse() }),
    req: ({ st }) => ({ path: `/courses/${st.course.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),
  "PUT /courses/{course_id}/set-default": {
    req: ({ w }) => ({ path: `/courses/${w.scratchCourse.id}/set-default` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  // The draft step (after step 2, out of A's reach) moves to the end of course A; again and again, the same place.
  "POST /courses/{course_id}/steps/reorder": {
    req: ({ w }) => ({
      path: `/courses/${w.course.id}/steps/reorder`,
      json: { step_orders: [{ step_id: w.draftStep.id, order_index: 900_000 }] },
    }),
    self: 403,
    intruder: 403,
    manager: 200,
  },

  /* ---------------- steps ---------------- */
  "GET /steps/{step_id}": {
    req: ({ w }) => ({ path: `/steps/${w.step1.id}` }),
    namesOther: ({ w }) => ({ path: q(`/steps/${w.step1.id}`, { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q(`/steps/${w.step1.id}`, { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 200, // published content; B sees it locked
    manager: 200,
    participantScoped: true,
  },
  "PUT /steps/{step_id}": {
    req: ({ w }) => ({ path: `/steps/${w.draftStep.id}`, json: { description: "changed by the matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /steps/{step_id}": prepared({
    prepare: async (w) => ({ step: await w.freshStepA() }),
    req: ({ st }) => ({ path: `/steps/${st.step.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),
  "POST /steps": {
    req: ({ w }) => ({ path: "/steps", json: { course_id: w.course.id, name: uniqueName("matrix-step") } }),
    self: 403,
    intruder: 403,
    manager: 201,
  },
  "PUT /steps/{step_id}/exam": prepared({
    // An exam of course A (on a step of its own) moves to a new step of course A.
    prepare: async (w) => ({ step: await w.freshStepA(), form: await w.freshFormA() }),
    req: ({ st }) => ({ path: q(`/steps/${st.step.id}/exam`, { form_id: st.form.id }) }),
    self: 403,
    intruder: 403,
    manager: 200,
  }),
  "POST /steps/{step_id}/materials-complete": {
    req: ({ w }) => ({ path: `/steps/${w.step1.id}/materials-complete` }),
    namesOther: ({ w }) => ({ path: q(`/steps/${w.step1.id}/materials-complete`, { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q(`/steps/${w.step1.id}/materials-complete`, { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 409, // B is not enrolled in A's course
    manager: 200,
  },
  "POST /steps/{step_id}/materials": {
    req: ({ w }) => ({
      path: `/steps/${w.draftStep.id}/materials`,
      json: { material_type: "Video", title: uniqueName("matrix-video"), content: { url: "https://example.com/v.mp4" } },
    }),
    self: 403,
    intruder: 403,
    manager: 201,
  },

  /* ---------------- materials ---------------- */
  "PUT /materials/{material_id}": {
    req: ({ w }) => ({ path: `/materials/${w.video.id}`, json: { description: "changed by the matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /materials/{material_id}": prepared({
    prepare: async (w) => ({ material: await w.freshMaterialA() }),
    req: ({ st }) => ({ path: `/materials/${st.material.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),
  "POST /materials/{material_id}/complete": {
    req: ({ w }) => ({ path: `/materials/${w.video.id}/complete` }),
    namesOther: ({ w }) => ({ path: q(`/materials/${w.video.id}/complete`, { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q(`/materials/${w.video.id}/complete`, { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 409, // not enrolled
    manager: 200,
  },
  "PUT /materials/{material_id}/file": {
    req: ({ w }) => ({
      path: `/materials/${w.doc.id}/file`,
      raw: pdf,
      headers: { "content-type": "application/pdf", "content-length": String(pdf.byteLength) },
    }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "GET /materials/{material_id}/file": {
    req: ({ w }) => ({ path: `/materials/${w.doc.id}/file` }),
    self: 200,
    intruder: 403, // file_forbidden: not enrolled
    manager: 200,
  },
  "HEAD /materials/{material_id}/file": {
    req: ({ w }) => ({ path: `/materials/${w.doc.id}/file` }),
    self: 200,
    intruder: 403,
    manager: 200,
  },
  "DELETE /materials/{material_id}/file": prepared({
    prepare: async (w) => ({ material: await w.freshDocumentWithFileA() }),
    req: ({ st }) => ({ path: `/materials/${st.material.id}/file` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),
  "POST /materials/{material_id}/file-link": {
    req: ({ w }) => ({ path: `/materials/${w.doc.id}/file-link` }),
    self: 200,
    intruder: 403,
    manager: 200,
  },

  /* ---------------- forms ---------------- */
  "GET /forms": { req: () => ({ path: "/forms" }), self: 200, intruder: 200, manager: 200, list: true },
  // On a new step of course A: course staff create exams in a course they teach only.
  "POST /forms": prepared({
    prepare: async (w) => ({ step: await w.freshStepA() }),
    req: ({ st }) => ({
      path: "/forms",
      json: {
        name: uniqueName("matrix-form"),
        duration_minutes: 10,
        step_id: st.step.id,
        questions: [{ question_id: "t", question_type: "THEORY", question_text: "Why?", marks: 1 }],
      },
    }),
    self: 403,
    intruder: 403,
    manager: 201,
  }),
  "GET /forms/{form_id}": { req: ({ w }) => ({ path: `/forms/${w.exam1.id}` }), self: 200, intruder: 200, manager: 200 },
  "PUT /forms/{form_id}": {
    req: ({ w }) => ({ path: `/forms/${w.exam1.id}`, json: { description: "changed by the matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /forms/{form_id}": prepared({
    prepare: async (w) => ({ form: await w.freshFormA() }),
    req: ({ st }) => ({ path: `/forms/${st.form.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),

  /* ---------------- requirement tables and tracking ---------------- */
  // Staff without a grant reach no course: their queue is empty.
  "GET /requirement-tables/submissions/pending": {
    req: () => ({ path: "/requirement-tables/submissions/pending" }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 200,
    list: true,
  },
  "POST /requirement-tables/submissions/{submission_id}/rows": {
    req: ({ w }) => ({
      path: `/requirement-tables/submissions/${w.aTable}/rows`,
      json: { serial_number: 1, completed: true, completed_value: 16 },
    }),
    namesOther: ({ w }) => ({
      path: q(`/requirement-tables/submissions/${w.aTable}/rows`, { participant_id: w.b.sub }),
      json: { serial_number: 1, completed: true, completed_value: 16 },
    }),
    managerReq: ({ w }) => ({
      path: q(`/requirement-tables/submissions/${w.aTable}/rows`, { participant_id: w.a.sub }),
      json: { serial_number: 1, completed: true, completed_value: 16 },
    }),
    self: 200,
    intruder: 404, // someone else's submission is not there for B
    manager: 200,
  },
  "POST /requirement-tables/submissions/{submission_id}/submit": {
    req: ({ w }) => ({ path: `/requirement-tables/submissions/${w.aTable}/submit` }),
    namesOther: ({ w }) => ({ path: q(`/requirement-tables/submissions/${w.aTable}/submit`, { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q(`/requirement-tables/submissions/${w.aTable}/submit`, { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 404,
    manager: 200,
  },
  "POST /requirement-tables/submissions/{submission_id}/rows/{serial_number}/approve": prepared({
    prepare: (w) => w.freshTableSubmissionA(),
    req: ({ st }) => ({ path: `/requirement-tables/submissions/${st.submission}/rows/1/approve`, json: { approved: true } }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "POST /requirement-tables/submissions/{submission_id}/approve": prepared({
    prepare: (w) => w.freshTableSubmissionA(),
    req: ({ st }) => ({ path: `/requirement-tables/submissions/${st.submission}/approve`, json: { approval_remarks: "fine" } }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "POST /requirement-tables/submissions/{submission_id}/claim": prepared({
    prepare: (w) => w.freshTableSubmissionA(),
    req: ({ st }) => ({ path: `/requirement-tables/submissions/${st.submission}/claim` }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "DELETE /requirement-tables/submissions/{submission_id}/claim": prepared({
    prepare: async (w) => {
      const p = await w.freshTableSubmissionA();
      const other = await token(uniqueName("manager"), "manager");
      const r = await send({ method: "POST", path: `/requirement-tables/submissions/${p.submission}/claim`, token: other });
      if (r.status !== 200) throw new Error(`claim ${r.status} ${r.text}`);
      return p;
    },
    req: ({ st }) => ({ path: q(`/requirement-tables/submissions/${st.submission}/claim`, { force: "true" }) }),
    self: 403,
    intruder: 403,
    manager: 204,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "GET /requirement-tables/{table_id}/my-submission": {
    req: ({ w }) => ({ path: `/requirement-tables/${w.table.id}/my-submission` }),
    namesOther: ({ w }) => ({ path: q(`/requirement-tables/${w.table.id}/my-submission`, { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q(`/requirement-tables/${w.table.id}/my-submission`, { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 200, // B's own submission
    manager: 200,
    // A table outside the caller's grants is not there (and nothing is created).
    staffNoGrant: 404,
    participantScoped: true,
  },
  "GET /requirement-tables": { req: () => ({ path: "/requirement-tables" }), self: 200, intruder: 200, manager: 200, list: true },
  // On a new step of course A: course staff create tables in a course they teach only.
  "POST /requirement-tables": prepared({
    prepare: async (w) => ({ step: await w.freshStepA() }),
    req: ({ st }) => ({
      path: "/requirement-tables",
      json: {
        name: uniqueName("matrix-table"),
        step_id: st.step.id,
        requirements: [{ serial_number: 1, activity: "Read", target: 1, unit: "pages" }],
      },
    }),
    self: 403,
    intruder: 403,
    manager: 201,
  }),
  "GET /requirement-tables/{table_id}": {
    req: ({ w }) => ({ path: `/requirement-tables/${w.table.id}` }),
    self: 200,
    intruder: 200,
    manager: 200,
  },
  "PUT /requirement-tables/{table_id}": {
    req: ({ w }) => ({ path: `/requirement-tables/${w.table.id}`, json: { description: "changed by the matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /requirement-tables/{table_id}": prepared({
    prepare: async (w) => ({ table: await w.freshTableA() }),
    req: ({ st }) => ({ path: `/requirement-tables/${st.table.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),

  /* ---------------- exams and review ---------------- */
  "POST /steps/{step_id}/exam/start": {
    req: ({ w }) => ({ path: `/steps/${w.step2.id}/exam/start` }),
    namesOther: ({ w }) => ({ path: q(`/steps/${w.step2.id}/exam/start`, { participant_id: w.b.sub }) }),
    self: 200, // resumes A's open attempt
    intruder: 409, // not enrolled
    manager: 403, // participants only
  },
  "PUT /forms/submissions/{submission_id}/answers": {
    req: ({ w }) => ({
      path: `/forms/submissions/${w.open}/answers`,
      json: { mcq_answers: [{ question_id: "q1", selected_option_id: "b" }] },
    }),
    self: 200,
    intruder: 403, // not_your_attempt
    manager: 403,
  },
  "POST /forms/submissions/{submission_id}/submit": prepared({
    prepare: (w) => w.freshOpen(),
    req: ({ st }) => ({
      path: `/forms/submissions/${st.submission}/submit`,
      json: { mcq_answers: [{ question_id: "q1", selected_option_id: "a" }] },
    }),
    self: 200,
    intruder: 403,
    manager: 403,
  }),
  // Staff without a grant reach no course: their queue is empty.
  "GET /form-submissions/pending": {
    req: () => ({ path: "/form-submissions/pending" }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 200,
    list: true,
  },
  "GET /form-submissions/participant/{participant_id}": {
    req: ({ self }) => ({ path: `/form-submissions/participant/${encodeURIComponent(self.sub)}` }),
    namesOther: ({ w }) => ({ path: `/form-submissions/participant/${encodeURIComponent(w.b.sub)}` }),
    self: 200,
    intruder: 403,
    manager: 200,
    // Staff without a grant read no course: the list is empty; a grant reaching A's course shows A's attempts there.
    staffNoGrant: 200,
    list: true,
  },
  "GET /form-submissions/{submission_id}": {
    req: ({ w }) => ({ path: `/form-submissions/${w.submitted}` }),
    self: 200,
    intruder: 404,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  },
  "POST /form-submissions/{submission_id}/grade": prepared({
    prepare: (w) => w.freshSubmittedA(),
    req: ({ st }) => ({
      path: `/form-submissions/${st.submission}/grade`,
      json: { theory_grades: [{ question_id: "q2", marks_awarded: 7 }] },
    }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "POST /form-submissions/{submission_id}/approve": prepared({
    prepare: async (w) => {
      const p = await w.freshSubmittedA();
      const g = await send({
        method: "POST",
        path: `/form-submissions/${p.submission}/grade`,
        token: w.manager,
        json: { theory_grades: [{ question_id: "q2", marks_awarded: 7 }] },
      });
      if (g.status !== 200) throw new Error(`grade ${g.status} ${g.text}`);
      return p;
    },
    req: ({ st }) => ({ path: `/form-submissions/${st.submission}/approve`, json: { feedback: "ok" } }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "POST /form-submissions/{submission_id}/reject": prepared({
    prepare: (w) => w.freshSubmittedA(),
    req: ({ st }) => ({ path: `/form-submissions/${st.submission}/reject`, json: { feedback: "again" } }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "POST /form-submissions/{submission_id}/request-retake": prepared({
    prepare: (w) => w.freshSubmittedA(),
    req: ({ st }) => ({ path: `/form-submissions/${st.submission}/request-retake`, json: { reason: "again" } }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "POST /form-submissions/{submission_id}/claim": prepared({
    prepare: (w) => w.freshSubmittedA(),
    req: ({ st }) => ({ path: `/form-submissions/${st.submission}/claim` }),
    self: 403,
    intruder: 403,
    manager: 200,
    staffNoGrant: 404,
    participantScoped: true,
  }),
  "DELETE /form-submissions/{submission_id}/claim": prepared({
    // Claimed by another manager: the manager's cell releases it only with force (audited).
    prepare: async (w) => {
      const p = await w.freshSubmittedA();
      const other = await token(uniqueName("manager"), "manager");
      const r = await send({ method: "POST", path: `/form-submissions/${p.submission}/claim`, token: other });
      if (r.status !== 200) throw new Error(`claim ${r.status} ${r.text}`);
      return p;
    },
    req: ({ st }) => ({ path: q(`/form-submissions/${st.submission}/claim`, { force: "true" }) }),
    self: 403,
    intruder: 403,
    manager: 204,
    staffNoGrant: 404,
    participantScoped: true,
  }),

  /* ---------------- participant views ---------------- */
  "GET /participants/me/certificates": {
    req: () => ({ path: "/participants/me/certificates" }),
    self: 200,
    intruder: 200, // B's own list
    manager: 403,
  },
  "GET /participants/{participant_id}/certificates": {
    req: ({ self }) => ({ path: `/participants/${self.sub}/certificates` }),
    namesOther: ({ w }) => ({ path: `/participants/${w.b.sub}/certificates` }),
    managerReq: ({ w }) => ({ path: `/participants/${w.a.sub}/certificates` }),
    self: 200,
    intruder: 403,
    manager: 200,
    participantScoped: true,
  },
  "POST /certificates/{certificate_id}/revoke": prepared({
    prepare: async (w) => ({ certificate: (await w.freshCertificate()).id }),
    req: ({ st }) => ({ path: `/certificates/${st.certificate}/revoke`, json: { reason: "matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
  }),
  "GET /participants/me/courses": {
    req: () => ({ path: "/participants/me/courses" }),
    namesOther: ({ w }) => ({ path: q("/participants/me/courses", { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q("/participants/me/courses", { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 200, // B's own list
    manager: 200,
  },
  "GET /participants/me/progress/{course_id}": {
    req: ({ w }) => ({ path: `/participants/me/progress/${w.course.id}` }),
    namesOther: ({ w }) => ({ path: q(`/participants/me/progress/${w.course.id}`, { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q(`/participants/me/progress/${w.course.id}`, { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 404, // not enrolled
    manager: 200,
    participantScoped: true,
  },
  "GET /participants/me/step/{step_id}/progress": {
    req: ({ w }) => ({ path: `/participants/me/step/${w.step1.id}/progress` }),
    namesOther: ({ w }) => ({ path: q(`/participants/me/step/${w.step1.id}/progress`, { participant_id: w.b.sub }) }),
    managerReq: ({ w }) => ({ path: q(`/participants/me/step/${w.step1.id}/progress`, { participant_id: w.a.sub }) }),
    self: 200,
    intruder: 404,
    manager: 200,
    participantScoped: true,
  },
  /* ---------------- accommodations and overrides ---------------- */
  "PUT /participants/{participant_id}/accommodations": prepared({
    prepare: async () => ({ p: uniqueName("accommodated") }),
    req: ({ st }) => ({ path: `/participants/${st.p}/accommodations`, json: { extra_time_percent: 25, note: "matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
  }),
  "GET /participants/{participant_id}/accommodations": {
    req: ({ w }) => ({ path: `/participants/${encodeURIComponent(w.a.sub)}/accommodations` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /participants/{participant_id}/accommodations": prepared({
    prepare: async () => ({ p: uniqueName("accommodated") }),
    req: ({ st }) => ({ path: `/participants/${st.p}/accommodations` }),
    self: 403,
    intruder: 403,
    manager: 204,
  }),
  "GET /participants/me/accommodations": {
    req: () => ({ path: "/participants/me/accommodations" }),
    namesOther: ({ w }) => ({ path: q("/participants/me/accommodations", { participant_id: w.b.sub }) }),
    self: 200,
    intruder: 200, // B's own
    manager: 403,
  },
  // A participant of course A, in cohorts 1 and 2 as A is: a staff grant covers the course's enrolled participants only.
  "PUT /forms/{form_id}/overrides/{participant_id}": prepared({
    prepare: async (w) => ({ p: (await w.freshMemberOfA("po")).sub }),
    req: ({ w, st }) => ({ path: `/forms/${w.exam1.id}/overrides/${st.p}`, json: { duration_minutes: 45 } }),
    self: 403,
    intruder: 403,
    manager: 200,
    participantScoped: true,
  }),
  "GET /forms/{form_id}/analytics": {
    req: ({ w }) => ({ path: `/forms/${w.exam1.id}/analytics` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  /* ---------------- reports (issue #27): `read` over the course; a cohort-limited grant gets its cohorts' rows ---------------- */
  "GET /courses/{course_id}/gradebook": {
    req: ({ w }) => ({ path: `/courses/${w.course.id}/gradebook` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "GET /courses/{course_id}/completion": {
    req: ({ w }) => ({ path: `/courses/${w.course.id}/completion?by_cohort=true` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "GET /forms/{form_id}/responses": {
    req: ({ w }) => ({ path: `/forms/${w.exam1.id}/responses?format=csv` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "GET /forms/{form_id}/overrides": {
    req: ({ w }) => ({ path: `/forms/${w.exam1.id}/overrides` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /forms/{form_id}/overrides/{participant_id}": prepared({
    prepare: async (w) => ({ p: (await w.freshMemberOfA("po")).sub }),
    req: ({ w, st }) => ({ path: `/forms/${w.exam1.id}/overrides/${st.p}` }),
    self: 403,
    intruder: 403,
    manager: 204,
    participantScoped: true,
  }),
  /* ---------------- data rights ---------------- */
  "GET /participants/{participant_id}/export": {
    req: ({ w }) => ({ path: `/participants/${encodeURIComponent(w.a.sub)}/export` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "DELETE /participants/{participant_id}": prepared({
    // A throwaway participant: erasing A would change every later row's world.
    prepare: async () => ({ p: uniqueName("erasable") }),
    req: ({ st }) => ({ path: `/participants/${st.p}` }),
    self: 403,
    intruder: 403,
    manager: 200,
  }),
  /* ---------------- question banks ---------------- */
  // The organisation's, in no course (`x-staff-scope: organisation`): managers, and staff holding an instructor grant in
  // any live course (instructor-a and instructor-b alike) create banks and read every one, but change only the banks
  // they made; graders, observers and staff without a grant are 403 `insufficient_grant`, participants 403 `manager_only`.
  "POST /question-banks": {
    req: () => ({ path: "/question-banks", json: { name: uniqueName("matrix-bank") } }),
    self: 403,
    intruder: 403,
    manager: 201,
  },
  "GET /question-banks": { req: () => ({ path: "/question-banks" }), self: 403, intruder: 403, manager: 200 },
  "GET /question-banks/{bank_id}": { req: ({ w }) => ({ path: `/question-banks/${w.bank.id}` }), self: 403, intruder: 403, manager: 200 },
  "PUT /question-banks/{bank_id}": prepared({
    prepare: async (w) => ({ bank: (await w.freshBank()).bank }),
    req: ({ st }) => ({ path: `/question-banks/${st.bank.id}`, json: { description: "changed by the matrix" } }),
    self: 403,
    intruder: 403,
    manager: 200,
    othersThing: true,
  }),
  "DELETE /question-banks/{bank_id}": prepared({
    prepare: async (w) => ({ bank: (await w.freshBank()).bank }),
    req: ({ st }) => ({ path: `/question-banks/${st.bank.id}` }),
    self: 403,
    intruder: 403,
    manager: 204,
    othersThing: true,
  }),
  "POST /question-banks/{bank_id}/questions": prepared({
    prepare: async (w) => ({ bank: (await w.freshBank()).bank }),
    req: ({ st }) => ({
      path: `/question-banks/${st.bank.id}/questions`,
      json: { question_type: "THEORY", question_text: "Why?", marks: 1, tags: ["Matrix"] },
    }),
    self: 403,
    intruder: 403,
    manager: 201,
    othersThing: true,
  }),
  "GET /question-banks/{bank_id}/questions": {
    req: ({ w }) => ({ path: q(`/question-banks/${w.bank.id}/questions`, { tag: "Chapter 2" }) }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "GET /question-banks/{bank_id}/questions/{question_id}": {
    req: ({ w }) => ({ path: `/question-banks/${w.bank.id}/questions/${w.bankQuestion}` }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
  "PUT /question-banks/{bank_id}/questions/{question_id}": prepared({
    prepare: async (w) => {
      const { bank, question } = await w.freshBank();
      return { bank, question };
    },
    req: ({ st }) => ({
      path: `/question-banks/${st.bank.id}/questions/${st.question}`,
      json: { question_type: "THEORY", question_text: "Changed by the matrix", marks: 2 },
    }),
    self: 403,
    intruder: 403,
    manager: 200,
    othersThing: true,
  }),
  "DELETE /question-banks/{bank_id}/questions/{question_id}": prepared({
    prepare: async (w) => {
      const { bank, question } = await w.freshBank();
      return { bank, question };
    },
    req: ({ st }) => ({ path: `/question-banks/${st.bank.id}/questions/${st.question}` }),
    self: 403,
    intruder: 403,
    manager: 204,
    othersThing: true,
  }),
  "POST /question-banks/{bank_id}/import": prepared({
    prepare: async (w) => ({ bank: (await w.freshBank()).bank }),
    req: ({ st }) => ({ path: `/question-banks/${st.bank.id}/import`, raw: GIFT_SAMPLE, headers: { "content-type": "text/plain" } }),
    self: 403,
    intruder: 403,
    manager: 200,
    othersThing: true,
  }),
  "GET /question-banks/{bank_id}/export": {
    req: ({ w }) => ({ path: q(`/question-banks/${w.bank.id}/export`, { format: "moodle-xml" }) }),
    self: 403,
    intruder: 403,
    manager: 200,
  },

  /* ---------------- audit log ---------------- */
  "GET /audit-events": {
    req: ({ w }) => ({ path: q("/audit-events", { entity_type: "course", entity_id: w.course.id }) }),
    self: 403,
    intruder: 403,
    manager: 200,
  },
};

/** Participant actions: the only non-GET routes a participant may call. Everything else that writes is manager-only. */
const PARTICIPANT_WRITES = new Set([
  "POST /courses/enroll-default",
  "POST /steps/{step_id}/materials-complete",
  "POST /materials/{material_id}/complete",
  "POST /materials/{material_id}/file-link",
  "POST /requirement-tables/submissions/{submission_id}/rows",
  "POST /requirement-tables/submissions/{submission_id}/submit",
  "POST /steps/{step_id}/exam/start",
  "PUT /forms/submissions/{submission_id}/answers",
  "POST /forms/submissions/{submission_id}/submit",
]);

/** The document's word for "no token needed": an operation-level `security: []`. */
const isPublic = (op: { security?: unknown }) => Array.isArray(op.security) && op.security.length === 0;

const accepts = (expected: Expect, status: number) => (Array.isArray(expected) ? expected.includes(status) : expected === status);
const success = (expected: Expect) => (Array.isArray(expected) ? expected : [expected]).some((s) => s >= 200 && s < 300);

/**
 * What a `staff` token with no grant answers on a row: the row's word if it has one; else 403 where `x-roles` lacks
 * staff; else a filtered list is the manager's answer (empty), and anything else is outside its grants (404).
 */
function staffNoGrantExpected(row: Row, op: any): Expect {
  if (row.staffNoGrant !== undefined) return row.staffNoGrant;
  if (row.public) return 200;
  const roles: unknown = op["x-roles"];
  if (!Array.isArray(roles) || !roles.includes("staff")) return 403;
  // Organisation-wide (question banks): a grant somewhere is what admits staff at all.
  if (op["x-staff-scope"] === "organisation") return 403;
  return row.list ? row.manager : 404;
}

/**
 * What a staff identity answers on a row, from the one table: the row's own word if it has one; else a route whose
 * `x-roles` lacks staff refuses every staff token (403); else, by the capability the route needs (`x-capability`,
 * or the row's where the document names none) and the identity's grant (STAFF_GRANTS, GRANT_CAPABILITIES):
 *  - a list filtered to the caller's grants: the manager's answer (holding only what the grant reaches);
 *  - a grant in another course (instructor-b): the request's course-A resource is not there (404);
 *  - on one participant's data, a grant that does not reach the participant (grader-a-c3): 404, before any 403;
 *  - a grant whose role has the capability: the manager's answer; one whose role lacks it: 403 insufficient_grant.
 * A route whose staff reach is the organisation (`x-staff-scope: organisation`) names no course: a grant giving the
 * capability in any course admits staff (instructor-b too) to the manager's answer, except that they change only
 * what they made (`othersThing`: 403 `insufficient_grant`); a grant without it is 403 `insufficient_grant`.
 * `code` is the error code the answer must carry, where the rule fixes one.
 */
function staffExpected(row: Row, op: any, id: StaffId): { expected: Expect; code?: string } {
  const own = row.staff === undefined || typeof row.staff === "number" || Array.isArray(row.staff) ? row.staff : row.staff[id];
  if (own !== undefined) return { expected: own };
  if (row.public) return { expected: row.manager };
  const roles: unknown = op["x-roles"];
  if (!Array.isArray(roles) || !roles.includes("staff")) return { expected: 403 };
  const capability: Capability | undefined = op["x-capability"] ?? row.capability;
  if (!capability) throw new Error("x-roles admits staff, but neither the document (x-capability) nor the row names the capability");
  if (row.list) return { expected: row.manager };
  const grant = STAFF_GRANTS[id];
  if (op["x-staff-scope"] === "organisation") {
    if (!GRANT_CAPABILITIES[grant.role].includes(capability) || row.othersThing) return { expected: 403, code: "insufficient_grant" };
    return { expected: row.manager };
  }
  if (grant.course !== "A") return { expected: 404 };
  if (row.participantScoped && !grant.reachesA) return { expected: 404 };
  if (GRANT_CAPABILITIES[grant.role].includes(capability)) return { expected: row.manager };
  return { expected: 403, code: "insufficient_grant" };
}

let w: World;
let doc: any;
const counts = { cells: 0, routes: 0, byIdentity: {} as Record<string, number>, staffCells: 0, unexpected2xx: 0 };

let staffNoGrant: string;
beforeAll(async () => {
  doc = await openApiDoc();
  w = await buildWorld();
  staffNoGrant = await token(uniqueName("staff"), "staff");
}, 60_000);

describe("authorization matrix", () => {
  it("has a row for every (method, path) of the OpenAPI document, and no row for a route it lacks", () => {
    const documented = operations(doc).map((o) => o.key);
    const missing = documented.filter((k) => !(k in MATRIX));
    const stale = Object.keys(MATRIX).filter((k) => !documented.includes(k));
    expect(missing, "routes in the OpenAPI document without a row in MATRIX").toEqual([]);
    expect(stale, "rows in MATRIX for routes the document does not list").toEqual([]);
    expect(documented.length).toBeGreaterThan(40);
  });

  it("reads who may call each route from the document (x-roles), and every route declares it, or is public", () => {
    const problems: string[] = [];
    for (const o of operations(doc)) {
      const roles = o.op["x-roles"];
      if (isPublic(o.op)) {
        if (roles !== undefined) problems.push(`${o.key}: public (security: []) but x-roles ${JSON.stringify(roles)}`);
        if (!MATRIX[o.key]?.public) problems.push(`${o.key}: public in the document, not in MATRIX`);
        continue;
      }
      if (MATRIX[o.key]?.public) problems.push(`${o.key}: public in MATRIX, not in the document`);
      if (!Array.isArray(roles) || roles.length === 0 || roles.some((r: string) => r !== "manager" && r !== "participant" && r !== "staff"))
        problems.push(`${o.key}: x-roles ${JSON.stringify(roles)}`);
    }
    expect(problems).toEqual([]);
  });

  it("derives every staff identity's expectation: a route admitting staff names the capability it needs", () => {
    const problems: string[] = [];
    const table: string[] = [];
    for (const o of operations(doc)) {
      const row = MATRIX[o.key];
      if (!row) continue;
      const roles: unknown = o.op["x-roles"];
      const admitsStaff = Array.isArray(roles) && roles.includes("staff");
      const named = o.op["x-capability"] ?? row.capability;
      if (o.op["x-capability"] !== undefined && row.capability !== undefined && o.op["x-capability"] !== row.capability)
        problems.push(`${o.key}: the document says x-capability ${o.op["x-capability"]}, the row ${row.capability}`);
      if (named !== undefined && !(Object.values(GRANT_CAPABILITIES).flat() as string[]).includes(named))
        problems.push(`${o.key}: unknown capability ${named}`);
      const scope: unknown = o.op["x-staff-scope"];
      if (scope !== undefined && scope !== "organisation") problems.push(`${o.key}: unknown x-staff-scope ${JSON.stringify(scope)}`);
      if (row.othersThing && scope !== "organisation") problems.push(`${o.key}: othersThing on a route whose staff reach is a course`);
      const cells: string[] = [];
      for (const id of STAFF_IDS) {
        try {
          cells.push(`${id}=${JSON.stringify(staffExpected(row, o.op, id).expected)}`);
        } catch (error) {
          problems.push(`${o.key} [${id}]: ${(error as Error).message}`);
        }
      }
      table.push(`${o.key} (${admitsStaff ? (named ?? "the row's own") : "no staff"}): ${cells.join(" ")}`);
    }
    console.log(`staff expectations, derived:\n${table.join("\n")}`);
    expect(problems).toEqual([]);
  });

  it("classifies every write: a participant action, or manager-only (403 for participants)", () => {
    const problems: string[] = [];
    for (const o of operations(doc)) {
      const row = MATRIX[o.key];
      if (!row) continue;
      // Routes for managers (course staff too, as their grants allow): participants are refused.
      const managerOnly = Array.isArray(o.op["x-roles"]) && !o.op["x-roles"].includes("participant");
      const participantAction = PARTICIPANT_WRITES.has(o.key);
      if (o.method !== "GET" && o.method !== "HEAD" && !participantAction && !managerOnly)
        problems.push(`${o.key}: a write that is neither a participant action nor managerOnly`);
      if (managerOnly && (row.self !== 403 || row.intruder !== 403))
        problems.push(`${o.key}: managerOnly but participants are not expected 403`);
      const hasParticipantParam =
        params(o.op, "query").some((p: any) => p.name === "participant_id") ||
        params(o.op, "path").some((p: any) => p.name === "participant_id");
      if (hasParticipantParam && !managerOnly && !row.namesOther) problems.push(`${o.key}: has participant_id but no names-other cell`);
      if (!hasParticipantParam && row.namesOther) problems.push(`${o.key}: names-other cell but no participant_id parameter`);
    }
    expect(problems).toEqual([]);
  });

  it.each(Object.keys(MATRIX))("%s", async (key) => {
    const row = MATRIX[key]!;
    const [method] = key.split(" ") as [string];
    const o = operations(doc).find((x) => x.key === key);
    expect(o, `${key} is not in the OpenAPI document`).toBeDefined();
    const st = row.prepare ? await row.prepare(w) : {};
    const self: Person = st && typeof st.sub === "string" && typeof st.token === "string" ? { sub: st.sub, token: st.token } : w.a;
    const ctx: Ctx = { w, st, self };
    const failures: string[] = [];

    const run = async (
      who: string,
      expected: Expect,
      base: Omit<Req, "method" | "token">,
      auth: { token?: string; headers?: Record<string, string> },
      code?: string,
    ) => {
      const req: Req = { ...base, method, token: auth.token, headers: { ...base.headers, ...auth.headers } };
      const res = await send(req);
      counts.cells++;
      counts.byIdentity[who] = (counts.byIdentity[who] ?? 0) + 1;
      const problems = responseProblems(res);
      if (!accepts(expected, res.status)) {
        problems.unshift(`expected ${JSON.stringify(expected)}, got ${res.status} ${res.text.slice(0, 200)}`);
        if (res.status >= 200 && res.status < 300) counts.unexpected2xx++;
      } else if (code !== undefined && res.json?.code !== code) problems.push(`code ${res.json?.code}, expected ${code}`);
      if (res.status === 401 && method !== "HEAD" && res.json?.code !== "unauthorized") problems.push(`401 with code ${res.json?.code}`);
      if (problems.length) failures.push(`[${who}] ${describeReq(req)} → ${problems.join("; ")}`);
      return res;
    };

    // 1. The nine bad-authentication cases: 401 with a JSON detail, before anything else is looked at.
    for (const [name, headers] of BAD_AUTH) await run(name, row.public ? 200 : 401, row.req(ctx), { headers: await headers(w.managerSub) });
    // 2. A participant naming another participant.
    if (row.namesOther) await run("names-other", 403, row.namesOther(ctx), { token: self.token });
    // 3. The intruder: participant B sending self's request.
    await run("intruder", row.intruder, row.req(ctx), { token: w.b.token });
    // 4. Self.
    await run("self", row.self, row.req(ctx), { token: self.token });
    // 5. A manager naming another manager through manager_id.
    const managerBase = (row.managerReq ?? row.req)(ctx);
    if (params(o!.op, "query").some((p: any) => p.name === "manager_id")) {
      const sep = managerBase.path.includes("?") ? "&" : "?";
      await run(
        "mgr-names-other",
        403,
        { ...managerBase, path: `${managerBase.path}${sep}manager_id=${encodeURIComponent(uniqueName("other-manager"))}` },
        { token: w.manager },
      );
    }
    // 6. Course staff holding no grant, sending the manager's request: a staff token's rights come from grants only.
    await run("staff-no-grant", staffNoGrantExpected(row, o!.op), managerBase, { token: staffNoGrant });
    // 7. Course staff with one grant each, sending the manager's request: expected as derived from the document.
    //    One expected to succeed acts on state of its own, so the manager's cell still finds the row's.
    for (const id of STAFF_IDS) {
      const { expected, code } = staffExpected(row, o!.op, id);
      let staffCtx = ctx;
      if (row.prepare && success(expected)) {
        const own = await row.prepare(w);
        const owner: Person =
          own && typeof own.sub === "string" && typeof own.token === "string" ? { sub: own.sub, token: own.token } : w.a;
        staffCtx = { w, st: own, self: owner };
      }
      await run(id, expected, (row.managerReq ?? row.req)(staffCtx), { token: w.staff[id].token }, code);
      counts.staffCells++;
    }
    // 8. The manager.
    await run("manager", row.manager, managerBase, { token: w.manager });
    counts.routes++;
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it(`${MORE_BAD_AUTH.length} more malformed or wrongly-filled tokens: 401 with a JSON detail on every route but the public one`, {
    timeout: 60_000,
  }, async () => {
    const failures: string[] = [];
    let cells = 0;
    // Bad tokens are refused before any state is read; rows that prepare state get throwaway stand-ins.
    const st: Omit<State, "sub" | "token"> = {
      course: await w.freshCourse(),
      step: await w.freshStep(),
      form: await w.freshForm(),
      material: await w.freshDocumentWithFile(),
      table: await w.freshTable(),
      submission: w.submitted,
      certificate: w.certificate.id,
      p: "x",
      webhook: await freshWebhook(w),
      cohort: await freshCohort(w),
      bank: w.bank,
      question: w.bankQuestion,
    };
    for (const [key, row] of Object.entries(MATRIX)) {
      const [method] = key.split(" ") as [string];
      const base = row.req({ w, st, self: w.a });
      for (const [name, headers] of MORE_BAD_AUTH) {
        const req: Req = { ...base, method, headers: { ...base.headers, ...(await headers(w.managerSub)) } };
        let res;
        try {
          res = await send(req);
        } catch (error) {
          failures.push(`[${name}] ${describeReq(req)} → threw ${String(error)}`);
          continue;
        }
        cells++;
        const problems = responseProblems(res);
        const expected = row.public ? 200 : 401;
        if (res.status !== expected) problems.unshift(`expected ${expected}, got ${res.status} ${res.text.slice(0, 160)}`);
        else if (expected === 401 && method !== "HEAD" && res.json?.code !== "unauthorized") problems.push(`code ${res.json?.code}`);
        if (problems.length) failures.push(`[${name}] ${describeReq(req)} → ${problems.join("; ")}`);
      }
    }
    counts.cells += cells;
    counts.byIdentity["more bad tokens"] = cells;
    const byToken = new Map<string, number>();
    for (const f of failures) byToken.set(f.slice(1, f.indexOf("]")), (byToken.get(f.slice(1, f.indexOf("]"))) ?? 0) + 1);
    expect(
      failures.length,
      `${failures.length} failing cells; by token: ${JSON.stringify(Object.fromEntries(byToken))}\n${failures.slice(0, 6).join("\n")}`,
    ).toBe(0);
  });

  it("reports the cells covered", () => {
    console.log(
      `authorization matrix: ${counts.routes} routes, ${counts.cells} route × identity cells ` +
        `(${counts.staffCells} of them course staff with a grant), ${counts.unexpected2xx} unexpected 2xx`,
      counts.byIdentity,
    );
    expect(counts.routes).toBe(Object.keys(MATRIX).length);
    expect(counts.byIdentity["more bad tokens"]).toBe(Object.keys(MATRIX).length * MORE_BAD_AUTH.length);
  });
});

describe("question banks: course staff change only the banks they made", () => {
  it("instructor-a's own bank: instructor-a changes it; instructor-b reads it but is 403 on every write; a manager changes it too", async () => {
    const a = w.staff["instructor-a"].token;
    const b = w.staff["instructor-b"].token;
    const failures: string[] = [];
    const expectStatus = async (who: string, req: Req, expected: number, code?: string) => {
      const res = await send(req);
      const problems = responseProblems(res);
      if (res.status !== expected) problems.unshift(`expected ${expected}, got ${res.status} ${res.text.slice(0, 200)}`);
      else if (code !== undefined && res.json?.code !== code) problems.push(`code ${res.json?.code}, expected ${code}`);
      if (problems.length) failures.push(`[${who}] ${describeReq(req)} → ${problems.join("; ")}`);
      return res;
    };
    const { bank, question } = await w.freshBank(a);
    const own = `/question-banks/${bank.id}`;
    const writes: Omit<Req, "token">[] = [
      { method: "PUT", path: own, json: { description: "by the instructor" } },
      { method: "POST", path: `${own}/questions`, json: { question_type: "THEORY", question_text: "Mine?", marks: 1 } },
      {
        method: "PUT",
        path: `${own}/questions/${question}`,
        json: { question_type: "THEORY", question_text: "Rewritten", marks: 1 },
      },
      { method: "POST", path: `${own}/import?dry_run=true`, raw: GIFT_SAMPLE, headers: { "content-type": "text/plain" } },
      { method: "DELETE", path: `${own}/questions/${question}` },
      { method: "DELETE", path: own },
    ];
    const reads = [own, `${own}/questions`, `${own}/questions/${question}`, `${own}/export?format=gift`, "/question-banks"];
    for (const path of reads) await expectStatus("instructor-b", { method: "GET", path, token: b }, 200);
    for (const req of writes) await expectStatus("instructor-b", { ...req, token: b }, 403, "insufficient_grant");
    for (const id of ["grader-a-c1", "observer-a"] as const)
      await expectStatus(id, { method: "GET", path: own, token: w.staff[id].token }, 403, "insufficient_grant");
    const expected = [200, 201, 200, 200, 204, 204];
    for (const [i, req] of writes.entries()) await expectStatus("instructor-a", { ...req, token: a }, expected[i]!);
    // A manager changes any bank, an instructor's too.
    const other = await w.freshBank(a);
    await expectStatus(
      "manager",
      { method: "PUT", path: `/question-banks/${other.bank.id}`, json: { name: uniqueName("by-manager") }, token: w.manager },
      200,
    );
    await expectStatus("manager", { method: "DELETE", path: `/question-banks/${other.bank.id}`, token: w.manager }, 204);
    expect(failures, failures.join("\n")).toEqual([]);
  });
});

describe("signed download links (GET /materials/{id}/file?token=)", () => {
  const linkPath = (url: string) => url.replace(/^https?:\/\/[^/]+/, "");

  it("a link works without Authorization for its material, and only for it, and only until it expires", async () => {
    const failures: string[] = [];
    const check = async (what: string, path: string, expected: number, headers: Record<string, string> = {}) => {
      const res = await send({ method: "GET", path, headers });
      const problems = responseProblems(res);
      if (res.status !== expected) problems.unshift(`expected ${expected}, got ${res.status} ${res.text.slice(0, 160)}`);
      if (expected === 401 && res.json?.code !== "unauthorized") problems.push(`code ${res.json?.code}`);
      if (problems.length) failures.push(`${what}: GET ${path} → ${problems.join("; ")}`);
      return res;
    };
    const other = await w.freshDocumentWithFile();
    for (const who of [w.a, { sub: w.managerSub, token: w.manager }]) {
      const link = await send({ method: "POST", path: `/materials/${w.doc.id}/file-link`, token: who.token });
      expect(link.status).toBe(200);
      const path = linkPath(link.json.url);
      const good = await check(`${who.sub} link`, path, 200);
      expect(good.text.startsWith("%PDF-")).toBe(true);
      const tokenValue = new URL(link.json.url).searchParams.get("token")!;
      const [payload, sig] = tokenValue.split(".") as [string, string];
      const flipped = sig.slice(0, -2) + (sig.at(-2) === "A" ? "B" : "A") + sig.at(-1);
      await check("tampered signature", `/materials/${w.doc.id}/file?token=${payload}.${flipped}`, 401);
      await check("payload only", `/materials/${w.doc.id}/file?token=${payload}`, 401);
      await check("another material's link", `/materials/${other.id}/file?token=${encodeURIComponent(tokenValue)}`, 401);
      await check("empty token", `/materials/${w.doc.id}/file?token=`, 401);
      await check("garbage token", `/materials/${w.doc.id}/file?token=not.a.link`, 401);
      await check("API JWT as link", `/materials/${w.doc.id}/file?token=${who.token}`, 401);
      const asBearer = await send({ method: "GET", path: "/courses", headers: { authorization: `Bearer ${tokenValue}` } });
      if (asBearer.status !== 401) failures.push(`link token accepted as API bearer: ${asBearer.status}`);
      setClock(() => new Date(Date.now() + 16 * 60_000));
      await check("expired link", path, 401);
      setClock(null);
    }
    // A participant who may not open the file gets no link, so cannot mint one for themself.
    const intruder = await send({ method: "POST", path: `/materials/${w.doc.id}/file-link`, token: w.b.token });
    if (intruder.status !== 403) failures.push(`B got a link: ${intruder.status}`);
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it("tokens are checked on routes the document does not list: an unknown route is 401 without a token, 404 with one", async () => {
    const anon = await send({ method: "GET", path: "/admin/secrets" });
    expect(anon.status).toBe(401);
    const manager = await send({ method: "GET", path: "/admin/secrets", token: await token(uniqueName("m"), "manager") });
    expect(manager.status).toBe(404);
    expect(typeof manager.json.detail).toBe("string");
  });
});
