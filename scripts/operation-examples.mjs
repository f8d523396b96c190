// npm run examples:capture — records a real success answer (and request body) for every operation the spec shows
// no example of, into src/lib/operation-examples.json (committed; the Worker attaches them to /openapi.json where
// spec-examples.json has none, and `npm run lint:openapi` validates each against its schema).
//
// Starts its own `wrangler dev` (fresh local D1/R2), drives one short journey through the API as a manager and a
// participant (course → step → exam → materials with a file → enrolment → accommodation, cohorts and course staff → override →
// attempt → review → requirement table → webhooks → audit → export → erasure → a question bank typed, edited, imported, exported) with a local webhook receiver, and keeps one
// success answer per operation. What changes from run to run is normalised so the file only changes when an
// answer's shape or content does: ids and UUIDs become stable ones in order of first appearance, timestamps are
// moved to 2024-01-15T10:30Z (the spec's examples' time) and cut to the minute (the journey takes seconds, so
// differences like deadline − start survive), secrets, signed-link tokens and local URLs become fixed values.
// Fails when an operation the document serves with a JSON success answer or JSON body is left without an example.
//
//   EXAMPLES_PORT (default: a free port).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { cleanUpOnExit, devToken, freePort, root, startWranglerDev } from "./lib.mjs";

const OUT = path.join(root, "src/lib/operation-examples.json");
const SPEC = JSON.parse(readFileSync(path.join(root, "src/lib/spec-examples.json"), "utf8"));
const MANAGER = "manager123";
const PARTICIPANT = "participant456";
const INSTRUCTOR = "teacher789";
const GRADER = "grader321";
const PUBLIC_API = "https://api.example.com";
const PUBLIC_HOOK = "https://hooks.example.org/lms";
const BASE_TIME = Date.parse("2024-01-15T10:30:00Z");

const children = [];
let receiver;
const cleanUp = () => {
  receiver?.close();
  for (const child of children)
    if (child.exitCode === null)
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
};
cleanUpOnExit(cleanUp);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const port = Number(process.env.EXAMPLES_PORT ?? (await freePort()));
const api = `http://127.0.0.1:${port}`;
const manager = devToken(MANAGER, "manager");
const participant = devToken(PARTICIPANT, "participant");
const instructor = devToken(INSTRUCTOR, "staff");
const grader = devToken(GRADER, "staff");

// The webhook receiver: answers 200 to every delivery.
receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end("ok"));
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://localhost:${receiver.address().port}/lms`;

/** Recorded answers and bodies by "METHOD /template", before normalising. */
const captured = {};
let journeyStart = 0;

/**
 * Calls the API; `as` is the operation's "METHOD /template" to record its answer (and body) under. Throws on a
 * status other than `expect` (default: any 2xx).
 */
async function call(method, urlPath, { token = manager, body, raw, contentType, accept, as, expect, text: asText = false } = {}) {
  const headers = {
    "cf-connecting-ip": "10.255.0.2",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(accept ? { accept } : {}),
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (raw !== undefined) headers["content-type"] = contentType;
  const res = await fetch(`${api}${urlPath}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  const ok = expect === undefined ? res.ok : res.status === expect;
  if (!ok) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
  if (asText) return text;
  const json = text ? JSON.parse(text) : null;
  if (as) {
    captured[as] ??= {};
    if (body !== undefined) captured[as].request = structuredClone(body);
    captured[as][String(res.status)] = structuredClone(json);
  }
  return json;
}

/**
 * Deliveries are written after the answer, by the queue consumer: waits until the journey's `count` events have
 * been answered, so the listing is the same every run.
 */
async function settledDeliveries(webhookId, count) {
  const started = Date.now();
  for (;;) {
    const rows = await call("GET", `/webhooks/${webhookId}/deliveries`);
    if (rows.length === count && rows.every((row) => row.status !== "pending")) return rows;
    if (Date.now() - started > 20_000) throw new Error(`webhook deliveries did not settle: ${JSON.stringify(rows)}`);
    await sleep(250);
  }
}

async function journey() {
  journeyStart = Date.now();
  await call("GET", "/health", { token: null, as: "GET /health" });
  // Subscribed first, so the journey's events are delivered to it.
  await call("POST", "/webhooks", {
    body: { url: hookUrl, events: ["submission.approved", "submission.rejected", "enrollment.created"], description: "Reviews dashboard" },
    as: "POST /webhooks",
  });

  const course = await call("POST", "/courses", {
    body: { name: "Bhakti Shastri Course", description: "In-depth study of Bhagavad-gita" },
  });
  await call("PUT", `/courses/${course.id}`, {
    body: {
      name: "Updated Course Name",
      description: "Updated description",
      image_url: "https://example.com/new-image.jpg",
      is_active: true,
    },
    as: "PUT /courses/{course_id}",
  });
  await call("PUT", `/courses/${course.id}/set-default`, { as: "PUT /courses/{course_id}/set-default" });
  const step = await call("POST", "/steps", {
    body: { course_id: course.id, name: "Step 1: Introduction", description: "Basic concepts" },
    as: "POST /steps",
  });
  await call("PUT", `/steps/${step.id}`, {
    body: { name: "Updated Step Name", description: "Updated description", unlock_on_exam_pass: true },
    as: "PUT /steps/{step_id}",
  });

  const questions = [
    {
      question_id: "q1",
      question_type: "MCQ",
      question_text: "What is Bhakti?",
      options: [
        { option_id: "a", text: "Devotion", is_correct: true },
        { option_id: "b", text: "Knowledge", is_correct: false },
      ],
      marks: 5,
    },
    { question_id: "q2", question_type: "THEORY", question_text: "Explain chanting", marks: 10, max_words: 200 },
  ];
  const form = await call("POST", "/forms", {
    body: {
      name: "Step 1 Exam",
      description: "Test your knowledge",
      duration_minutes: 30,
      max_attempts: 2,
      passing_percentage: 60,
      questions,
    },
    as: "POST /forms",
  });
  await call("PUT", `/forms/${form.id}`, {
    body: { name: "Step 1 Exam (revised)", duration_minutes: 45, max_attempts: 3, shuffle_options: false },
    as: "PUT /forms/{form_id}",
  });
  await call("PUT", `/steps/${step.id}/exam?form_id=${form.id}`, { as: "PUT /steps/{step_id}/exam" });

  const material = await call("POST", `/steps/${step.id}/materials`, {
    body: { material_type: "Document", title: "Reading notes", content: { url: "https://example.com/notes.pdf" }, is_mandatory: true },
  });
  await call("PUT", `/materials/${material.id}`, {
    body: { title: "Updated Title", description: "Updated description", content: { url: "https://example.com/notes-v2.pdf" } },
    as: "PUT /materials/{material_id}",
  });
  const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  await call("PUT", `/materials/${material.id}/file`, {
    raw: pdf,
    contentType: "application/pdf",
    as: "PUT /materials/{material_id}/file",
  });

  const table = await call("POST", "/requirement-tables", {
    body: {
      name: "Daily Sadhana Tracker",
      description: "Track your daily spiritual practices",
      step_id: step.id,
      requirements: [
        { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" },
        { serial_number: 2, activity: "Reading Bhagavad-gita", target: 30, unit: "minutes" },
      ],
    },
    as: "POST /requirement-tables",
  });
  await call("PUT", `/requirement-tables/${table.id}`, {
    body: {
      description: "Track your daily practices for one week",
      requirements: [
        { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" },
        { serial_number: 2, activity: "Reading Bhagavad-gita", target: 45, unit: "minutes" },
      ],
    },
    as: "PUT /requirement-tables/{table_id}",
  });

  await call("POST", `/courses/${course.id}/enroll?participant_id=${PARTICIPANT}`, { as: "POST /courses/{course_id}/enroll" });
  await call("PUT", `/participants/${PARTICIPANT}/accommodations`, {
    body: { extra_time_percent: 50, extra_attempts: 1, note: "Extended time agreed with the learning-support office" },
    as: "PUT /participants/{participant_id}/accommodations",
  });
  await call("GET", `/participants/${PARTICIPANT}/accommodations`, { as: "GET /participants/{participant_id}/accommodations" });

  // Cohorts and course staff: a morning cohort, a grader limited to it, and what the grader sees of their grants.
  const morning = await call("POST", `/courses/${course.id}/cohorts`, {
    body: { name: "Morning batch" },
    as: "POST /courses/{course_id}/cohorts",
  });
  await call("PUT", `/cohorts/${morning.id}`, { body: { name: "Morning" }, as: "PUT /cohorts/{cohort_id}" });
  await call("PUT", `/cohorts/${morning.id}/members/${PARTICIPANT}`, { as: "PUT /cohorts/{cohort_id}/members/{participant_id}" });
  await call("GET", `/courses/${course.id}/cohorts`, { as: "GET /courses/{course_id}/cohorts" });
  await call("GET", `/cohorts/${morning.id}/members`, { as: "GET /cohorts/{cohort_id}/members" });
  await call("PUT", `/courses/${course.id}/staff/${INSTRUCTOR}`, {
    body: { role: "instructor" },
    as: "PUT /courses/{course_id}/staff/{sub}",
  });
  await call("PUT", `/courses/${course.id}/staff/${GRADER}`, { token: instructor, body: { role: "grader", cohort_ids: [morning.id] } });
  await call("GET", `/courses/${course.id}/staff`, { as: "GET /courses/{course_id}/staff" });
  await call("GET", "/staff/me/grants", { token: grader, as: "GET /staff/me/grants" });
  await call("GET", "/participants/me/accommodations", { token: participant, as: "GET /participants/me/accommodations" });
  await call("PUT", `/forms/${form.id}/overrides/${PARTICIPANT}`, {
    body: { duration_minutes: 60, max_attempts: null, available_until: null },
    as: "PUT /forms/{form_id}/overrides/{participant_id}",
  });
  await call("GET", `/forms/${form.id}/overrides`, { as: "GET /forms/{form_id}/overrides" });

  // The participant studies (the file-link is theirs to ask for) and takes the exam.
  await call("POST", `/materials/${material.id}/file-link`, { token: participant, as: "POST /materials/{material_id}/file-link" });
  await call("POST", `/materials/${material.id}/complete`, { token: participant });
  const first = await call("POST", `/steps/${step.id}/exam/start`, {
    token: participant,
    expect: 201,
    as: "POST /steps/{step_id}/exam/start",
  });
  await call("PUT", `/forms/submissions/${first.submission_id}/answers`, {
    token: participant,
    body: {
      mcq_answers: [{ question_id: "q1", selected_option_id: "a" }],
      theory_answers: [{ question_id: "q2", answer_text: "Chanting focuses" }],
    },
    as: "PUT /forms/submissions/{submission_id}/answers",
  });
  const answers = {
    mcq_answers: [{ question_id: "q1", selected_option_id: "a" }],
    theory_answers: [{ question_id: "q2", answer_text: "Chanting focuses the mind on the holy name." }],
  };
  await call("POST", `/forms/submissions/${first.submission_id}/submit`, { token: participant, body: answers });
  await call("POST", `/form-submissions/${first.submission_id}/claim`, { as: "POST /form-submissions/{submission_id}/claim" });
  await call("POST", `/form-submissions/${first.submission_id}/grade`, {
    body: { theory_grades: [{ question_id: "q2", marks_awarded: 4 }], feedback: "Good attempt, needs more detail" },
    as: "POST /form-submissions/{submission_id}/grade",
  });
  await call("POST", `/form-submissions/${first.submission_id}/request-retake`, {
    body: { reason: "Needs improvement in theory answers" },
    as: "POST /form-submissions/{submission_id}/request-retake",
  });
  const second = await call("POST", `/steps/${step.id}/exam/start`, { token: participant, expect: 201 });
  await call("POST", `/forms/submissions/${second.submission_id}/submit`, { token: participant, body: answers });
  await call("POST", `/form-submissions/${second.submission_id}/reject`, {
    body: { feedback: "Please review the materials and try again." },
    as: "POST /form-submissions/{submission_id}/reject",
  });
  await call("GET", `/form-submissions/participant/${PARTICIPANT}`, { as: "GET /form-submissions/participant/{participant_id}" });
  await call("GET", `/forms/${form.id}/analytics`, { as: "GET /forms/{form_id}/analytics" });

  // The requirement table, filled, submitted and approved.
  const mine = await call("GET", `/requirement-tables/${table.id}/my-submission`, { token: participant });
  for (const [serial_number, completed_value] of [
    [1, 16],
    [2, 45],
  ])
    await call("POST", `/requirement-tables/submissions/${mine.submission_id}/rows`, {
      token: participant,
      body: { serial_number, completed: true, completed_value },
    });
  await call("POST", `/requirement-tables/submissions/${mine.submission_id}/submit`, { token: participant });
  await call("POST", `/requirement-tables/submissions/${mine.submission_id}/claim`, {
    as: "POST /requirement-tables/submissions/{submission_id}/claim",
  });
  await call("POST", `/requirement-tables/submissions/${mine.submission_id}/approve`, {
    body: { approval_remarks: "Well kept for the whole week" },
    as: "POST /requirement-tables/submissions/{submission_id}/approve",
  });

  // Reports over the course (before the erasure below takes the participant's rows away).
  await call("GET", `/courses/${course.id}/gradebook`, { as: "GET /courses/{course_id}/gradebook" });
  await call("GET", `/courses/${course.id}/completion?by_cohort=true`, { as: "GET /courses/{course_id}/completion" });
  await call("GET", `/forms/${form.id}/responses?limit=1`, { as: "GET /forms/{form_id}/responses" });

  const [hook] = await call("GET", "/webhooks", { as: "GET /webhooks" });
  captured["GET /webhooks/{webhook_id}/deliveries"] = { 200: await settledDeliveries(hook.id, 2) };
  await call("GET", "/audit-events?entity_type=form_submission&limit=2", { as: "GET /audit-events" });
  // A course that issues certificates: the participant completes it, the certificate is read in public, revoked.
  const certified = await call("POST", "/courses", {
    body: {
      name: "Introduction to Bhakti",
      description: "Six lessons on the basics",
      certificate: { enabled: true, achievement_name: "Bhakti Foundations", criteria: "Study every lesson of the course." },
    },
  });
  const lesson = await call("POST", "/steps", { body: { course_id: certified.id, name: "Lesson 1" } });
  const welcome = await call("POST", `/steps/${lesson.id}/materials`, {
    body: { material_type: "Video", title: "Welcome", content: { url: "https://videos.example.org/welcome.mp4" } },
  });
  await call("POST", `/courses/${certified.id}/enroll?participant_id=${PARTICIPANT}`);
  const learner = devToken(PARTICIPANT, "participant", 86400, { name: "Ana Gómez", email: "ana@example.org" });
  await call("POST", `/materials/${welcome.id}/complete`, { token: learner });
  const [earned] = await call("GET", "/participants/me/certificates", { token: learner, as: "GET /participants/me/certificates" });
  await call("GET", `/participants/${PARTICIPANT}/certificates`, { as: "GET /participants/{participant_id}/certificates" });
  const shown = await call("GET", `/certificates/${earned.id}`, { token: null, as: "GET /certificates/{certificate_id}" });
  const listPath = new URL(shown.credential.payload.credentialStatus.statusListCredential).pathname;
  await call("GET", "/.well-known/did.json", { token: null, as: "GET /.well-known/did.json" });
  await call("GET", "/did.json", { token: null, as: "GET /did.json" });
  await call("GET", "/.well-known/jwks.json", { token: null, as: "GET /.well-known/jwks.json" });
  await call("POST", `/certificates/${earned.id}/revoke`, {
    body: { reason: "Awarded in error: the course was completed for another person" },
    as: "POST /certificates/{certificate_id}/revoke",
  });
  await call("GET", listPath, { token: null, accept: "application/json", as: "GET /status-lists/{list_id}" });

  await call("GET", `/participants/${PARTICIPANT}/export`, { as: "GET /participants/{participant_id}/export" });
  await call("DELETE", `/participants/${PARTICIPANT}`, { as: "DELETE /participants/{participant_id}" });

  // A question bank (the organisation's, here the instructor's own): questions typed and imported, edited, exported.
  const bank = await call("POST", "/question-banks", {
    token: instructor,
    body: { name: "Bhagavad-gita, chapters 1–6", description: "Questions for the Bhakti Shastri exams" },
    as: "POST /question-banks",
  });
  await call("PUT", `/question-banks/${bank.id}`, {
    token: instructor,
    body: { description: "Shared questions for every Bhakti Shastri exam" },
    as: "PUT /question-banks/{bank_id}",
  });
  const banked = await call("POST", `/question-banks/${bank.id}/questions`, {
    token: instructor,
    body: {
      name: "Gita 2.13",
      question_type: "MCQ",
      question_text: "According to 2.13, what passes from body to body?",
      options: [
        { option_id: "a", text: "The soul", is_correct: true },
        { option_id: "b", text: "The mind", is_correct: false },
        { option_id: "c", text: "The senses", is_correct: false },
      ],
      marks: 2,
      tags: ["Chapter 2", "soul"],
    },
    as: "POST /question-banks/{bank_id}/questions",
  });
  await call("PUT", `/question-banks/${bank.id}/questions/${banked.question_id}`, {
    token: instructor,
    body: {
      question_type: "MCQ",
      question_text: "According to Bhagavad-gita 2.13, what passes from body to body?",
      options: [
        { option_id: "a", text: "The soul", is_correct: true },
        { option_id: "b", text: "The mind", is_correct: false },
        { option_id: "c", text: "The senses", is_correct: false },
      ],
      marks: 2,
    },
    as: "PUT /question-banks/{bank_id}/questions/{question_id}",
  });
  const gift = [
    "$CATEGORY: $course$/top/Chapter 2",
    "",
    "::Gita 2.47::To what has one a right?{=To one's prescribed duty ~To the fruits of action ~To inaction}",
    "",
    "::Gita 2.20::The soul is never born and never dies.{T}",
    "",
    "// [max_words:150]",
    "::Explain 2.14::Explain in your words how to tolerate happiness and distress.{}",
    "",
    "::Numerical::How many verses has chapter 2?{#72}",
    "",
  ].join("\n");
  await call("POST", `/question-banks/${bank.id}/import`, {
    token: instructor,
    raw: gift,
    contentType: "text/plain",
    as: "POST /question-banks/{bank_id}/import",
  });
  await call("GET", `/question-banks/${bank.id}/export?format=gift`, { token: instructor, text: true });
  await call("GET", "/question-banks", { as: "GET /question-banks" });
  await call("GET", `/question-banks/${bank.id}`, { as: "GET /question-banks/{bank_id}" });
  await call("GET", `/question-banks/${bank.id}/questions?tag=Chapter%202&q=soul`, { as: "GET /question-banks/{bank_id}/questions" });
  await call("GET", `/question-banks/${bank.id}/questions/${banked.question_id}`, {
    token: instructor,
    as: "GET /question-banks/{bank_id}/questions/{question_id}",
  });
}

/* ------------------------------------------------ normalising ------------------------------------------------ */

const ids = new Map();
const uuids = new Map();
const stableId = (id) => {
  if (!ids.has(id)) ids.set(id, `65a509a8${(ids.size + 1).toString(16).padStart(16, "0")}`);
  return ids.get(id);
};
const stableUuid = (uuid) => {
  if (!uuids.has(uuid)) uuids.set(uuid, `00000000-0000-4000-8000-${(uuids.size + 1).toString(16).padStart(12, "0")}`);
  return uuids.get(uuid);
};
const stableTime = (stamp) => {
  const moved = BASE_TIME + Math.floor((Date.parse(stamp) - journeyStart) / 60_000) * 60_000;
  const iso = new Date(moved).toISOString();
  // The server's own precision: with milliseconds or without.
  return stamp.includes(".") ? iso : iso.replace(".000Z", "Z");
};

const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const ID = /\b[0-9a-f]{24}\b/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/** A compact JWS of a credential: a fixed stand-in (its header names the example's key), as signatures change per run. */
const SAMPLE_JWT =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6ImRpZDp3ZWI6YXBpLmV4YW1wbGUuY29tI2tleS0xIiwidHlwIjoiSldUIn0.eyJAY29udGV4dCI6WyJodHRwczovL3d3dy53My5vcmcvbnMvY3JlZGVudGlhbHMvdjIiXX0.c2lnbmF0dXJl";
const JWS = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/;

/** A status list with the example's one revoked bit, encoded as the API encodes it (GZIP, multibase base64url). */
const SAMPLE_INDEX = 94567;
function sampleEncodedList() {
  const bits = new Uint8Array(131_072 / 8);
  bits[SAMPLE_INDEX >> 3] |= 0x80 >> (SAMPLE_INDEX & 7);
  return `u${gzipSync(bits).toString("base64url")}`;
}

function normaliseString(value, key) {
  if (key === "secret" && value.startsWith("whsec_")) return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Ts5RcXKwYE=";
  if (JWS.test(value)) return SAMPLE_JWT;
  if (key === "salt") return "5f1c2a9e8b7d4c3a2f1e0d9c8b7a6f5e";
  if (key === "statusListIndex") return String(SAMPLE_INDEX);
  if (key === "encodedList") return sampleEncodedList();
  if (key === "identityHash" && value.startsWith("sha256$"))
    return "sha256$6a4c1e1f0d2b3e9a8f7c6d5e4b3a291807f6e5d4c3b2a1908f7e6d5c4b3a2910";
  // RSA moduli and key thumbprints differ per machine and run.
  if (key === "n" && value.length > 300) return `${value.slice(0, 24)}…`;
  return value
    .replaceAll(`did:web:127.0.0.1%3A${port}`, "did:web:api.example.com")
    .replace(/(\/status-lists\/\w+#)\d+$/, `$1${SAMPLE_INDEX}`)
    .replace(/#dev-\d{4}-\d{2}-\d{2}$/, "#key-1")
    .replaceAll(hookUrl, PUBLIC_HOOK)
    .replaceAll(api, PUBLIC_API)
    .replace(/([?&]token=)[^&]+/, "$1eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXJ0aWNpcGFudDQ1NiJ9.c2lnbmF0dXJl")
    .replace(TIMESTAMP, stableTime)
    .replace(UUID, stableUuid)
    .replace(ID, stableId);
}

function normalise(value, key = "") {
  if (typeof value === "string") return normaliseString(value, key);
  if (Array.isArray(value)) return value.map((item) => normalise(item, key));
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = normalise(v, k);
  // Seconds left and durations depend on how fast this run was; the start's answer is the full time.
  const from = out.started_at ?? out.saved_at;
  if (typeof out.remaining_seconds === "number" && out.deadline_at && from)
    out.remaining_seconds = (Date.parse(out.deadline_at) - Date.parse(from)) / 1000;
  if (typeof out.duration_ms === "number") out.duration_ms = 120;
  // A credential's nbf is its validFrom as seconds (validFrom is moved to the examples' time above).
  if (typeof out.nbf === "number" && typeof out.validFrom === "string") out.nbf = Date.parse(out.validFrom) / 1000;
  return out;
}

/* --------------------------------------------------- run --------------------------------------------------- */

const { dev } = await startWranglerDev({
  name: "operation-examples",
  port,
  args: ["--var", "ALLOW_LOCAL_WEBHOOKS:true", "--var", "WEBHOOK_RETRY_BASE_SECONDS:1"],
});
children.push(dev);
const doc = await (await fetch(`${api}/openapi.json`)).json();
await journey();
// Normalised in the journey's order, so the stable ids follow the order things were created in.
const stable = normalise(captured);

// What the document needs and the spec does not give: JSON success answers and JSON request bodies.
const examples = {};
const missing = [];
for (const [template, item] of Object.entries(doc.paths))
  for (const [method, op] of Object.entries(item)) {
    if (!op?.responses) continue;
    const key = `${method.toUpperCase()} ${template}`;
    const wanted = Object.entries(op.responses)
      .filter(([status, response]) => status.startsWith("2") && response.content?.["application/json"])
      .map(([status]) => status);
    if (op.requestBody?.content?.["application/json"]) wanted.push("request");
    for (const slot of wanted) {
      if (SPEC[key]?.[slot] !== undefined) continue;
      const value = stable[key]?.[slot];
      if (value === undefined) missing.push(`${key} ${slot}`);
      else {
        examples[key] ??= {};
        examples[key][slot] = value;
      }
    }
  }
if (missing.length > 0) {
  console.error(`no example captured for:\n  ${missing.join("\n  ")}`);
  process.exitCode = 1;
} else {
  writeFileSync(OUT, `${JSON.stringify(examples, null, 2)}\n`);
  // In Biome's layout, so `npm run lint` passes and a re-capture only differs where an answer does.
  execFileSync(path.join(root, "node_modules", ".bin", "biome"), ["format", "--write", OUT], { cwd: root, stdio: "ignore" });
  console.log(`wrote ${path.relative(root, OUT)}: ${Object.keys(examples).length} operations`);
}
// The receiver and wrangler would keep the process alive; wrangler is waited for (SIGKILL after 5 s) so no dev
// server outlives the run.
const exited = new Promise((resolve) => (dev.exitCode === null ? dev.once("exit", resolve) : resolve()));
cleanUp();
if ((await Promise.race([exited, sleep(5000).then(() => "timeout")])) === "timeout") process.kill(-dev.pid, "SIGKILL");
process.exit();
