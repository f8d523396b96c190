import { cors } from "hono/cors";
import type { Bindings } from "../env";
import { isPublicRead } from "./public-reads";

/**
 * Browser frontends on other origins. Allowed origins come from `CORS_ORIGINS` (comma-separated exact origins;
 * `*` only where configured on purpose) and, with `CORS_ALLOW_LOCALHOST=true` (`npm run dev` sets it), any
 * `http://localhost:<port>` or `http://127.0.0.1:<port>`. Another origin gets no CORS headers at all; the
 * request itself is still judged by its token. Tokens travel in `Authorization`, never cookies: no
 * credentials mode. Preflights are answered here, before authentication, for every route.
 */
export const ALLOWED_REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "idempotency-key",
  "x-d1-bookmark",
  "range",
  "if-none-match",
  "if-range",
  "x-request-id",
];
export const EXPOSED_RESPONSE_HEADERS = [
  "link",
  "x-d1-bookmark",
  "idempotent-replayed",
  "etag",
  "content-range",
  "accept-ranges",
  "content-disposition",
  "content-length",
  "retry-after",
  "x-request-id",
  "ratelimit",
  "ratelimit-policy",
];
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

const LOCALHOST = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;
const parsed = new Map<string, Set<string>>();

function configured(list: string | undefined): Set<string> {
  const key = list ?? "";
  let set = parsed.get(key);
  if (!set) {
    set = new Set(
      key
        .split(",")
        .map((o) => o.trim().replace(/\/+$/, ""))
        .filter(Boolean),
    );
    parsed.set(key, set);
  }
  return set;
}

/** The Access-Control-Allow-Origin value for this request's Origin, or null for none. */
export function allowedOrigin(origin: string, env: Pick<Bindings, "CORS_ORIGINS" | "CORS_ALLOW_LOCALHOST">): string | null {
  if (!origin) return null;
  const allowed = configured(env.CORS_ORIGINS);
  if (allowed.has("*")) return "*";
  if (allowed.has(origin)) return origin;
  if (env.CORS_ALLOW_LOCALHOST === "true" && LOCALHOST.test(origin)) return origin;
  return null;
}

export const corsMiddleware = cors({
  origin: (origin, c) => (origin && isPublicRead(c.req.method, c.req.path) ? "*" : allowedOrigin(origin, c.env as Bindings)),
  allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE"],
  allowHeaders: ALLOWED_REQUEST_HEADERS,
  exposeHeaders: EXPOSED_RESPONSE_HEADERS,
  maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  credentials: false,
});
