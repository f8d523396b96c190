/**
 * The keys certificates are signed with: the Worker secret `CERT_SIGNING_KEY`, a private JWK or a JWK Set
 * `{"keys": [current, ...older]}`. The first key signs; every key is published (public parts only) in the DID
 * document and the JWKS, so a certificate signed before a rotation still verifies. Parsed once per isolate and
 * secret value, on first use (not at import).
 */
import { CompactSign, calculateJwkThumbprint, importJWK, type JWK } from "jose";
import { ApiError } from "./errors";

export type PublishedKey = { fragment: string; alg: string; jwk: JWK };
export type SigningKeys = { signer: { fragment: string; alg: string; key: CryptoKey }; published: PublishedKey[] };

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const FRAGMENT = /^[A-Za-z0-9._-]{1,64}$/;

/** RS256 is what OB 3.0 requires every verifier to support; EC and Ed25519 keys are accepted for operators who choose them. */
function algorithmOf(jwk: JWK): string {
  if (typeof jwk.alg === "string") return jwk.alg;
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  throw new Error(`CERT_SIGNING_KEY: unsupported key type ${jwk.kty}/${jwk.crv ?? ""}`);
}

const publicPart = (jwk: JWK): JWK => Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.includes(name)));

let cached: { source: string; keys: Promise<SigningKeys> } | null = null;

async function parse(source: string): Promise<SigningKeys> {
  const value = JSON.parse(source) as JWK | { keys: JWK[] };
  const jwks: JWK[] = "keys" in value && Array.isArray(value.keys) ? value.keys : [value as JWK];
  if (jwks.length === 0 || typeof jwks[0]?.d !== "string") throw new Error("CERT_SIGNING_KEY: the first key must be a private JWK");
  const published: PublishedKey[] = [];
  for (const jwk of jwks) {
    const fragment = typeof jwk.kid === "string" && FRAGMENT.test(jwk.kid) ? jwk.kid : await calculateJwkThumbprint(jwk);
    const { kid: _kid, use: _use, key_ops: _ops, ...bare } = publicPart(jwk);
    published.push({ fragment, alg: algorithmOf(jwk), jwk: bare });
  }
  const first = jwks[0] as JWK;
  const alg = algorithmOf(first);
  const key = (await importJWK({ ...first, alg }, alg)) as CryptoKey;
  return { signer: { fragment: published[0]?.fragment as string, alg, key }, published };
}

/** The configured keys; a 503 the client may retry later when none is configured or it cannot be read. */
export async function signingKeys(source: string | undefined): Promise<SigningKeys> {
  if (!source) throw new ApiError(503, "certificates_unavailable", "Certificates are not configured on this server (CERT_SIGNING_KEY)");
  if (cached?.source !== source) {
    const keys = parse(source);
    cached = { source, keys };
    // A bad secret is reported on every request, not remembered as a rejected promise forever.
    keys.catch(() => {
      if (cached?.keys === keys) cached = null;
    });
  }
  try {
    return await cached.keys;
  } catch (error) {
    console.error(JSON.stringify({ level: "error", message: "CERT_SIGNING_KEY cannot be used", error: String(error) }));
    throw new ApiError(503, "certificates_unavailable", "The certificate signing key cannot be used; see the server log");
  }
}

/**
 * A compact JWS of `payload` with exactly the JOSE header OB 3.0 §8.2 allows: alg, kid (a DID URL) and typ "JWT".
 * The status lists are signed the same way (VC-JOSE-COSE would allow "vc+jwt"): a verifier that checks Open Badges
 * reads both with one rule.
 */
export async function signCompact(keys: SigningKeys, kid: string, payload: Record<string, unknown>): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: keys.signer.alg, kid, typ: "JWT" })
    .sign(keys.signer.key);
}
