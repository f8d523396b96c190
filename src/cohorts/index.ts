import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const cohortsRouter = createRouter()
  .openapi(routes.createCohort, handlers.createCohort)
  .openapi(routes.listCohorts, handlers.listCohorts)
  .openapi(routes.renameCohort, handlers.renameCohort)
  .openapi(routes.archiveCohort, handlers.archiveCohort)
  .openapi(routes.addCohortMember, handlers.addCohortMember)
  .openapi(routes.removeCohortMember, handlers.removeCohortMember)
  .openapi(routes.listCohortMembers, handlers.listCohortMembers);
