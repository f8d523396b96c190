import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const reportsRouter = createRouter()
  .openapi(routes.gradebook, handlers.gradebook)
  .openapi(routes.completion, handlers.completion)
  .openapi(routes.responses, handlers.responses);
