import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const materialsRouter = createRouter()
  .openapi(routes.createMaterial, handlers.createMaterial)
  .openapi(routes.updateMaterial, handlers.updateMaterial)
  .openapi(routes.deleteMaterial, handlers.deleteMaterial)
  .openapi(routes.completeMaterial, handlers.completeMaterial);
