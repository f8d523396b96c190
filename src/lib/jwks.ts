import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from "jose";

/**
 * Keys from an identity provider's JSON Web Key Set (RS256 / ES256), used when JWT_JWKS_URL is configured.
 * The URL comes from configuration only, never from a token; the key set is cached per isolate for 10 minutes,
 * and refetched when a token names a key id it does not hold (key rotation) — at most every 30 s.
 *
 * Key selection and import are jose's (`createLocalJWKSet`), but fetching and caching stay here rather than in
 * jose's `createRemoteJWKSet`: its cool-down runs on the wall clock and its fetch cannot be replaced from a test,
 * so neither the rotation rule nor an unreachable IdP could be tested through the request clock.
 */
export type Jwk = JsonWebKey & { kid?: string; alg?: string; use?: string };
export type JwksFetcher = (url: string) => Promise<{ keys: Jwk[] }>;

/** The key set could not be had: not the caller's fault, so a 503 rather than a 401. */
export class JwksUnavailableError extends Error {}

const TTL_MS = 10 * 60 * 1000;
/** An unknown kid refetches at most this often: random kids from anonymous callers cannot flood the IdP. */
const REFRESH_MIN_MS = 30 * 1000;

type CachedSet = { at: number; select: ReturnType<typeof createLocalJWKSet> };
const cache = new Map<string, CachedSet>();

const defaultFetcher: JwksFetcher = async (url) => {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`status ${res.status}`);
  return (await res.json()) as { keys: Jwk[] };
};

let fetcher: JwksFetcher = defaultFetcher;
/** Test seam: serves a key set without a network. Production never sets it. */
export function setJwksFetcher(next: JwksFetcher | null): void {
  fetcher = next ?? defaultFetcher;
  cache.clear();
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

async function keySet(url: string, now: number, refresh: boolean): Promise<CachedSet> {
  const hit = cache.get(url);
  if (hit && now - hit.at < (refresh ? REFRESH_MIN_MS : TTL_MS)) return hit;
  let body: unknown;
  try {
    body = await fetcher(url);
  } catch (error) {
    // A network failure is as much "unreachable" as a 5xx: both are the IdP's, not the caller's.
    throw new JwksUnavailableError(`JWKS fetch failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!isObject(body) || !Array.isArray(body.keys)) throw new JwksUnavailableError("JWKS fetch failed: the response is not a key set");
  // One odd member must not take the whole set down (jose refuses a set with a non-object member).
  const keys = body.keys.filter(isObject) as JWK[];
  let select: CachedSet["select"];
  try {
    select = createLocalJWKSet({ keys } satisfies JSONWebKeySet);
  } catch (error) {
    throw new JwksUnavailableError("JWKS fetch failed: the key set is malformed", { cause: error });
  }
  const entry = { at: now, select };
  cache.set(url, entry);
  return entry;
}

async function pick(set: CachedSet, header: JWSHeaderParameters, token: FlattenedJWSInput) {
  try {
    return await set.select(header, token);
  } catch (error) {
    if (error instanceof errors.JOSEError) throw error;
    // A member of the set that WebCrypto cannot import: a key problem, which verification reports as a 401.
    throw new errors.JWKInvalid("the key set's key for this token cannot be used", { cause: error });
  }
}

/** A jose key resolver over the cached set for the request's clock; an unknown kid may refetch (see above). */
export function keySetResolver(url: string, now: Date) {
  return async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await pick(await keySet(url, now.getTime(), false), header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || header.kid === undefined) throw error;
    }
    return pick(await keySet(url, now.getTime(), true), header, token);
  };
}
