import type { Caller } from "../env";
import { verifyWithJwks } from "./jwks";

/**
 * JWT verification with the algorithm pinned (HS256 with JWT_SECRET; RS256/ES256 with JWT_JWKS_URL).
 * Written out rather than taken from hono/jwt because the contract needs what that verifier leaves optional: `exp` is required, `sub` and `role` are validated, and
 * `iss`/`aud` are checked when configured. The signature is checked with WebCrypto's constant-time verify.
 */
export type JwtOptions = { secret: string; jwksUrl?: string; issuer?: string; audience?: string; now: Date; leewaySeconds?: number };

export class JwtError extends Error {}

const encoder = new TextEncoder();
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keyCache.set(secret, key);
  }
  return key;
}

/** Strict base64url decoding shared by tokens, signed links and cursors: null for anything malformed. */
export function decodeBase64Url(part: string): Uint8Array | null {
  // A length of 4n+1 is never valid base64 (atob would throw a DOMException).
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return null;
  try {
    const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

function base64UrlDecode(part: string): Uint8Array {
  const bytes = decodeBase64Url(part);
  if (!bytes) throw new JwtError("token is not base64url");
  return bytes;
}

export function base64UrlEncode(bytes: Uint8Array | string): string {
  const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  let binary = "";
  for (const byte of data) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new JwtError("token is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new JwtError("token is not an object");
  return value as Record<string, unknown>;
}

export async function verifyJwt(token: string, options: JwtOptions): Promise<Caller> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed token");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(base64UrlDecode(headerPart));
  const signature = base64UrlDecode(signaturePart);
  const signed = encoder.encode(`${headerPart}.${payloadPart}`);
  // The algorithm is pinned by configuration: HS256 with JWT_SECRET, or RS256/ES256 from JWT_JWKS_URL.
  let valid: boolean;
  if (options.jwksUrl) {
    if (header.alg !== "RS256" && header.alg !== "ES256") throw new JwtError("token algorithm not allowed");
    try {
      valid = await verifyWithJwks(options.jwksUrl, header.alg, header.kid, signed, signature, options.now);
    } catch (error) {
      if (error instanceof Error && /JWKS fetch failed/.test(error.message)) throw error;
      valid = false;
    }
  } else {
    if (header.alg !== "HS256") throw new JwtError("token algorithm not allowed");
    valid = await crypto.subtle.verify("HMAC", await hmacKey(options.secret), signature, signed);
  }
  if (!valid) throw new JwtError("invalid token signature");

  const claims = parseJson(base64UrlDecode(payloadPart));
  const now = Math.floor(options.now.getTime() / 1000);
  const leeway = options.leewaySeconds ?? 30;
  if (typeof claims.exp !== "number" || !Number.isFinite(claims.exp)) throw new JwtError("token has no expiry (exp)");
  if (claims.exp + leeway <= now) throw new JwtError("token expired");
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf - leeway > now))
    throw new JwtError("token not yet valid (nbf)");
  if (claims.iat !== undefined && (typeof claims.iat !== "number" || claims.iat - leeway > now))
    throw new JwtError("token issued in the future (iat)");
  if (options.issuer && claims.iss !== options.issuer) throw new JwtError("token issuer not accepted");
  if (options.audience) {
    const aud = claims.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(options.audience)) throw new JwtError("token audience not accepted");
  }
  if (typeof claims.sub !== "string" || claims.sub.length === 0 || claims.sub.length > 200)
    throw new JwtError("token has no subject (sub)");
  if (claims.role !== "manager" && claims.role !== "participant") throw new JwtError("token role must be manager or participant");
  return { id: claims.sub, role: claims.role };
}

/** Signs a token; used by `npm run token` and by the tests' token signer. */
export async function signJwt(claims: Record<string, unknown>, secret: string): Promise<string> {
  const head = base64UrlEncode(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = base64UrlEncode(JSON.stringify(claims));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${head}.${body}`));
  return `${head}.${body}.${base64UrlEncode(new Uint8Array(signature))}`;
}
