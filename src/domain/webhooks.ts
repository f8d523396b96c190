/**
 * Webhook rules that need no I/O: which URLs may receive events, how long a failed delivery waits before the
 * next try, and what a receiver's answer means for a delivery. Pure.
 */
import type { DeliveryStatus } from "./vocabulary";

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

/** Hostnames an `http://` URL may name when local webhooks are allowed (`npm run dev`, the end-to-end test). */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1"]);

export type UrlVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether events may be sent to `raw`: `https://` with a host and no credentials; `http://localhost[:port]` and
 * `http://127.0.0.1[:port]` only when `allowLocal`. Checked when a webhook is created and again before every
 * delivery (the setting may have changed since).
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
  if (!url.hostname) return { ok: false, reason: "url has no host" };
  if (url.protocol === "https:") return { ok: true };
  if (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname)) {
    return allowLocal
      ? { ok: true }
      : { ok: false, reason: "http://localhost and http://127.0.0.1 are accepted only when ALLOW_LOCAL_WEBHOOKS is true" };
  }
  return { ok: false, reason: "url must be https://" };
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

/** What one try came to: the receiver's status, or the network error / refusal that stopped it. */
export type TryResult = { status: number } | { error: string };

export const MAX_ERROR_LENGTH = 500;

/** A receiver's answer as a delivery: 2xx is success; redirects are not followed, so a 3xx is a failure too. */
export function outcomeOf(result: TryResult): { ok: boolean; code: number | null; error: string | null } {
  if ("error" in result) return { ok: false, code: null, error: clip(result.error) };
  const ok = result.status >= 200 && result.status < 300;
  if (ok) return { ok, code: result.status, error: null };
  const why = result.status >= 300 && result.status < 400 ? "redirect not followed" : "non-2xx response";
  return { ok, code: result.status, error: `${why}: HTTP ${result.status}` };
}

/** The delivery's state after a try: succeeded, pending another try, or failed for good (the last attempt). */
export function deliveryStatus(ok: boolean, attempt: number, maxAttempts = WEBHOOK_MAX_ATTEMPTS): DeliveryStatus {
  if (ok) return "succeeded";
  return attempt >= maxAttempts ? "failed" : "pending";
}

const clip = (text: string) => (text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text);
