/**
 * Compile-time checks of the generated types (`npm run typecheck`): a frontend that misspells a field, a path or
 * an error code does not compile.
 */
import { createClient, type ErrorCode, nextPageUrl } from "./index";

export async function examples() {
  const api = createClient({ baseUrl: "http://127.0.0.1:8787", token: "t" });
  const { data, error } = await api.GET("/courses/{course_id}", { params: { path: { course_id: "507f1f77bcf86cd799439011" } } });
  if (error) {
    const code: ErrorCode = error.code;
    // @ts-expect-error — not a code of the API
    const wrong: ErrorCode = "course_missing";
    return [code, wrong];
  }
  const name: string = data.name;
  // @ts-expect-error — misspelled field
  const misspelled = data.nmae;
  // @ts-expect-error — no such path
  await api.GET("/course/{course_id}", { params: { path: { course_id: "x" } } });
  await api.POST("/forms/submissions/{submission_id}/submit", {
    params: { path: { submission_id: "507f1f77bcf86cd799439020" } },
    // @ts-expect-error — mcq_answers is a list of { question_id, selected_option_id }
    body: { mcq_answers: "a" },
  });
  const step = await api.GET("/steps/{step_id}", { params: { path: { step_id: "507f1f77bcf86cd799439013" } } });
  const content = step.data?.materials[0]?.content;
  if (content && "file" in content && content.file) void (content.file.size satisfies number);
  if (content && "requirement_table_id" in content) void (content.requirement_table_id satisfies string);
  // @ts-expect-error — content is typed per material_type, not a free-form record
  void content?.duration;
  for await (const page of api.pages("/courses", { limit: 50 })) for (const course of page) void course.order_index;
  return [name, misspelled, nextPageUrl(null)];
}
