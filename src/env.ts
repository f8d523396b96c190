import type { Context } from "hono";
import type { Db } from "./db/types";
import type { GrantRole, Role } from "./domain/vocabulary";

export type Bindings = {
  DB: D1Database;
  FILES: R2Bucket;
  JWT_SECRET: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  /** Production identity providers: verify RS256/ES256 tokens against this key set instead of JWT_SECRET. */
  JWT_JWKS_URL?: string;
  /** The longest lifetime (exp − iat, in seconds) a token may have; default 86400 (a day). */
  JWT_MAX_LIFETIME_SECONDS?: string;
  EXAM_GRACE_SECONDS?: string;
  MAX_UPLOAD_BYTES?: string;
  /**
   * Where clients reach the API (e.g. "https://api.example.com", or with a path prefix a proxy strips): the base
   * of every URL the API hands out. Unset: the request's own origin, i.e. whatever Host the client sent.
   */
  PUBLIC_BASE_URL?: string;
  /** Comma-separated exact origins allowed to call the API from a browser (`*` only on purpose). */
  CORS_ORIGINS?: string;
  /** "true" (set by `npm run dev`): any http://localhost:<port> / http://127.0.0.1:<port> origin is allowed too. */
  CORS_ALLOW_LOCALHOST?: string;
  /** The least level of request log line written: "info" (default, every request), "warn" (4xx, 5xx), "error". */
  REQUEST_LOG_LEVEL?: string;
  /** "production" adds Strict-Transport-Security to every response (wrangler.toml sets it per environment). */
  ENVIRONMENT?: string;
  /** Workers Rate Limiting bindings (wrangler.toml `[[ratelimits]]`); see lib/rate-limit.ts. */
  RL_CALLER?: RateLimit;
  RL_EXPENSIVE?: RateLimit;
  RL_ANONYMOUS?: RateLimit;
  /** Swagger UI's static files (wrangler.toml `[assets]`), served through the Worker under /docs/ (http/public.ts). */
  ASSETS?: Fetcher;
  /** The webhook event Queue (wrangler.toml `[[queues.producers]]`); messages are `{event_id}`. */
  WEBHOOK_QUEUE?: Queue<{ event_id: string }>;
  /** "true" (set by `npm run dev`): webhook URLs may be http://localhost / http://127.0.0.1. */
  ALLOW_LOCAL_WEBHOOKS?: string;
  /** Seconds of the first webhook retry's delay (doubled per attempt); default 10. */
  WEBHOOK_RETRY_BASE_SECONDS?: string;
  /** The private JWK (or `{"keys": [...]}`, first signs) certificates are signed with; see lib/credential-keys.ts. */
  CERT_SIGNING_KEY?: string;
  /** The issuer's name in certificates (the Open Badges issuer Profile `name`). */
  CERT_ISSUER_NAME?: string;
  /** "true" in the benchmarks: responses carry x-d1-stats (round trips, statements, rows read/written, SQLite time); "sql": x-d1-sql too. */
  D1_STATS?: string;
};

export type { Role };

/** Every round trip a request makes to D1 (retries included), for its log line (counted in lib/d1.ts). */
export type RoundTrips = { count: number };

/**
 * Who is calling, from the verified token. `name` and `email` are the token's claims of those names when it carries
 * usable ones: a course certificate issued while the participant is calling names them (domain/certificates.ts).
 */
export type Caller = { id: string; role: Role; name?: string; email?: string };

/**
 * The key of whatever belongs to a caller (stored idempotent replies, rate-limit counters): role and subject, so a
 * participant whose `sub` equals a manager's never shares anything with them.
 */
export const callerKey = (caller: Caller) => `${caller.role}:${caller.id}`;

export type Variables = {
  caller: Caller;
  db: Db;
  /** The request's D1 session's latest bookmark (null before its first query): what `x-d1-bookmark` answers. */
  bookmark: () => string | null;
  now: Date;
  requestId: string;
  d1Trips: RoundTrips;
  /** The rate-limit classes this request was counted against, for the RateLimit-Policy header. */
  rateLimits?: ("caller" | "expensive" | "anonymous")[];
  /** Ids of the webhook events this request wrote to the outbox, sent to the Queue after the response. */
  events?: string[];
  /**
   * The course-staff grant the route's guard admitted the caller with (lib/grant-guard.ts), for a handler that
   * scopes what it shows by the grant's cohorts. Absent for managers and participants.
   */
  grant?: { role: GrantRole; cohort_ids: string[] | null };
  /** The code of the error this request answered (set by `errorResponse`), for its log line. */
  errorCode?: string;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };

/** The request context every handler and helper takes. */
export type AppContext = Context<AppEnv>;
