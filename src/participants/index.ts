import { createRouter } from "../lib/openapi";
import * as accommodations from "./accommodations";
import * as dataRights from "./data-rights";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const participantsRouter = createRouter()
  .openapi(routes.myCourses, handlers.myCourses)
  .openapi(routes.myAccommodation, accommodations.myAccommodation)
  .openapi(routes.courseProgress, handlers.courseProgress)
  .openapi(routes.stepProgress, handlers.stepProgress)
  .openapi(routes.exportParticipant, dataRights.exportParticipant)
  .openapi(routes.eraseParticipant, dataRights.eraseParticipant)
  .openapi(routes.putAccommodation, accommodations.putAccommodation)
  .openapi(routes.getAccommodation, accommodations.getAccommodation)
  .openapi(routes.deleteAccommodation, accommodations.deleteAccommodation);
