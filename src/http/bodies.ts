/**
 * What a request body may be. File uploads stream to R2 with their own cap and type checks; every other body is
 * JSON, at most 1 MB, and JSON only: a form post or text body is refused instead of being silently ignored.
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../env";
import { ApiError, errorResponse } from "../lib/errors";

const MAX_JSON_BODY = 1024 * 1024;
export const FILE_PATH = /^\/materials\/[^/]+\/file$/;

const isFileUpload = (c: AppContext) => c.req.method === "PUT" && FILE_PATH.test(c.req.path);
/** A question bank import: a GIFT (text/plain) or Moodle XML file, within the same 1 MB. */
const IMPORT_PATH = /^\/question-banks\/[^/]+\/import$/;
const isImport = (c: AppContext) => c.req.method === "POST" && IMPORT_PATH.test(c.req.path);

const limit = bodyLimit({
  maxSize: MAX_JSON_BODY,
  onError: (c) => errorResponse(c, new ApiError(413, "body_too_large", "Request body is larger than 1 MB")),
});

export const jsonBodyLimit = createMiddleware<AppEnv>(async (c, next) => (isFileUpload(c) ? next() : limit(c, next)));

export const jsonOnly = createMiddleware<AppEnv>(async (c, next) => {
  const method = c.req.method;
  if ((method === "POST" || method === "PUT" || method === "PATCH") && !isFileUpload(c)) {
    const type = c.req.header("content-type") ?? "";
    const length = c.req.header("content-length");
    const json = /^application\/json\s*(;|$)/i.test(type);
    if (isImport(c)) {
      // As for JSON bodies: no body is no body (the token is checked next; a missing file is the handler's 400).
      if (c.req.raw.body !== null && length !== "0" && !/^(text\/plain|application\/xml|text\/xml)\s*(;|$)/i.test(type))
        throw new ApiError(
          415,
          "unsupported_media_type",
          "An import is a GIFT file (Content-Type: text/plain) or Moodle XML (application/xml)",
        );
      return next();
    }
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
