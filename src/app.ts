/**
 * The Worker's request pipeline, in order. Each step is a named middleware in its own module (src/http/ for the
 * app's own, src/lib/ for the plumbing they share); the features are routers side by side.
 */
import { auditRouter } from "./audit";
import { certificatesPublicRouter, certificatesRouter } from "./certificates";
import { cohortsRouter } from "./cohorts";
import { coursesRouter } from "./courses";
import { formSubmissionsRouter } from "./form-submissions";
import { formsRouter } from "./forms";
import { authenticate } from "./http/authenticate";
import { jsonBodyLimit, jsonOnly } from "./http/bodies";
import { database } from "./http/database";
import { onError, routeNotFound } from "./http/errors";
import { countPublic, mountPublic } from "./http/public";
import { publishEvents } from "./journal";
import { corsMiddleware } from "./lib/cors";
import { observe } from "./lib/observability";
import { createRouter } from "./lib/openapi";
import { rateLimitHeaders } from "./lib/rate-limit";
import { releaseRequestBody } from "./lib/request-body";
import { materialsRouter } from "./materials";
import { participantsRouter } from "./participants";
import { questionBanksRouter } from "./question-banks";
import { reportsRouter } from "./reports";
import { requirementTablesRouter } from "./requirement-tables";
import { staffRouter } from "./staff";
import { stepsRouter } from "./steps";
import { webhooksRouter } from "./webhooks";

/** Before any route, outermost first. */
const PIPELINE = [
  // Outermost of all, so it sees every answer: the body a request was answered without reading is read to its
  // end within bounds, and cancelled past them (src/lib/request-body.ts says why: wrangler dev's proxy).
  releaseRequestBody,
  // The request id, the log line, and the headers every answer carries (preflights included).
  observe,
  // A browser's preflight is answered before the body checks and authentication, and every answer (errors
  // included) carries the CORS headers an allowed origin needs to read it.
  corsMiddleware,
  rateLimitHeaders,
  database,
  // Webhook events a request wrote to the outbox go to the Queue once it has answered.
  publishEvents,
  jsonBodyLimit,
  jsonOnly,
  countPublic,
];

const FEATURES = [
  coursesRouter,
  stepsRouter,
  materialsRouter,
  formsRouter,
  requirementTablesRouter,
  formSubmissionsRouter,
  participantsRouter,
  auditRouter,
  webhooksRouter,
  staffRouter,
  cohortsRouter,
  questionBanksRouter,
  reportsRouter,
  certificatesRouter,
];

export function createApp() {
  const app = createRouter();
  for (const step of PIPELINE) app.use("*", step);
  mountPublic(app);
  app.use("*", authenticate);
  app.route("/", certificatesPublicRouter);
  for (const router of FEATURES) app.route("/", router);
  app.notFound(routeNotFound);
  app.onError(onError);
  return app;
}
