import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const participantsRouter = createRouter()
  .openapi(routes.myCourses, handlers.myCourses)
  .openapi(routes.courseProgress, handlers.courseProgress)
  .openapi(routes.stepProgress, handlers.stepProgress);
