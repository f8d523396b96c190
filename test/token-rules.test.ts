/**
 * Issue #10, "Tokens and replays": one token has one spelling. `crit` headers are refused (RFC 7515 §4.1.11),
 * base64url with non-zero unused bits is refused wherever the API decodes it (API tokens, signed file links,
 * pagination cursors), and the key-set path keeps its 503 when the identity provider cannot be reached.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { setJwksFetcher } from "../src/lib/jwks";
import { base64UrlEncode, decodeBase64Url, JwtError, verifyJwt } from "../src/lib/jwt";
import { decodeCursor, encodeCursor } from "../src/lib/pagination";
import { call, makeCourse, makeForm, makeMaterial, makeStep, token, uniqueName } from "./helpers";
import { signJwt } from "./sign-jwt";

afterEach(() => setJwksFetcher(null));

const nowSeconds = () => Math.floor(Date.now() / 1000);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The same bytes spelled differently: the last character with its lowest unused bit set. */
function nonCanonical(part: string): string {
  expect(part.length % 4, `"${part}" has no unused bits`).not.toBe(0);
  const last = ALPHABET.indexOf(part[part.length - 1]!);
  return part.slice(0, -1) + ALPHABET[last ^ 1];
}

/** An HS256 token with a header of our choosing, signed with the test secret. */
async function withHeader(header: Record<string, unknown>, claims: Record<string, unknown>) {
  const head = base64UrlEncode(JSON.stringify(header));
  const body = base64UrlEncode(JSON.stringify(claims));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.JWT_SECRET), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${head}.${body}`));
  return `${head}.${body}.${base64UrlEncode(new Uint8Array(sig))}`;
}

const goodClaims = () => ({
  sub: "crit-user",
  role: "participant",
  iat: nowSeconds(),
  exp: nowSeconds() + 600,
  iss: env.JWT_ISSUER,
  aud: env.JWT_AUDIENCE,
});

describe("crit header (RFC 7515 §4.1.11)", () => {
  it("the same claims without crit are accepted (control)", async () => {
    const res = await call("GET", "/courses", { token: await withHeader({ alg: "HS256", typ: "JWT" }, goodClaims()) });
    expect(res.status).toBe(200);
  });

  it.each([
    ["crit naming a registered claim", { alg: "HS256", typ: "JWT", crit: ["exp"] }],
    ["crit naming an unknown extension", { alg: "HS256", typ: "JWT", crit: ["x-foo"], "x-foo": 1 }],
    ["crit that is not an array", { alg: "HS256", typ: "JWT", crit: "x-foo", "x-foo": 1 }],
    ["empty crit", { alg: "HS256", typ: "JWT", crit: [] }],
    // jose understands b64 (RFC 7797) and would accept this one; the API uses no extension at all.
    ["crit naming b64", { alg: "HS256", typ: "JWT", crit: ["b64"], b64: true }],
  ])("a correctly signed token with %s → 401", async (_name, header) => {
    const res = await call("GET", "/courses", { token: await withHeader(header, goodClaims()) });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("unauthorized");
    expect(typeof res.json.detail).toBe("string");
  });
});

describe("canonical base64url", () => {
  it("decodeBase64Url refuses non-zero unused bits and keeps accepting canonical spellings", () => {
    expect(decodeBase64Url("QQ")).toEqual(new Uint8Array([65])); // "A"
    expect(decodeBase64Url("QR")).toBeNull(); // the same byte, 4 unused bits not zero
    expect(decodeBase64Url("QUI")).toEqual(new Uint8Array([65, 66]));
    expect(decodeBase64Url("QUJ")).toBeNull(); // 2 unused bits not zero
    expect(decodeBase64Url("QUJD")).toEqual(new Uint8Array([65, 66, 67]));
    expect(decodeBase64Url("")).toEqual(new Uint8Array([]));
    expect(decodeBase64Url("QQ==")).toBeNull();
    expect(decodeBase64Url("Q")).toBeNull();
    for (let n = 0; n < 40; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const text = base64UrlEncode(bytes);
      expect(decodeBase64Url(text)).toEqual(bytes);
      if (text.length % 4 !== 0) expect(decodeBase64Url(nonCanonical(text))).toBeNull();
    }
  });

  it("an API token whose signature is spelled non-canonically → 401", async () => {
    const good = await token(uniqueName("participant"), "participant");
    expect((await call("GET", "/courses", { token: good })).status).toBe(200);
    const [h, p, s] = good.split(".") as [string, string, string];
    const respelled = `${h}.${p}.${nonCanonical(s)}`;
    // Not a different signature: the very same bytes.
    expect(decodeBase64Url(s)).not.toBeNull();
    const res = await call("GET", "/courses", { token: respelled });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("unauthorized");
  });

  it("a signed file link whose signature or payload is spelled non-canonically → 401", async () => {
    // The link payload is JSON {m,s,r,e}; pad the subject so the payload's base64url has unused bits too.
    const base = JSON.stringify({ m: "0".repeat(24), s: "", r: "manager", e: 2_000_000_000 }).length;
    const sub = "m".repeat(20 + ((((4 - (base + 20)) % 3) + 3) % 3));
    const manager = await token(sub, "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const material = await makeMaterial(manager, step.id, { material_type: "Document", content: { url: "https://example.com/x.pdf" } });
    const bytes = new Uint8Array(2_000);
    bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
    const up = await call("PUT", `/materials/${material.id}/file`, {
      token: manager,
      rawBody: bytes,
      headers: { "content-type": "application/pdf", "content-length": String(bytes.byteLength) },
    });
    expect(up.status).toBe(200);
    const link = await call("POST", `/materials/${material.id}/file-link`, { token: manager });
    expect(link.status).toBe(200);
    const linkToken = new URL(link.json.url).searchParams.get("token")!;
    const [payload, signature] = linkToken.split(".") as [string, string];
    const get = async (t: string) =>
      (await exports.default.fetch(new Request(`http://api.test/materials/${material.id}/file?token=${encodeURIComponent(t)}`))).status;
    expect(await get(linkToken)).toBe(200);
    expect(await get(`${payload}.${nonCanonical(signature)}`)).toBe(401);
    expect(await get(`${nonCanonical(payload)}.${signature}`)).toBe(401);
  });

  it("a pagination cursor spelled non-canonically → 400 invalid_cursor", async () => {
    const cursor = encodeCursor([12, "507f1f77bcf86cd799439011"]);
    expect(decodeCursor(cursor, ["number", "string"])).toEqual([12, "507f1f77bcf86cd799439011"]);
    expect(() => decodeCursor(nonCanonical(cursor), ["number", "string"])).toThrow();
    const manager = await token(uniqueName("manager"), "manager");
    expect((await call("GET", `/courses?cursor=${cursor}`, { token: manager })).status).toBe(200);
    const res = await call("GET", `/courses?cursor=${nonCanonical(cursor)}`, { token: manager });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_cursor");
  });
});

describe("claims jose leaves to us", () => {
  it("iat in the future beyond the 30 s leeway → 401, within it → 200", async () => {
    const far = await call("GET", "/courses", { token: await token("a", "participant", { iat: nowSeconds() + 600 }) });
    expect(far.status).toBe(401);
    const near = await call("GET", "/courses", { token: await token("a", "participant", { iat: nowSeconds() + 10 }) });
    expect(near.status).toBe(200);
  });

  it.each([
    ["a numeric sub", { sub: 42 }],
    ["an empty sub", { sub: "" }],
    ["a 201-character sub", { sub: "x".repeat(201) }],
    ["a string exp", { exp: String(nowSeconds() + 600) }],
    ["a string nbf", { nbf: "0" }],
  ])("%s → 401", async (_name, claims) => {
    const res = await call("GET", "/courses", { token: await token("a", "participant", claims) });
    expect(res.status).toBe(401);
  });

  it("an exp of 1e400 (Infinity once parsed, a number to jose) → 401", async () => {
    const head = base64UrlEncode(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = base64UrlEncode(`{"sub":"a","role":"participant","iss":"${env.JWT_ISSUER}","aud":"${env.JWT_AUDIENCE}","exp":1e400}`);
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.JWT_SECRET), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const sig = base64UrlEncode(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${head}.${body}`))));
    const res = await call("GET", "/courses", { token: `${head}.${body}.${sig}` });
    expect(res.status).toBe(401);
  });

  it("a 200-character sub is accepted", async () => {
    const res = await call("GET", "/courses", { token: await token("y".repeat(200), "participant") });
    expect(res.status).toBe(200);
  });
});

/* ---------------- key set (JWT_JWKS_URL) ---------------- */

const JWKS_URL = "https://idp.example/.well-known/jwks.json";

async function keyPair(alg: "RS256" | "ES256", kid?: string) {
  const params =
    alg === "RS256"
      ? { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
      : { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = { ...((await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey), ...(kid ? { kid } : {}), alg };
  const sign = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const head = base64UrlEncode(JSON.stringify({ alg, ...(kid ? { kid } : {}), typ: "JWT", ...header }));
    const body = base64UrlEncode(JSON.stringify(payload));
    const algorithm = alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" };
    const sig = await crypto.subtle.sign(algorithm, pair.privateKey, new TextEncoder().encode(`${head}.${body}`));
    return `${head}.${body}.${base64UrlEncode(new Uint8Array(sig))}`;
  };
  return { jwk, sign };
}

const jwksOptions = () => ({ secret: "unused-with-jwks", jwksUrl: JWKS_URL, now: new Date() });
const idpClaims = () => ({ sub: "idp-user", role: "participant", exp: nowSeconds() + 600 });

/** The Worker with JWT_JWKS_URL configured, as a client calls it. */
async function callWithJwks(path: string, bearer: string) {
  const app = createApp();
  const bindings = { ...env, JWT_JWKS_URL: JWKS_URL, JWT_ISSUER: "", JWT_AUDIENCE: "" };
  const res = await app.fetch(
    new Request(`http://api.test${path}`, { headers: { authorization: `Bearer ${bearer}` } }),
    bindings,
    createExecutionContext(),
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

describe("key-set tokens", () => {
  it("crit is refused on RS256/ES256 tokens too", async () => {
    const key = await keyPair("ES256", "k1");
    setJwksFetcher(async () => ({ keys: [key.jwk] }));
    expect(await verifyJwt(await key.sign(idpClaims()), jwksOptions())).toEqual({ id: "idp-user", role: "participant" });
    await expect(verifyJwt(await key.sign(idpClaims(), { crit: ["x-foo"], "x-foo": 1 }), jwksOptions())).rejects.toThrow(JwtError);
  });

  it.each(["RS256", "ES256"] as const)("a %s signature spelled non-canonically is refused", async (alg) => {
    const key = await keyPair(alg, "k1");
    setJwksFetcher(async () => ({ keys: [key.jwk] }));
    const good = await key.sign(idpClaims());
    expect(await verifyJwt(good, jwksOptions())).toMatchObject({ id: "idp-user" });
    const [h, p, s] = good.split(".") as [string, string, string];
    await expect(verifyJwt(`${h}.${p}.${nonCanonical(s)}`, jwksOptions())).rejects.toThrow(JwtError);
  });

  it("a token without kid is checked against every usable key of the set", async () => {
    const first = await keyPair("ES256");
    const second = await keyPair("ES256");
    setJwksFetcher(async () => ({ keys: [first.jwk, second.jwk] }));
    expect(await verifyJwt(await second.sign(idpClaims()), jwksOptions())).toMatchObject({ id: "idp-user" });
    expect(await verifyJwt(await first.sign(idpClaims()), jwksOptions())).toMatchObject({ id: "idp-user" });
    const stranger = await keyPair("ES256");
    await expect(verifyJwt(await stranger.sign(idpClaims()), jwksOptions())).rejects.toThrow(/signature/);
  });

  it("works through the Worker: 200 with a set key, 401 for HS256 even with the right secret", async () => {
    const key = await keyPair("RS256", "k1");
    setJwksFetcher(async () => ({ keys: [key.jwk] }));
    expect((await callWithJwks("/courses", await key.sign(idpClaims()))).status).toBe(200);
    const hs = await callWithJwks("/courses", await signJwt(idpClaims(), env.JWT_SECRET));
    expect(hs.status).toBe(401);
    expect(hs.json.code).toBe("unauthorized");
  });

  it.each([
    ["answers an error status", async () => Promise.reject(new Error("JWKS fetch failed: 500"))],
    ["cannot be reached", async () => Promise.reject(new TypeError("Network connection lost."))],
    ["answers something that is not a key set", async () => "<html>" as unknown as { keys: [] }],
  ])("a key set that %s → 503 auth_unavailable with retry-after", async (_name, fetcher) => {
    const key = await keyPair("RS256", "k1");
    setJwksFetcher(fetcher);
    const res = await callWithJwks("/courses", await key.sign(idpClaims()));
    expect(res.status).toBe(503);
    expect(res.json.code).toBe("auth_unavailable");
    expect(res.headers.get("retry-after")).toBe("5");
  });
});

describe("token lifetime (JWT_MAX_LIFETIME_SECONDS, default a day)", () => {
  const claims = (times: Record<string, number | undefined>) => ({ ...goodClaims(), ...times });
  const hs = (c: Record<string, unknown>) => withHeader({ alg: "HS256", typ: "JWT" }, c);

  it.each([
    ["exp 1e308 (finite, so it was accepted)", { exp: 1e308 }],
    ["25 hours from iat", { exp: nowSeconds() + 25 * 3600 }],
    ["issued 23 hours ago, ending in 2 hours (25 in all)", { iat: nowSeconds() - 23 * 3600, exp: nowSeconds() + 2 * 3600 }],
    ["no iat, ending in 25 hours", { iat: undefined, exp: nowSeconds() + 25 * 3600 }],
  ])("%s → 401", async (_name, times) => {
    const res = await call("GET", "/courses", { token: await hs(claims(times)) });
    expect(res.status).toBe(401);
    expect(res.json.detail).toMatch(/lifetime/);
  });

  it.each([
    ["exactly a day from iat", { exp: nowSeconds() + 86_400 }],
    ["23 hours, no iat", { iat: undefined, exp: nowSeconds() + 23 * 3600 }],
    ["issued 20 hours ago, ending in 4 hours", { iat: nowSeconds() - 20 * 3600, exp: nowSeconds() + 4 * 3600 }],
  ])("%s → accepted", async (_name, times) => {
    expect((await call("GET", "/courses", { token: await hs(claims(times)) })).status).toBe(200);
  });

  it("a deployment sets its own maximum; a value that is not a positive whole number keeps the day", async () => {
    const app = createApp();
    const get = async (bearer: string, max: string) => {
      const res = await app.fetch(
        new Request("http://api.test/courses", { headers: { authorization: `Bearer ${bearer}` } }),
        { ...env, JWT_MAX_LIFETIME_SECONDS: max },
        createExecutionContext(),
      );
      return res.status;
    };
    const hour = await hs(claims({ exp: nowSeconds() + 3600 }));
    const twoHours = await hs(claims({ exp: nowSeconds() + 7200 }));
    expect(await get(hour, "3600")).toBe(200);
    expect(await get(twoHours, "3600")).toBe(401);
    for (const junk of ["", "-5", "1e3", "abc", "0"]) expect(await get(twoHours, junk), junk).toBe(200);
    expect(await get(await hs(claims({ exp: nowSeconds() + 2 * 86_400 })), "172800")).toBe(200);
  });
});

describe("'me' is a word, never an id", () => {
  it("a token whose subject is 'me' is refused (401), whatever its role", async () => {
    for (const role of ["participant", "manager"]) {
      const res = await call("GET", "/courses", {
        token: await withHeader({ alg: "HS256", typ: "JWT" }, { ...goodClaims(), sub: "me", role }),
      });
      expect(res.status).toBe(401);
      expect(res.json.detail).toMatch(/'me' is reserved/);
    }
  });

  it("'.' and '..' are no subjects either: URL normalisation removes them from any path that would name them", async () => {
    for (const sub of [".", ".."]) {
      const res = await call("GET", "/courses", { token: await withHeader({ alg: "HS256", typ: "JWT" }, { ...goodClaims(), sub }) });
      expect(res.status, sub).toBe(401);
      expect(res.json.detail).toContain(`'${sub}' is reserved`);
    }
    const manager = await token(uniqueName("manager"), "manager");
    for (const id of [".", ".."]) {
      const res = await call("GET", `/participants/me/courses?participant_id=${id}`, { token: manager });
      expect(res.status, id).toBe(400);
      expect(res.json.code).toBe("validation_error");
    }
  });

  it("'me' as a participant_id in a path or query is 400, so /participants/me/… means the caller only", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const form = await makeForm(manager);
    for (const [method, path, body] of [
      ["PUT", "/participants/me/accommodations", { extra_time_percent: 10 }],
      ["DELETE", "/participants/me/accommodations", undefined],
      ["GET", "/participants/me/export", undefined],
      ["DELETE", "/participants/me", undefined],
      ["PUT", `/forms/${form.id}/overrides/me`, { duration_minutes: 30 }],
      ["GET", "/form-submissions/participant/me", undefined],
      ["GET", "/participants/me/courses?participant_id=me", undefined],
    ] as const) {
      const res = await call(method, path, { token: manager, body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
      expect(res.json.code).toBe("validation_error");
    }
    // A participant's own route still answers them.
    const participant = await token(uniqueName("participant"), "participant");
    expect((await call("GET", "/participants/me/accommodations", { token: participant })).status).toBe(200);
  });
});
