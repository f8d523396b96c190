import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const formSubmissionsRouter = createRouter()
  .openapi(routes.startExam, handlers.startExam)
  .openapi(routes.saveAnswers, handlers.saveAnswers)
  .openapi(routes.submitExam, handlers.submitExam)
  // Literal segments first: /pending and /participant/… are never taken for a submission id.
  .openapi(routes.listPending, handlers.listPending)
  .openapi(routes.listForParticipant, handlers.listForParticipant)
  .openapi(routes.getSubmission, handlers.getSubmission)
  .openapi(routes.gradeSubmission, handlers.gradeSubmission)
  .openapi(routes.approveSubmission, handlers.approveSubmission)
  .openapi(routes.rejectSubmission, handlers.rejectSubmission)
  .openapi(routes.requestRetake, handlers.requestRetake)
  .openapi(routes.claimSubmission, handlers.claimSubmission)
  .openapi(routes.releaseSubmissionClaim, handlers.releaseSubmissionClaim);
