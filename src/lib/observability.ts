import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv, RoundTrips } from "../env";

/**
 * Request ids, one structured log line per request, and the headers every response carries.
 *
 * The request id is the server's own, a new UUID: it goes back in `x-request-id`, in every error body as
 * `request_id`, in the log line and in the audit events the request writes. A client's own `x-request-id` (a short
 * safe token) is kept beside it as `client_request_id` in the log line, so a frontend's bug report can be traced,
 * but it never names anything the server records: a caller choosing its id could otherwise make its audit events
 * look like another request's. The log line names the route pattern, never the raw path (ids), and the caller's
 * role, never their id, token, answers or any other personal data.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const HSTS = "max-age=31536000; includeSubDomains";

/** The client's own request id, when it is a short safe token (anything else is dropped, never logged). */
export function clientRequestIdOf(headers: Headers): string | undefined {
  const sent = headers.get("x-request-id");
  return sent && SAFE_REQUEST_ID.test(sent) ? sent : undefined;
}

export type RequestLog = {
  level: "info" | "warn" | "error";
  request_id: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  d1_calls: number;
  role: string | null;
  code?: string;
  client_request_id?: string;
  cf_ray?: string;
};

/**
 * The pattern of the route this request matched (`/courses/:course_id`), or "unmatched": the first matched route
 * handler, in the order the router runs them — whether or not it ran (a 401 still names the route it was refused
 * on). The first, because `/participants/me/accommodations` also matches `/participants/:participant_id/…`, and
 * the handler registered first is the one that answers; middleware (`use`, method ALL) names no route.
 */
function matchedRoute(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== "ALL" && r.path !== "*" && r.path !== "/*");
  return routes[0]?.path ?? "unmatched";
}

const LEVELS = { info: 0, warn: 1, error: 2 } as const;
type Level = keyof typeof LEVELS;

/**
 * The least level of request line written: `REQUEST_LOG_LEVEL` ("info", the default: every request; "warn": 4xx and
 * 5xx; "error": 5xx). Anything else logs every request, so a typo never hides lines. `npm run dev` sets "warn":
 * wrangler dev's reading, formatting and printing each line cost this machine ≈ 4 ms of CPU a request
 * (docs/operations.md, "Logs under `npm run dev`") — more than the request itself.
 */
function requestLogLevel(setting: string | undefined): Level {
  return setting === "warn" || setting === "error" ? setting : "info";
}

const levelOf = (status: number): Level => (status >= 500 ? "error" : status >= 400 ? "warn" : "info");

export const observe: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const requestId = crypto.randomUUID();
  const trips: RoundTrips = { count: 0 };
  c.set("requestId", requestId);
  c.set("d1Trips", trips);
  await next();

  // Error bodies name their request themselves: every error goes out through `errorResponse` (lib/errors.ts).
  const headers = c.res.headers;
  const isJson = /^application\/(problem\+)?json/i.test(headers.get("content-type") ?? "");
  const code = c.get("errorCode");
  headers.set("x-request-id", requestId);
  headers.set("x-content-type-options", "nosniff");
  // Participant and review data never sit in a shared cache; file downloads set their own private caching.
  if (isJson && !headers.has("cache-control")) headers.set("cache-control", "private, no-store");
  if (c.env.ENVIRONMENT === "production") headers.set("strict-transport-security", HSTS);

  const status = c.res.status;
  const level = levelOf(status);
  if (LEVELS[level] < LEVELS[requestLogLevel(c.env.REQUEST_LOG_LEVEL)]) return;
  const line: RequestLog = {
    level,
    request_id: requestId,
    method: c.req.method,
    route: matchedRoute(c),
    status,
    duration_ms: Date.now() - started,
    d1_calls: trips.count,
    role: c.get("caller")?.role ?? null,
  };
  if (code) line.code = code;
  const clientId = clientRequestIdOf(c.req.raw.headers);
  if (clientId) line.client_request_id = clientId;
  const ray = c.req.header("cf-ray");
  if (ray && SAFE_REQUEST_ID.test(ray)) line.cf_ray = ray;
  // The console method carries the level too: Workers Logs and `wrangler tail` file the line by it, and `npm run dev`
  // (wrangler at `--log-level warn`) shows the 4xx/5xx lines while hiding the rest.
  CONSOLE[level](JSON.stringify(line));
};

// Looked up on `console` at each call, not bound once: a test's spy on console.warn then sees the line.
const CONSOLE = {
  info: (text: string) => console.info(text),
  warn: (text: string) => console.warn(text),
  error: (text: string) => console.error(text),
} satisfies Record<Level, (text: string) => void>;

/**
 * drizzle's "Failed query: <sql>\nparams: <values>" carries the bound values — exam answers, a new webhook's
 * signing secret, personal data — which must never reach the logs: the SQL stays, the values go.
 */
export const withoutParams = (text: string | undefined) => text?.replace(/\nparams: [\s\S]*?(?=\n\s+at |$)/, "\nparams: [redacted]");

/** An unexpected error: its stack goes to the log only, tied to the request id the client was given. */
export function logError(requestId: string | undefined, error: unknown) {
  // drizzle wraps the driver's error ("Failed query: …"): the cause is what went wrong.
  const cause = error instanceof Error && error.cause !== undefined ? { cause: String(error.cause) } : {};
  const detail =
    error instanceof Error
      ? { message: withoutParams(error.message), ...cause, stack: withoutParams(error.stack) }
      : { message: String(error) };
  console.error(JSON.stringify({ level: "error", request_id: requestId ?? null, event: "unhandled_error", ...detail }));
}
