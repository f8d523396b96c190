import { errors, type JWTPayload, type JWTVerifyOptions, jwtVerify } from "jose";
import { emailClaim, nameClaim } from "../domain/certificates";
import { ROLES } from "../domain/vocabulary";
import type { Caller } from "../env";
import { isReservedSubject } from "./ids";
import { JwksUnavailableError, keySetResolver } from "./jwks";

/**
 * JWT verification on jose's `jwtVerify`, with the algorithm pinned by configuration (HS256 with JWT_SECRET;
 * RS256/ES256 with JWT_JWKS_URL, where HS256 is refused), `exp` required, `iss`/`aud` checked when configured
 * and a 30 s clock tolerance. On top of jose, and each covered by test/token-rules.test.ts, the contract needs:
 * canonical base64url, no `crit` at all, `iat` not in the future, a finite `exp`, and `sub`/`role` rules.
 */
export type JwtOptions = {
  secret: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  now: Date;
  leewaySeconds?: number;
  /** The longest lifetime a token may have (`exp` − its issue time); default DEFAULT_MAX_LIFETIME_SECONDS. */
  maxLifetimeSeconds?: number;
};

/**
 * A day: identity providers issue access tokens for minutes to hours. A token that lives longer is a stolen
 * credential that never stops working (`exp: 1e308` is finite and was accepted); refuse it.
 */
export const DEFAULT_MAX_LIFETIME_SECONDS = 86_400;

/** `JWT_MAX_LIFETIME_SECONDS` as configured: a positive whole number of seconds, else the default. */
export function maxLifetimeOf(configured: string | undefined): number {
  const n = configured !== undefined && /^[1-9][0-9]{0,9}$/.test(configured) ? Number(configured) : Number.NaN;
  return Number.isNaN(n) ? DEFAULT_MAX_LIFETIME_SECONDS : n;
}

export class JwtError extends Error {}

const encoder = new TextEncoder();
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keyCache.set(secret, key);
  }
  return key;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Strict base64url decoding shared by tokens, signed links and cursors: null for anything malformed, and for a
 * non-canonical spelling — a last character whose unused low bits are not zero decodes to the same bytes as the
 * canonical one, so without this one token, link or cursor would have several spellings (and cache keys).
 */
export function decodeBase64Url(part: string): Uint8Array | null {
  // A length of 4n+1 is never valid base64 (atob would throw a DOMException).
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return null;
  const unusedBits = part.length % 4 === 2 ? 0b1111 : part.length % 4 === 3 ? 0b11 : 0;
  if ((ALPHABET.indexOf(part.charAt(part.length - 1)) & unusedBits) !== 0) return null;
  try {
    const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4));
    // A plain loop: Uint8Array.from with a callback per character was 4 % of the Worker's CPU on exam day (profiled).
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

export function base64UrlEncode(bytes: Uint8Array | string): string {
  const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  let binary = "";
  for (const byte of data) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The header, decoded by the strict decoder; jose decodes the parts again (leniently) after this. */
function strictHeader(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed token");
  // jose decodes with Uint8Array.fromBase64's loose mode (or atob), which ignores unused bits: a signature
  // re-spelled that way would still verify.
  const [headerBytes, ...rest] = parts.map(decodeBase64Url);
  if (!headerBytes || rest.some((bytes) => bytes === null)) throw new JwtError("token is not canonical base64url");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes));
  } catch {
    throw new JwtError("token header is not valid JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new JwtError("token header is not an object");
  return header as Record<string, unknown>;
}

/** jose's errors, in the words the API has always used for them. */
function asJwtError(error: unknown): unknown {
  if (error instanceof JwtError || error instanceof JwksUnavailableError) return error;
  if (error instanceof errors.JOSEAlgNotAllowed) return new JwtError("token algorithm not allowed");
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
    return new JwtError("invalid token signature");
  if (error instanceof errors.JWTExpired) return new JwtError("token expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    const words: Record<string, string> = {
      exp: "token has no valid expiry (exp)",
      nbf: "token not yet valid (nbf)",
      iat: "token has an invalid issue time (iat)",
      iss: "token issuer not accepted",
      aud: "token audience not accepted",
    };
    return new JwtError(words[error.claim] ?? `token claim not accepted (${error.claim})`);
  }
  if (error instanceof errors.JOSEError) return new JwtError(`malformed token: ${error.message}`);
  // jose reports an unusable key (an IdP's RSA key under 2048 bits, say) as a TypeError: still the token's 401.
  if (error instanceof TypeError) return new JwtError("token key cannot be used");
  return error;
}

type Verified = { payload: JWTPayload };

async function verifySignature(token: string, options: JwtOptions, verifyOptions: JWTVerifyOptions): Promise<Verified> {
  if (!options.jwksUrl) return jwtVerify(token, await hmacKey(options.secret), verifyOptions);
  try {
    return await jwtVerify(token, keySetResolver(options.jwksUrl, options.now), verifyOptions);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    // A token without kid and a set holding several keys of its type: try each, as jose prescribes.
    for await (const key of error) {
      try {
        return await jwtVerify(token, key, verifyOptions);
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * Tokens this isolate has verified. A client sends the same token with every request of a session, and verifying it
 * again (the signature, the strict decoding and the JSON around it) was the largest item of the exam-day profile.
 * Keyed by the whole token, under the options it was verified with. What a token says cannot change; of what
 * depends on the clock, `exp` and `nbf` are checked again on every use (the `iat` and lifetime rules only ever get
 * easier to meet as time passes). A token verified against a JWKS is remembered at most VERIFIED_TTL_MS, so a key
 * withdrawn from the set stops its tokens within that time (jose refreshes the key set no faster). One verified with
 * the shared secret is remembered until it expires: the secret is part of the entry's options, so a Worker given
 * another secret verifies afresh (and refuses), and a taker's token is checked once per exam, not once a minute
 * (verifying afresh was 5 % of the Worker's busy time in the 1,000-taker profile). A failed verification is never
 * remembered.
 */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 5_000;
const VERIFIED_MAX_TOKEN = 2_048;
type VerifiedToken = { caller: Caller; exp: number; nbf: number | undefined; options: string; until: number };
const verified = new Map<string, VerifiedToken>();

const optionsKey = (o: JwtOptions) =>
  JSON.stringify([o.secret, o.jwksUrl, o.issuer, o.audience, o.leewaySeconds ?? 30, o.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS]);

function rememberedCaller(token: string, options: JwtOptions): Caller | null {
  const hit = verified.get(token);
  if (!hit) return null;
  const clock = options.now.getTime();
  const now = clock / 1000;
  const leeway = options.leewaySeconds ?? 30;
  // jose's own comparisons: expired when exp <= now - tolerance, early when nbf > now + tolerance.
  if (
    hit.until <= clock ||
    hit.options !== optionsKey(options) ||
    hit.exp <= now - leeway ||
    (hit.nbf !== undefined && hit.nbf > now + leeway)
  ) {
    verified.delete(token);
    return null; // verified again from scratch, which gives the refusal its own words
  }
  return { ...hit.caller };
}

function remember(token: string, options: JwtOptions, caller: Caller, claims: JWTPayload) {
  if (token.length > VERIFIED_MAX_TOKEN || claims.exp === undefined) return;
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string); // the oldest
  verified.set(token, {
    caller,
    exp: claims.exp,
    nbf: claims.nbf,
    options: optionsKey(options),
    until: options.jwksUrl ? options.now.getTime() + VERIFIED_TTL_MS : Number.POSITIVE_INFINITY,
  });
}

export async function verifyJwt(token: string, options: JwtOptions): Promise<Caller> {
  return rememberedCaller(token, options) ?? verifyAfresh(token, options);
}

async function verifyAfresh(token: string, options: JwtOptions): Promise<Caller> {
  const header = strictHeader(token);
  // jose knows `b64` (RFC 7797) and would accept `crit: ["b64"]`; the API uses no JWS extension, so any `crit`
  // is one it cannot honour (RFC 7515 §4.1.11).
  if ("crit" in header) throw new JwtError("token header has crit, which is not supported");
  const leeway = options.leewaySeconds ?? 30;
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await verifySignature(token, options, {
      algorithms: options.jwksUrl ? ["RS256", "ES256"] : ["HS256"],
      requiredClaims: ["exp"],
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: leeway,
      currentDate: options.now,
    }));
  } catch (error) {
    throw asJwtError(error);
  }
  const now = Math.floor(options.now.getTime() / 1000);
  // JSON's 1e400 is Infinity, a number to jose: a token that never expires.
  const exp = claims.exp;
  if (exp === undefined || !Number.isFinite(exp)) throw new JwtError("token has no valid expiry (exp)");
  // jose checks iat only together with maxTokenAge, which would also make iat required.
  if (claims.iat !== undefined && claims.iat - leeway > now) throw new JwtError("token issued in the future (iat)");
  // Lifetime from its issue time, or from now when it names none: either way no token works longer than the maximum.
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
  const issued = Math.min(claims.iat ?? now, now);
  if (exp - issued > maxLifetime + leeway) throw new JwtError(`token lifetime exceeds the maximum of ${maxLifetime} seconds (exp − iat)`);
  if (typeof claims.sub !== "string" || claims.sub.length === 0 || claims.sub.length > 200)
    throw new JwtError("token has no subject (sub)");
  // `me` names the caller in /participants/me/… (one path would mean two people); `.`/`..` cannot be put in a path.
  if (isReservedSubject(claims.sub)) throw new JwtError(`token subject '${claims.sub}' is reserved`);
  const role = ROLES.find((known) => known === claims.role);
  if (!role) throw new JwtError(`token role must be one of ${ROLES.join(", ")}`);
  const name = nameClaim(claims.name);
  const email = emailClaim(claims.email);
  const caller: Caller = { id: claims.sub, role, ...(name ? { name } : {}), ...(email ? { email } : {}) };
  remember(token, options, caller, claims);
  return caller;
}
