import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { DRAIN_LIMIT_BYTES, DRAIN_STALL_MS } from "../src/lib/request-body";
import { token, uniqueName } from "./helpers";

/**
 * Under `wrangler dev` a cancelled request body made the dev proxy lose its connection to the Worker, and the
 * client got the proxy's `500 Network connection lost` instead of the Worker's answer (scripts/fuzz-dev.mjs
 * shows it end to end). Here, inside workerd alone, what the Worker does with a body it answered without
 * reading: read to its end while it arrives, cancelled when declared or found larger than 16 MB, or when it stalls.
 */
type Sent = { status: number; json: { code?: string }; read: number; finished: boolean; cancelled: boolean; ms: number };

/** A body of `size` bytes in 64 KB chunks (`stallAfter`: bytes after which the sender stops sending). */
async function send(method: string, path: string, size: number, headers: Record<string, string>, stallAfter?: number): Promise<Sent> {
  let read = 0;
  let finished = false;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stallAfter !== undefined && read >= stallAfter) return new Promise<void>(() => {});
      if (read >= size) {
        finished = true;
        controller.close();
        return;
      }
      const chunk = new Uint8Array(Math.min(64 * 1024, size - read)).fill(0x7b);
      read += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  const started = Date.now();
  const response = await createApp().fetch(new Request(`http://api.test${path}`, { method, body, headers }), env, createExecutionContext());
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as { code?: string };
  return { status: response.status, json, read, finished, cancelled, ms: Date.now() - started };
}

describe("a body the Worker answered without reading", () => {
  it("is read to its end when small: a 415, a 401, a 404, a validation refusal", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const cases: [string, string, string, Record<string, string>, number][] = [
      [
        "wrong Content-Type",
        "PUT",
        "/forms/0123456789abcdef01234567",
        { authorization: `Bearer ${manager}`, "content-type": "text/plain" },
        415,
      ],
      ["no token", "PUT", "/forms/0123456789abcdef01234567", { "content-type": "application/json" }, 401],
      [
        "no such route",
        "POST",
        "/requirement-tables/0123456789abcdef01234567",
        { authorization: `Bearer ${manager}`, "content-type": "application/json" },
        404,
      ],
      [
        "a 5,000-character id",
        "PUT",
        `/forms/${"a".repeat(5000)}`,
        { authorization: `Bearer ${manager}`, "content-type": "application/json" },
        400,
      ],
    ];
    for (const [name, method, path, headers, status] of cases) {
      const size = 40_000;
      const sent = await send(method, path, size, { ...headers, "content-length": String(size) });
      expect(sent.status, name).toBe(status);
      expect(sent.finished && !sent.cancelled, name).toBe(true);
    }
  });

  it("is read to its end when over the 1 MB JSON cap but within 16 MB: the 413 must not race the upload", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const size = 4 * 1024 * 1024;
    const sent = await send("POST", "/courses", size, {
      authorization: `Bearer ${manager}`,
      "content-type": "application/json",
      "content-length": String(size),
    });
    expect(sent.status).toBe(413);
    expect(sent.json.code).toBe("body_too_large");
    expect(sent.finished && !sent.cancelled).toBe(true);
  });

  it("is cancelled at once when declared over 16 MB, without reading it (a 413 and a preflight alike)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const declared = String(200 * 1024 * 1024);
    const refused = await send("POST", "/courses", 200 * 1024 * 1024, {
      authorization: `Bearer ${manager}`,
      "content-type": "application/json",
      "content-length": declared,
    });
    expect(refused.status).toBe(413);
    expect(refused.json.code).toBe("body_too_large");
    // A preflight is answered before every other middleware; before, nothing let go of its body and the dev
    // proxy waited for all of it.
    const preflight = await send("OPTIONS", "/courses", 200 * 1024 * 1024, { "content-length": declared, origin: "http://localhost:5173" });
    for (const sent of [refused, preflight]) {
      expect(sent.cancelled).toBe(true);
      expect(sent.read).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it("is cancelled once it passes 16 MB when sent without a Content-Length", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    // The file route reads its own body (no JSON cap); without Content-Length it refuses 411 before reading.
    const headers = { authorization: `Bearer ${manager}`, "content-type": "application/pdf" };
    const big = await send("PUT", "/materials/0123456789abcdef01234567/file", 2 * DRAIN_LIMIT_BYTES, headers);
    expect(big.status).toBe(411);
    expect(big.cancelled).toBe(true);
    expect(big.read).toBeLessThan(DRAIN_LIMIT_BYTES + 1024 * 1024);
    const small = await send("PUT", "/materials/0123456789abcdef01234567/file", 200_000, headers);
    expect(small.status).toBe(411);
    expect(small.finished && !small.cancelled).toBe(true);
  });

  it("is cancelled after DRAIN_STALL_MS when its sender stops sending, and the refusal is answered then", async () => {
    const sent = await send(
      "PUT",
      "/forms/0123456789abcdef01234567",
      100_000,
      { "content-type": "application/json", "content-length": "100000" },
      16_384,
    );
    expect(sent.status).toBe(401);
    expect(sent.cancelled).toBe(true);
    expect(sent.ms).toBeGreaterThanOrEqual(DRAIN_STALL_MS - 50);
    expect(sent.ms).toBeLessThan(DRAIN_STALL_MS + 1500);
  });

  it("is left alone when the route read it", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const body = JSON.stringify({ name: uniqueName("course") });
    const response = await createApp().fetch(
      new Request("http://api.test/courses", {
        method: "POST",
        body,
        headers: { authorization: `Bearer ${manager}`, "content-type": "application/json", "content-length": String(body.length) },
      }),
      env,
      createExecutionContext(),
    );
    expect(response.status).toBe(201);
  });
});
