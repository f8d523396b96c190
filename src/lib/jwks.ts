/**
 * Verification against an identity provider's JSON Web Key Set (RS256 / ES256), used when JWT_JWKS_URL is
 * configured. The URL comes from configuration only, never from a token; the key set is cached per isolate
 * for 10 minutes, and refetched when a token names a key id it does not hold (key rotation) — at most every 30 s.
 */
export type Jwk = JsonWebKey & { kid?: string; alg?: string; use?: string };
export type JwksFetcher = (url: string) => Promise<{ keys: Jwk[] }>;

const TTL_MS = 10 * 60 * 1000;
const cache = new Map<string, { keys: Jwk[]; at: number }>();

const defaultFetcher: JwksFetcher = async (url) => {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`JWKS fetch failed: ${res.status}`);
  return (await res.json()) as { keys: Jwk[] };
};

let fetcher: JwksFetcher = defaultFetcher;
/** Test seam: serves a key set without a network. Production never sets it. */
export function setJwksFetcher(next: JwksFetcher | null): void {
  fetcher = next ?? defaultFetcher;
  cache.clear();
}

/** An unknown kid refetches at most this often: random kids from anonymous callers cannot flood the IdP. */
const REFRESH_MIN_MS = 30 * 1000;

async function keySet(url: string, now: number, refresh: boolean): Promise<Jwk[]> {
  const hit = cache.get(url);
  if (hit && now - hit.at < (refresh ? REFRESH_MIN_MS : TTL_MS)) return hit.keys;
  const { keys } = await fetcher(url);
  cache.set(url, { keys: Array.isArray(keys) ? keys : [], at: now });
  return cache.get(url)!.keys;
}

export const ASYMMETRIC = {
  RS256: { kty: "RSA", import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { kty: "EC", import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
} as const;

/** Whether the signature over `signed` verifies with the set's key for (alg, kid). */
export async function verifyWithJwks(url: string, alg: keyof typeof ASYMMETRIC, kid: unknown, signed: Uint8Array, signature: Uint8Array, now: Date) {
  const spec = ASYMMETRIC[alg];
  const pick = (keys: Jwk[]) =>
    keys.find((k) => k.kty === spec.kty && (kid === undefined || k.kid === kid) && (k.alg === undefined || k.alg === alg) && k.use !== "enc");
  let jwk = pick(await keySet(url, now.getTime(), false));
  if (!jwk && kid !== undefined) jwk = pick(await keySet(url, now.getTime(), true));
  if (!jwk) return false;
  const key = await crypto.subtle.importKey("jwk", jwk, spec.import, false, ["verify"]);
  return crypto.subtle.verify(spec.verify, key, signature, signed);
}
