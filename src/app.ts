import { drizzle } from "drizzle-orm/d1";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import * as schema from "./db/schema";
import type { AppContext } from "./env";
import { requireAuth } from "./lib/auth";
import { completeDocument } from "./lib/openapi-document";
import { corsMiddleware } from "./lib/cors";
import { now } from "./lib/clock";
import { retryingD1, type D1Stats } from "./lib/d1";
import { base64UrlEncode } from "./lib/jwt";
import { ApiError, errorResponse } from "./lib/errors";
import { publishEvents } from "./journal";
import { logError, observe } from "./lib/observability";
import { clientAddress, countAgainst, rateLimitHeaders } from "./lib/rate-limit";
import { releaseRequestBody } from "./lib/request-body";
import { createRouter } from "./lib/openapi";
import { coursesRouter } from "./courses";
import { stepsRouter } from "./steps";
import { materialsRouter } from "./materials";
import { formsRouter } from "./forms";
import { requirementTablesRouter } from "./requirement-tables";
import { formSubmissionsRouter } from "./form-submissions";
import { participantsRouter } from "./participants";
import { auditRouter } from "./audit";
import { webhooksRouter } from "./webhooks";

const MAX_JSON_BODY = 1024 * 1024;
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Course/LMS API</title><link rel="icon" href="/docs/vendor/favicon-32x32.png">
<link rel="stylesheet" href="/docs/vendor/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/vendor/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;
const FILE_PATH = /^\/materials\/[^/]+\/file$/;
const BOOKMARK = /^[A-Za-z0-9-]{1,256}$/;

/** D1 surfaces constraint failures as errors whose text is SQL; clients get a conflict, never the SQL. */
function fromDatabaseError(error: unknown): ApiError | null {
  const message = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : "";
  if (/UNIQUE constraint failed/i.test(message))
    return new ApiError(409, "conflict", "The change conflicts with the current state; reload and try again");
  return null;
}

/**
 * Hono and zod-openapi raise HTTPExceptions of their own (a JSON body that does not parse, a body whose
 * Content-Type the route does not declare): they get the same codes as our own refusals of the same thing.
 */
function fromHttpException(error: HTTPException): ApiError {
  switch (error.status) {
    case 400:
      return /json/i.test(error.message)
        ? new ApiError(400, "malformed_json", "Request body is not valid JSON")
        : new ApiError(400, "bad_request", error.message || "Bad request");
    case 413:
      return new ApiError(413, "body_too_large", "Request body is larger than 1 MB");
    case 415:
      return new ApiError(415, "unsupported_media_type", "Request body must be JSON (Content-Type: application/json)");
    case 401:
      return new ApiError(401, "unauthorized", error.message || "Unauthorized");
    default:
      // Hono raises nothing else today; anything new is reported in the closed vocabulary, never invented.
      return error.status >= 500
        ? new ApiError(500, "internal_error", "Internal server error")
        : new ApiError(400, "bad_request", error.message || "Request refused");
  }
}

export function createApp() {
  const app = createRouter();

  // Outermost of all, so it sees every answer: the body a request was answered without reading is read to its
  // end within bounds, and cancelled past them (src/lib/request-body.ts says why: wrangler dev's proxy).
  app.use("*", releaseRequestBody);

  // Then the request id, the log line, and the headers every answer carries (preflights included).
  app.use("*", observe);

  // Then a browser's preflight is answered before the body checks and authentication, and every answer
  // (errors included) carries the CORS headers an allowed origin needs to read it.
  app.use("*", corsMiddleware);
  app.use("*", rateLimitHeaders);

  // Reads go to the nearest replica and writes to the primary (D1 Sessions API). The bookmark travels in
  // `x-d1-bookmark`: a client that sends back the last one it got always reads its own writes.
  app.use("*", async (c, next) => {
    c.set("now", now());
    const bookmark = c.req.header("x-d1-bookmark");
    // An empty header is "no bookmark yet": a client that sends back the last one it got starts with none.
    if (bookmark !== undefined && bookmark !== "" && !BOOKMARK.test(bookmark))
      throw new ApiError(400, "invalid_bookmark", "x-d1-bookmark must be a bookmark this API returned");
    const session = c.env.DB.withSession(bookmark || "first-unconstrained");
    const stats: D1Stats | null = c.env.D1_STATS === "true" ? { calls: 0, rows_read: 0, rows_written: 0, sql: [] } : null;
    c.set("db", drizzle(retryingD1(session, stats, c.get("d1Trips")), { schema }));
    await next();
    const latest = session.getBookmark();
    if (latest) c.header("x-d1-bookmark", latest);
    if (stats) {
      c.header("x-d1-stats", `calls=${stats.calls}; rows_read=${stats.rows_read}; rows_written=${stats.rows_written}`);
      c.header("x-d1-sql", base64UrlEncode(JSON.stringify(stats.sql)));
    }
  });

  // Webhook events a request wrote to the outbox go to the Queue once it has answered.
  app.use("*", publishEvents);

  // File uploads stream to R2 with their own cap and type checks; every other body is JSON, at most 1 MB.
  const isFileUpload = (c: AppContext) => c.req.method === "PUT" && FILE_PATH.test(c.req.path);
  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: (c) => errorResponse(c, new ApiError(413, "body_too_large", "Request body is larger than 1 MB")),
  });
  app.use("*", async (c, next) => (isFileUpload(c) ? next() : jsonBodyLimit(c, next)));

  // JSON routes take JSON only: a form post or text body is refused instead of being silently ignored.
  app.use("*", async (c, next) => {
    const method = c.req.method;
    if ((method === "POST" || method === "PUT" || method === "PATCH") && !isFileUpload(c)) {
      const type = c.req.header("content-type") ?? "";
      const length = c.req.header("content-length");
      const json = /^application\/json\s*(;|$)/i.test(type);
      if (c.req.raw.body !== null && length !== "0" && !json)
        throw new ApiError(415, "unsupported_media_type", "Request body must be JSON (Content-Type: application/json)");
      // An empty body is no body, whatever type it claims: a client library that always sends
      // `Content-Type: application/json` calls POST …/approve with nothing to say. Without the type, zod-openapi
      // treats the body as absent (optional bodies) or validates `{}` (required ones: the missing fields are named).
      if (json && length === "0" && !c.req.header("transfer-encoding")) {
        const headers = new Headers(c.req.raw.headers);
        headers.delete("content-type");
        c.req.raw = new Request(c.req.raw.url, { method, headers });
      }
    }
    await next();
  });

  // The public paths answer without a token, so they count against the client address (before their routes).
  const publicPaths = new Set(["/health", "/openapi.json", "/docs"]);
  app.use("*", async (c, next) => {
    if (publicPaths.has(c.req.path) && c.req.method !== "OPTIONS") await countAgainst(c, "anonymous", clientAddress(c));
    await next();
  });

  app.get("/health", async (c) => {
    await c.env.DB.prepare("SELECT 1").first();
    return c.json({ status: "ok" });
  });

  // Browsers ask for it on every /docs load, without a token: a plain 404 (cached for a day) instead of a 401.
  app.get("/favicon.ico", (c) =>
    errorResponse(
      c,
      new ApiError(404, "route_not_found", "No route for GET /favicon.ico", undefined, { "cache-control": "public, max-age=86400" }),
    ),
  );

  // Generated from the same zod schemas that validate requests, once per isolate (not at import). Every
  // write also documents the 413/415 the middleware answers before validation.
  let document: object | undefined;
  app.get("/openapi.json", (c) => {
    document ??= completeDocument(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Course/LMS API",
          version: "1.0.0",
          description: "Courses, steps, materials, exams, submissions and requirement tables. See README for the API notes.",
          contact: { name: "LMS API maintainers" },
          license: { name: "Proprietary" },
        },
        // Relative: the document is served by the API itself, so "/" is wherever a client reached it.
        servers: [{ url: "/", description: "This API" }],
        security: [{ Bearer: [] }],
      }),
    );
    return c.json(document);
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "FileLink", {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "A signed download link's token from POST /materials/{material_id}/file-link (valid ≤ 15 minutes)",
  });
  // Swagger UI from this origin only (its files are static assets under /docs/), so /docs works offline and
  // nothing else can run on the page.
  app.get("/docs", (c) =>
    c.html(DOCS_PAGE, 200, {
      "content-security-policy":
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    }),
  );

  // Everything else needs a verified token; an unknown route without one is a 401, so routes cannot be probed.
  // A file download carrying a signed link (`?token=`) is authorised by that link in its handler.
  const isSignedDownload = (c: AppContext) =>
    (c.req.method === "GET" || c.req.method === "HEAD") && FILE_PATH.test(c.req.path) && c.req.query("token") !== undefined;
  // A signed link counts against itself (it names one participant and
  // one file for a few minutes); everything else is counted per caller once the token is verified.
  app.use("*", async (c, next) => {
    if (c.req.method === "OPTIONS") return next();
    if (publicPaths.has(c.req.path)) return next();
    if (isSignedDownload(c)) {
      await countAgainst(c, "caller", `link:${c.req.query("token")}`);
      return next();
    }
    return requireAuth(c, next);
  });

  app.route("/", coursesRouter);
  app.route("/", stepsRouter);
  app.route("/", materialsRouter);
  app.route("/", formsRouter);
  app.route("/", requirementTablesRouter);
  app.route("/", formSubmissionsRouter);
  app.route("/", participantsRouter);
  app.route("/", auditRouter);
  app.route("/", webhooksRouter);

  app.notFound((c) => errorResponse(c, new ApiError(404, "route_not_found", `No route for ${c.req.method} ${c.req.path}`)));

  app.onError((error, c) => {
    // An ApiError raised below drizzle (e.g. D1 overloaded) arrives wrapped as the cause of a query error.
    for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
      if (e instanceof ApiError) return errorResponse(c, e);
    if (error instanceof ZodError) return errorResponse(c, new ApiError(400, "validation_error", "Invalid input"));
    if (error instanceof HTTPException) return errorResponse(c, fromHttpException(error));
    const fromDb = fromDatabaseError(error);
    if (fromDb) return errorResponse(c, fromDb);
    logError(c.get("requestId"), error);
    return errorResponse(c, new ApiError(500, "internal_error", "Internal server error"));
  });

  return app;
}
