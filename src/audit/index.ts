import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

/** The audit log's read side; events are written by each feature's own batches (lib/journal.ts `audit`). */
export const auditRouter = createRouter().openapi(routes.listAuditEvents, handlers.listAuditEvents);
