import { createRouter } from "../lib/openapi";
import * as fileHandlers from "./file-handlers";
import * as fileRoutes from "./file-routes";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const materialsRouter = createRouter()
  .openapi(routes.createMaterial, handlers.createMaterial)
  .openapi(routes.updateMaterial, handlers.updateMaterial)
  .openapi(routes.deleteMaterial, handlers.deleteMaterial)
  .openapi(routes.completeMaterial, handlers.completeMaterial)
  .openapi(fileRoutes.uploadFile, fileHandlers.uploadFile)
  .openapi(fileRoutes.downloadFile, fileHandlers.downloadFile)
  .openapi(fileRoutes.fileLink, fileHandlers.fileLink)
  .openapi(fileRoutes.deleteFile, fileHandlers.deleteFile);
