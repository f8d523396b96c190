import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";
import * as submissionHandlers from "./submission-handlers";
import * as submissionRoutes from "./submission-routes";

export const requirementTablesRouter = createRouter()
  // /requirement-tables/submissions/… first: "submissions" is never taken for a table id.
  .openapi(submissionRoutes.pendingTables, submissionHandlers.pendingTables)
  .openapi(submissionRoutes.updateRow, submissionHandlers.updateRow)
  .openapi(submissionRoutes.submitTable, submissionHandlers.submitTable)
  .openapi(submissionRoutes.approveRow, submissionHandlers.approveRow)
  .openapi(submissionRoutes.approveTable, submissionHandlers.approveTable)
  .openapi(submissionRoutes.claimTableSubmission, submissionHandlers.claimTableSubmission)
  .openapi(submissionRoutes.releaseTableSubmissionClaim, submissionHandlers.releaseTableSubmissionClaim)
  .openapi(submissionRoutes.mySubmission, submissionHandlers.mySubmission)
  .openapi(routes.listTables, handlers.listTables)
  .openapi(routes.getTable, handlers.getTable)
  .openapi(routes.createTable, handlers.createTable)
  .openapi(routes.updateTable, handlers.updateTable)
  .openapi(routes.deleteTable, handlers.deleteTable);
