import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const staffRouter = createRouter()
  .openapi(routes.setGrant, handlers.setGrant)
  .openapi(routes.listGrants, handlers.listGrants)
  .openapi(routes.revokeGrant, handlers.revokeGrant)
  .openapi(routes.listMyGrants, handlers.listMyGrants);
