/**
 * The rules a client needs, written once: the document's `info.description` and its security schemes' descriptions
 * (the README points here), the operations whose behaviour a summary cannot carry, and the fields whose meaning
 * their name and type do not say. Figures come from the code that enforces them, so the words cannot drift from it.
 * `describeDocument` adds a description only where the route's own schema gave none, and fails on a key that names
 * no operation or field of the document, so a renamed field or operation cannot leave its words behind unseen.
 */
import type { OpenAPIObject, ReferenceObject, SchemaObject } from "openapi3-ts/oas31";
import { DEFAULT_MAX_LIFETIME_SECONDS } from "./jwt";
import { DEFAULT_LIMIT, MAX_LIMIT } from "./pagination";
import { RATE_LIMITS } from "./rate-limit";
import { MAX_LINK_SECONDS } from "./signed-links";

const limits = Object.entries(RATE_LIMITS)
  .map(([name, { limit, period }]) => `\`${name}\` ${limit} per ${period} s`)
  .join(", ");

export const API_DESCRIPTION = `Courses, steps, materials, exams, submissions and requirement tables. The rules every operation shares:

- **Authentication.** Every operation but \`GET /health\` and the certificate reads a verifier needs (\`GET /certificates/{certificate_id}\`, its \`badge.svg\`, \`GET /status-lists/{list_id}\`, \`/.well-known/did.json\`, \`/did.json\`, \`/.well-known/jwks.json\`) needs \`Authorization: Bearer <JWT>\` (the \`Bearer\` scheme says which tokens are accepted); a file download may use a signed link instead (\`FileLink\`). A missing or refused token is 401 \`unauthorized\`, also on a path that does not exist (routes cannot be probed); with a valid token an unknown path is 404 \`route_not_found\`.
- **Roles.** A token's \`role\` is \`manager\` (the organisation's administrator), \`participant\` (a learner) or \`staff\` (a teacher whose rights come only from course grants: \`instructor\`, \`grader\`, \`observer\`, see \`PUT /courses/{course_id}/staff/{sub}\`); each operation lists the roles it admits (\`x-roles\`, and "Roles:" in its description). Another role is 403 \`manager_only\`, \`participants_only\`, \`staff_only\` or \`insufficient_grant\`. Where staff are admitted, \`x-capability\` names what their grant must allow in the course of the thing the path names (\`author\`: instructors; \`enrol\`: instructors; \`review\`: instructors and graders; \`read\`: every grant; \`analytics\`: instructors and observers); outside their grants (another course, a participant outside their cohorts) the thing is 404, as if it did not exist, and inside a capability the grant lacks is 403 \`insufficient_grant\`. Question banks are the organisation's, not a course's (\`x-staff-scope: organisation\`): an instructor grant in any live course admits staff to them, and staff change only the banks they made. Participants act on their own data only: \`participant_id\` naming anyone else is 403 \`not_your_data\`, \`manager_id\` must be the caller (403 \`not_your_identity\`). Recorded actors (\`created_by\`, \`updated_by\`, …) always come from the token.
- **Errors.** Every 4xx and 5xx answer is JSON \`{"detail", "code", "request_id", "errors"?}\`: switch on \`code\` (a closed list, the \`Error\` schema's enum), show \`detail\` to people; \`validation_error\` adds \`errors: [{path, message}]\` naming each field. Unknown body fields are refused (400), so a typo never silently does nothing. No answer carries a stack trace or SQL.
- **Ids and times.** Ids are 24 lowercase hex characters (ObjectId-shaped); a malformed id is 400, a well-formed id of nothing (or of something the caller may not see) is 404. Times are ISO 8601 in UTC. \`me\` in \`/participants/me/…\` is the caller: it is never an id (a token whose \`sub\` is \`me\` is 401; \`me\` as a \`participant_id\` is 400).
- **Writes.** Every \`PUT\` is a partial update: omitted fields keep their values, \`null\` clears a nullable field (except where an operation says a field is replaced whole). Creates answer 201 with the full resource. JSON bodies only (415 otherwise; the question-bank import takes its file as \`text/plain\` or \`application/xml\`), at most 1 MB (413).
- **Lists** are keyset-paginated: \`?limit=\` (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}) and an opaque \`?cursor=\`; the body stays an array and the next page is announced in \`Link: <…>; rel="next"\` (absent on the last page). A cursor this API did not issue is 400 \`invalid_cursor\`. Integers in queries and paths are plain decimal digits (\`05\`, \`+5\`, \`1e2\` are 400).
- **Reading your own writes.** Every answer carries \`x-d1-bookmark\`; send the last one you received back in \`x-d1-bookmark\` and your reads see your writes (reads otherwise may come from a replica a moment behind).
- **Idempotency.** Exam submits and review decisions take \`Idempotency-Key\` (1–200 visible ASCII characters, kept a day): a retry with the same key gets the first answer again with \`Idempotent-Replayed: true\`; the same key on another request is 422 \`idempotency_key_reused\`; while the first is still running, 409 \`idempotency_in_progress\`.
- **Rate limits** (per Cloudflare location, approximately): ${limits}. \`caller\` counts each token's subject, \`expensive\` (uploads, exam start, review decisions, row approvals) the same subject again, \`anonymous\` the address of requests without a valid token. Answers name the policies they counted in \`RateLimit-Policy\`; over a limit is 429 \`rate_limited\` with \`Retry-After\` and \`RateLimit\`.
- **Browsers.** Origins listed in the deployment's \`CORS_ORIGINS\` get the CORS headers on every answer (errors included) and preflights are answered before authentication; other origins get none. Tokens travel in \`Authorization\`, never cookies.
- **Retries.** 503 (\`database_overloaded\`, \`auth_unavailable\`, \`file_links_unavailable\`) is worth retrying after \`Retry-After\`; 500 \`internal_error\` carries a \`request_id\` to report.

Every decision where the original spec is silent, with its reasons: the repository's docs/api-notes.md.`;

export const BEARER_DESCRIPTION = `A JWT (JWS compact form), verified following RFC8725 (JSON Web Token Best Current Practices): the algorithm is pinned by the deployment — HS256 with its shared secret, or RS256/ES256 with keys from its identity provider's key set (HS256 then refused); \`alg: none\`, any other algorithm and any \`crit\` header are refused. Claims: \`sub\` (1–200 characters, the caller's id; \`me\`, \`.\` and \`..\` are reserved and refused), \`role\` (\`manager\`, \`participant\` or \`staff\`), \`exp\` (required, finite); \`nbf\` and \`iat\` are honoured (an \`iat\` in the future is refused); \`iss\` and \`aud\` are checked when the deployment configures them (\`JWT_ISSUER\`, \`JWT_AUDIENCE\`). A token may live at most \`JWT_MAX_LIFETIME_SECONDS\` (default ${DEFAULT_MAX_LIFETIME_SECONDS}, a day) from its \`iat\` (or from now without one); 30 s clock leeway throughout. Base64url must be canonical. Any failure is 401 \`unauthorized\`; an unreachable key set is 503 \`auth_unavailable\`.`;

export const FILE_LINK_DESCRIPTION = `A signed download link's token from POST /materials/{material_id}/file-link, for <video>/<audio>/<img> elements, which cannot send Authorization. It is a credential in a URL by design, and bounded for it: it opens one material's file for the one caller it was issued to, expires within ${MAX_LINK_SECONDS / 60} minutes, is not accepted as a Bearer token (nor a Bearer token as a link), and is rate-limited on its own.`;

/** Operations whose behaviour the summary does not carry, by operationId. */
const OPERATIONS: Record<string, string> = {
  enrollDefault:
    "Enrols the caller (or, for a manager, the `participant_id` named) in the active default course at its `default_step_id`, else its first step; 404 `no_default_course` when there is none. Enrolling again changes nothing and answers the same.",
  enrollInCourse: "Enrols the named participant at the course's `default_step_id`, else its first step. Enrolling again changes nothing.",
  listCourses:
    "Participants see active courses only; managers also see inactive ones; course staff the courses they hold a grant in, inactive ones included. Ordered by `order_index`, then id.",
  createCourse:
    "`is_default: true` makes it the one default (the previous default is cleared in the same write). `previous_course_id` / `next_course_id` link both ends of the chain; a course already linked to a third is 409 `chain_conflict`, a loop 409 `chain_cycle`. Without `order_index` it goes to the end.",
  getCourse:
    "With its steps in order. An inactive or archived course is 404 `course_not_found` for participants, as if it did not exist. `is_locked` on a step in a manager's view means gated behind another step.",
  updateCourse:
    "Partial: omitted fields keep their values, `null` clears. Chain links are written both ways (see createCourse); `default_step_id` must be a live step of this course (400 `invalid_default_step`).",
  deleteCourse:
    "Archives the course and its steps: they disappear from lists and participants' views, while submissions, progress and the audit log that name them stay readable.",
  setDefaultCourse: "Clears the previous default in the same write: there is at most one default course.",
  reorderSteps:
    "Names some or all of the course's steps with their new `order_index`; every id must be a live step of the course and ids and indexes unique (400 `invalid_reorder`). All or nothing.",
  getStep:
    "With its exam summary and materials in order. For a participant, `progress` and `is_locked` are theirs (a manager, or course staff whose grant reaches the participant, may pass `participant_id` to see a participant's); a step of an inactive course is 404 for participants.",
  createStep:
    "`previous_step_id` must be a step of the same course and may not close a loop (409 `step_cycle`). `unlock_on_exam_pass` defaults to true: the next step unlocks when this step's exam is approved; false: when its mandatory materials are complete.",
  updateStep: "Partial: omitted fields keep their values, `null` clears. The same chain rules as createStep.",
  deleteStep: "Archives the step and its materials; submissions and progress that name them stay readable.",
  linkExam:
    "One exam per step and one step per exam: the step's previous exam and the form's previous step are unlinked in the same write.",
  completeStepMaterials:
    "Marks every material of the step complete for the participant, except RequirementTable materials, which complete only when the table is approved. 409 `not_enrolled` / `step_locked` when the step is not open to them.",
  createMaterial:
    "`content` by `material_type`: Video, Document and Audio `{url}` (http(s), ≤ 2,048 characters; a file uploaded later replaces the URL), BookLink `{url, title}`, RequirementTable `{requirement_table_id}` of a live table. Other keys are refused.",
  updateMaterial: "Partial; a changed `material_type` re-validates `content` against the new type.",
  deleteMaterial: "Erased (with its file) when no participant completed it; archived once one did, so their progress history stays.",
  completeMaterial:
    "Idempotent. A RequirementTable material completes only by the table's approval (409 `requires_approval`); 409 `not_enrolled` / `step_locked` when the step is not open to the participant.",
  downloadFile:
    "With `Authorization`, or with `?token=` from file-link instead (for media elements). `Range` asks for one byte range (206; 416 when outside the file), `If-None-Match` with the ETag answers 304, `If-Range` keeps a range only while the file is unchanged. The file is served `Content-Security-Policy: sandbox`, never as a page of the API.",
  deleteFile: "The material stays, without its file (`content.file` is gone).",
  fileLink:
    "The URL opens the file without `Authorization` until `expires_at`; fetch a fresh link before then (a player should swap `src` and keep its position). Only a caller who may open the file gets a link.",
  listForms:
    "Ordered by id. Participants see only the forms of live steps of active courses, without `is_correct`; managers see every live form; course staff the forms of their courses' steps, as managers do.",
  listTables:
    "Ordered by id. Participants see only tables of live steps of active courses, or shown by a live material of one; managers see every live table; course staff the tables of their courses' steps.",
  getTable: "A table a participant cannot see (see listTables) is 404 for them, as if it did not exist.",
  createForm:
    "Question ids unique; MCQ: 2–20 options with unique ids, at least one correct; THEORY: no options, optional `max_words`. `marks` in quarters. `total_marks` must equal the sum of question marks (computed when omitted); `passing_marks` and `passing_percentage` default from each other (60 %) and must agree within rounding to whole marks. With `step_id` the form becomes that step's exam.",
  getForm:
    "Participants never see `is_correct`. A form that draws (`questions_per_attempt`) or shuffles answers participants `questions: []` with `questions_hidden: true`: each attempt shows its own questions.",
  updateForm:
    "Partial, but `questions` is replaced whole. When questions change and the pass bar is not restated, `passing_percentage` is kept and `passing_marks` follows the new total. Attempts already started keep their snapshot.",
  deleteForm: "Erased when never attempted; archived otherwise, so attempts stay readable.",
  formAnalytics:
    "Over every scored attempt (any status but InProgress), each against its own snapshot. `discrimination` and `reliability` (KR-20 for MCQ-only forms, Cronbach's alpha otherwise) are null below 5 attempts.",
  listOverrides: "Paginated by participant id.",
  putOverride:
    "Each non-null field replaces the form's own for this participant: duration, attempts, closing time. Applied when an attempt starts; accommodations apply on top.",
  startExam:
    "201 with a new attempt, or 200 with the open one (same `submission_id`, `deadline_at`, `remaining_seconds` and autosaved `answers`), so a refreshed page resumes. The questions are a snapshot. Deadline = start + duration (after overrides and accommodations), or the closing time if earlier. 409: `step_locked`, `materials_incomplete`, `awaiting_review`, `exam_already_approved`, `exam_not_open`, `exam_closed`, `no_attempts_left`.",
  saveAnswers:
    "Autosave, with the same body and validation as submit; accepted until the deadline plus the grace period (409 `attempt_expired` after, the attempt closed with what was saved in time).",
  submitExam:
    "Once (409 `already_submitted`), by the attempt's owner only. MCQs are scored at once; THEORY answers wait for a grade. Accepted until the deadline, then during the grace period (`EXAM_GRACE_SECONDS`, default 120) with `is_late: true`; later is 409 `attempt_expired` and the attempt is closed with what was saved in time.",
  listPending: "Submitted and UnderReview attempts, oldest first.",
  getSubmission:
    "Participants see only their own (another's is 404) and never `is_correct`. `attempt` gives the total and pass marks of the questions this attempt drew, beside the form's.",
  gradeSubmission:
    "Marks per THEORY question (0 … its marks, in quarters), merged with earlier grades; moves Submitted → UnderReview. Repeatable until a decision. A grade computed from grades that changed meanwhile is 409.",
  approveSubmission:
    "Needs every THEORY answer graded (409 `ungraded_answers`). Completes the step, unlocks the next and may complete the course (enrolling the participant in `next_course_id`), all in one write. Decisions on another state are 409 `not_reviewable`.",
  rejectSubmission: "Rejected: the participant may start again while attempts remain.",
  requestRetake: "RetakeRequested: grants one more attempt, even past `max_attempts`. Allowed from Submitted, UnderReview or Rejected.",
  claimSubmission:
    "A lease, not a lock: it ends by itself after 15 minutes. Held by another manager: 409 `claimed_by_other`, whose `errors` name the holder and expiry. Decisions by others are refused while it is held.",
  pendingTables: "Submitted tables with at least one row not yet approved, oldest first.",
  updateRow: "An approved row cannot change (409 `row_approved`). A manager acting for a participant must name them (`participant_id`).",
  submitTable: "Every row must be completed (409 `incomplete_table`).",
  approveRow:
    "`approved: false` rejects the row with remarks: the participant can change it and submit again. Approving the last row approves the table and completes the material.",
  approveTable: "Approves every row not yet approved, keeping remarks already given; completes the material.",
  claimTableSubmission:
    "A lease, not a lock: it ends by itself after 15 minutes. Held by another manager: 409 `claimed_by_other`. Only a submitted table not yet approved (409 `not_submitted`).",
  releaseTableSubmissionClaim: "Your own claim; another manager's only with `?force=true`, which writes an audit event.",
  releaseSubmissionClaim: "Your own claim; another manager's only with `?force=true`, which writes an audit event.",
  listForParticipant: "Managers: anyone's; participants: their own only (naming another is 403 `not_your_data`).",
  createTable: "1–500 rows with unique positive `serial_number`s. With `step_id` it belongs to that step.",
  deleteOverride: "Attempts in progress keep their deadlines.",
  deleteAccommodation: "Attempts in progress keep their deadlines; reads answer zeros afterwards.",
  myAccommodation: "Zeros when none are set; without the managers' `note` and `updated_by`.",
  deleteWebhook: "Stops deliveries at once; the webhook's deliveries stay readable.",
  mySubmission: "Created (empty) on first read, so a participant can start filling it.",
  updateTable:
    "Partial, but `requirements` is replaced whole; rows are keyed by `serial_number` across edits, so participants' answers to kept rows stay.",
  deleteTable: "Erased when no participant started it; archived otherwise.",
  myCourses: "With progress; inactive and archived courses are left out.",
  courseProgress: "404 `course_not_found` for an inactive or unknown course, 404 `not_enrolled` when the caller is not enrolled.",
  stepProgress: "404 `step_not_found` for a step of an inactive course, 404 `not_enrolled` when the caller is not enrolled.",
  exportParticipant:
    "Everything stored about the participant (enrolments, completions, attempts with answers, table submissions, files' metadata, accommodations, overrides, cohort memberships). An id nobody used answers empty collections.",
  eraseParticipant:
    "Removes every record of the participant in one write and reports the counts; the audit log keeps that an erasure happened. Repeatable: erasing again removes nothing.",
  putAccommodation:
    "Replaces the record (left-out fields go back to 0 / null). Applied to every exam started from now on: duration × (1 + extra_time_percent / 100) rounded up to a minute, `extra_attempts` added to each form's attempts.",
  getAccommodation: "Zeros when none are set, never 404.",
  listAuditEvents: "Append-only, oldest first; filter by entity, actor or action. `changes` holds each changed field as `[before, after]`.",
  listWebhooks: "Never shows a signing secret: it is shown once, by createWebhook.",
  createWebhook:
    "Answers the signing secret once: no later read shows it. The URL must be `https://` on a public host (checked again before every delivery; redirects are never followed); the repository's docs/webhooks.md has events, signatures and retries.",
  listWebhookDeliveries: "Newest first; `last_error` says why an attempt failed and `next_retry_at` when the next one is due.",
  createCohort:
    "Names are unique among the course's live cohorts, compared without case (409 `cohort_name_taken`); an archived cohort's name is free again. 404 `course_not_found` for an unknown or archived course.",
  listCohorts: "Ordered by id. A cohort of an archived course is gone with it.",
  getCertificateBadge:
    'A self-contained SVG (no external references) showing the achievement, recipient, issuer and date (REVOKED across it once revoked), with the VC-JWT baked in per Open Badges 3.0 §5.3.2: `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` and `<openbadges:credential verify="<JWT>">` right after the `<svg>` tag. Signs the certificate if it was never read.',
  getDidDocument:
    "The `did:web` DID document of the certificate issuer (the API's `PUBLIC_BASE_URL`, or its origin): every signing key, current and rotated-out, as a `JsonWebKey2020` verification method listed in `assertionMethod`. A verifier resolving the `kid` of a certificate's VC-JWT lands here. Cached for 5 minutes.",
  getDidDocumentAtBase:
    "The same DID document: did:web resolves `did:web:host:path` to `https://host/path/did.json`, so an API published under a path prefix serves it here too.",
  getCertificateJwks:
    "The certificate signing keys as an RFC 7517 JWK Set, each `kid` the DID URL a VC-JWT's header names (`did:web:…#<key>`), for verifiers that read JWKS rather than DID documents.",
  getGradebook:
    "One row per enrolled participant, by participant id: cohorts (within a cohort-limited grant: those of the grant), enrolment, steps completed of the total, the current step, course completion, then each exam of the course in step order (best and latest total score, the latest attempt's status and lateness, attempts used) and each requirement table (rows approved of the current total). `?cohort_id=` narrows to one cohort of the course (404 `cohort_not_found` for another course's); a grader or observer limited to cohorts sees their members only. JSON is a page (`limit`, `cursor`, `Link`); CSV (`Accept: text/csv` or `?format=csv`) is the whole report from the cursor on, streamed a page of 500 participants at a time, with Canvas-style exam columns `<exam name> (<form id>)` (the best score), `… latest`, `… status`, `… attempts`, `… late`, and per table `<name> (<id>) rows approved` / `rows total`. Counted as an expensive request for rate limits.",
  getCourseCompletion:
    "The funnel of each step — enrolled, started, materials done, exam passed (null for a step without an exam), completed — and the median days from enrolment to each step's completion (a step with an exam: its approving review; without: the latest of its mandatory materials' completions and table approvals) and to the course's completion. `by_cohort=true` adds the same funnel per cohort the caller reaches. Walks every participant in scope (a page of 500 per round trip). CSV: one line per step and a `(course)` line, for everyone and then each cohort.",
  getFormResponses:
    "One row per submitted attempt (any status but InProgress) and question shown, in the order shown: the bank version of a drawn question, the option chosen (with its text and whether it was right) or the text written, the marks awarded (an MCQ when submitted; a THEORY question once graded, with who last reviewed the attempt) and the question's marks. For item review by managers and course staff who read the course's attempts (only those made in the form's current course; a cohort-limited grant: its members' only); never participants. JSON pages by attempt (`limit` attempts a page, each with all its rows); CSV is every attempt from the cursor on, streamed.",
  renameCohort:
    "The same name rules as createCohort; renaming to the current name changes nothing. An archived cohort cannot change (409 `cohort_archived`).",
  archiveCohort:
    "It leaves the course's list (`include_archived=true` still shows it) and takes no new members (409 `cohort_archived`); its memberships and the grants naming it stay.",
  addCohortMember:
    "The participant must be enrolled in the cohort's course (409 `not_enrolled`). Adding someone already in the cohort answers the same membership and records nothing. A participant may be in several cohorts of a course.",
  removeCohortMember:
    "404 `cohort_member_not_found` when they are not in the cohort; an archived cohort cannot change (409 `cohort_archived`).",
  listCohortMembers: "Ordered by participant id; an archived cohort's members stay readable.",
  setGrant:
    "Creates or replaces the grant whole (left-out `cohort_ids`: the whole course). Managers give any role; an instructor of the course gives `grader` and `observer`, and may not change an instructor's grant (403 `insufficient_grant`). `cohort_ids` must be live cohorts of this course (404 `cohort_not_found`) and only limit a grader or observer (400). A course outside the caller's grants is 404. The same grant again changes nothing.",
  listGrants: "Managers, and instructors of the course. Ordered by `sub`.",
  revokeGrant:
    "Managers any grant; an instructor of the course a grader's or observer's. Takes effect on the holder's next request; 404 `grant_not_found` when there is none.",
  listMyGrants:
    "Only for `staff` tokens; a staff member with no grant gets `[]`. Grants in archived courses are not listed: they give nothing.",
  createQuestionBank:
    "A bank belongs to the organisation, not to a course: any form's `sections` may draw from it. `created_by` is the caller; course staff change only the banks they made (managers any).",
  listQuestionBanks:
    "Every live bank of the organisation, whoever made it, ordered by id (keyset: `limit`, `cursor`, next page in `Link`); `include_archived=true` adds deleted ones (`archived_at` set). `question_count` counts live questions.",
  getQuestionBank:
    "An archived (deleted) bank is still answered, with `archived_at` set, so the attempts and forms that name it can show it.",
  updateQuestionBank:
    "Partial: omitted fields keep their values, `null` clears `description`. An archived bank cannot change (404). Course staff: only a bank they made (403 `insufficient_grant`).",
  deleteQuestionBank:
    "Archives: the bank leaves the list (`include_archived=true` shows it) and no form saved afterwards may draw from it (404); its questions, their versions, the forms already drawing from it and the attempts that drew from it stay. Course staff: only a bank they made.",
  createBankQuestion:
    "The bank assigns `question_id` (the body carries none) and `version: 1`. Checked as a form's question is: MCQ 2–20 options with unique ids and at least one right, THEORY no options and an optional `max_words`, `marks` in quarters (400 `invalid_question` naming the field). Tags: at most 20 of at most 64 characters, each trimmed, lower-cased, inner spaces as `-` (`Chapter 2` → `chapter-2`), duplicates dropped; sections and `?tag=` match them so. 404 for an archived bank.",
  listBankQuestions:
    "Each question at its current version, ordered by id (keyset: `limit`, `cursor`, next page in `Link`). `tag` matches a tag as it is normalised (`Chapter 2` finds `chapter-2`); `q` finds questions whose text contains it (case-insensitive for ASCII letters); archived questions only with `include_archived=true`. An archived bank's questions stay readable.",
  getBankQuestion:
    "The current version, or `?version=` an earlier one (404 when the question never had it) — the content an attempt that drew that version was shown. An archived question is still answered, with `archived_at` set.",
  updateBankQuestion:
    "Replaces the content whole (type, text, options, marks, `max_words`); `name` and `tags` keep their values when omitted. Content that reads the same changes only the name and tags; new content changes the current version in place while no attempt has drawn it, and once one has, makes a new version (`version` + 1): attempts keep the version they were shown, attempts started later draw the new one. An archived question or bank cannot change (404).",
  deleteBankQuestion:
    "Archives: no attempt draws it any more (sections' pools shrink, and a section it leaves too small is refused when an attempt starts: 409 `bank_pool_too_small`); attempts that drew it keep it, and reads still answer it with `archived_at` set.",
  importBankQuestions:
    "The body is the file itself, not JSON: `Content-Type: text/plain` for GIFT, `application/xml` (or `text/xml`) for Moodle XML, UTF-8, at most 1 MB and 500 questions. Single-answer multiple choice and true/false become MCQ (true/false as the options True and False), essay THEORY; names are kept, categories and tags become tags (normalised). Everything else (matching, numerical, short answer, cloze, multiple-answer, partial credit) is skipped and reported in `skipped` with its GIFT `line` or Moodle XML `index` and why. All or nothing: malformed input is 400 `invalid_import` naming the line or element, and nothing is written. `dry_run=true` writes nothing and shows the questions in `preview` instead. Course staff: only into a bank they made.",
  exportBankQuestions:
    "The bank's live questions at their current version, by id, as a download (`Content-Disposition: attachment`): `format=gift` (default; `text/plain`) or `moodle-xml` (`application/xml`), escaped as Moodle's importer reads them (GIFT `~ = # { } :` escapes; XML entities and CDATA). importBankQuestions reads the file back to the same questions (option ids become a, b, c, …). An archived bank still exports.",
};

const TIME = (what: string) => `${what} (ISO 8601, UTC)`;

/** Field meanings by property name, where the name means the same in every schema that has it. */
const FIELDS: Record<string, string> = {
  id: "24 lowercase hex characters (ObjectId-shaped)",
  order_index: "Position among its siblings: lists are ordered by it, then by id. Created without it: placed last",
  created_at: TIME("When it was created"),
  updated_at: TIME("When it last changed"),
  created_by: "The manager who created it (their token's `sub`)",
  updated_by: "The manager who last changed it (their token's `sub`)",
  is_active: "Inactive courses are hidden from participants on every path (as if they did not exist); managers still see them",
  is_default: "The one course `POST /courses/enroll-default` enrols in (at most one course has it)",
  previous_course_id: "The course before this one in the chain; set on one course, the other's `next_course_id` follows",
  next_course_id: "The course after this one: completing this course enrols the participant there",
  default_step_id: "Where a new enrolment starts; steps ordered before it count as completed",
  previous_step_id: "The step that must be completed before this one unlocks (default: the step before it by `order_index`)",
  unlock_on_exam_pass:
    "true: the next step unlocks when this step's exam is approved; false: when this step's mandatory materials are complete",
  is_locked: "For a participant: not yet open to them. In a manager's view: gated behind another step",
  exam_id: "The form that is this step's exam, if any (one exam per step, one step per exam)",
  is_mandatory: "Counted for the step's completion and to start its exam",
  material_type: "Decides the shape of `content`",
  duration_minutes: "Minutes from the start of an attempt to its deadline (before accommodations and overrides)",
  total_marks: "Sum of the questions' marks",
  passing_marks: "The score needed to pass: the bar wherever a pass is shown",
  passing_percentage: "`passing_marks` as a percentage of `total_marks`",
  max_attempts: "Attempts a participant may start (plus one per retake request and any extra attempts)",
  marks: "In quarters: 0.25 … 10,000",
  max_words: "A THEORY answer's word limit (whitespace-separated words); null: none",
  question_type: "MCQ is scored automatically; THEORY waits for a manager's grade",
  available_from: TIME("No attempt starts before it (409 `exam_not_open`); null: no opening time"),
  available_until: TIME("No attempt starts from it (409 `exam_closed`), and open attempts end by it; null: no closing time"),
  shuffle_questions: "Each attempt gets the questions in its own random order",
  shuffle_options: "Each attempt gets each MCQ's options in its own random order",
  questions_per_attempt: "Each attempt draws this many of the questions at random; null: all of them",
  submission_id: "The attempt's (or table submission's) id",
  attempt_number: "1 for a participant's first attempt at this form, then 2, 3, …",
  submission_status:
    "InProgress (open), Submitted (answers in, awaiting review), UnderReview (grading started), Approved, Rejected, RetakeRequested",
  exam_status:
    "The participant's latest attempt, as the step sees it: Submitted also while UnderReview, Rejected also after a retake request",
  started_at: TIME("When the attempt started"),
  deadline_at: TIME("When the attempt's time runs out; answers are still accepted during the grace period after it, flagged late"),
  remaining_seconds: "Seconds until `deadline_at`, as of this answer",
  submitted_at: TIME("When the answers were accepted (for an attempt closed by its deadline: the deadline)"),
  is_late: "Submitted after the deadline, within the grace period (or closed automatically after it)",
  auto_submitted: "Closed by the deadline with its autosaved answers, not submitted by the participant",
  mcq_score: "Marks from correct MCQ answers, scored at submit",
  theory_score: "Sum of the THEORY grades given so far; null before the first (0 when every THEORY answer was blank)",
  total_score: "`mcq_score + theory_score` once no answer waits for a grade; null while one does",
  feedback: "The reviewer's words to the participant",
  reviewed_by: "The manager who reviewed it",
  reviewed_at: TIME("When it was reviewed"),
  retake_reason: "Why a retake was requested",
  serial_number: "The row's number: keys a participant's row across edits of the table",
  target: "The amount the activity asks for, in `unit`",
  completed_value: "The amount the participant reports, in `unit`",
  approved_at: TIME("When it was approved"),
  approved_by: "The manager who approved it",
  is_approved: "Every row approved",
  completed_at: TIME("When it was completed"),
  extra_time_percent: "Added to every exam's duration: duration × (1 + extra_time_percent / 100), rounded up to a minute",
  extra_attempts: "Added to every form's `max_attempts`",
  claimed_by: "The manager whose review claim is live; null: none",
  claim_expires_at: TIME("When the review claim lapses unless renewed"),
  expires_at: TIME("When the link stops working"),
  current_step_id: "The first unlocked step not yet completed; null when the course is complete",
  is_completed: "Completed (for a course: the recorded milestone, which stays)",
  materials_completed: "Every mandatory material of the step is complete",
  is_started: "The participant has completed one of the step's materials or started its exam",
  percentage: "round(100 × completed steps / steps)",
  is_correct: "A correct option (shown to managers and to the course's staff, never to participants)",
  approval_remarks: "The manager's words on approving or rejecting",
  remarks: "The participant's note on the row",
  note: "The managers' own note: never shown to the participant",
  unit: "What `target` and `completed_value` count, e.g. rounds",
  next_step_unlocked: "This approval unlocked a step",
  saved_at: TIME("When the answers were saved"),
  exam_info: "The step's exam in brief; null when the step has none",
  url: "http(s) URL",
  sha256: "Hex SHA-256 of the file's bytes (its ETag, quoted)",
  size: "Bytes",
  content_type: "The file's media type, checked from its first bytes at upload",
  uploaded_at: TIME("When the file was uploaded"),
  next_retry_at: TIME("When the next delivery attempt is due; null when none will be"),
  last_response_code: "The receiver's HTTP status on the last attempt; null when it gave none",
  attempts: "Attempts made so far",
  at: TIME("When it happened"),
  actor_id: "Who did it (their token's `sub`)",
  events: "The event types delivered to this webhook",
};

/** Field meanings that depend on the schema, by `Schema.property` (these win over FIELDS). */
const SCHEMA_FIELDS: Record<string, string> = {
  "WebhookDelivery.status": "pending (not delivered yet, retries left), succeeded (2xx), failed (retries exhausted or refused)",
  "WebhookDelivery.attempts": "Delivery attempts made so far",
  "FormAnalytics.attempts": "Scored attempts analysed",
  "ExamAttempt.duration_minutes": "The form's own duration; `effective_duration_minutes` is this attempt's",
  "ExamOverride.duration_minutes": "Replaces the form's duration for this participant; null: the form's",
  "ExamOverride.max_attempts": "Replaces the form's `max_attempts` for this participant; null: the form's",
  "ExamOverrideInput.duration_minutes": "Replaces the form's duration for this participant; null: the form's",
  "ExamOverrideInput.max_attempts": "Replaces the form's `max_attempts` for this participant; null: the form's",
  "RequirementRowStatus.approved": "A manager approved this row",
  "RequirementRowStatus.completed": "The participant marked this row done",
  "UpdateRequirementRow.completed": "Mark the row done (or not)",
  "ApproveRequirementRow.approved": "true approves the row; false rejects it (the participant may change it and submit again)",
  "RequirementStatus.completed": "Rows the participant completed, over the course's requirement tables",
  "RequirementStatus.approved": "Rows approved, over the course's requirement tables",
  "RequirementStatus.total": "Rows in the course's requirement tables",
  "Approve.unlock_next_course": "Enrol the participant in the next course now, even before this course is complete",
  "ApproveResult.next_step_id": "The first step this approval unlocked, else the participant's current step",
  "ApproveResult.next_course_id": "The course the participant was enrolled in next, if any",
  "MaterialsComplete.can_take_exam": "The step's exam can be started now",
};

const isReference = (value: object): value is ReferenceObject => "$ref" in value;

/**
 * Descriptions where the routes gave none, the integer formats OWASP's lint asks for, and the check that every
 * key above still names something of the document.
 */
export function describeDocument(doc: OpenAPIObject): void {
  const unused = new Set([...Object.keys(OPERATIONS).map((id) => `operation ${id}`), ...Object.keys(SCHEMA_FIELDS)]);
  for (const item of Object.values(doc.paths ?? {}))
    for (const op of Object.values(item)) {
      if (!op || typeof op !== "object" || !("responses" in op) || typeof op.operationId !== "string") continue;
      const words = OPERATIONS[op.operationId];
      if (!words) continue;
      unused.delete(`operation ${op.operationId}`);
      // The roles line completeOperation wrote stays last.
      op.description = [words, op.description].filter(Boolean).join("\n\n");
    }
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
    if (!isReference(schema))
      walk(schema, (properties) => {
        for (const [key, property] of Object.entries(properties)) {
          const words = SCHEMA_FIELDS[`${name}.${key}`] ?? FIELDS[key];
          if (SCHEMA_FIELDS[`${name}.${key}`]) unused.delete(`${name}.${key}`);
          if (words && !property.description) property.description = words;
        }
      });
  if (unused.size) throw new Error(`openapi-descriptions names what the document lacks: ${[...unused].join(", ")}`);
}

/** Each object's `properties` in a schema, nested ones included. */
function walk(schema: SchemaObject, visit: (properties: Record<string, SchemaObject | ReferenceObject>) => void): void {
  if (schema.properties) visit(schema.properties);
  const children = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.items ? [schema.items] : []),
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
  ];
  for (const child of children) if (!isReference(child)) walk(child, visit);
}
