import { createRouter } from "../lib/openapi";
import * as attempts from "./attempts";
import * as reads from "./reads";
import * as review from "./review";
import * as routes from "./routes";

export const formSubmissionsRouter = createRouter()
  .openapi(routes.startExam, attempts.startExam)
  .openapi(routes.saveAnswers, attempts.saveAnswers)
  .openapi(routes.submitExam, attempts.submitExam)
  // Literal segments first: /pending and /participant/… are never taken for a submission id.
  .openapi(routes.listPending, reads.listPending)
  .openapi(routes.listForParticipant, reads.listForParticipant)
  .openapi(routes.getSubmission, reads.getSubmission)
  .openapi(routes.gradeSubmission, review.gradeSubmission)
  .openapi(routes.approveSubmission, review.approveSubmission)
  .openapi(routes.rejectSubmission, review.rejectSubmission)
  .openapi(routes.requestRetake, review.requestRetake)
  .openapi(routes.claimSubmission, review.claimSubmission)
  .openapi(routes.releaseSubmissionClaim, review.releaseSubmissionClaim);
