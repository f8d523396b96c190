import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const requirementTablesRouter = createRouter()
  .openapi(routes.listTables, handlers.listTables)
  .openapi(routes.getTable, handlers.getTable)
  .openapi(routes.createTable, handlers.createTable)
  .openapi(routes.updateTable, handlers.updateTable)
  .openapi(routes.deleteTable, handlers.deleteTable);
