/**
 * Course staff beyond review: an instructor authors and enrols in their own course and nowhere else; graders and
 * observers read the course's content and the progress of the participants their grant reaches; observers read
 * exam analytics (of their cohorts only, when limited); every refusal is 404 outside the grants and 403
 * `insufficient_grant` inside them.
 */
import { describe, expect, it } from "vitest";
import {
  call,
  makeCohort,
  makeCourse,
  makeForm,
  makeMaterial,
  makeStep,
  makeTable,
  roundTrips,
  type Staff,
  sampleQuestions,
  staff,
  token,
  uniqueName,
} from "./helpers";

const answers = (option: string) => ({
  mcq_answers: [{ question_id: "q1", selected_option_id: option }],
  theory_answers: [{ question_id: "q2", answer_text: "Chanting purifies the heart" }],
});

/** Course A (one exam step, cohorts Morning and Evening, one submitted attempt in each) and course B. */
async function world() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const video = await makeMaterial(manager, step.id);
  const exam = await makeForm(manager, { step_id: step.id });
  const cohortOf = (name: string) => makeCohort(manager, course.id, name);
  const morning = await cohortOf("Morning");
  const evening = await cohortOf("Evening");
  const attempt = async (cohortId: string, option: string) => {
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant");
    expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager })).status).toBe(200);
    expect((await call("PUT", `/cohorts/${cohortId}/members/${pid}`, { token: manager })).status).toBe(200);
    await call("POST", `/materials/${video.id}/complete`, { token: participant });
    const start = await call("POST", `/steps/${step.id}/exam/start`, { token: participant });
    expect(start.status, start.text).toBe(201);
    const id = start.json.submission_id as string;
    expect((await call("POST", `/forms/submissions/${id}/submit`, { token: participant, body: answers(option) })).status).toBe(200);
    return { pid, id, token: participant };
  };
  const inMorning = await attempt(morning, "a");
  const inEvening = await attempt(evening, "b");
  const courseB = await makeCourse(manager);
  const stepB = await makeStep(manager, courseB.id);
  const examB = await makeForm(manager, { step_id: stepB.id });
  const give = async (who: Staff, courseId: string, body: Record<string, unknown>) => {
    const res = await call("PUT", `/courses/${courseId}/staff/${who.sub}`, { token: manager, body });
    expect(res.status, res.text).toBe(200);
  };
  const instructor = await staff("instructor");
  await give(instructor, course.id, { role: "instructor" });
  return { manager, course, step, video, exam, morning, evening, inMorning, inEvening, courseB, stepB, examB, give, instructor };
}

describe("an instructor authors their own course", () => {
  it("edits the course, adds a step, a material, an exam and a requirement table, and reads them as authors do", async () => {
    const w = await world();
    const as = { token: w.instructor.token };
    const renamed = await call("PUT", `/courses/${w.course.id}`, { ...as, body: { name: "Bhakti Sastri (2027)" } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json.name).toBe("Bhakti Sastri (2027)");

    const step = await call("POST", "/steps", { ...as, body: { course_id: w.course.id, name: "Chapter 2" } });
    expect(step.status, step.text).toBe(201);
    const material = await call("POST", `/steps/${step.json.id}/materials`, {
      ...as,
      body: { material_type: "BookLink", title: "Gita 2.13", content: { url: "https://vedabase.io/bg/2/13", title: "Bhagavad-gita 2.13" } },
    });
    expect(material.status, material.text).toBe(201);
    const exam = await call("POST", "/forms", {
      ...as,
      body: { name: "Chapter 2 exam", step_id: step.json.id, duration_minutes: 20, questions: sampleQuestions() },
    });
    expect(exam.status, exam.text).toBe(201);
    // An authoring view of their own course: the answer key is there.
    const read = await call("GET", `/forms/${exam.json.id}`, as);
    expect(read.status).toBe(200);
    expect(read.text).toContain('"is_correct":true');
    const table = await call("POST", "/requirement-tables", {
      ...as,
      body: { name: "Japa", step_id: step.json.id, requirements: [{ serial_number: 1, activity: "Rounds", target: 16, unit: "rounds" }] },
    });
    expect(table.status, table.text).toBe(201);

    const shown = await call("GET", `/steps/${step.json.id}`, as);
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json.exam_id).toBe(exam.json.id);
    expect(shown.json.materials.map((m: { id: string }) => m.id)).toEqual([material.json.id]);

    expect((await call("PUT", `/materials/${material.json.id}`, { ...as, body: { title: "Gita 2.13–2.14" } })).status).toBe(200);
    expect((await call("DELETE", `/materials/${material.json.id}`, as)).status).toBe(204);
    expect((await call("DELETE", `/requirement-tables/${table.json.id}`, as)).status).toBe(204);
    expect((await call("DELETE", `/steps/${step.json.id}`, as)).status).toBe(204);
  });

  it("enrols participants and gives per-exam overrides in their course", async () => {
    const w = await world();
    const pid = uniqueName("newcomer");
    const enrolled = await call("POST", `/courses/${w.course.id}/enroll?participant_id=${pid}`, { token: w.instructor.token });
    expect(enrolled.status, enrolled.text).toBe(200);
    const override = await call("PUT", `/forms/${w.exam.id}/overrides/${pid}`, {
      token: w.instructor.token,
      body: { max_attempts: 5 },
    });
    expect(override.status, override.text).toBe(200);
    expect((await call("GET", `/forms/${w.exam.id}/overrides`, { token: w.instructor.token })).status).toBe(200);
  });

  it("is refused what belongs to the organisation: chaining, ordering and the default course (403), creating courses", async () => {
    const w = await world();
    for (const body of [{ is_default: true }, { next_course_id: w.courseB.id }, { order_index: 3 }, { previous_course_id: null }]) {
      const res = await call("PUT", `/courses/${w.course.id}`, { token: w.instructor.token, body });
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.json.code).toBe("insufficient_grant");
    }
    expect((await call("POST", "/courses", { token: w.instructor.token, body: { name: "Mine" } })).status).toBe(403);
    expect((await call("DELETE", `/courses/${w.course.id}`, { token: w.instructor.token })).status).toBe(403);
    // A create must name a step of their course: content outside any course is the organisation's.
    const loose = await call("POST", "/forms", {
      token: w.instructor.token,
      body: { name: "Loose", duration_minutes: 10, questions: sampleQuestions() },
    });
    expect(loose.status).toBe(403);
    expect(loose.json.code).toBe("insufficient_grant");
  });

  it("finds nothing of another course: its steps, exams and enrolments answer 404, and content is not pulled across", async () => {
    const w = await world();
    const as = { token: w.instructor.token };
    const checks = [
      await call("PUT", `/courses/${w.courseB.id}`, { ...as, body: { name: "Taken" } }),
      await call("POST", "/steps", { ...as, body: { course_id: w.courseB.id, name: "Intruding" } }),
      await call("GET", `/steps/${w.stepB.id}`, as),
      await call("GET", `/forms/${w.examB.id}`, as),
      await call("DELETE", `/forms/${w.examB.id}`, as),
      await call("POST", `/courses/${w.courseB.id}/enroll?participant_id=${uniqueName("p")}`, as),
      await call("GET", `/forms/${w.examB.id}/analytics`, as),
      // Course B's exam linked into course A, or course A's exam moved onto course B's step.
      await call("PUT", `/steps/${w.step.id}/exam?form_id=${w.examB.id}`, as),
      await call("PUT", `/forms/${w.exam.id}`, { ...as, body: { step_id: w.stepB.id } }),
    ];
    expect(checks.map((r) => r.status)).toEqual(checks.map(() => 404));
    const listed = await call("GET", "/forms", as);
    expect(listed.json.map((f: { id: string }) => f.id)).toEqual([w.exam.id]);
    const manager = await call("GET", `/forms/${w.examB.id}`, { token: w.manager });
    expect(manager.json.step_id).toBe(w.stepB.id);
  });

  it("loses it all on the next request once the grant is revoked", async () => {
    const w = await world();
    expect((await call("GET", `/steps/${w.step.id}`, { token: w.instructor.token })).status).toBe(200);
    expect((await call("DELETE", `/courses/${w.course.id}/staff/${w.instructor.sub}`, { token: w.manager })).status).toBe(204);
    expect((await call("GET", `/steps/${w.step.id}`, { token: w.instructor.token })).status).toBe(404);
    expect((await call("PUT", `/courses/${w.course.id}`, { token: w.instructor.token, body: { name: "x" } })).status).toBe(404);
  });
});

describe("graders and observers", () => {
  it("read the course's content but may not author or enrol (403 insufficient_grant)", async () => {
    const w = await world();
    for (const role of ["grader", "observer"]) {
      const who = await staff(role);
      await w.give(who, w.course.id, { role });
      expect((await call("GET", `/steps/${w.step.id}`, { token: who.token })).status, role).toBe(200);
      expect((await call("GET", `/forms/${w.exam.id}`, { token: who.token })).status, role).toBe(200);
      const refused = [
        await call("PUT", `/courses/${w.course.id}`, { token: who.token, body: { name: "x" } }),
        await call("POST", "/steps", { token: who.token, body: { course_id: w.course.id, name: "x" } }),
        await call("DELETE", `/materials/${w.video.id}`, { token: who.token }),
        await call("POST", `/courses/${w.course.id}/enroll?participant_id=${uniqueName("p")}`, { token: who.token }),
        await call("GET", `/forms/${w.exam.id}/overrides`, { token: who.token }),
      ];
      expect(
        refused.map((r) => [r.status, r.json.code]),
        role,
      ).toEqual(refused.map(() => [403, "insufficient_grant"]));
    }
  });

  it("read a requirement table of the organisation that a material of their course shows; another course's staff do not", async () => {
    const w = await world();
    const table = await makeTable(w.manager);
    await makeMaterial(w.manager, w.step.id, {
      material_type: "RequirementTable",
      title: "Japa",
      content: { requirement_table_id: table.id },
    });
    const observer = await staff("observer");
    await w.give(observer, w.course.id, { role: "observer" });
    const other = await staff("other");
    await w.give(other, w.courseB.id, { role: "instructor" });
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: observer.token })).status).toBe(200);
    const listed = await call("GET", "/requirement-tables", { token: observer.token });
    expect(listed.json.map((t: { id: string }) => t.id)).toContain(table.id);
    expect((await call("GET", `/requirement-tables/${table.id}`, { token: other.token })).status).toBe(404);
    expect((await call("GET", "/requirement-tables", { token: other.token })).json).toEqual([]);
  });

  it("a grader limited to Morning reads Morning's progress only; Evening's participant is not there (404)", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, w.course.id, { role: "grader", cohort_ids: [w.morning] });
    const mine = await call("GET", `/participants/me/progress/${w.course.id}?participant_id=${w.inMorning.pid}`, { token: grader.token });
    expect(mine.status, mine.text).toBe(200);
    const step = await call("GET", `/steps/${w.step.id}?participant_id=${w.inMorning.pid}`, { token: grader.token });
    expect(step.status, step.text).toBe(200);
    expect(step.json.progress?.exam_status).not.toBeNull();
    for (const path of [
      `/participants/me/progress/${w.course.id}?participant_id=${w.inEvening.pid}`,
      `/participants/me/step/${w.step.id}/progress?participant_id=${w.inEvening.pid}`,
      `/steps/${w.step.id}?participant_id=${w.inEvening.pid}`,
    ])
      expect((await call("GET", path, { token: grader.token })).status, path).toBe(404);
  });

  it("analytics: observers read them (a Morning observer counts Morning's attempts only); graders may not", async () => {
    const w = await world();
    const observer = await staff("observer");
    await w.give(observer, w.course.id, { role: "observer" });
    const morningObserver = await staff("observer-m");
    await w.give(morningObserver, w.course.id, { role: "observer", cohort_ids: [w.morning] });
    const grader = await staff("grader");
    await w.give(grader, w.course.id, { role: "grader" });

    const all = await call("GET", `/forms/${w.exam.id}/analytics`, { token: observer.token });
    expect(all.status, all.text).toBe(200);
    const manager = await call("GET", `/forms/${w.exam.id}/analytics`, { token: w.manager });
    expect(all.json).toEqual(manager.json);
    expect(all.json.attempts).toBe(2);

    const morning = await call("GET", `/forms/${w.exam.id}/analytics`, { token: morningObserver.token });
    expect(morning.status, morning.text).toBe(200);
    expect(morning.json.attempts).toBe(1);
    // Morning's one attempt chose the right option "a": every selection counted is Morning's.
    const q1 = morning.json.questions.find((q: { question_id: string }) => q.question_id === "q1");
    const options = q1?.options ?? [];
    expect(options.length).toBeGreaterThan(1);
    expect(options.map((o) => [o.option_id, o.selected])).toEqual(options.map((o) => [o.option_id, o.option_id === "a" ? 1 : 0]));

    const refused = await call("GET", `/forms/${w.exam.id}/analytics`, { token: grader.token });
    expect([refused.status, refused.json.code]).toEqual([403, "insufficient_grant"]);
  });
});

describe("cost", () => {
  it("a staff request on the hot reads costs at most one D1 round trip more than a manager's", async () => {
    const w = await world();
    const grader = await staff("grader");
    await w.give(grader, w.course.id, { role: "grader", cohort_ids: [w.morning] });
    const p = w.inMorning.pid;
    const reads = {
      step: `/steps/${w.step.id}?participant_id=${p}`,
      course: `/courses/${w.course.id}`,
      progress: `/participants/me/progress/${w.course.id}?participant_id=${p}`,
      pending: `/form-submissions/pending?course_id=${w.course.id}`,
      submission: `/form-submissions/${w.inMorning.id}`,
      form: `/forms/${w.exam.id}`,
    };
    const table: Record<string, Record<string, number>> = {};
    for (const [name, path] of Object.entries(reads)) {
      const trips = async (as: string) => (await roundTrips(() => call("GET", path, { token: as })))[0] ?? -1;
      const row = { manager: await trips(w.manager), grader: await trips(grader.token), instructor: await trips(w.instructor.token) };
      // The participant reads the same paths as themself (`participant_id` naming them); the pending list is not theirs.
      if (name !== "pending") table[name] = { ...row, participant: await trips(w.inMorning.token) };
      else table[name] = row;
      expect(row.manager, name).toBeGreaterThan(0);
      for (const role of ["grader", "instructor"] as const) expect(row[role] - row.manager, `${name} ${role}`).toBeLessThanOrEqual(1);
    }
    console.info(`D1 round trips per hot read: ${JSON.stringify(table)}`);
  });
});
