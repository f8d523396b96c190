/**
 * Course staff as reviewers, for both kinds of reviewable submission (exam attempts and requirement tables): the
 * answer their grant, as read with the submission, gives.
 */
import { forbidden, notFound } from "../lib/errors";
import { type StaffGrantRows, staffAccessOf } from "../visibility/grants";

/**
 * A staff reviewer's grant, as read with the submission (undefined or null: the caller is not staff): outside their
 * course, cohorts or the course's enrolments the submission is not there for them (404); an observer may look but
 * not decide (403).
 */
export function assertStaffReview(grant: StaffGrantRows | null | undefined, submissionId: string) {
  if (!grant) return;
  const access = staffAccessOf(grant, "review");
  if (access === "hidden") throw notFound("Submission", submissionId);
  if (access === "insufficient") throw forbidden("Your grant in this course does not let you review", "insufficient_grant");
}
