/**
 * Webhook rules that need no I/O: which URLs may receive events, how long a failed delivery waits before the
 * next try, and what a receiver's answer means for a delivery. Pure.
 */
import { DELIVERY_ERRORS, type DeliveryError, type DeliveryStatus } from "./vocabulary";

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Deliveries a message gets before it goes to the dead-letter queue: the first plus wrangler.toml's
 * `max_retries` (8) for the `lms-webhooks*` consumers. Kept equal to it so the last try is the one that marks a
 * delivery `failed` (a retry beyond it would never run).
 */
export const WEBHOOK_MAX_ATTEMPTS = 9;

/** The first retry waits this long unless WEBHOOK_RETRY_BASE_SECONDS says otherwise. */
export const DEFAULT_RETRY_BASE_SECONDS = 10;
/** No wait is longer than an hour: a receiver back from an outage hears within the hour. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

/** Hosts a URL may name when local webhooks are allowed (`npm run dev`, the end-to-end test), http or https. */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1"]);

/** Names that never leave the local machine or network: localhost and the special-use local domains. */
const LOCAL_NAME = /(^|\.)(localhost|internal|local)$/;

export type UrlVerdict = { ok: true } | { ok: false; reason: string };

/** The four bytes of a dotted IPv4 literal (the URL parser has already turned 0x7f.1, 2130706433 … into it), else null. */
function ipv4Bytes(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

/** Loopback, private, link-local, shared (CGNAT), unspecified, multicast or reserved: not a public unicast address. */
function isNonPublicV4([a, b]: number[]): boolean {
  return (
    a === 0 || // 0.0.0.0/8: "this network", 0.0.0.0 unspecified
    a === 10 || // 10/8 private
    a === 127 || // 127/8 loopback
    (a === 100 && b! >= 64 && b! <= 127) || // 100.64/10 shared address space
    (a === 169 && b === 254) || // 169.254/16 link-local (cloud metadata)
    (a === 172 && b! >= 16 && b! <= 31) || // 172.16/12 private
    (a === 192 && b === 168) || // 192.168/16 private
    a! >= 224 // 224/4 multicast, 240/4 reserved, broadcast
  );
}

/** The eight 16-bit groups of an IPv6 literal (brackets stripped), a trailing dotted IPv4 part included; else null. */
function ipv6Groups(literal: string): number[] | null {
  let text = literal.toLowerCase();
  const tail: number[] = [];
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const bytes = ipv4Bytes(v4[1]!);
    if (!bytes) return null;
    tail.push((bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!);
    // Keep the colon only when it ends a "::" ("::1.2.3.4"); else it separated the last group ("::ffff:1.2.3.4").
    text = text.slice(0, v4.index + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const known = head.length + rest.length + tail.length;
  if (head.some(Number.isNaN) || rest.some(Number.isNaN)) return null;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
}

/**
 * Unspecified (::), loopback (::1), IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96) forms, unique local
 * (fc00::/7), link-local (fe80::/10), site-local (fec0::/10), multicast (ff00::/8), and NAT64 (64:ff9b::/96) of a
 * non-public IPv4 address. An unparsable literal counts as non-public.
 */
function isNonPublicV6(literal: string): boolean {
  const g = ipv6Groups(literal);
  if (!g) return true;
  const first = g[0]!;
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0 || g[5] === 0xffff)) return true;
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0 || (first & 0xff00) === 0xff00) return true;
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return isNonPublicV4([g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff]);
  }
  return false;
}

/** Whether a URL's host (as the URL parser normalised it) is local or private: a name, an IPv4 or an IPv6 literal. */
export function isLocalOrPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) return isNonPublicV6(host.slice(1, -1));
  const v4 = ipv4Bytes(host);
  if (v4) return isNonPublicV4(v4);
  return LOCAL_NAME.test(host);
}

/**
 * Whether events may be sent to `raw`: `https://` with a host and no credentials, and the host not local or
 * private — no localhost, *.localhost, *.internal or *.local name, no loopback, private, link-local, unspecified
 * (or otherwise non-public) IPv4 or IPv6 literal, IPv4-mapped ones included. When `allowLocal` (npm run dev, the
 * end-to-end test), `localhost` and `127.0.0.1` (any port) are accepted over http:// or https://; every other
 * local or private host still is not. Checked when a webhook is created and again before every delivery (the
 * setting may have changed since). This is the syntactic check only: a public name that resolves to a private
 * address is not caught here.
 */
export function checkWebhookUrl(raw: string, allowLocal: boolean): UrlVerdict {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `url is longer than ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "url is not an absolute URL" };
  }
  // A secret in the URL would be stored, logged and shown in every GET /webhooks.
  if (url.username || url.password) return { ok: false, reason: "url must not carry credentials" };
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "url must be https://" };
  if (!url.hostname) return { ok: false, reason: "url has no host" };
  if (LOCAL_HOSTS.has(url.hostname)) {
    return allowLocal ? { ok: true } : { ok: false, reason: "localhost and 127.0.0.1 are accepted only when ALLOW_LOCAL_WEBHOOKS is true" };
  }
  if (isLocalOrPrivateHost(url.hostname)) {
    return {
      ok: false,
      reason:
        "url must not name a local or private host (loopback, private, link-local or unspecified address, localhost, *.internal, *.local)",
    };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "url must be https://" };
  return { ok: true };
}

/** The base delay from WEBHOOK_RETRY_BASE_SECONDS: a positive integer, else the default. */
export function retryBaseSeconds(configured: string | undefined): number {
  const n = configured === undefined ? Number.NaN : Number(configured);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_RETRY_BASE_SECONDS;
}

/**
 * Seconds before the next try after `attempt` (1 = the first delivery) failed: base, 2·base, 4·base, … capped at
 * an hour. With the default base of 10 s the eight retries wait 10 s … 21 min, about 43 min in all.
 */
export function retryDelaySeconds(attempt: number, baseSeconds: number, capSeconds = MAX_RETRY_DELAY_SECONDS): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2 ** exponent grows past the cap long before it overflows; min() keeps it there.
  return Math.min(capSeconds, baseSeconds * 2 ** Math.min(exponent, 30));
}

/** What one try came to: the receiver's status, or the failure that stopped it before any answer. */
export type TryResult = { status: number } | { failure: DeliveryError };

/**
 * A thrown fetch error as a word of the vocabulary. Timeouts are the AbortSignal's; the rest is read from the
 * runtime's message (workerd and Node word them differently, and neither promises a stable text), falling back
 * to `connection_failed`. The message itself is never recorded.
 */
export function failureOf(error: unknown): DeliveryError {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  const message = error instanceof Error || error instanceof DOMException ? error.message : "";
  if (/timed? ?out|ETIMEDOUT/i.test(message)) return "timeout";
  if (/\bdns\b|getaddrinfo|ENOTFOUND|EAI_AGAIN|name not resolved|resolve host/i.test(message)) return "dns_error";
  if (/\btls\b|\bssl\b|certificate|handshake/i.test(message)) return "tls_error";
  return "connection_failed";
}

/** A receiver's answer as a delivery: 2xx is success; redirects are not followed, so a 3xx is a failure too. */
export function outcomeOf(result: TryResult): { ok: boolean; code: number | null; error: DeliveryError | null } {
  if ("failure" in result) return { ok: false, code: null, error: result.failure };
  const ok = result.status >= 200 && result.status < 300;
  if (ok) return { ok, code: result.status, error: null };
  return { ok, code: result.status, error: result.status >= 300 && result.status < 400 ? "redirect" : "non_2xx" };
}

/** The delivery's state after a try: succeeded, pending another try, or failed for good (the last attempt). */
export function deliveryStatus(ok: boolean, attempt: number, maxAttempts = WEBHOOK_MAX_ATTEMPTS): DeliveryStatus {
  if (ok) return "succeeded";
  return attempt >= maxAttempts ? "failed" : "pending";
}

const isDeliveryError = (text: string): text is DeliveryError => (DELIVERY_ERRORS as readonly string[]).includes(text);

/**
 * A stored `last_error` as managers see it. Rows recorded before the vocabulary hold free text (`timed out`,
 * `network error: …` with the runtime's message, `non-2xx response: HTTP 503`, …): shown as the word they
 * would be recorded as today, so no such text ever reaches a response.
 */
export function storedDeliveryError(stored: string | null): DeliveryError | null {
  if (stored === null || isDeliveryError(stored)) return stored;
  if (stored === "timed out") return "timeout";
  if (stored.startsWith("redirect not followed")) return "redirect";
  if (stored.startsWith("non-2xx response")) return "non_2xx";
  if (stored.startsWith("url refused")) return "url_refused";
  if (stored === "webhook deleted") return "webhook_deleted";
  return failureOf(new Error(stored.replace(/^network error: /, "")));
}
