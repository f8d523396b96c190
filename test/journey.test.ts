import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { examAnswers as answers, call, enrolled, makeCourse, makeStep, token, twoStepCourse, uniqueName } from "./helpers";

afterEach(() => setClock(null));

describe("participant journey", () => {
  it("enrol → study → exam → grade → approve → next step → course completed → next course", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const next = await makeCourse(manager);
    await makeStep(manager, next.id);
    const { course, step1, step2, video, book, exam } = await twoStepCourse(manager, { previous_course_id: undefined });
    await call("PUT", `/courses/${course.id}`, { token: manager, body: { next_course_id: next.id } });
    const { pid, participant } = await enrolled(manager, course.id);

    // Step 1 is open, step 2 is locked.
    let s1 = await call("GET", `/steps/${step1.id}`, { token: participant });
    expect(s1.json).toMatchObject({
      is_locked: false,
      progress: {
        is_started: false,
        materials_completed: false,
        completed_materials_count: 0,
        total_materials: 2,
        exam_status: "NotStarted",
      },
    });
    expect((await call("GET", `/steps/${step2.id}`, { token: participant })).json.is_locked).toBe(true);
    const locked = await call("POST", `/materials/${book.id}/complete`, { token: participant });
    expect(locked.status).toBe(409);
    expect(locked.json.code).toBe("step_locked");

    // The exam needs the mandatory materials first.
    const early = await call("POST", `/steps/${step1.id}/exam/start`, { token: participant });
    expect(early.status).toBe(409);
    expect(early.json.code).toBe("materials_incomplete");
    for (let i = 0; i < 2; i++) {
      const done = await call("POST", `/materials/${video.id}/complete`, { token: participant });
      expect(done.status).toBe(200);
      expect(done.json).toEqual({ message: "Material marked as complete", material_id: video.id });
    }
    s1 = await call("GET", `/steps/${step1.id}`, { token: participant });
    expect(s1.json.progress).toMatchObject({ is_started: true, materials_completed: true, completed_materials_count: 1 });
    expect(s1.json.materials.find((m: any) => m.id === video.id)?.is_completed).toBe(true);

    // Start, resume, autosave, submit.
    const start = await call("POST", `/steps/${step1.id}/exam/start`, { token: participant });
    expect(start.status).toBe(201);
    expect(start.json).toMatchObject({ attempt_number: 1, duration_minutes: 30, form: { id: exam.id } });
    expect(start.text).not.toContain("is_correct");
    expect(new Date(start.json.deadline_at).getTime() - new Date(start.json.started_at).getTime()).toBe(30 * 60_000);
    const resume = await call("POST", `/steps/${step1.id}/exam/start`, { token: participant });
    expect(resume.status).toBe(200);
    expect(resume.json.submission_id).toBe(start.json.submission_id);
    const id = start.json.submission_id;
    expect((await call("PUT", `/forms/submissions/${id}/answers`, { token: participant, body: answers("b") })).status).toBe(200);
    expect((await call("POST", `/steps/${step1.id}/exam/start`, { token: participant })).json.answers.mcq_answers).toEqual([
      { question_id: "q1", selected_option_id: "b" },
    ]);
    const submit = await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers("a") });
    expect(submit.status).toBe(200);
    expect(submit.json).toMatchObject({
      submission_id: id,
      mcq_score: 5,
      theory_score: null,
      submission_status: "Submitted",
      is_late: false,
    });
    expect((await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers() })).status).toBe(409);
    expect((await call("POST", `/steps/${step1.id}/exam/start`, { token: participant })).json.code).toBe("awaiting_review");

    // Review.
    const pending = await call("GET", `/form-submissions/pending?course_id=${course.id}`, { token: manager });
    expect(pending.json).toHaveLength(1);
    expect(pending.json[0]).toMatchObject({
      submission_id: id,
      participant_id: pid,
      form_id: exam.id,
      step_id: step1.id,
      course_id: course.id,
      course_name: course.name,
      mcq_score: 5,
      submission_status: "Submitted",
      attempt_number: 1,
    });
    const ungraded = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} });
    expect(ungraded.status).toBe(409);
    expect(ungraded.json.code).toBe("ungraded_answers");
    const tooMany = await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 11 }] },
    });
    expect(tooMany.status).toBe(400);
    const graded = await call("POST", `/form-submissions/${id}/grade`, {
      token: manager,
      body: { theory_grades: [{ question_id: "q2", marks_awarded: 8 }], feedback: "Good" },
    });
    expect(graded.status).toBe(200);
    expect(graded.json).toMatchObject({ submission_status: "UnderReview", theory_score: 8, feedback: "Good" });
    expect(graded.json.questions.find((q: any) => q.question_id === "q2")?.marks_awarded).toBe(8);
    const mine = await call("GET", `/form-submissions/${id}`, { token: participant });
    expect(mine.status).toBe(200);
    expect(mine.text).not.toContain("is_correct");
    expect(mine.json.questions[0]?.participant_answer).toEqual({ question_id: "q1", selected_option_id: "a" });

    const approve = await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: { feedback: "Well done" } });
    expect(approve.status).toBe(200);
    expect(approve.json).toEqual({
      message: "Submission approved",
      next_step_unlocked: true,
      next_step_id: step2.id,
      course_completed: false,
      next_course_id: null,
    });
    expect((await call("POST", `/form-submissions/${id}/approve`, { token: manager, body: {} })).status).toBe(409);
    expect((await call("GET", `/form-submissions/${id}`, { token: manager })).json).toMatchObject({
      submission_status: "Approved",
      total_score: 13,
    });

    // Step 2 is open now; completing it completes the course.
    expect((await call("GET", `/steps/${step2.id}`, { token: participant })).json.is_locked).toBe(false);
    const step2Done = await call("POST", `/steps/${step2.id}/materials-complete`, { token: participant });
    expect(step2Done.json).toEqual({ message: "All materials marked as complete", can_take_exam: false, exam_id: null });
    const progress = await call("GET", `/participants/me/progress/${course.id}`, { token: participant });
    expect(progress.status).toBe(200);
    expect(progress.json).toMatchObject({ is_completed: true, current_step_id: null, completed_step_ids: [step1.id, step2.id] });
    const enrolment = await env.DB.prepare("SELECT completed_at FROM enrollments WHERE participant_id = ? AND course_id = ?")
      .bind(pid, next.id)
      .first();
    expect(enrolment).not.toBeNull();
  });
});
