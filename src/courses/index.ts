import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const coursesRouter = createRouter()
  .openapi(routes.listCourses, handlers.listCourses)
  .openapi(routes.getCourse, handlers.getCourse)
  .openapi(routes.createCourse, handlers.createCourse)
  .openapi(routes.updateCourse, handlers.updateCourse)
  .openapi(routes.deleteCourse, handlers.deleteCourse)
  .openapi(routes.setDefaultCourse, handlers.setDefaultCourse)
  .openapi(routes.reorderSteps, handlers.reorderSteps);
