import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import {
  examAnswers as answers,
  call,
  enrolled,
  makeCourse,
  makeForm,
  makeMaterial,
  makeStep,
  makeTable,
  token,
  twoStepCourse,
  uniqueName,
} from "./helpers";

afterEach(() => setClock(null));

/* ------------------------------------------------ fixtures ------------------------------------------------ */

const managerToken = () => token(uniqueName("manager"), "manager");
const newParticipant = async () => {
  const pid = uniqueName("participant");
  return { pid, participant: await token(pid, "participant") };
};

async function ok(method: string, path: string, as: string, body?: unknown) {
  const res = await call(method, path, { token: as, body });
  expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  return res.json;
}

/** Makes `courseId` the one default course and checks that it is. */
async function makeDefault(manager: string, courseId: string) {
  const res = await call("PUT", `/courses/${courseId}/set-default`, { token: manager });
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ id: courseId, is_default: true });
}

const enrollment = (pid: string) =>
  env.DB.prepare("SELECT course_id, start_step_id, enrolled_at FROM enrollments WHERE participant_id = ?").bind(pid).all();

/* ------------------------------------------------- tests -------------------------------------------------- */

describe("enrolment", () => {
  it("enroll-default without a default course → 404 no_default_course", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    await makeStep(manager, course.id);
    await makeDefault(manager, course.id);
    // Archiving the default course leaves none.
    expect((await call("DELETE", `/courses/${course.id}`, { token: manager })).status).toBe(204);
    const { pid, participant } = await newParticipant();
    const res = await call("POST", "/courses/enroll-default", { token: participant });
    expect(res.status).toBe(404);
    expect(res.json.code).toBe("no_default_course");
    expect(typeof res.json.detail).toBe("string");
    expect((await enrollment(pid)).results).toEqual([]);
  });

  it("an inactive default course enrols no one (404 no_default_course)", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    await makeStep(manager, course.id);
    await makeDefault(manager, course.id);
    await ok("PUT", `/courses/${course.id}`, manager, { is_active: false });
    const { participant } = await newParticipant();
    const res = await call("POST", "/courses/enroll-default", { token: participant });
    expect(res.status).toBe(404);
    expect(res.json.code).toBe("no_default_course");
    await ok("PUT", `/courses/${course.id}`, manager, { is_active: true });
    expect((await call("POST", "/courses/enroll-default", { token: participant })).status).toBe(200);
  });

  it("enroll-default enrols at the first step; enrolling twice returns the same course and changes nothing", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    const s1 = await makeStep(manager, course.id);
    const s2 = await makeStep(manager, course.id);
    await makeMaterial(manager, s1.id);
    await makeDefault(manager, course.id);
    const { pid, participant } = await newParticipant();

    const first = await call("POST", "/courses/enroll-default", { token: participant });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      message: "Enrolled in default course",
      course_id: course.id,
      course_name: course.name,
      current_step_id: s1.id,
    });
    const before = (await enrollment(pid)).results;
    expect(before).toEqual([expect.objectContaining({ course_id: course.id, start_step_id: s1.id })]);

    // A new default start step does not move an existing enrolment.
    await ok("PUT", `/courses/${course.id}`, manager, { default_step_id: s2.id });
    const second = await call("POST", `/courses/enroll-default?participant_id=${pid}`, { token: participant });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    expect((await enrollment(pid)).results).toEqual(before);
  });

  it("enroll-default starts at default_step_id and waives the steps before it", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    const s1 = await makeStep(manager, course.id);
    const s2 = await makeStep(manager, course.id);
    const s3 = await makeStep(manager, course.id);
    await makeMaterial(manager, s1.id);
    await makeForm(manager, { step_id: s1.id });
    await makeMaterial(manager, s2.id);
    await makeMaterial(manager, s3.id);
    await ok("PUT", `/courses/${course.id}`, manager, { default_step_id: s2.id });
    await makeDefault(manager, course.id);
    const { participant } = await newParticipant();

    const res = await call("POST", "/courses/enroll-default", { token: participant });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ course_id: course.id, current_step_id: s2.id });
    const progress = await ok("GET", `/participants/me/progress/${course.id}`, participant);
    expect(progress).toMatchObject({
      current_step_id: s2.id,
      current_step_order_index: s2.order_index,
      completed_step_ids: [s1.id],
      is_completed: false,
    });
    expect(progress.steps.map((s: any) => [s.id, s.is_locked, s.is_completed])).toEqual([
      [s1.id, false, true],
      [s2.id, false, false],
      [s3.id, true, false],
    ]);
    const mine = await ok("GET", "/participants/me/courses", participant);
    expect(mine[0].progress).toEqual({ completed_steps: 1, total_steps: 3, percentage: 33 });
  });

  it("a manager must name the participant to enrol (400); a participant cannot use POST /courses/{id}/enroll (403)", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    await makeStep(manager, course.id);
    // Required by the operation's own query schema (manager-only: it never defaults to the caller), so the
    // document says so and the 400 names the field.
    const noOne = await call("POST", `/courses/${course.id}/enroll`, { token: manager });
    expect(noOne.status).toBe(400);
    expect(noOne.json).toMatchObject({ code: "validation_error", errors: [{ path: "participant_id" }] });
    const doc = (await call("GET", "/openapi.json")).json as {
      paths: Record<string, { post: { parameters: { name: string; in: string; required?: boolean }[] } }>;
    };
    const declared = doc.paths["/courses/{course_id}/enroll"]?.post.parameters.find((p) => p.name === "participant_id" && p.in === "query");
    expect(declared?.required).toBe(true);
    await makeDefault(manager, course.id);
    expect((await call("POST", "/courses/enroll-default", { token: manager })).status).toBe(400);

    const { pid, participant } = await newParticipant();
    for (const path of [`/courses/${course.id}/enroll`, `/courses/${course.id}/enroll?participant_id=${pid}`]) {
      const res = await call("POST", path, { token: participant });
      expect(res.status, path).toBe(403);
    }
    expect((await enrollment(pid)).results).toEqual([]);
    const byManager = await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager });
    expect(byManager.status).toBe(200);
    expect(byManager.json).toMatchObject({ message: "Enrolled in course", course_id: course.id });
  });
});

describe("completion and unlocking", () => {
  it("completing a material (or a step's materials) in a course not enrolled → 409 not_enrolled", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const { pid, participant } = await newParticipant();
    const one = await call("POST", `/materials/${c.video.id}/complete`, { token: participant });
    expect(one.status).toBe(409);
    expect(one.json.code).toBe("not_enrolled");
    const all = await call("POST", `/steps/${c.step1.id}/materials-complete`, { token: participant });
    expect(all.status).toBe(409);
    expect(all.json.code).toBe("not_enrolled");
    const done = await env.DB.prepare("SELECT COUNT(*) AS n FROM material_completions WHERE participant_id = ?")
      .bind(pid)
      .first<{ n: number }>();
    expect(done!.n).toBe(0);
  });

  it("a RequirementTable material cannot be marked complete → 409 requires_approval", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const table = await makeTable(manager);
    const tracker = await makeMaterial(manager, step.id, {
      material_type: "RequirementTable",
      content: { requirement_table_id: table.id },
    });
    const { participant } = await enrolled(manager, course.id);
    const res = await call("POST", `/materials/${tracker.id}/complete`, { token: participant });
    expect(res.status).toBe(409);
    expect(res.json.code).toBe("requires_approval");
    const view = await ok("GET", `/participants/me/step/${step.id}/progress`, participant);
    expect(view.progress.completed_materials).toEqual([]);
  });

  it("unlock_on_exam_pass: false unlocks the next step once the previous step's materials are complete", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    const s1 = await makeStep(manager, course.id);
    const s2 = await makeStep(manager, course.id, { unlock_on_exam_pass: false });
    const s3 = await makeStep(manager, course.id);
    const video = await makeMaterial(manager, s1.id);
    await makeForm(manager, { step_id: s1.id });
    const book = await makeMaterial(manager, s2.id, { material_type: "BookLink", content: { url: "https://b.example", title: "Gita" } });
    await makeForm(manager, { step_id: s2.id });
    await makeMaterial(manager, s3.id);
    const { participant } = await enrolled(manager, course.id);
    const locked = async (id: string) => (await ok("GET", `/steps/${id}`, participant)).is_locked;

    expect(await locked(s2.id)).toBe(true);
    await ok("POST", `/materials/${video.id}/complete`, participant);
    expect(await locked(s2.id)).toBe(false);
    const progress = await ok("GET", `/participants/me/progress/${course.id}`, participant);
    // Step 1 is not completed (its exam is not approved), yet step 2 is open and current.
    expect(progress).toMatchObject({ completed_step_ids: [], current_step_id: s1.id });
    expect(progress.steps.map((s: any) => s.is_locked)).toEqual([false, false, true]);

    // Step 3 waits for step 2's exam (unlock_on_exam_pass defaults to true).
    await ok("POST", `/materials/${book.id}/complete`, participant);
    expect(await locked(s3.id)).toBe(true);
  });

  it("materials-complete answers can_take_exam only when the step has an exam and every mandatory material is complete", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    const s1 = await makeStep(manager, course.id);
    const video = await makeMaterial(manager, s1.id);
    const table = await makeTable(manager);
    const tracker = await makeMaterial(manager, s1.id, { material_type: "RequirementTable", content: { requirement_table_id: table.id } });
    const exam = await makeForm(manager, { step_id: s1.id });
    const { participant } = await enrolled(manager, course.id);

    const blocked = await call("POST", `/steps/${s1.id}/materials-complete`, { token: participant });
    expect(blocked.status).toBe(200);
    expect(blocked.json).toEqual({ message: "All materials marked as complete", can_take_exam: false, exam_id: exam.id });
    const view = await ok("GET", `/participants/me/step/${s1.id}/progress`, participant);
    expect(view.progress).toMatchObject({ materials_completed: false, completed_materials: [video.id] });
    const early = await call("POST", `/steps/${s1.id}/exam/start`, { token: participant });
    expect(early.status).toBe(409);
    expect(early.json.code).toBe("materials_incomplete");

    // Once a manager approves the participant's filled table, the exam opens.
    const { submission_id: tableSubmission } = await ok("GET", `/requirement-tables/${table.id}/my-submission`, participant);
    for (const serial_number of [1, 2])
      await ok("POST", `/requirement-tables/submissions/${tableSubmission}/rows`, participant, {
        serial_number,
        completed: true,
        completed_value: 30,
      });
    await ok("POST", `/requirement-tables/submissions/${tableSubmission}/submit`, participant, {});
    await ok("POST", `/requirement-tables/submissions/${tableSubmission}/approve`, manager, {});
    const open = await call("POST", `/steps/${s1.id}/materials-complete`, { token: participant });
    expect(open.json).toEqual({ message: "All materials marked as complete", can_take_exam: true, exam_id: exam.id });
    const stepView = await ok("GET", `/participants/me/step/${s1.id}/progress`, participant);
    expect(stepView.progress.completed_materials.sort()).toEqual([video.id, tracker.id].sort());
    expect((await call("POST", `/steps/${s1.id}/exam/start`, { token: participant })).status).toBe(201);
  });

  it("materials-complete on a step without an exam answers can_take_exam false, exam_id null", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager);
    const s1 = await makeStep(manager, course.id);
    await makeMaterial(manager, s1.id);
    await makeMaterial(manager, s1.id, { is_mandatory: false });
    const { participant } = await enrolled(manager, course.id);
    const res = await call("POST", `/steps/${s1.id}/materials-complete`, { token: participant });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ message: "All materials marked as complete", can_take_exam: false, exam_id: null });
    const view = await ok("GET", `/participants/me/step/${s1.id}/progress`, participant);
    expect(view.progress).toMatchObject({ materials_completed: true, is_completed: true });
    expect(view.progress.completed_materials).toHaveLength(2);
  });

  it("materials-complete with an exam and every mandatory material done answers can_take_exam true", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const { participant } = await enrolled(manager, c.course.id);
    const res = await call("POST", `/steps/${c.step1.id}/materials-complete`, { token: participant });
    expect(res.json).toEqual({ message: "All materials marked as complete", can_take_exam: true, exam_id: c.exam.id });
  });
});

describe("progress views", () => {
  it("GET /participants/me/courses has every field of the spec; percentage 0 → 50 → 100 on a two-step course", async () => {
    const manager = await managerToken();
    const course = await makeCourse(manager, { description: "In-depth study", image_url: "https://example.com/image.jpg" });
    const s1 = await makeStep(manager, course.id, { name: "Step 1: Introduction" });
    const s2 = await makeStep(manager, course.id, { name: "Step 2: Advanced" });
    const video = await makeMaterial(manager, s1.id);
    const book = await makeMaterial(manager, s2.id, { material_type: "BookLink", content: { url: "https://b.example", title: "Gita" } });
    const { participant } = await enrolled(manager, course.id);
    const mine = async () => {
      const res = await call("GET", "/participants/me/courses", { token: participant });
      expect(res.status).toBe(200);
      expect(res.json).toHaveLength(1);
      return res.json[0];
    };
    const base = {
      course_id: course.id,
      course_name: course.name,
      description: "In-depth study",
      image_url: "https://example.com/image.jpg",
      is_default: false,
      requirement_status: null,
    };

    expect(await mine()).toEqual({
      ...base,
      current_step: { step_id: s1.id, step_name: "Step 1: Introduction", order_index: s1.order_index },
      progress: { completed_steps: 0, total_steps: 2, percentage: 0 },
      step_progress: { is_started: false, materials_completed: false, exam_status: "NotStarted" },
      is_completed: false,
    });
    await ok("POST", `/materials/${video.id}/complete`, participant);
    expect(await mine()).toEqual({
      ...base,
      current_step: { step_id: s2.id, step_name: "Step 2: Advanced", order_index: s2.order_index },
      progress: { completed_steps: 1, total_steps: 2, percentage: 50 },
      step_progress: { is_started: false, materials_completed: false, exam_status: "NotStarted" },
      is_completed: false,
    });
    await ok("POST", `/materials/${book.id}/complete`, participant);
    expect(await mine()).toEqual({
      ...base,
      current_step: null,
      progress: { completed_steps: 2, total_steps: 2, percentage: 100 },
      step_progress: null,
      is_completed: true,
    });
  });

  it("GET /participants/me/progress/{course_id}: steps with exam_info and material_count; 404 not_enrolled", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager, { description: "In-depth study" });
    const stranger = await newParticipant();
    const notEnrolled = await call("GET", `/participants/me/progress/${c.course.id}`, { token: stranger.participant });
    expect(notEnrolled.status).toBe(404);
    expect(notEnrolled.json.code).toBe("not_enrolled");

    const { participant } = await enrolled(manager, c.course.id);
    const first = await ok("GET", `/participants/me/progress/${c.course.id}`, participant);
    expect(first).toEqual({
      course: { id: c.course.id, name: c.course.name, description: "In-depth study" },
      current_step_id: c.step1.id,
      current_step_order_index: c.step1.order_index,
      completed_step_ids: [],
      is_completed: false,
      steps: [
        {
          id: c.step1.id,
          name: "Step 1: Introduction",
          description: null,
          order_index: c.step1.order_index,
          is_locked: false,
          is_completed: false,
          exam_id: c.exam.id,
          exam_info: { id: c.exam.id, name: c.exam.name, duration_minutes: 30 },
          progress: { is_started: false, materials_completed: false, exam_status: "NotStarted" },
          material_count: 2,
        },
        {
          id: c.step2.id,
          name: "Step 2: Advanced",
          description: null,
          order_index: c.step2.order_index,
          is_locked: true,
          is_completed: false,
          exam_id: null,
          exam_info: null,
          progress: { is_started: false, materials_completed: false, exam_status: "NotStarted" },
          material_count: 1,
        },
      ],
    });

    await ok("POST", `/materials/${c.video.id}/complete`, participant);
    const { submission_id: id } = await ok("POST", `/steps/${c.step1.id}/exam/start`, participant);
    await ok("POST", `/forms/submissions/${id}/submit`, participant, answers());
    const submitted = await ok("GET", `/participants/me/progress/${c.course.id}`, participant);
    expect(submitted.steps[0].progress).toEqual({ is_started: true, materials_completed: true, exam_status: "Submitted" });
    await ok("POST", `/form-submissions/${id}/grade`, manager, { theory_grades: [{ question_id: "q2", marks_awarded: 6 }] });
    await ok("POST", `/form-submissions/${id}/approve`, manager, {});
    const after = await ok("GET", `/participants/me/progress/${c.course.id}`, participant);
    expect(after).toMatchObject({
      current_step_id: c.step2.id,
      current_step_order_index: c.step2.order_index,
      completed_step_ids: [c.step1.id],
      is_completed: false,
    });
    expect(after.steps[0]).toMatchObject({ is_completed: true, progress: { exam_status: "Approved" } });
    expect(after.steps[1]).toMatchObject({ is_locked: false, is_completed: false });
  });

  it("GET /participants/me/step/{step_id}/progress: completed_materials, then the latest exam attempt", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const { participant } = await enrolled(manager, c.course.id);
    const view = () => ok("GET", `/participants/me/step/${c.step1.id}/progress`, participant);

    const empty = await view();
    expect(empty).toMatchObject({
      step: { id: c.step1.id, name: "Step 1: Introduction", description: null, order_index: c.step1.order_index },
      progress: {
        is_started: false,
        is_locked: false,
        materials_completed: false,
        completed_materials: [],
        exam_status: "NotStarted",
        is_completed: false,
      },
      exam_submission: null,
    });
    expect(empty.materials.map((m: any) => [m.id, m.is_completed])).toEqual([
      [c.video.id, false],
      [c.optional.id, false],
    ]);

    await ok("POST", `/materials/${c.video.id}/complete`, participant);
    const { submission_id: first } = await ok("POST", `/steps/${c.step1.id}/exam/start`, participant);
    const started = await view();
    expect(started.progress).toMatchObject({
      is_started: true,
      materials_completed: true,
      completed_materials: [c.video.id],
      exam_status: "InProgress",
    });
    expect(started.materials.map((m: any) => [m.id, m.is_completed])).toEqual([
      [c.video.id, true],
      [c.optional.id, false],
    ]);
    expect(started.exam_submission).toMatchObject({
      submission_id: first,
      submission_status: "InProgress",
      attempt_number: 1,
      mcq_score: null,
      submitted_at: null,
      is_late: false,
    });

    await ok("POST", `/forms/submissions/${first}/submit`, participant, answers("b"));
    expect((await view()).exam_submission).toMatchObject({ submission_id: first, submission_status: "Submitted", mcq_score: 0 });
    await ok("POST", `/form-submissions/${first}/reject`, manager, { feedback: "Try again" });
    expect((await view()).progress.exam_status).toBe("Rejected");
    const { submission_id: second } = await ok("POST", `/steps/${c.step1.id}/exam/start`, participant);
    const latest = await view();
    expect(latest.exam_submission).toMatchObject({
      submission_id: second,
      submission_status: "InProgress",
      attempt_number: 2,
      feedback: null,
    });
    expect(latest.progress.exam_status).toBe("InProgress");
  });

  it("a manager naming participant_id sees that participant's progress", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const { pid, participant } = await enrolled(manager, c.course.id);
    await ok("POST", `/materials/${c.video.id}/complete`, participant);
    const q = `participant_id=${pid}`;
    for (const path of [
      `/participants/me/progress/${c.course.id}`,
      `/participants/me/step/${c.step1.id}/progress`,
      "/participants/me/courses",
      `/steps/${c.step1.id}`,
    ]) {
      const theirs = await ok("GET", path, participant);
      const managers = await ok("GET", `${path}?${q}`, manager);
      expect(managers, path).toEqual(theirs);
    }
    expect((await ok("GET", `/steps/${c.step1.id}?${q}`, manager)).progress).toMatchObject({
      materials_completed: true,
      completed_materials_count: 1,
    });
    // Without participant_id the manager's own (empty) state is shown.
    expect(await ok("GET", "/participants/me/courses", manager)).toEqual([]);
  });

  it("GET /steps/{id} for a manager without a participant: first step open, second gated, no progress", async () => {
    const manager = await managerToken();
    const c = await twoStepCourse(manager);
    const first = await ok("GET", `/steps/${c.step1.id}`, manager);
    const second = await ok("GET", `/steps/${c.step2.id}`, manager);
    expect(first).toMatchObject({ is_locked: false, progress: null, has_exam: true, exam_id: c.exam.id });
    expect(second).toMatchObject({ is_locked: true, progress: null, has_exam: false });
    expect(first.materials.every((m: any) => !("is_completed" in m))).toBe(true);
  });

  it("an archived course disappears from /participants/me/courses", async () => {
    const manager = await managerToken();
    const keep = await twoStepCourse(manager);
    const drop = await twoStepCourse(manager);
    const { pid, participant } = await enrolled(manager, keep.course.id);
    await ok("POST", `/courses/${drop.course.id}/enroll?participant_id=${pid}`, manager);
    const before = await ok("GET", "/participants/me/courses", participant);
    expect(before.map((x: any) => x.course_id).sort()).toEqual([keep.course.id, drop.course.id].sort());
    expect((await call("DELETE", `/courses/${drop.course.id}`, { token: manager })).status).toBe(204);
    const after = await ok("GET", "/participants/me/courses", participant);
    expect(after.map((x: any) => x.course_id)).toEqual([keep.course.id]);
  });
});
