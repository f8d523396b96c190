/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of 32 random
 * bytes; the signature is `v1,` + base64(HMAC-SHA256(key = those bytes, `${id}.${timestamp}.${body}`)). Pure
 * apart from Web Crypto; used by the queue consumer (sign) and by tests and receivers (verify).
 */

const PREFIX = "whsec_";
const encoder = new TextEncoder();

export function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function base64Decode(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** A new signing secret: shown to the manager once, stored for the consumer. */
export function newSecret(): string {
  return PREFIX + base64Encode(crypto.getRandomValues(new Uint8Array(32)));
}

function keyBytes(secret: string): Uint8Array {
  const bytes = secret.startsWith(PREFIX) ? base64Decode(secret.slice(PREFIX.length)) : null;
  if (!bytes || bytes.length === 0) throw new Error("webhook secret is not whsec_<base64>");
  return bytes;
}

async function hmac(secret: string, content: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", keyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(content)));
}

/** The `webhook-signature` header value for one delivery. */
export async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  return `v1,${base64Encode(await hmac(secret, `${id}.${timestamp}.${body}`))}`;
}

/** Constant-time equality of two byte strings (the time does not tell how many leading bytes matched). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  // b is as long as a (checked above); a byte it lacked would count as a difference (0x100 matches no byte).
  for (const [i, byte] of a.entries()) diff |= byte ^ (b[i] ?? 0x100);
  return diff === 0;
}

export type SignedHeaders = { id: string | null; timestamp: string | null; signature: string | null };

/**
 * Whether a delivery is authentic and fresh: the timestamp within `toleranceSeconds` of `now`, and one of the
 * space-separated `v1,` signatures matching (a receiver rotating secrets may be sent several).
 */
export async function verify(
  secret: string,
  headers: SignedHeaders,
  body: string,
  now: Date = new Date(),
  toleranceSeconds = 300,
): Promise<boolean> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = await hmac(secret, `${id}.${timestamp}.${body}`);
  let ok = false;
  for (const part of signature.split(" ")) {
    const [version, value] = part.split(",", 2);
    const given = version === "v1" && value ? base64Decode(value) : null;
    if (given && sameBytes(given, expected)) ok = true;
  }
  return ok;
}
