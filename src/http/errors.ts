/** How every failure leaves the Worker: an ApiError's JSON, whatever raised it; a stack only in the log. */
import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import type { AppEnv } from "../env";
import { ApiError, errorResponse } from "../lib/errors";
import { logError } from "../lib/observability";

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

export const routeNotFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, new ApiError(404, "route_not_found", `No route for ${c.req.method} ${c.req.path}`));

export const onError: ErrorHandler<AppEnv> = (error, c) => {
  // An ApiError raised below drizzle (e.g. D1 overloaded) arrives wrapped as the cause of a query error.
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof ApiError) return errorResponse(c, e);
  if (error instanceof ZodError) return errorResponse(c, new ApiError(400, "validation_error", "Invalid input"));
  if (error instanceof HTTPException) return errorResponse(c, fromHttpException(error));
  const fromDb = fromDatabaseError(error);
  if (fromDb) return errorResponse(c, fromDb);
  logError(c.get("requestId"), error);
  return errorResponse(c, new ApiError(500, "internal_error", "Internal server error"));
};
