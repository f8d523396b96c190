import { createRouter } from "../lib/openapi";
import * as dataRights from "./data-rights";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const participantsRouter = createRouter()
  .openapi(routes.myCourses, handlers.myCourses)
  .openapi(routes.courseProgress, handlers.courseProgress)
  .openapi(routes.stepProgress, handlers.stepProgress)
  .openapi(routes.exportParticipant, dataRights.exportParticipant)
  .openapi(routes.eraseParticipant, dataRights.eraseParticipant);
