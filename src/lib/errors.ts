/**
 * The one error type of the API. Handlers throw it; the app's onError turns it into
 * `{ detail, code, errors? }` with its status. `code` is stable for clients to branch on (a closed list,
 * published as the `code` enum of the OpenAPI `Error` schema and in docs/api-notes.md), `detail` is for people.
 */
import type { AppContext } from "../env";
export type FieldError = { path: string; message: string };

/** Every error code, with the statuses it is answered with. */
export const ERROR_CODES = {
  // 400: the request itself is wrong
  validation_error: [400],
  malformed_json: [400],
  bad_request: [400],
  invalid_form: [400],
  invalid_answers: [400],
  invalid_grades: [400],
  invalid_reorder: [400],
  invalid_chain: [400],
  invalid_default_step: [400],
  invalid_previous_step: [400],
  invalid_cursor: [400],
  invalid_bookmark: [400],
  invalid_idempotency_key: [400],
  invalid_length: [400],
  length_mismatch: [400],
  empty_file: [400],
  duplicate_serial_number: [400],
  participant_required: [400],
  invalid_webhook_url: [400],
  invalid_question: [400],
  invalid_import: [400],
  // 401 / 403: who is asking
  unauthorized: [401],
  manager_only: [403],
  participants_only: [403],
  not_your_data: [403],
  not_your_identity: [403],
  not_your_attempt: [403],
  file_forbidden: [403],
  insufficient_grant: [403],
  staff_only: [403],
  // 404: no such thing (for this caller)
  route_not_found: [404],
  course_not_found: [404],
  step_not_found: [404],
  material_not_found: [404],
  form_not_found: [404],
  requirement_table_not_found: [404],
  submission_not_found: [404],
  exam_not_found: [404],
  file_not_found: [404],
  serial_not_found: [404],
  no_default_course: [404],
  not_enrolled: [404, 409],
  webhook_not_found: [404],
  cohort_not_found: [404],
  cohort_member_not_found: [404],
  grant_not_found: [404],
  question_bank_not_found: [404],
  bank_question_not_found: [404],
  certificate_not_found: [404],
  participant_not_found: [404],
  status_list_not_found: [404],
  // 409: the state does not allow it now
  conflict: [409],
  chain_conflict: [409],
  chain_cycle: [409],
  step_cycle: [409],
  step_locked: [409],
  materials_incomplete: [409],
  exam_already_approved: [409],
  awaiting_review: [409],
  no_attempts_left: [409],
  exam_not_open: [409],
  exam_closed: [409],
  attempt_conflict: [409],
  attempt_expired: [409],
  already_submitted: [409],
  not_reviewable: [409],
  ungraded_answers: [409],
  requires_approval: [409],
  row_approved: [409],
  row_changed: [409],
  row_not_completed: [409],
  not_submitted: [409],
  incomplete_table: [409],
  already_approved: [409],
  idempotency_in_progress: [409],
  claimed_by_other: [409],
  webhook_limit_reached: [409],
  webhook_duplicate: [409],
  cohort_name_taken: [409],
  cohort_archived: [409],
  bank_pool_too_small: [409],
  certificate_revoked: [409],
  // other statuses
  length_required: [411],
  body_too_large: [413],
  file_too_large: [413],
  unsupported_media_type: [415],
  unsupported_file_type: [415],
  files_not_supported: [415],
  file_content_mismatch: [415],
  range_not_satisfiable: [416],
  idempotency_key_reused: [422],
  rate_limited: [429],
  internal_error: [500],
  database_overloaded: [503],
  auth_unavailable: [503],
  file_links_unavailable: [503],
  certificates_unavailable: [503],
} as const satisfies Record<string, readonly number[]>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode][number];

export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

/**
 * The one way an error becomes a response: `{detail, code, errors?, request_id}` with its status and headers.
 * The code is kept on the context for the request's log line (lib/observability.ts).
 */
export function errorResponse(c: AppContext, error: ApiError) {
  const body: Record<string, unknown> = { detail: error.detail, code: error.code };
  if (error.errors) body.errors = error.errors;
  body.request_id = c.get("requestId");
  c.set("errorCode", error.code);
  return c.json(body, error.status, error.headers);
}

export const badRequest = (code: ErrorCode, detail: string, errors?: FieldError[]) => new ApiError(400, code, detail, errors);
export const unauthorized = (detail: string) => new ApiError(401, "unauthorized", detail);
/** Every refusal names why (`manager_only`, `not_your_data`, …): a bare "forbidden" would leave a client guessing. */
export const forbidden = (detail: string, code: ErrorCode) => new ApiError(403, code, detail);
export const conflict = (code: ErrorCode, detail: string) => new ApiError(409, code, detail);

/** The things an id can name, and the code a client gets when it names none. */
const NOT_FOUND = {
  Course: "course_not_found",
  Step: "step_not_found",
  Material: "material_not_found",
  Form: "form_not_found",
  "Requirement table": "requirement_table_not_found",
  Submission: "submission_not_found",
  Webhook: "webhook_not_found",
  Cohort: "cohort_not_found",
  "Question bank": "question_bank_not_found",
  "Bank question": "bank_question_not_found",
  Certificate: "certificate_not_found",
  "Status list": "status_list_not_found",
} as const satisfies Record<string, ErrorCode>;

export const notFound = (what: keyof typeof NOT_FOUND, id?: string) =>
  new ApiError(404, NOT_FOUND[what], id ? `${what} '${id}' not found` : `${what} not found`);
