import { createRouter } from "../lib/openapi";
import { formAnalytics } from "./analytics";
import * as handlers from "./handlers";
import * as overrides from "./overrides";
import * as routes from "./routes";

export const formsRouter = createRouter()
  .openapi(routes.listForms, handlers.listForms)
  .openapi(routes.getForm, handlers.getForm)
  .openapi(routes.createForm, handlers.createForm)
  .openapi(routes.updateForm, handlers.updateForm)
  .openapi(routes.deleteForm, handlers.deleteForm)
  .openapi(routes.formAnalytics, formAnalytics)
  .openapi(routes.listOverrides, overrides.listOverrides)
  .openapi(routes.putOverride, overrides.putOverride)
  .openapi(routes.deleteOverride, overrides.deleteOverride);
