import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/**
 * What happens to the part of a request body the Worker answered without reading (a 401, 404, 413, 415, a
 * validation refusal, a preflight…).
 *
 * Under `wrangler dev` every request reaches the Worker through wrangler's ProxyWorker, which forwards the
 * body as it arrives. Cancelling the unread body makes workerd close that connection while the proxy may
 * still be writing the body into it; the proxy's forward then fails with "Network connection lost" and the
 * client gets the proxy's own `500` (text, with a stack) or a dropped connection instead of the Worker's
 * answer (measured: a few in a thousand small refusals, more than half of 2 MB bodies refused while being
 * sent). Reading the rest keeps the connection whole, so the answer goes through. Not reading it at all is no
 * better: wrangler's bundled middleware then reads it with no bound, and a refusal of a 200 MB upload waits
 * for all 200 MB, or for ever when the client waits for the refusal before sending more.
 *
 * So the rest is read while it keeps coming, within bounds: a body declared larger than DRAIN_LIMIT_BYTES is
 * cancelled at once (a 413 for a 200 MB upload answers at once), and reading stops (cancel) when the body
 * passes that limit, when nothing arrives for DRAIN_STALL_MS (a client waiting for the refusal before sending
 * more), or after DRAIN_WAIT_MS in all. A deployed Worker behaves the same, and pays little: the bytes are
 * dropped as they arrive, and the client hears its refusal at most half a second after it stops sending.
 */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
export const DRAIN_STALL_MS = 500;
export const DRAIN_WAIT_MS = 5000;

/** Content-Length as a byte count, or null when absent (chunked) or not one. */
export function declaredLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  if (value === null || !/^\d{1,16}$/.test(value.trim())) return null;
  return Number(value);
}

/**
 * Reads a stream to its end and drops the bytes, or cancels it (see above for when). Never throws: a client
 * that broke off leaves nothing to do.
 */
export async function releaseStream(stream: ReadableStream<Uint8Array>, declared: number | null): Promise<void> {
  if (declared !== null && declared > DRAIN_LIMIT_BYTES) {
    await stream.cancel().catch(() => {});
    return;
  }
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = stream.getReader();
  } catch {
    return; // someone else holds it
  }
  const deadline = Date.now() + DRAIN_WAIT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    let read = 0;
    for (;;) {
      const wait = Math.min(DRAIN_STALL_MS, deadline - Date.now());
      if (wait <= 0) break;
      const stalled = new Promise<"stalled">((resolve) => {
        timer = setTimeout(() => resolve("stalled"), wait);
      });
      const next = await Promise.race([reader.read(), stalled]);
      clearTimeout(timer);
      if (next === "stalled") break;
      if (next.done) return;
      read += next.value.byteLength;
      if (read > DRAIN_LIMIT_BYTES) break;
    }
    await reader.cancel().catch(() => {});
  } catch {
    // The body broke off (a client that stopped mid-body): there is nothing left to release.
  } finally {
    clearTimeout(timer);
  }
}

/** Releases the request's body when nothing read it; a body already read, or being read, is left alone. */
export async function releaseUnreadBody(request: Request): Promise<void> {
  const body = request.body;
  if (!body || request.bodyUsed || body.locked) return;
  await releaseStream(body, declaredLength(request.headers));
}

/**
 * Outermost middleware: whatever answered (a route, a refusal in any middleware, the error handler, a
 * preflight), the unread rest of the body is released before the answer leaves. It holds on to the request it
 * was given: middleware may swap `c.req.raw` for a copy, but the body the client is sending is this one's.
 */
export const releaseRequestBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const request = c.req.raw;
  await next();
  await releaseUnreadBody(request);
};
