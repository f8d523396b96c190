/**
 * Compile-time checks (`npm run typecheck`) that the tests' `call()` is typed by the published document: a test
 * that reads a renamed or misspelled field stops compiling.
 */
import { call } from "./helpers";

export async function examples(id: string) {
  const course = await call("GET", `/courses/${id}`);
  void (course.json.name satisfies string);
  void (course.json.steps[0]?.is_locked satisfies boolean | undefined);
  // @ts-expect-error — misspelled field
  void course.json.nmae;

  // A query string is no part of the match. (`/courses/{id}/steps` is no documented path: its `any` made this
  // check pass whatever it named.)
  const page = await call("GET", `/requirement-tables?step_id=${id}&limit=2`);
  void (page.json[0]?.step_id satisfies string | null | undefined);
  // @ts-expect-error — misspelled field: compiles only while the page is typed
  void page.json[0]?.stepid;

  // A literal path wins over a templated one: this is the enrol-default operation, not POST /courses/{course_id}.
  const enrolled = await call("POST", "/courses/enroll-default");
  void (enrolled.json.course_id satisfies string);

  // Errors: every operation's body may carry the Error fields; `code` is the closed enum.
  const missing = await call("DELETE", `/materials/${id}`);
  // @ts-expect-error — not a code of the API
  void (missing.json.code === "material_missing");

  // A material narrows by `material_type`: each type has its own `content`.
  const step = await call("GET", `/steps/${id}`);
  for (const material of step.json.materials) {
    if (material.material_type === "BookLink") void (material.content.title satisfies string);
    if (material.material_type === "Video") {
      void (material.content.url satisfies string);
      // @ts-expect-error — a Video's content has no title: only a BookLink's does
      void material.content.title;
    }
  }
  const created = await call("POST", `/steps/${id}/materials`);
  if (created.json.material_type === "RequirementTable") void (created.json.content.requirement_table_id satisfies string);

  // An answer is an MCQ's or a THEORY question's, told apart by its fields.
  const submission = await call("GET", `/form-submissions/${id}`);
  for (const { participant_answer: answer } of submission.json.questions) {
    if (answer && "answer_text" in answer) void (answer.answer_text satisfies string);
    else if (answer) void (answer.selected_option_id satisfies string);
  }

  // The export's rows and an audit event's changes are typed to the field.
  const exported = await call("GET", `/participants/${id}/export`);
  void (exported.json.exam_overrides[0]?.duration_minutes satisfies number | null | undefined);
  void (exported.json.material_completions[0]?.completed_at satisfies string | undefined);
  // @ts-expect-error — the export's rows are typed: no such column
  void exported.json.enrollments[0]?.enrolled;
  const events = await call("GET", "/audit-events?limit=1");
  const change = events.json[0]?.changes.name;
  if (change) {
    const [before, after] = change;
    // @ts-expect-error — a change is exactly [before, after]
    void change[2];
    void [before, after];
  }

  // Paths outside the document stay untyped.
  const document = await call("GET", "/openapi.json");
  return document.json.anything;
}
