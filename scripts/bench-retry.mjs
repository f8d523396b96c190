// Retry and failure reporting for scripts/bench.mjs: the benchmark runs beside other jobs, where the local
// workerd may answer late, drop a connection, or crash and be restarted by Miniflare. Connection-level failures
// are retried with backoff; anything else stops at once.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
// Errors that lost their `code` on the way (e.g. re-thrown from another thread) still carry the text.
const CONNECTION_TEXT =
  /fetch failed|ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|other side closed|socket hang up|Network connection lost|The operation was aborted due to timeout/i;
// Failures where the request cannot have reached the server: safe to repeat even for a non-idempotent request.
const NOT_DELIVERED_CODES = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const NOT_DELIVERED_TEXT = /ECONNREFUSED/;

/** An HTTP answer the caller treats as a failure; keeps the status and (the start of) the body for the report. */
export class HttpError extends Error {
  constructor(method, url, status, body, detail = "") {
    super(`${method} ${url} answered ${status}${detail ? `: ${detail}` : ""}`);
    this.name = "HttpError";
    this.status = status;
    this.body = body;
  }
}

/** A bench step that could not be completed: what it was, how many tries, and the last error. */
export class StepFailed extends Error {
  constructor(what, attempts, cause, { retryable, lastResponse, then } = {}) {
    super(
      `${what} failed after ${attempts} ${attempts === 1 ? "try" : "tries"}${retryable ? "" : " (not retryable)"}: ${describeError(cause)}` +
        (then ? `; then ${then.message}` : ""),
      { cause },
    );
    this.name = "StepFailed";
    this.what = what;
    this.attempts = attempts;
    this.retryable = Boolean(retryable);
    this.then = then?.message; // waiting for the server before the next try failed
    this.lastResponse = lastResponse ?? then?.lastResponse ?? lastResponseOf(cause);
  }
}

/** The error and its causes (error.cause, AggregateError.errors), outermost first. */
export function causes(error) {
  const out = [];
  const queue = [error];
  while (queue.length > 0 && out.length < 10) {
    const e = queue.shift();
    if (e === undefined || e === null || out.includes(e)) continue;
    out.push(e);
    if (typeof e === "object") {
      if (e.cause !== undefined) queue.push(e.cause);
      if (Array.isArray(e.errors)) queue.push(...e.errors);
    }
  }
  return out;
}

export function isConnectionError(error) {
  return causes(error).some((e) => e?.status === 503 || CONNECTION_CODES.has(e?.code) || CONNECTION_TEXT.test(String(e?.message ?? e)));
}

/** Connection refused: nothing was sent, so even a POST may be repeated. */
export function isNotDelivered(error) {
  return causes(error).some((e) => NOT_DELIVERED_CODES.has(e?.code) || NOT_DELIVERED_TEXT.test(String(e?.message ?? e)));
}

/** One line: "TypeError: fetch failed ← Error: connect ECONNREFUSED 127.0.0.1:8787 [ECONNREFUSED]". */
export function describeError(error) {
  return (
    causes(error)
      .filter((e) => !(e instanceof StepFailed))
      .map((e) =>
        e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}${typeof e.code === "string" ? ` [${e.code}]` : ""}` : String(e),
      )
      .join(" ← ") || String(error)
  );
}

/** "status body" of the innermost HttpError among the causes, if any. */
export function lastResponseOf(error) {
  const http = causes(error).find((e) => e instanceof HttpError);
  return http ? `${http.status} ${clip(http.body)}` : undefined;
}

export const clip = (text, n = 500) => {
  const s = String(text ?? "")
    .replace(/\s+/g, " ")
    .trim();
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s || "(empty body)";
};

/**
 * Runs fn(attempt) up to `tries` times. A failure that `retryable` accepts (default: connection-level) waits
 * with exponential backoff (and `beforeRetry`, e.g. waiting for the server to answer again) before the next try;
 * any other failure stops at once. Throws StepFailed naming `what`.
 */
export async function withRetry(
  fn,
  { what, tries = 5, baseMs = 250, maxMs = 4000, retryable = isConnectionError, beforeRetry, log = console.warn } = {},
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const again = retryable(error);
      if (!again || attempt >= tries) throw new StepFailed(what, attempt, error, { retryable: again });
      const delay = Math.round(Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2));
      log?.(`  ! ${what}: try ${attempt}/${tries} failed (${describeError(error)}); retrying in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
      if (beforeRetry) {
        try {
          await beforeRetry(error, attempt);
        } catch (waitError) {
          throw new StepFailed(what, attempt, error, { retryable: true, then: waitError });
        }
      }
    }
  }
}

/**
 * Polls GET `healthUrl` until it answers 2xx, with backoff (0.1 s doubling to 2 s) and at most `totalMs` in all.
 * Each poll is cut off after `perTryMs`. Resolves { waitedMs, attempts }; otherwise throws an error naming the URL,
 * how long it waited, the last error and the last response (status and body) if there was one.
 */
export async function waitForServer(healthUrl, { totalMs = 60_000, perTryMs = 5_000 } = {}) {
  const t0 = Date.now();
  let attempts = 0;
  let lastError;
  let lastResponse;
  for (let delay = 100; ; delay = Math.min(2_000, delay * 2)) {
    const left = totalMs - (Date.now() - t0);
    if (left <= 0) break;
    attempts++;
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(Math.max(100, Math.min(perTryMs, left))) });
      const body = await res.text();
      if (res.ok) return { waitedMs: Date.now() - t0, attempts };
      lastResponse = `${res.status} ${clip(body)}`;
      lastError = new HttpError("GET", healthUrl, res.status, body);
    } catch (error) {
      lastError = error;
    }
    const rest = totalMs - (Date.now() - t0);
    if (rest <= 0) break;
    await sleep(Math.min(delay, rest));
  }
  const waited = ((Date.now() - t0) / 1000).toFixed(1);
  const error = new Error(
    `the server did not answer GET ${healthUrl} within ${waited} s (${attempts} polls); last error: ${describeError(lastError)}` +
      (lastResponse ? `; last response: ${lastResponse}` : ""),
  ); // the message already describes lastError and its causes
  error.lastResponse = lastResponse;
  throw error;
}
