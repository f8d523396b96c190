import { describe, expect, it } from "vitest";
import { DELIVERY_ERRORS } from "../../src/domain/vocabulary";
import {
  checkWebhookUrl,
  deliveryStatus,
  eventsKey,
  failureOf,
  MAX_RETRY_DELAY_SECONDS,
  outcomeOf,
  retryBaseSeconds,
  retryDelaySeconds,
  storedDeliveryError,
  WEBHOOK_MAX_ATTEMPTS,
} from "../../src/domain/webhooks";
import wranglerToml from "../../wrangler.toml?raw";

describe("retryDelaySeconds: exponential backoff, capped", () => {
  it.each([
    // attempt, base, delay
    [1, 10, 10],
    [2, 10, 20],
    [3, 10, 40],
    [4, 10, 80],
    [8, 10, 1280],
    [9, 10, 2560],
    [10, 10, MAX_RETRY_DELAY_SECONDS],
    [50, 10, MAX_RETRY_DELAY_SECONDS],
    [1, 2, 2],
    [3, 2, 8],
    [0, 10, 10], // a first try counted as 0 waits the base, never less
    [1, 7200, MAX_RETRY_DELAY_SECONDS], // the cap holds even for the first retry
  ])("attempt %i with base %i s waits %i s", (attempt, base, delay) => {
    expect(retryDelaySeconds(attempt, base)).toBe(delay);
  });

  it("grows with every attempt until the cap", () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelaySeconds(i + 1, 10));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(Math.max(...delays)).toBe(MAX_RETRY_DELAY_SECONDS);
  });
});

describe("retryBaseSeconds: WEBHOOK_RETRY_BASE_SECONDS", () => {
  it.each([
    [undefined, 10],
    ["10", 10],
    ["2", 2],
    ["0", 10],
    ["-5", 10],
    ["1.5", 10],
    ["abc", 10],
    ["", 10],
  ])("%s → %i", (configured, base) => {
    expect(retryBaseSeconds(configured)).toBe(base);
  });
});

describe("checkWebhookUrl", () => {
  it.each([
    // url, allowLocal, ok
    ["https://hooks.example.org/lms", false, true],
    ["https://hooks.example.org:8443/lms?x=1", false, true],
    ["http://hooks.example.org/lms", false, false],
    ["http://hooks.example.org/lms", true, false], // local mode admits local hosts only
    ["http://localhost:9999/hook", false, false],
    ["http://localhost:9999/hook", true, true],
    ["http://127.0.0.1:9999/hook", false, false],
    ["http://127.0.0.1/hook", true, true],
    ["http://10.0.0.1/hook", true, false],
    ["http://[::1]:9999/hook", true, false],
    ["http://localhost.evil.example/hook", true, false],
    ["https://user:pass@hooks.example.org/", false, false],
    ["https://token@hooks.example.org/", false, false],
    ["ftp://hooks.example.org/", false, false],
    ["javascript:alert(1)", true, false],
    ["file:///etc/passwd", true, false],
    ["/relative/path", true, false],
    ["not a url", true, false],
    [`https://hooks.example.org/${"a".repeat(2048)}`, false, false],
  ])("%s (local allowed: %s) → %s", (url, allowLocal, ok) => {
    expect(checkWebhookUrl(url, allowLocal).ok).toBe(ok);
  });

  // Local and private hosts: refused over https:// too; with local webhooks allowed only localhost and 127.0.0.1 pass.
  it.each([
    // url, ok without local webhooks, ok with them
    ["https://localhost/hook", false, true],
    ["https://localhost:8443/hook", false, true],
    ["https://LOCALHOST/hook", false, true],
    ["https://127.0.0.1/hook", false, true],
    ["https://127.0.0.1:9/hook", false, true],
    ["https://2130706433/hook", false, true], // 127.0.0.1 spelled as one number
    ["https://0x7f.1/hook", false, true], // and in hex
    ["https://localhost./hook", false, false],
    ["https://127.0.0.2/hook", false, false],
    ["https://127.255.255.254/hook", false, false],
    ["https://[::1]/hook", false, false],
    ["https://[0:0:0:0:0:0:0:1]/hook", false, false],
    ["https://[::]/hook", false, false],
    ["https://0.0.0.0/hook", false, false],
    ["https://0/hook", false, false],
    ["https://10.0.0.1/hook", false, false],
    ["https://10.255.255.255/hook", false, false],
    ["https://172.16.0.1/hook", false, false],
    ["https://172.31.255.255/hook", false, false],
    ["https://192.168.1.1/hook", false, false],
    ["https://169.254.169.254/latest/meta-data/", false, false],
    ["https://100.64.0.1/hook", false, false],
    ["https://224.0.0.1/hook", false, false],
    ["https://255.255.255.255/hook", false, false],
    ["https://[fc00::1]/hook", false, false],
    ["https://[fd12:3456:789a::1]/hook", false, false],
    ["https://[fe80::1]/hook", false, false],
    ["https://[febf::1]/hook", false, false],
    ["https://[fec0::1]/hook", false, false],
    ["https://[ff02::1]/hook", false, false],
    ["https://[::ffff:127.0.0.1]/hook", false, false],
    ["https://[::ffff:10.0.0.1]/hook", false, false],
    ["https://[::ffff:169.254.169.254]/hook", false, false],
    ["https://[::ffff:7f00:1]/hook", false, false],
    ["https://[::ffff:8.8.8.8]/hook", false, false], // IPv4-mapped: refused whatever it maps
    ["https://[::127.0.0.1]/hook", false, false],
    ["https://[64:ff9b::10.0.0.1]/hook", false, false],
    ["https://app.localhost/hook", false, false],
    ["https://metadata.google.internal/hook", false, false],
    ["https://db.internal./hook", false, false],
    ["https://printer.local/hook", false, false],
    ["http://10.0.0.1/hook", false, false],
    ["http://[::1]:9999/hook", false, false],
    // Public hosts: accepted over https:// either way.
    ["https://receiver.example/hook", true, true],
    ["https://172.15.255.255/hook", true, true],
    ["https://172.32.0.1/hook", true, true],
    ["https://8.8.8.8/hook", true, true],
    ["https://[2606:4700:4700::1111]/hook", true, true],
    ["https://[64:ff9b::8.8.8.8]/hook", true, true],
    ["https://localhost.example.org/hook", true, true],
    ["https://internal.example.org/hook", true, true],
    ["https://local.example.org/hook", true, true],
    ["https://my-localhost/hook", true, true],
    // Empty labels: one trailing dot is the fully qualified spelling of the same name, two are not a name.
    ["https://169.254.169.254../", false, false],
    ["https://169.254.169.254./", false, false],
    ["https://localhost../", false, false],
    ["https://hooks.example.org../x", false, false],
    ["https://hooks..example.org/x", false, false],
    ["https://.hooks.example.org/x", false, false],
    ["https://hooks.example.org./x", true, true],
    ["https://router.home.arpa/hook", false, false],
    // IPv4 special-purpose ranges beyond the private ones (ipaddr.js range names: anything not `unicast`).
    ["https://192.0.0.1/hook", false, false], // 192.0.0.0/24 IETF protocol assignments
    ["https://192.0.0.170/hook", false, false],
    ["https://192.0.2.1/hook", false, false], // TEST-NET-1
    ["https://198.51.100.7/hook", false, false], // TEST-NET-2
    ["https://203.0.113.9/hook", false, false], // TEST-NET-3
    ["https://198.18.0.1/hook", false, false], // 198.18.0.0/15 benchmarking
    ["https://198.19.255.255/hook", false, false],
    ["https://192.88.99.1/hook", false, false], // the old 6to4 relay anycast
    ["https://240.0.0.1/hook", false, false], // 240.0.0.0/4 reserved
    ["https://192.31.196.1/hook", false, false], // AS112
    ["https://192.175.48.1/hook", false, false], // AS112
    ["https://192.52.193.1/hook", false, false], // AMT
    ["https://0.1.2.3/hook", false, false],
    ["https://198.17.255.255/hook", true, true], // just outside 198.18.0.0/15
    ["https://198.20.0.1/hook", true, true],
    ["https://192.0.3.1/hook", true, true],
    ["https://203.0.114.1/hook", true, true],
    ["https://223.255.255.254/hook", true, true],
    // IPv6 forms that embed or route to an IPv4 address, and the other special ranges.
    ["https://[::ffff:0:7f00:1]/hook", false, false], // IPv4-translated (RFC 6145) 127.0.0.1
    ["https://[::ffff:0:808:808]/hook", false, false],
    ["https://[2002:7f00:1::]/hook", false, false], // 6to4 of 127.0.0.1
    ["https://[2002:a9fe:a9fe::1]/hook", false, false], // 6to4 of 169.254.169.254
    ["https://[2002:808:808::1]/hook", false, false], // 6to4, even of a public address: a relay decides where it goes
    ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", false, false], // Teredo
    ["https://[2001::1]/hook", false, false],
    ["https://[64:ff9b:1::a00:1]/hook", false, false], // local-use NAT64 (RFC 8215)
    ["https://[64:ff9b:1::808:808]/hook", false, false],
    ["https://[64:ff9b::7f00:1]/hook", false, false], // well-known NAT64 of 127.0.0.1
    ["https://[64:ff9b::a9fe:a9fe]/hook", false, false], // … of 169.254.169.254
    ["https://[64:ff9b::c000:201]/hook", false, false], // … of 192.0.2.1 (documentation)
    ["https://[64:ff9b::c612:1]/hook", false, false], // … of 198.18.0.1
    ["https://[::808:808]/hook", false, false], // IPv4-compatible (deprecated), whatever it embeds
    ["https://[100::1]/hook", false, false], // discard-only
    ["https://[2001:db8::1]/hook", false, false], // documentation
    ["https://[3fff::1]/hook", false, false], // documentation (RFC 9637)
    ["https://[2001:2::1]/hook", false, false], // benchmarking
    ["https://[2001:20::1]/hook", false, false], // ORCHIDv2
    ["https://[5f00::1]/hook", false, false], // segment routing
    ["https://[2001:4860:4860::8888]/hook", true, true],
    ["https://[64:ff9b::808:808]/hook", true, true], // well-known NAT64 of a public address
  ])("%s → %s without local webhooks, %s with them", (url, withoutLocal, withLocal) => {
    expect(checkWebhookUrl(url, false).ok).toBe(withoutLocal);
    expect(checkWebhookUrl(url, true).ok).toBe(withLocal);
  });

  // Whitespace and control characters: `new URL` would drop tabs and newlines and encode spaces, so the raw
  // text is checked first; nothing invisible reaches the stored URL.
  it.each([
    ["https://hooks.example.org/a b"],
    [" https://hooks.example.org/x"],
    ["https://hooks.example.org/x "],
    ["https://hooks.example.org/x\t"],
    ["https://hooks.exa\tmple.org/x"],
    ["https://hooks.example.org/x\n"],
    ["https://hooks.example.org/\r\nx"],
    ["https://hooks.exa\u0000mple.org/"],
    ["https://hooks.example.org/\u007f"],
    ["https://hooks.example.org/\u0085"],
    ["https://hooks.example.org/\u00a0"],
    ["https://hooks.example.org/\u2028"],
    ["https://hooks.example.org/\u3000"],
    ["https://hooks.example.org/\u200b"],
    ["https://hooks.example.org/\u202e"],
    ["https://hooks.exa\u00admple.org/"],
    ["https://hooks.example.org/\ufeff"],
  ])("refuses %j: whitespace, control or invisible characters", (url) => {
    for (const allowLocal of [false, true])
      expect(checkWebhookUrl(url, allowLocal)).toEqual({ ok: false, reason: expect.stringMatching(/whitespace, control or invisible/) });
  });

  it.each([
    // given, stored
    ["https://hooks.example.org/lms", "https://hooks.example.org/lms"],
    ["https://Hooks.Example.ORG/Path?Q=1", "https://hooks.example.org/Path?Q=1"],
    ["https://hooks.example.org./x", "https://hooks.example.org/x"],
    ["HTTPS://hooks.example.org:443/x", "https://hooks.example.org/x"],
    ["https://hooks.example.org", "https://hooks.example.org/"],
    ["https://hooks.example.org:8443/x#frag", "https://hooks.example.org:8443/x#frag"],
    ["https://[2001:4860:4860:0::8888]/x", "https://[2001:4860:4860::8888]/x"],
    ["https://bücher.example/x", "https://xn--bcher-kva.example/x"],
    ["http://localhost:8788/hook", "http://localhost:8788/hook"],
  ])("%s is stored as %s (the form duplicates are compared in)", (given, stored) => {
    expect(checkWebhookUrl(given, true)).toEqual({ ok: true, url: stored });
  });

  it("a URL that grows past the bound when normalised is refused", () => {
    const path = "é".repeat(500); // 500 characters, 3,000 once percent-encoded
    expect(checkWebhookUrl(`https://hooks.example.org/${path}`, false)).toEqual({ ok: false, reason: expect.stringMatching(/longer/) });
  });

  it("says what an embedded IPv4 address is", () => {
    expect(checkWebhookUrl("https://[2002:7f00:1::]/", false)).toEqual({ ok: false, reason: expect.stringMatching(/127\.0\.0\.1/) });
    expect(checkWebhookUrl("https://[64:ff9b::a9fe:a9fe]/", false)).toEqual({
      ok: false,
      reason: expect.stringMatching(/169\.254\.169\.254 \(linkLocal\)/),
    });
  });

  it("says why a local or private host is refused", () => {
    expect(checkWebhookUrl("https://10.0.0.1/", false)).toEqual({ ok: false, reason: expect.stringMatching(/local or private host/) });
    expect(checkWebhookUrl("https://127.0.0.1/", false)).toEqual({ ok: false, reason: expect.stringMatching(/ALLOW_LOCAL_WEBHOOKS/) });
  });
});

describe("eventsKey: an event set, order and repeats aside", () => {
  it.each([
    [["course.completed"], '["course.completed"]'],
    [["submission.approved", "course.completed"], '["course.completed","submission.approved"]'],
    [["course.completed", "submission.approved"], '["course.completed","submission.approved"]'],
    [["course.completed", "course.completed"], '["course.completed"]'],
  ])("%j → %s", (events, key) => {
    expect(eventsKey(events)).toBe(key);
  });
});

describe("delivery errors: a short fixed vocabulary, never a network library's text", () => {
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  it.each([
    [new DOMException("The operation was aborted due to timeout", "TimeoutError"), "timeout"],
    [new DOMException("The operation was aborted", "AbortError"), "timeout"],
    [new TypeError("Network connection lost."), "connection_failed"],
    [new TypeError("connection refused"), "connection_failed"],
    [new Error("connect ECONNREFUSED 10.1.2.3:443"), "connection_failed"],
    [new Error("read ECONNRESET"), "connection_failed"],
    [new Error("getaddrinfo ENOTFOUND hooks.example.org"), "dns_error"],
    [new Error("DNS lookup failed for hooks.example.org"), "dns_error"],
    [new Error("getaddrinfo EAI_AGAIN hooks.example.org"), "dns_error"],
    [new Error("TLS handshake failed"), "tls_error"],
    [new Error("SSL routines: wrong version number"), "tls_error"],
    [new Error("certificate has expired"), "tls_error"],
    [named("TimeoutError", "x"), "timeout"],
    [new Error("connect ETIMEDOUT 203.0.113.9:443"), "timeout"],
    ["a thrown string", "connection_failed"],
    [null, "connection_failed"],
  ])("%s → %s", (error, failure) => {
    expect(failureOf(error)).toBe(failure);
  });

  it.each([
    [{ status: 200 }, true, 200, null],
    [{ status: 204 }, true, 204, null],
    [{ status: 301 }, false, 301, "redirect"],
    [{ status: 308 }, false, 308, "redirect"],
    [{ status: 404 }, false, 404, "non_2xx"],
    [{ status: 503 }, false, 503, "non_2xx"],
    [{ status: 101 }, false, 101, "non_2xx"],
    [{ failure: "timeout" }, false, null, "timeout"],
    [{ failure: "url_refused" }, false, null, "url_refused"],
  ] as const)("outcomeOf(%j) → ok %s, code %s, error %s", (result, ok, code, error) => {
    expect(outcomeOf(result)).toEqual({ ok, code, error });
  });

  // Rows written before the vocabulary hold free text; they are shown in it all the same.
  it.each([
    [null, null],
    ["timeout", "timeout"],
    ["webhook_deleted", "webhook_deleted"],
    ["timed out", "timeout"],
    ["network error: TypeError: Network connection lost.", "connection_failed"],
    ["network error: Error: connect ECONNREFUSED 10.1.2.3:443", "connection_failed"],
    ["network error: Error: getaddrinfo ENOTFOUND hooks.example.org", "dns_error"],
    ["network error: Error: certificate has expired", "tls_error"],
    ["redirect not followed: HTTP 302", "redirect"],
    ["non-2xx response: HTTP 503", "non_2xx"],
    ["url refused: url must not name a local or private host (10.0.0.1)", "url_refused"],
    ["webhook deleted", "webhook_deleted"],
    ["something else entirely", "connection_failed"],
  ])("stored %j is shown as %j", (stored, shown) => {
    expect(storedDeliveryError(stored)).toBe(shown);
  });

  it("every word of the vocabulary is one some delivery can record", () => {
    const produced = new Set<string | null>([
      ...["timeout", "connection_failed", "dns_error", "tls_error"].map((word) => failureOf(new Error(word.replace("_", " ")))),
      failureOf(new DOMException("x", "TimeoutError")),
      failureOf(new Error("getaddrinfo ENOTFOUND x")),
      failureOf(new Error("TLS handshake failed")),
      outcomeOf({ status: 302 }).error,
      outcomeOf({ status: 500 }).error,
      outcomeOf({ failure: "url_refused" }).error,
      storedDeliveryError("webhook_deleted"),
      // Written by an erasure (participants/data-rights.ts), stored as the word itself.
      storedDeliveryError("participant_erased"),
    ]);
    for (const word of DELIVERY_ERRORS) expect(produced.has(word), word).toBe(true);
  });
});

describe("deliveryStatus", () => {
  it.each([
    [true, 1, "succeeded"],
    [true, WEBHOOK_MAX_ATTEMPTS, "succeeded"],
    [false, 1, "pending"],
    [false, WEBHOOK_MAX_ATTEMPTS - 1, "pending"],
    [false, WEBHOOK_MAX_ATTEMPTS, "failed"],
    [false, WEBHOOK_MAX_ATTEMPTS + 3, "failed"],
  ] as const)("ok %s on attempt %i → %s", (ok, attempt, status) => {
    expect(deliveryStatus(ok, attempt)).toBe(status);
  });

  it("the last attempt is the one wrangler.toml's max_retries allows, in every environment", () => {
    const retries = [...wranglerToml.matchAll(/^max_retries\s*=\s*(\d+)/gm)].map((m) => Number(m[1]));
    expect(retries.length).toBe(3);
    for (const r of retries) expect(r + 1).toBe(WEBHOOK_MAX_ATTEMPTS);
  });
});
