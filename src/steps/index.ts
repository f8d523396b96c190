import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const stepsRouter = createRouter()
  .openapi(routes.getStep, handlers.getStep)
  .openapi(routes.createStep, handlers.createStep)
  .openapi(routes.updateStep, handlers.updateStep)
  .openapi(routes.deleteStep, handlers.deleteStep)
  .openapi(routes.linkExam, handlers.linkExam)
  .openapi(routes.completeStepMaterials, handlers.completeStepMaterials);
