import type { Caller } from "../env";
import { base64UrlEncode, decodeBase64Url } from "./jwt";

/**
 * Short-lived download links for media tags, which cannot send an Authorization header. The token is an
 * HMAC over (material id, user, role, expiry) with a key derived from JWT_SECRET for this purpose only, so a
 * link never works as an API token nor for another material or after it expires.
 */
export const MAX_LINK_SECONDS = 15 * 60;

const encoder = new TextEncoder();

async function key(secret: string) {
  // Without a secret the key would be public: no link is signed or accepted then.
  if (!secret) throw new Error("file links need JWT_SECRET");
  return crypto.subtle.importKey("raw", encoder.encode(`file-link:${secret}`), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

const payloadOf = (materialId: string, caller: Caller, expires: number) =>
  JSON.stringify({ m: materialId, s: caller.id, r: caller.role, e: expires });

export async function signLink(materialId: string, caller: Caller, expires: number, secret: string): Promise<string> {
  const payload = payloadOf(materialId, caller, expires);
  const sig = await crypto.subtle.sign("HMAC", await key(secret), encoder.encode(payload));
  return `${base64UrlEncode(payload)}.${base64UrlEncode(new Uint8Array(sig))}`;
}

/** The caller a link was made for, or a reason it is refused. */
export async function verifyLink(token: string, materialId: string, secret: string, now: Date): Promise<Caller | string> {
  const [payloadPart, sigPart, extra] = token.split(".");
  if (!payloadPart || !sigPart || extra !== undefined) return "malformed link token";
  const payloadBytes = decodeBase64Url(payloadPart);
  const sig = decodeBase64Url(sigPart);
  if (!payloadBytes || !sig) return "malformed link token";
  if (!(await crypto.subtle.verify("HMAC", await key(secret), sig, payloadBytes))) return "invalid link signature";
  let claims: { m?: unknown; s?: unknown; r?: unknown; e?: unknown };
  try {
    claims = JSON.parse(new TextDecoder().decode(payloadBytes));
  } catch {
    return "malformed link token";
  }
  if (claims.m !== materialId) return "link is for another material";
  if (typeof claims.e !== "number" || claims.e * 1000 <= now.getTime()) return "link expired";
  if (claims.e * 1000 > now.getTime() + MAX_LINK_SECONDS * 1000) return "link lives too long";
  if (typeof claims.s !== "string" || !["manager", "participant", "staff"].includes(claims.r as string)) return "malformed link token";
  return { id: claims.s, role: claims.r as Caller["role"] };
}
