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

  // Paths outside the document stay untyped.
  const document = await call("GET", "/openapi.json");
  return document.json.anything;
}
