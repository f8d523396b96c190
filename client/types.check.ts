/**
 * Compile-time checks of the generated types (`npm run typecheck`): a frontend that misspells a field, a path or
 * an error code does not compile.
 */
import { type components, createClient, type ErrorCode, nextPageUrl } from "./index";

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
  return [name, misspelled, nextPageUrl(null), await narrowing(api), await errorCodes(api)];
}

/** Each operation's `error.code` is narrowed to the codes that operation answers (the document declares them). */
async function errorCodes(api: ReturnType<typeof createClient>) {
  const started = await api.POST("/steps/{step_id}/exam/start", { params: { path: { step_id: "507f1f77bcf86cd799439013" } } });
  if (!started.error) return null;
  const code = started.error.code;
  if (code === "materials_incomplete" || code === "exam_not_open" || code === "exam_already_approved") return code;
  // @ts-expect-error — starting an exam never answers a webhook's code
  void (code === "webhook_duplicate");
  const deleted = await api.DELETE("/materials/{material_id}", { params: { path: { material_id: "507f1f77bcf86cd799439015" } } });
  // @ts-expect-error — deleting a material answers material_not_found, never course_not_found
  void (deleted.error?.code === "course_not_found");
  return code satisfies ErrorCode;
}

/** `material_type`, an answer's shape, the export's rows and an audit change narrow to exact types. */
async function narrowing(api: ReturnType<typeof createClient>) {
  const step = await api.GET("/steps/{step_id}", { params: { path: { step_id: "507f1f77bcf86cd799439013" } } });
  for (const material of step.data?.materials ?? []) {
    if (material.material_type === "BookLink") void (material.content.title satisfies string);
    if (material.material_type === "RequirementTable") void (material.content.requirement_table_id satisfies string);
    if (material.material_type === "Video") {
      void (material.content.file?.size satisfies number | undefined);
      // @ts-expect-error — a Video's content has no title: only a BookLink's does
      void material.content.title;
    }
  }
  const created = await api.POST("/steps/{step_id}/materials", {
    params: { path: { step_id: "507f1f77bcf86cd799439013" } },
    body: { material_type: "BookLink", title: "Gita", content: { url: "https://example.com/gita", title: "Gita" } },
  });
  if (created.data?.material_type === "BookLink") void (created.data.content.url satisfies string);

  const submission = await api.GET("/form-submissions/{submission_id}", {
    params: { path: { submission_id: "507f1f77bcf86cd799439020" } },
  });
  for (const question of submission.data?.questions ?? []) {
    const answer = question.participant_answer;
    if (answer === null) continue;
    if ("selected_option_id" in answer) void (answer.selected_option_id satisfies string);
    else void (answer.answer_text satisfies string);
    // @ts-expect-error — only an MCQ answer has selected_option_id: it may be a THEORY answer
    void answer.selected_option_id;
  }

  const exported = await api.GET("/participants/{participant_id}/export", { params: { path: { participant_id: "p1" } } });
  const attempt = exported.data?.exam_attempts[0];
  void (attempt?.submission_status satisfies
    | "InProgress"
    | "Submitted"
    | "UnderReview"
    | "Approved"
    | "Rejected"
    | "RetakeRequested"
    | undefined);
  void (attempt?.answers?.mcq_answers?.[0]?.selected_option_id satisfies string | undefined);
  void (exported.data?.requirement_submissions[0]?.rows[0]?.approved satisfies boolean | null | undefined);
  void (exported.data?.accommodations?.extra_time_percent satisfies number | undefined);
  // @ts-expect-error — the export's rows are typed: no such column
  void exported.data?.enrollments[0]?.enrolled;

  const events = await api.GET("/audit-events", { params: { query: {} } });
  for (const [field, [before, after]] of Object.entries(events.data?.[0]?.changes ?? {})) void [field, before, after];
  // openapi-fetch's data type maps every array, a tuple too, to `T[]`: the exact pair is the document's own type.
  const change: components["schemas"]["AuditChange"] = ["Old name", "New name"];
  // @ts-expect-error — a change is exactly [before, after]
  const triple: components["schemas"]["AuditChange"] = ["a", "b", "c"];
  return [change, triple];
}
