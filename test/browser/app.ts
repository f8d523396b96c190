/**
 * A small frontend on its own origin, built on the typed client (`client/`), as a real LMS page would be. The
 * browser test (`scripts/browser-test.mjs`) drives it in headless Chromium: it calls these functions the way
 * buttons would, and types and clicks into what they render.
 */
import { type ApiErrorBody, createClient } from "../../client/index";

type Config = { api: string; tokens: Record<string, string> };

const role = new URLSearchParams(location.search).get("as") ?? "participant";
const config: Config = await (await fetch("/config.json")).json();
const token = config.tokens[role];
if (!token) throw new Error(`no token for ${role}`);
const api = createClient({ baseUrl: config.api, token });

const $ = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el;
};

function fail(error: ApiErrorBody | undefined, response: Response): never {
  const message = `${response.status} ${error?.code ?? ""}: ${error?.detail ?? ""}`;
  $("status").textContent = message;
  throw new Error(message);
}

function once(target: EventTarget, event: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    target.addEventListener(
      event,
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000) {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/* ---------------- participant ---------------- */

/** Participants enrol themselves in the default course (enrolling in another is a manager's decision). */
async function enrol() {
  const { data, error, response } = await api.POST("/courses/enroll-default");
  if (error) fail(error, response);
  $("status").textContent = "Enrolled";
  return data;
}

async function openStep(stepId: string) {
  const { data, error, response } = await api.GET("/steps/{step_id}", { params: { path: { step_id: stepId } } });
  if (error) fail(error, response);
  const list = $("materials");
  list.replaceChildren(
    ...data.materials.map((m) => {
      const li = document.createElement("li");
      li.dataset.id = m.id;
      li.textContent = `${m.material_type}: ${m.title}${m.is_completed ? " ✓" : ""}`;
      return li;
    }),
  );
  return data;
}

/**
 * Plays a Video material through a signed link. The link expires (`expires_at`), so the player swaps in a fresh
 * one a minute before, keeping its place: after expiry a seek would fail with a bare media error.
 */
async function playVideo(materialId: string, seekTo: number) {
  const link = async () => {
    const { data, error, response } = await api.POST("/materials/{material_id}/file-link", {
      params: { path: { material_id: materialId } },
    });
    if (error) fail(error, response);
    return data;
  };
  const first = await link();
  const video = document.createElement("video");
  video.id = "player";
  video.muted = true;
  video.preload = "metadata";
  $("player-slot").replaceChildren(video);
  let refresh: ReturnType<typeof setTimeout> | undefined;
  const schedule = (expiresAt: string) => {
    clearTimeout(refresh);
    refresh = setTimeout(
      async () => {
        const at = video.currentTime;
        const next = await link();
        video.src = next.url;
        video.currentTime = at;
        schedule(next.expires_at);
      },
      Math.max(0, new Date(expiresAt).getTime() - Date.now() - 60_000),
    );
  };
  video.src = first.url;
  schedule(first.expires_at);
  await once(video, "loadedmetadata");
  const duration = video.duration;
  await video.play();
  await until(() => video.currentTime > 0.3, "playback to advance");
  const playedTo = video.currentTime;
  video.currentTime = seekTo;
  await once(video, "seeked");
  await until(() => video.currentTime > seekTo + 0.2, "playback after the seek");
  const afterSeek = video.currentTime;
  video.pause();

  // A player asking for a later part of the file, as a seek into unbuffered media does, gets exactly that part.
  const part = await fetch(first.url, { headers: { range: "bytes=1000-1999" } });
  const partBytes = (await part.arrayBuffer()).byteLength;

  const { error, response } = await api.POST("/materials/{material_id}/complete", { params: { path: { material_id: materialId } } });
  if (error) fail(error, response);
  return {
    url: first.url,
    expires_at: first.expires_at,
    duration,
    playedTo,
    afterSeek,
    mediaError: video.error?.code ?? null,
    range: { status: part.status, contentRange: part.headers.get("content-range"), bytes: partBytes },
  };
}

type Answers = {
  mcq_answers: { question_id: string; selected_option_id: string }[];
  theory_answers: { question_id: string; answer_text: string }[];
};

let saveTimer: ReturnType<typeof setTimeout> | undefined;
let saves = 0;

function answersOnPage(): Answers {
  const answers: Answers = { mcq_answers: [], theory_answers: [] };
  for (const input of document.querySelectorAll<HTMLInputElement>("#exam input[type=radio]:checked"))
    answers.mcq_answers.push({ question_id: input.name, selected_option_id: input.value });
  for (const area of document.querySelectorAll<HTMLTextAreaElement>("#exam textarea"))
    if (area.value) answers.theory_answers.push({ question_id: area.name, answer_text: area.value });
  return answers;
}

/** Starts (or, after a refresh, resumes) the step's exam and renders it with whatever was autosaved. */
async function startExam(stepId: string) {
  const { data, error, response } = await api.POST("/steps/{step_id}/exam/start", { params: { path: { step_id: stepId } } });
  if (error) fail(error, response);
  const form = $("exam");
  form.dataset.submissionId = data.submission_id;
  const chosen = new Map((data.answers.mcq_answers ?? []).map((a) => [a.question_id, a.selected_option_id]));
  const written = new Map((data.answers.theory_answers ?? []).map((a) => [a.question_id, a.answer_text]));
  form.replaceChildren(
    ...data.form.questions.map((q) => {
      const fieldset = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = q.question_text;
      fieldset.append(legend);
      if (q.question_type === "MCQ") {
        for (const option of q.options ?? []) {
          const label = document.createElement("label");
          const input = document.createElement("input");
          input.type = "radio";
          input.name = q.question_id;
          input.value = option.option_id;
          input.id = `${q.question_id}-${option.option_id}`;
          input.checked = chosen.get(q.question_id) === option.option_id;
          label.append(input, option.text);
          fieldset.append(label);
        }
      } else {
        const area = document.createElement("textarea");
        area.name = q.question_id;
        area.id = q.question_id;
        area.value = written.get(q.question_id) ?? "";
        fieldset.append(area);
      }
      return fieldset;
    }),
  );
  // Autosave: every change is sent (debounced), so a refresh or a lost tab loses nothing.
  form.oninput = () => {
    $("save-status").textContent = "Saving…";
    clearTimeout(saveTimer);
    saveTimer = setTimeout(async () => {
      const { error: saveError, response: saveResponse } = await api.PUT("/forms/submissions/{submission_id}/answers", {
        params: { path: { submission_id: data.submission_id } },
        body: answersOnPage(),
      });
      if (saveError) fail(saveError, saveResponse);
      saves++;
      $("save-status").textContent = `Saved (${saves})`;
    }, 200);
  };
  $("deadline").textContent = data.deadline_at;
  return { submission_id: data.submission_id, resumed: response.status === 200, answers: data.answers };
}

async function submitExam() {
  const submissionId = $("exam").dataset.submissionId;
  if (!submissionId) throw new Error("no exam on the page");
  const { data, error, response } = await api.POST("/forms/submissions/{submission_id}/submit", {
    params: { path: { submission_id: submissionId }, header: { "Idempotency-Key": crypto.randomUUID() } },
    body: answersOnPage(),
  });
  if (error) fail(error, response);
  $("status").textContent = `Submitted: ${data.submission_status}`;
  return data;
}

async function showProgress(courseId: string) {
  const { data, error, response } = await api.GET("/participants/me/progress/{course_id}", {
    params: { path: { course_id: courseId } },
  });
  if (error) fail(error, response);
  $("progress").textContent =
    `${data.completed_step_ids.length} of ${data.steps.length} steps complete${data.is_completed ? " — course completed" : ""}`;
  return data;
}

/* ---------------- manager ---------------- */

async function pending(courseId: string) {
  const { data, error, response } = await api.GET("/form-submissions/pending", { params: { query: { course_id: courseId } } });
  if (error) fail(error, response);
  $("pending").replaceChildren(
    ...data.map((s) => {
      const li = document.createElement("li");
      li.textContent = `${s.participant_id} — attempt ${s.attempt_number} — ${s.submission_status}`;
      return li;
    }),
  );
  return data;
}

async function gradeAndApprove(submissionId: string, marks: number) {
  const detail = await api.GET("/form-submissions/{submission_id}", { params: { path: { submission_id: submissionId } } });
  if (detail.error) fail(detail.error, detail.response);
  const theory = detail.data.questions.filter((q) => q.question_type === "THEORY");
  const graded = await api.POST("/form-submissions/{submission_id}/grade", {
    params: { path: { submission_id: submissionId } },
    body: { theory_grades: theory.map((q) => ({ question_id: q.question_id, marks_awarded: marks })), feedback: "Well argued" },
  });
  if (graded.error) fail(graded.error, graded.response);
  const approved = await api.POST("/form-submissions/{submission_id}/approve", {
    params: { path: { submission_id: submissionId } },
    body: { feedback: "Approved" },
  });
  if (approved.error) fail(approved.error, approved.response);
  $("status").textContent = approved.data.message;
  return { graded: graded.data, approved: approved.data };
}

Object.assign(window, {
  lms: { role, enrol, openStep, playVideo, startExam, submitExam, showProgress, pending, gradeAndApprove },
});
$("status").textContent = `Ready (${role})`;
