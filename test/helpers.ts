import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";
import { now as clockNow } from "../src/lib/clock";
import type { ResponseJson } from "./api-types";
import SAMPLE_QUESTIONS from "./fixtures/sample-questions.json";
import { signJwt } from "./sign-jwt";

export type { Role } from "../src/domain/vocabulary";

import type { Role } from "../src/domain/vocabulary";

/** Signs a token the API accepts; `claims` overrides or removes (undefined) any default claim. */
export async function token(sub: string, role: Role, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(clockNow().getTime() / 1000);
  const payload: Record<string, unknown> = { sub, role, iat: now, exp: now + 3600, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, ...claims };
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
  return signJwt(payload, env.JWT_SECRET);
}

let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

export type CallOptions = { token?: string; body?: unknown; rawBody?: BodyInit; headers?: Record<string, string> };

/** Calls the Worker as a client would, through its fetch handler inside workerd. */
export async function call<M extends string, P extends string>(method: M, path: P, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await exports.default.fetch(new Request(`http://api.test${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, json: parsed as ResponseJson<M, P>, text };
}

export type Actors = { manager: string; participant: string; other: string };

/** A manager token, a participant token and a second participant's token. */
export async function actors(): Promise<Actors> {
  return {
    manager: await token(uniqueName("manager"), "manager"),
    participant: await token(uniqueName("participant"), "participant"),
    other: await token(uniqueName("participant"), "participant"),
  };
}

/* ---------------- factories: each creates exactly what a test needs, through the API ---------------- */

export async function makeCourse(manager: string, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/courses", { token: manager, body: { name: uniqueName("course"), ...overrides } });
  if (res.status !== 201) throw new Error(`makeCourse: ${res.status} ${res.text}`);
  return res.json;
}

export async function makeStep(manager: string, courseId: string, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/steps", { token: manager, body: { course_id: courseId, name: uniqueName("step"), ...overrides } });
  if (res.status !== 201) throw new Error(`makeStep: ${res.status} ${res.text}`);
  return res.json;
}

export async function makeMaterial(manager: string, stepId: string, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", `/steps/${stepId}/materials`, {
    token: manager,
    body: { material_type: "Video", title: uniqueName("video"), content: { url: "https://example.com/v.mp4" }, ...overrides },
  });
  if (res.status !== 201) throw new Error(`makeMaterial: ${res.status} ${res.text}`);
  return res.json;
}

/** One MCQ (a is right) and one THEORY question (sent as `Theory`), shared with the browser test. */
export const sampleQuestions = () => structuredClone(SAMPLE_QUESTIONS);

export async function makeForm(manager: string, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/forms", {
    token: manager,
    body: { name: uniqueName("exam"), duration_minutes: 30, questions: sampleQuestions(), ...overrides },
  });
  if (res.status !== 201) throw new Error(`makeForm: ${res.status} ${res.text}`);
  return res.json;
}

export async function makeTable(manager: string, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/requirement-tables", {
    token: manager,
    body: {
      name: uniqueName("tracker"),
      requirements: [
        { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" },
        { serial_number: 2, activity: "Reading", target: 30, unit: "minutes" },
      ],
      ...overrides,
    },
  });
  if (res.status !== 201) throw new Error(`makeTable: ${res.status} ${res.text}`);
  return res.json;
}

/** Participant state the journey issue will write through the API; inserted directly until then. */
export async function touch(kind: "enrollment" | "completion" | "submission" | "requirement", ids: Record<string, string>) {
  const now = new Date().toISOString();
  const id = ids.id ?? crypto.randomUUID().replace(/-/g, "").slice(0, 24);
  const statements = {
    enrollment: () =>
      env.DB.prepare("INSERT INTO enrollments (id, participant_id, course_id, start_step_id, enrolled_at) VALUES (?, ?, ?, ?, ?)").bind(
        id,
        ids.participant_id,
        ids.course_id,
        ids.step_id ?? null,
        now,
      ),
    completion: () =>
      env.DB.prepare("INSERT INTO material_completions (participant_id, material_id, step_id, completed_at) VALUES (?, ?, ?, ?)").bind(
        ids.participant_id,
        ids.material_id,
        ids.step_id,
        now,
      ),
    submission: () =>
      env.DB.prepare(
        "INSERT INTO form_submissions (id, form_id, step_id, course_id, participant_id, attempt_number, submission_status, started_at) VALUES (?, ?, ?, ?, ?, 1, 'Submitted', ?)",
      ).bind(id, ids.form_id, ids.step_id, ids.course_id, ids.participant_id, now),
    requirement: () =>
      env.DB.prepare("INSERT INTO requirement_submissions (id, requirement_table_id, participant_id, created_at) VALUES (?, ?, ?, ?)").bind(
        id,
        ids.requirement_table_id,
        ids.participant_id,
        now,
      ),
  };
  await statements[kind]().run();
  return id;
}

/** A manager's two-step course: step 1 has a video, an optional video and an exam (MCQ 5 + THEORY 10, 2 attempts), step 2 a book. */
export async function twoStepCourse(manager: string, overrides: Record<string, unknown> = {}) {
  const course = await makeCourse(manager, overrides);
  const step1 = await makeStep(manager, course.id, { name: "Step 1: Introduction" });
  const step2 = await makeStep(manager, course.id, { name: "Step 2: Advanced" });
  const video = await makeMaterial(manager, step1.id);
  const optional = await makeMaterial(manager, step1.id, { is_mandatory: false });
  const book = await makeMaterial(manager, step2.id, { material_type: "BookLink", content: { url: "https://b.example", title: "Gita" } });
  const exam = await makeForm(manager, { step_id: step1.id, max_attempts: 2 });
  return { course, step1, step2, video, optional, book, exam };
}

/** A new participant, enrolled in the course by the manager. */
export async function enrolled(manager: string, courseId: string) {
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant");
  const res = await call("POST", `/courses/${courseId}/enroll?participant_id=${pid}`, { token: manager });
  if (res.status !== 200) throw new Error(`enrolled: ${res.status} ${res.text}`);
  return { pid, participant };
}

/** Answers to sampleQuestions(): the MCQ's chosen option and the THEORY text. */
export const examAnswers = (mcq = "a", text = "Chanting purifies the heart") => ({
  mcq_answers: [{ question_id: "q1", selected_option_id: mcq }],
  theory_answers: [{ question_id: "q2", answer_text: text }],
});

/**
 * A one-step course showing a requirement table of `serials` (default 1 and 2), a participant enrolled in it with
 * every row filled, and — unless `submit` is false — the table submitted for review.
 */
export async function submittedTable(manager: string, options: { serials?: number[]; submit?: boolean } = {}) {
  const serials = options.serials ?? [1, 2];
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const requirements = serials.map((n) => ({ serial_number: n, activity: `Activity ${n}`, target: 10 * n, unit: "minutes" }));
  const table = await makeTable(manager, { step_id: step.id, requirements });
  await makeMaterial(manager, step.id, {
    material_type: "RequirementTable",
    title: "Tracker",
    content: { requirement_table_id: table.id },
  });
  const { pid, participant } = await enrolled(manager, course.id);
  const mine = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: participant });
  if (mine.status !== 200) throw new Error(`my-submission: ${mine.status} ${mine.text}`);
  const id = mine.json.submission_id as string;
  for (const serial_number of serials) {
    const row = await call("POST", `/requirement-tables/submissions/${id}/rows`, {
      token: participant,
      body: { serial_number, completed: true, completed_value: 5 },
    });
    if (row.status !== 200) throw new Error(`fill row ${serial_number}: ${row.status} ${row.text}`);
  }
  if (options.submit !== false) {
    const done = await call("POST", `/requirement-tables/submissions/${id}/submit`, { token: participant });
    if (done.status !== 200) throw new Error(`submit table: ${done.status} ${done.text}`);
  }
  return { course, step, table, pid, participant, id };
}

/** The D1 round trips the API logged for each request `run` made. */
export async function roundTrips(run: () => Promise<unknown>): Promise<number[]> {
  const trips: number[] = [];
  // Request lines are console.info (2xx), console.warn (4xx) and console.error (5xx); any other line (an unhandled
  // error's stack, an event) still reaches the console.
  for (const method of ["info", "log", "warn", "error"] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      const [line] = args;
      const parsed: { d1_calls?: number } = typeof line === "string" && line.startsWith("{") ? JSON.parse(line) : {};
      if (typeof parsed.d1_calls === "number") trips.push(parsed.d1_calls);
      else original(...args);
    });
  }
  await run();
  vi.restoreAllMocks();
  return trips;
}

/** A `staff` token for a fresh subject (its rights come only from grants made afterwards). */
export type Staff = { sub: string; token: string };
export async function staff(label: string): Promise<Staff> {
  const sub = uniqueName(label);
  return { sub, token: await token(sub, "staff") };
}

/** A cohort of a course, made by `manager`; its id. */
export async function makeCohort(manager: string, courseId: string, name: string): Promise<string> {
  const res = await call("POST", `/courses/${courseId}/cohorts`, { token: manager, body: { name } });
  if (res.status !== 201) throw new Error(`makeCohort: ${res.status} ${res.text}`);
  return res.json.id as string;
}
