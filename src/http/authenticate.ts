/**
 * Everything but the public paths and preflights needs a verified token; an unknown route without one is a 401,
 * so routes cannot be probed. A file download carrying a signed link (`?token=`) is authorised by that link in
 * its handler instead: the link counts against itself (it names one participant and one file for a few
 * minutes); everything else is counted per caller once the token is verified.
 */
import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../env";
import { requireAuth } from "../lib/auth";
import { countAgainst } from "../lib/rate-limit";
import { FILE_PATH } from "./bodies";
import { isPublic } from "./public";

const isSignedDownload = (c: AppContext) =>
  (c.req.method === "GET" || c.req.method === "HEAD") && FILE_PATH.test(c.req.path) && c.req.query("token") !== undefined;

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "OPTIONS") return next();
  if (isPublic(c.req.method, c.req.path)) return next();
  if (isSignedDownload(c)) {
    await countAgainst(c, "caller", `link:${c.req.query("token")}`);
    return next();
  }
  return requireAuth(c, next);
});
