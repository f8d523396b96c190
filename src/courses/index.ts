import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const coursesRouter = createRouter()
  // Before /courses/{course_id}: a literal segment is never taken for an id.
  .openapi(routes.enrollDefault, handlers.enrollDefault)
  .openapi(routes.enrollInCourse, handlers.enrollInCourse)
  .openapi(routes.listCourses, handlers.listCourses)
  .openapi(routes.getCourse, handlers.getCourse)
  .openapi(routes.createCourse, handlers.createCourse)
  .openapi(routes.updateCourse, handlers.updateCourse)
  .openapi(routes.deleteCourse, handlers.deleteCourse)
  .openapi(routes.setDefaultCourse, handlers.setDefaultCourse)
  .openapi(routes.reorderSteps, handlers.reorderSteps);
