import { stepStateOf } from "../domain/progress";
import type { Caller } from "../env";
import { actingParticipant } from "../lib/auth";
import { examClock } from "../lib/clock";
import { ApiError, notFound } from "../lib/errors";
import { type Handler, origin } from "../lib/openapi";
import { decodeCursor, limitOf, page } from "../lib/pagination";
import { type CourseProgress, courseOfStep, currentStepOf, enrolledCourses, oneCourse, readProgress, requirementStatus } from "../progress";
import { toMaterial } from "../shared/materials";
import { courseVisible } from "../visibility";
import type * as routes from "./routes";

const notEnrolled = () => new ApiError(404, "not_enrolled", "Not enrolled in this course");

/**
 * Participants see nothing of an unpublished course — the same 404 the content views give, whatever their
 * enrolment, so "exists but not yours" is not told apart from "does not exist". Managers see drafts.
 */
const shown = (caller: Caller, p: CourseProgress | undefined): p is CourseProgress => p !== undefined && courseVisible(caller, p.course);

export const myCourses: Handler<typeof routes.myCourses> = async (c) => {
  const params = c.req.valid("query");
  const caller = c.get("caller");
  const participantId = actingParticipant(caller, params.participant_id);
  const limit = limitOf(params.limit);
  const after = decodeCursor(params.cursor, ["number", "string"]);
  const db = c.get("db");
  const courseIds = enrolledCourses(participantId, after, limit + 1, caller.role === "participant");
  const progress = await readProgress(db, participantId, courseIds, examClock(c));
  const list = page(
    c,
    progress.all().filter((p) => p.enrolled),
    limit,
    (p) => [p.course.order_index, p.course.id],
  );
  return c.json(
    list.map((p) => {
      const current = p.state.current_step_id ? stepStateOf(p.state, p.state.current_step_id) : null;
      return {
        course_id: p.course.id,
        course_name: p.course.name,
        description: p.course.description,
        image_url: p.course.image_url,
        is_default: p.course.is_default,
        current_step: currentStepOf(p),
        progress: { completed_steps: p.state.completed_steps, total_steps: p.state.total_steps, percentage: p.state.percentage },
        step_progress: current
          ? { is_started: current.is_started, materials_completed: current.materials_completed, exam_status: current.exam_status }
          : null,
        requirement_status: requirementStatus(p, p.materials),
        is_completed: p.is_completed,
      };
    }),
    200,
  );
};

export const courseProgress: Handler<typeof routes.courseProgress> = async (c) => {
  const { course_id } = c.req.valid("param");
  const participantId = actingParticipant(c.get("caller"), c.req.valid("query").participant_id);
  const db = c.get("db");
  const p = (await readProgress(db, participantId, oneCourse(course_id), examClock(c))).get(course_id);
  if (!shown(c.get("caller"), p)) throw notFound("Course", course_id);
  if (!p.enrolled) throw notEnrolled();
  const examById = new Map(p.exams.map((e) => [e.id, e]));
  const current = currentStepOf(p);
  return c.json(
    {
      course: { id: p.course.id, name: p.course.name, description: p.course.description },
      current_step_id: current?.step_id ?? null,
      current_step_order_index: current?.order_index ?? null,
      completed_step_ids: p.state.steps.filter((s) => s.is_completed).map((s) => s.id),
      is_completed: p.is_completed,
      steps: p.steps.map((step) => {
        const state = stepStateOf(p.state, step.id);
        const found = step.exam_id ? examById.get(step.exam_id) : undefined;
        const exam = found ? { id: found.id, name: found.name, duration_minutes: found.duration_minutes } : null;
        return {
          id: step.id,
          name: step.name,
          description: step.description,
          order_index: step.order_index,
          is_locked: state.is_locked,
          is_completed: state.is_completed,
          exam_id: exam?.id ?? null,
          exam_info: exam,
          progress: { is_started: state.is_started, materials_completed: state.materials_completed, exam_status: state.exam_status },
          material_count: state.total_materials,
        };
      }),
    },
    200,
  );
};

export const stepProgress: Handler<typeof routes.stepProgress> = async (c) => {
  const { step_id } = c.req.valid("param");
  const participantId = actingParticipant(c.get("caller"), c.req.valid("query").participant_id);
  const db = c.get("db");
  const p = (await readProgress(db, participantId, courseOfStep(step_id), examClock(c))).first();
  const step = p?.steps.find((s) => s.id === step_id);
  if (!shown(c.get("caller"), p) || !step) throw notFound("Step", step_id);
  if (!p.enrolled) throw notEnrolled();
  const state = stepStateOf(p.state, step_id);
  const done = new Set(state.completed_material_ids);
  const attempts = p.attempts.filter((a) => a.step_id === step_id && a.form_id === step.exam_id);
  const latest = attempts.at(-1);
  return c.json(
    {
      step: { id: step.id, name: step.name, description: step.description, order_index: step.order_index },
      progress: {
        is_started: state.is_started,
        is_locked: state.is_locked,
        materials_completed: state.materials_completed,
        completed_materials: state.completed_material_ids,
        exam_status: state.exam_status,
        is_completed: state.is_completed,
      },
      materials: p.materials
        .filter((m) => m.step_id === step_id)
        .map((m) => {
          const table = m.requirement_table_id ? p.tableProgress.get(m.requirement_table_id) : undefined;
          return { ...toMaterial(m, origin(c)), is_completed: done.has(m.id), ...(table ? { requirement_progress: table } : {}) };
        }),
      exam_submission: latest
        ? {
            submission_id: latest.id,
            submission_status: latest.submission_status,
            attempt_number: latest.attempt_number,
            mcq_score: latest.mcq_score,
            theory_score: latest.theory_score,
            total_score: latest.total_score,
            started_at: latest.started_at,
            deadline_at: latest.deadline_at,
            submitted_at: latest.submitted_at,
            is_late: latest.is_late,
            feedback: latest.feedback,
          }
        : null,
    },
    200,
  );
};
