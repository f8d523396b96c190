/**
 * Webhook rules that need no I/O: which URLs may receive events (and the one form a URL is stored and compared
 * in), how many webhooks there may be, how long a failed delivery waits before the next try, and what a
 * receiver's answer means for a delivery. Pure.
 */
import ipaddr from "ipaddr.js";
import { DELIVERY_ERRORS, type DeliveryError, type DeliveryStatus } from "./vocabulary";

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Live webhooks a deployment may have. Every event is sent to each subscriber from one Worker with a handful of
 * connections (MAX_CONCURRENT_DELIVERIES): a long list of receivers would make every event slow for all of them.
 * Counted and enforced by the create statement itself (webhooks/queries.ts), so simultaneous creates cannot pass it.
 */
export const MAX_LIVE_WEBHOOKS = 25;

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
const LOCAL_NAME = /(^|\.)(localhost|internal|local|home\.arpa)$/;

/**
 * Whitespace, control and invisible (format) characters. `new URL` silently drops tabs and newlines and
 * percent-encodes the rest, so what a manager pasted and what would be called could differ: checked on the raw
 * text, before parsing.
 */
const HIDDEN_CHARACTERS = /[\s\p{Cc}\p{Cf}]/u;

/** The well-known NAT64 prefix (RFC 6052): the only IPv6 form that embeds an IPv4 address and may be used. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parse("64:ff9b::");

export type UrlVerdict = { ok: true; url: string } | { ok: false; reason: string };

const refused = (reason: string): UrlVerdict => ({ ok: false, reason });

const v4From = (high: number, low: number) => ipaddr.IPv4.parse(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`);

/** An IPv4 address as a reason names it: `127.0.0.1 (loopback)`. */
const described = (v4: ipaddr.IPv4) => `${v4.toString()} (${v4.range()})`;

type EightGroups = [number, number, number, number, number, number, number, number];
const isEightGroups = (parts: number[]): parts is EightGroups => parts.length === 8;

/**
 * The IPv4 address an IPv6 address carries or routes to, for the forms that have one: IPv4-mapped and
 * -translated, IPv4-compatible (::a.b.c.d), well-known NAT64, 6to4 (bits 16–47) and Teredo (the client, bits
 * 96–127 inverted).
 */
function embeddedV4(v6: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = v6.parts;
  if (!isEightGroups(p)) throw new Error(`an IPv6 address has eight groups, not ${p.length}`);
  const range: string = v6.range();
  if (range === "6to4") return v4From(p[1], p[2]);
  if (range === "teredo") return v4From(p[6] ^ 0xffff, p[7] ^ 0xffff);
  const compatible = range === "unicast" && p.slice(0, 6).every((g) => g === 0);
  if (range === "ipv4Mapped" || range === "rfc6145" || compatible || v6.match(NAT64_WELL_KNOWN, 96)) return v4From(p[6], p[7]);
  return null;
}

const LOCAL_OR_PRIVATE = "url must not name a local or private host";

/**
 * Why an IP literal may not receive events, or null when it may. ipaddr.js names the special-purpose ranges
 * (IANA's registries: loopback, private, link-local, shared, benchmarking, documentation, reserved, …); anything
 * it does not call `unicast` is refused. The one IPv6 form followed to the IPv4 address it embeds is the
 * well-known NAT64 prefix 64:ff9b::/96, which a public IPv4 address may sit behind; every other embedding
 * form (mapped, translated, compatible, 6to4, Teredo) is refused whatever it embeds — a relay or translator
 * outside our control decides where it leads — and so is local-use NAT64 (64:ff9b:1::/48), which by
 * definition translates into a network of its own.
 */
function ipRefusal(address: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  if (address.kind() === "ipv4") {
    const v4 = address as ipaddr.IPv4;
    return v4.range() === "unicast" ? null : `${LOCAL_OR_PRIVATE} (${described(v4)})`;
  }
  const v6 = address as ipaddr.IPv6;
  const range: string = v6.range();
  const v4 = embeddedV4(v6);
  if (v4 && range === "rfc6052") return v4.range() === "unicast" ? null : `${LOCAL_OR_PRIVATE} (NAT64 of ${described(v4)})`;
  if (v4) return `${LOCAL_OR_PRIVATE} (${range === "unicast" ? "IPv4-compatible" : range} form of ${described(v4)})`;
  if (range === "rfc6052") return `${LOCAL_OR_PRIVATE} (local-use NAT64 address)`;
  return range === "unicast" ? null : `${LOCAL_OR_PRIVATE} (${range} IPv6 address)`;
}

/**
 * The host as it is classified and stored: lowercase (the URL parser did that, and turned 0x7f.1, 2130706433 …
 * into dotted IPv4), without the one trailing dot that spells a name fully qualified; null when a label is empty
 * (`a..b`, `.a`, `localhost..`), which no resolver reads the same way twice.
 */
function normalHost(hostname: string): string | null {
  if (hostname.startsWith("[")) return hostname;
  const host = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  return host.split(".").some((label) => label === "") ? null : host;
}

/** Why a normalised host may not receive events, or null when it may. */
function hostRefusal(host: string): string | null {
  if (host.startsWith("[")) {
    // The URL parser accepted it as an IPv6 literal, so ipaddr.js parses it too.
    return ipRefusal(ipaddr.IPv6.parse(host.slice(1, -1)));
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipRefusal(ipaddr.IPv4.parse(host));
  if (LOCAL_NAME.test(host)) return `${LOCAL_OR_PRIVATE} (localhost, *.localhost, *.internal, *.local, *.home.arpa)`;
  return null;
}

/**
 * Whether events may be sent to `raw`, and the URL as it is then stored: `https://` with a host and no
 * credentials, no whitespace, control or invisible character anywhere, and the host neither an empty-labelled
 * name nor a local or private one — no localhost, *.localhost, *.internal, *.local or *.home.arpa name, no IP
 * literal outside the public unicast ranges (see `ipRefusal`). When `allowLocal` (npm run dev, the end-to-end
 * test), `localhost` and `127.0.0.1` exactly as spelled (any port) are accepted over http:// or https://; every
 * other local or private host still is not. Checked when a webhook is created and again before every delivery
 * (the setting may have changed since). This is the syntactic check only: a public name that resolves to a
 * private address is not caught here.
 *
 * The stored URL is the parser's serialisation with the normalised host (lowercase, punycode, no trailing dot,
 * no default port): the form duplicates are compared in.
 */
export function checkWebhookUrl(raw: string, allowLocal: boolean): UrlVerdict {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return refused(`url is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  if (HIDDEN_CHARACTERS.test(raw)) return refused("url must not contain whitespace, control or invisible characters");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refused("url is not an absolute URL");
  }
  // A secret in the URL would be stored, logged and shown in every GET /webhooks.
  if (url.username || url.password) return refused("url must not carry credentials");
  if (url.protocol !== "https:" && url.protocol !== "http:") return refused("url must be https://");
  if (!url.hostname) return refused("url has no host");
  const local = LOCAL_HOSTS.has(url.hostname);
  if (local && !allowLocal) return refused("localhost and 127.0.0.1 are accepted only when ALLOW_LOCAL_WEBHOOKS is true");
  if (!local) {
    const host = normalHost(url.hostname);
    if (host === null) return refused("url host has an empty label (two dots in a row, or a leading dot)");
    const refusal = hostRefusal(host);
    if (refusal) return refused(refusal);
    if (url.protocol !== "https:") return refused("url must be https://");
    url.hostname = host;
  }
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return refused(`url is longer than ${MAX_WEBHOOK_URL_LENGTH} characters once encoded`);
  return { ok: true, url: url.href };
}

/** A webhook's event set as compared for duplicates: sorted, each once, as JSON (what SQL builds from a row). */
export function eventsKey(events: readonly string[]): string {
  return JSON.stringify([...new Set(events)].sort());
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
