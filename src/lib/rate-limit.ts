import { createMiddleware } from "hono/factory";
import { type AppContext, type AppEnv, callerKey } from "../env";
import { ApiError } from "./errors";

/**
 * Rate limits on the Workers Rate Limiting binding (counted per Cloudflare location, approximately). Three
 * classes, configured in wrangler.toml (`[[ratelimits]]`); their figures are repeated here for the headers and
 * checked against wrangler.toml by a test:
 * - `caller`: every authenticated request, keyed by the token's role and subject;
 * - `expensive`: uploads, exam start, review decisions and row approvals, keyed the same way —
 *   declared on each route (`...expensive` in createRoute), published as `x-rate-limit` in the document;
 * - `anonymous`: requests without a valid token (public paths, bad tokens), keyed by the client address.
 * Preflights are never counted: a browser sends one per URL and they cost nothing.
 * A refusal is `429 rate_limited` with `Retry-After` and the IETF draft's `RateLimit-Policy` / `RateLimit`.
 */
export const RATE_LIMITS = {
  caller: { binding: "RL_CALLER", limit: 600, period: 60 },
  expensive: { binding: "RL_EXPENSIVE", limit: 60, period: 60 },
  anonymous: { binding: "RL_ANONYMOUS", limit: 120, period: 60 },
} as const;

export type RateClass = keyof typeof RATE_LIMITS;

const policy = (name: RateClass) => `"${name}";q=${RATE_LIMITS[name].limit};w=${RATE_LIMITS[name].period}`;

/** Counts one request against a class; refuses with 429 when the key is over its limit. */
export async function countAgainst(c: AppContext, name: RateClass, key: string): Promise<void> {
  const { binding, period } = RATE_LIMITS[name];
  const limiter = c.env[binding];
  const applied = c.get("rateLimits") ?? [];
  c.set("rateLimits", [...applied, name]);
  // A deployment without the binding (it is configured per environment) is not limited rather than broken.
  if (!limiter) return;
  const { success } = await limiter.limit({ key: `${name}:${key}` });
  if (!success)
    throw new ApiError(429, "rate_limited", `Too many requests; retry in ${period} seconds`, undefined, {
      "retry-after": String(period),
      ratelimit: `"${name}";r=0;t=${period}`,
    });
}

/** The client's address as Cloudflare saw it; requests that reach the Worker without one share a key. */
export const clientAddress = (c: AppContext) => c.req.header("cf-connecting-ip") ?? "unknown";

/** Sends the policies a request was counted against (every response, refusals included). */
export const rateLimitHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const applied = c.get("rateLimits");
  if (applied?.length) c.res.headers.set("ratelimit-policy", applied.map(policy).join(", "));
});

/** Route middleware for the expensive class, after authentication (the caller is known). */
export const expensiveLimit = createMiddleware<AppEnv>(async (c, next) => {
  await countAgainst(c, "expensive", callerKey(c.get("caller")));
  await next();
});
