import { createRoute, z } from "@hono/zod-openapi";
import { security } from "../lib/openapi";
import { expensive, inPath, withGrant } from "../lib/policy";
import {
  CompletionQuery,
  CompletionSchema,
  CourseParams,
  FormParams,
  GradebookQuery,
  GradebookRowSchema,
  ResponseRowSchema,
  ResponsesQuery,
} from "./schemas";

const tags = ["Reports"];

/** A report answers JSON, or the same rows as a CSV file (RFC 4180, UTF-8) with `Accept: text/csv` or `?format=csv`. */
const report = <T extends z.ZodType>(schema: T, description: string, csvExample: string) => ({
  description,
  content: {
    "application/json": { schema },
    "text/csv": {
      schema: z.string().openapi({
        description: "RFC 4180, UTF-8, CRLF line ends, a header row; sent as `Content-Disposition: attachment`",
        example: csvExample,
      }),
    },
  },
});

export const gradebook = createRoute({
  operationId: "getGradebook",
  ...expensive(withGrant("read", inPath("course", "course_id"))),
  method: "get",
  path: "/courses/{course_id}/gradebook",
  tags,
  security,
  summary: "The gradebook: one row per enrolled participant, with progress and each exam's and table's results",
  request: { params: CourseParams, query: GradebookQuery },
  responses: {
    200: report(
      z.array(GradebookRowSchema),
      "Rows by participant id (JSON: a page; CSV: the whole report from the cursor on)",
      "participant_id,cohorts,enrolled_at,steps_completed,steps_total,current_step,course_completed_at,Final exam (507f1f77bcf86cd799439011),Final exam (507f1f77bcf86cd799439011) latest,Final exam (507f1f77bcf86cd799439011) status,Final exam (507f1f77bcf86cd799439011) attempts,Final exam (507f1f77bcf86cd799439011) late\r\nparticipant123,Morning,2024-01-15T10:30:00.000Z,2,3,Step 3,,85,85,Approved,1,false\r\n",
    ),
  },
});

export const completion = createRoute({
  operationId: "getCourseCompletion",
  ...expensive(withGrant("read", inPath("course", "course_id"))),
  method: "get",
  path: "/courses/{course_id}/completion",
  tags,
  security,
  summary: "The course's completion funnel per step, with median days to complete (per cohort when asked)",
  request: { params: CourseParams, query: CompletionQuery },
  responses: {
    200: report(
      CompletionSchema,
      "The funnel (CSV: one line per step, then the course, for everyone and then each cohort)",
      "cohort_id,cohort_name,step_id,step_name,order_index,enrolled,started,materials_done,exam_passed,completed,median_days_to_complete\r\n,,507f1f77bcf86cd799439011,Step 1,0,40,38,35,30,30,4.5\r\n,,,(course),,40,,,,12,20.25\r\n",
    ),
  },
});

export const responses = createRoute({
  operationId: "getFormResponses",
  ...expensive(withGrant("read", inPath("form", "form_id"))),
  method: "get",
  path: "/forms/{form_id}/responses",
  tags,
  security,
  summary: "Every answer given: one row per submitted attempt and question, for item review",
  request: { params: FormParams, query: ResponsesQuery },
  responses: {
    200: report(
      z.array(ResponseRowSchema),
      "Rows by attempt, questions in the order shown (JSON: a page of `limit` attempts; CSV: all of them from the cursor on)",
      "submission_id,participant_id,attempt_number,submission_status,submitted_at,question_id,question_version,question_type,question_text,selected_option_id,selected_option_text,text_answer,is_correct,marks_awarded,max_marks,graded_by\r\n507f1f77bcf86cd799439011,participant123,1,Approved,2024-01-15T10:30:00.000Z,q1,,MCQ,What is 2+2?,o2,4,,true,5,5,\r\n",
    ),
  },
});
