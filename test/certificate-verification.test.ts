/**
 * Issue #28: a certificate is an Open Badges 3.0 credential that anyone can check without trusting this API's own
 * answer. The checks run through test/verifier/ob3.ts, an independent verifier written from the specifications
 * (OB 3.0 §8.2 JWT proof, did:web, W3C Bitstring Status List v1.0, OB 3.0 SVG baking), never from src/.
 *
 * The first half holds the verifier itself to those specifications with credentials this file signs, so a verifier
 * that accepted too much could not make the second half pass; the second half earns, reads, bakes, revokes, tampers
 * with and re-keys real certificates through the Worker.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { base64url, CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { token, uniqueName } from "./helpers";
import { bitAt, didWebToUrl, expandEncodedList, type FetchJson, VC_V2_CONTEXT, verifyOpenBadge } from "./verifier/ob3";

const OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
const encoder = new TextEncoder();

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const wholeSecondIso = (d: Date) => new Date(seconds(d) * 1000).toISOString().replace(".000Z", "Z");
const encodeJson = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)));
const decodeJson = (segment: string) => JSON.parse(new TextDecoder().decode(base64url.decode(segment)));

async function sha256Hex(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function gzip(bytes: Uint8Array) {
  const stream = new Response(bytes).body!.pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Signs `payload` as a compact JWS with exactly the header given (no defaults added behind the test's back). */
async function signJws(payload: unknown, header: Record<string, unknown>, privateKey: CryptoKey) {
  return new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(privateKey);
}

/** The JWT claims OB 3.0 §8.2 derives from a credential. */
function withClaims(credential: Record<string, any>) {
  return {
    ...credential,
    iss: credential.issuer.id,
    jti: credential.id,
    nbf: Date.parse(credential.validFrom) / 1000,
    sub: credential.credentialSubject.id,
  };
}

/* =========================================== a fake issuer the verifier is checked against ===================== */

/**
 * An issuer at did:web:issuer.test serving its DID document, JWKS and one status list (https, as did:web says).
 * Every published document is a mutable field, so a test can break exactly one thing.
 */
async function fakeIssuer(host = "issuer.test") {
  const did = `did:web:${host}`;
  const kid = `${did}#key-1`;
  const pair = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const listUrl = `https://${host}/status-lists/1`;
  const now = new Date();
  const issuer = {
    did,
    kid,
    host,
    listUrl,
    privateKey: pair.privateKey as CryptoKey,
    publicJwk,
    didDocument: {
      "@context": ["https://www.w3.org/ns/did/v1"],
      id: did,
      verificationMethod: [{ id: kid, type: "JsonWebKey2020", controller: did, publicKeyJwk: publicJwk as Record<string, unknown> }],
      assertionMethod: [kid] as unknown[],
    },
    jwks: { keys: [{ ...publicJwk, kid, alg: "RS256", use: "sig" }] as Record<string, unknown>[] },
    /** The uncompressed bitstring, 16 KB = 131,072 entries. */
    bits: new Uint8Array(16_384),
    /** Last word on the status list credential before it is signed (it edits the object in place). */
    editList: (_list: Record<string, any>): void => {},
    /** Who signs the status list (this issuer unless a test says otherwise). */
    listSigner: null as null | ((payload: unknown) => Promise<string>),
    fetched: [] as string[],
    sign: (payload: unknown, header: Record<string, unknown> = { alg: "RS256", kid, typ: "JWT" }) =>
      signJws(payload, header, pair.privateKey),
    async statusList() {
      const validFrom = wholeSecondIso(now);
      const list: Record<string, any> = {
        "@context": [VC_V2_CONTEXT],
        id: listUrl,
        type: ["VerifiableCredential", "BitstringStatusListCredential"],
        issuer: did,
        validFrom,
        credentialSubject: {
          id: `${listUrl}#list`,
          type: "BitstringStatusList",
          statusPurpose: "revocation",
          encodedList: `u${base64url.encode(await gzip(issuer.bits))}`,
        },
      };
      issuer.editList(list);
      const payload = { ...list, iss: did, jti: listUrl, nbf: seconds(now) };
      return issuer.listSigner ? issuer.listSigner(payload) : issuer.sign(payload);
    },
    fetchJson: (async (url: string) => {
      issuer.fetched.push(url);
      const json = (value: unknown) => Response.json(value);
      if (url === `https://${host}/.well-known/did.json`) return json(issuer.didDocument);
      if (url === `https://${host}/.well-known/jwks.json`) return json(issuer.jwks);
      if (url === listUrl) return new Response(await issuer.statusList(), { headers: { "content-type": "application/vc+jwt" } });
      throw new Error(`no route to ${url} in this test`);
    }) as FetchJson,
    /** An OpenBadgeCredential as OB 3.0's data model describes it (not as the API happens to build one). */
    credential(index = 5): Record<string, any> {
      return {
        "@context": [VC_V2_CONTEXT, OB_CONTEXT],
        id: `https://${host}/certificates/c-${index}`,
        type: ["VerifiableCredential", "OpenBadgeCredential"],
        issuer: { id: did, type: ["Profile"], name: "Test Issuer" },
        validFrom: wholeSecondIso(new Date(now.getTime() - 60_000)),
        name: "Bhakti Sastri",
        credentialSubject: {
          id: `https://${host}/participants/p-${index}`,
          type: ["AchievementSubject"],
          identifier: [
            { type: "IdentityObject", identityType: "name", hashed: false, identityHash: "Ada Lovelace" },
            {
              type: "IdentityObject",
              identityType: "emailAddress",
              hashed: true,
              identityHash: "sha256$0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
              salt: "pepper",
            },
          ],
          achievement: {
            id: `https://${host}/courses/c1`,
            type: ["Achievement"],
            name: "Bhakti Sastri",
            description: "Completed the course Bhakti Sastri.",
            criteria: { narrative: "Complete every step of the course Bhakti Sastri." },
          },
        },
        credentialStatus: {
          id: `${listUrl}#${index}`,
          type: "BitstringStatusListEntry",
          statusPurpose: "revocation",
          statusListIndex: String(index),
          statusListCredential: listUrl,
        },
      };
    },
  };
  return issuer;
}

type FakeIssuer = Awaited<ReturnType<typeof fakeIssuer>>;

const verifyAt = (issuer: FakeIssuer, jws: string, now?: Date) => verifyOpenBadge(jws, issuer.fetchJson, now);

/** Expects the verdict "invalid", with at least one error matching `pattern`. */
function expectRefused(result: { valid: boolean; errors: string[] }, pattern: RegExp) {
  expect(result.valid, JSON.stringify(result.errors)).toBe(false);
  expect(
    result.errors.some((e) => pattern.test(e)),
    `${pattern} in ${JSON.stringify(result.errors)}`,
  ).toBe(true);
}

describe("the OB 3.0 verifier, against credentials this test signs", () => {
  it("accepts a credential that follows every rule, and checks its status list on the way", async () => {
    const issuer = await fakeIssuer();
    const credential = issuer.credential();
    const result = await verifyAt(issuer, await issuer.sign(withClaims(credential)));
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.credential).toMatchObject(credential);
    expect(issuer.fetched).toEqual([
      "https://issuer.test/.well-known/did.json",
      "https://issuer.test/.well-known/jwks.json",
      issuer.listUrl,
      "https://issuer.test/.well-known/did.json",
      "https://issuer.test/.well-known/jwks.json",
    ]);
  });

  it("reads a VC 1.1 style `vc` claim as the credential (OB 3.0 §8.2 note)", async () => {
    const issuer = await fakeIssuer();
    const credential = issuer.credential();
    const { iss, jti, nbf, sub } = withClaims(credential);
    const result = await verifyAt(issuer, await issuer.sign({ iss, jti, nbf, sub, vc: credential }));
    expect(result.errors).toEqual([]);
    expect(result.credential?.id).toBe(credential.id);
  });

  it.each([
    ["a header the spec does not allow", { alg: "RS256", kid: "K", typ: "JWT", cty: "vc" }, /header: .*"cty"/],
    ["typ other than JWT", { alg: "RS256", kid: "K", typ: "vc+jwt" }, /header: .*typ/],
    ["alg none", { alg: "none", kid: "K" }, /header: .*alg/],
    ["neither kid nor jwk", { alg: "RS256", typ: "JWT" }, /key: .*neither kid nor jwk/],
    ["a kid that is not a DID URL", { alg: "RS256", kid: "https://issuer.test/keys/1" }, /key: .*not a did:web DID URL/],
  ])("refuses a JOSE header with %s", async (_, header, pattern) => {
    const issuer = await fakeIssuer();
    const fixed = JSON.parse(JSON.stringify(header).replace('"K"', JSON.stringify(issuer.kid)));
    const payload = withClaims(issuer.credential());
    // jose will not sign with "none"; an unsecured JWS is the header and payload with an empty signature.
    const jws = fixed.alg === "none" ? `${encodeJson(fixed)}.${encodeJson(payload)}.` : await issuer.sign(payload, fixed);
    expectRefused(await verifyAt(issuer, jws), pattern);
  });

  it.each([
    ["iss is not issuer.id", (p: any) => (p.iss = "did:web:elsewhere.test"), /claims: .*"iss"/],
    ["sub is not credentialSubject.id", (p: any) => (p.sub = "https://issuer.test/participants/other"), /claims: .*"sub"/],
    ["jti is not id", (p: any) => (p.jti = "https://issuer.test/certificates/other"), /claims: .*"jti"/],
    ["nbf is a second off validFrom", (p: any) => (p.nbf += 1), /claims: .*"nbf"/],
    ["nbf is missing", (p: any) => delete p.nbf, /claims: .*no "nbf"/],
    ["validUntil without exp", (p: any) => (p.validUntil = "2999-01-01T00:00:00Z"), /claims: .*no "exp"/],
    ["exp in the past", (p: any) => (p.exp = seconds(new Date()) - 10), /time: .*expired/],
    [
      "exp that is not validUntil",
      (p: any) => Object.assign(p, { validUntil: "2999-01-01T00:00:00Z", exp: Date.parse("2998-01-01T00:00:00Z") / 1000 }),
      /claims: .*"exp"/,
    ],
  ])("refuses a payload where %s", async (_, mutate, pattern) => {
    const issuer = await fakeIssuer();
    const payload = withClaims(issuer.credential());
    mutate(payload);
    expectRefused(await verifyAt(issuer, await issuer.sign(payload)), pattern);
  });

  it("refuses a credential whose validFrom has not come yet, and accepts it once it has", async () => {
    const issuer = await fakeIssuer();
    const credential = issuer.credential();
    credential.validFrom = wholeSecondIso(new Date(Date.now() + 3_600_000));
    const jws = await issuer.sign(withClaims(credential));
    expectRefused(await verifyAt(issuer, jws), /time: .*not valid before/);
    expect((await verifyAt(issuer, jws, new Date(Date.now() + 7_200_000))).errors).toEqual([]);
  });

  it.each([
    ["@context does not start with the VC 2.0 context", (c: any) => c["@context"].reverse(), /@context must start/],
    ["@context lacks the OB context", (c: any) => c["@context"].pop(), /OB 3.0 context/],
    ["type lacks OpenBadgeCredential", (c: any) => (c.type = ["VerifiableCredential"]), /OpenBadgeCredential/],
    ["issuer is not a Profile", (c: any) => (c.issuer.type = ["Organization"]), /issuer.type lacks Profile/],
    ["validFrom has no time zone", (c: any) => (c.validFrom = c.validFrom.replace("Z", "")), /validFrom is not a DateTime/],
    ["name is missing", (c: any) => delete c.name, /model: name/],
    ["the subject is not an AchievementSubject", (c: any) => (c.credentialSubject.type = ["Person"]), /AchievementSubject/],
    ["the achievement has no criteria", (c: any) => delete c.credentialSubject.achievement.criteria, /criteria is not/],
    ["the criteria hold neither id nor narrative", (c: any) => (c.credentialSubject.achievement.criteria = {}), /neither id nor narrative/],
    ["the achievement has no description", (c: any) => delete c.credentialSubject.achievement.description, /description/],
    ["a hashed identity is not sha256$hex", (c: any) => (c.credentialSubject.identifier[1].identityHash = "md5$abc"), /sha256\$<64 hex>/],
    ["a hashed identity has no salt", (c: any) => delete c.credentialSubject.identifier[1].salt, /without a salt/],
    ["an identity's hashed is a string", (c: any) => (c.credentialSubject.identifier[0].hashed = "false"), /hashed is not a boolean/],
  ])("refuses a credential where %s (OB 3.0 data model)", async (_, mutate, pattern) => {
    const issuer = await fakeIssuer();
    const credential = issuer.credential();
    mutate(credential);
    expectRefused(await verifyAt(issuer, await issuer.sign(withClaims(credential))), pattern);
  });

  it.each([
    ["the kid is not in assertionMethod", (i: FakeIssuer) => (i.didDocument.assertionMethod = []), /not listed in assertionMethod/],
    [
      "the kid is not a verification method",
      (i: FakeIssuer) => (i.didDocument.verificationMethod[0]!.id = `${i.did}#other`),
      /not a verificationMethod/,
    ],
    ["the DID document is another DID's", (i: FakeIssuer) => (i.didDocument.id = "did:web:elsewhere.test"), /has id/],
    [
      "the DID document publishes a private key",
      (i: FakeIssuer) => (i.didDocument.verificationMethod[0]!.publicKeyJwk.d = "secret"),
      /private key/,
    ],
    ["the JWKS lacks the kid", (i: FakeIssuer) => (i.jwks.keys = []), /not published in .*jwks.json/],
    ["the JWKS holds another key under the kid", (i: FakeIssuer) => (i.jwks.keys[0]!.n = i.jwks.keys[0]!.e), /different key/],
  ])("refuses a credential whose key cannot be trusted: %s", async (_, mutate, pattern) => {
    const issuer = await fakeIssuer();
    const jws = await issuer.sign(withClaims(issuer.credential()));
    mutate(issuer);
    expectRefused(await verifyAt(issuer, jws), pattern);
  });

  it("accepts a relative verification method id ('#key-1'), as DID Core allows", async () => {
    const issuer = await fakeIssuer();
    issuer.didDocument.verificationMethod[0]!.id = "#key-1";
    issuer.didDocument.assertionMethod = ["#key-1"];
    expect((await verifyAt(issuer, await issuer.sign(withClaims(issuer.credential())))).errors).toEqual([]);
  });

  it("refuses a tampered payload and a payload signed by an unpublished key under the published kid", async () => {
    const issuer = await fakeIssuer();
    const jws = await issuer.sign(withClaims(issuer.credential()));
    const [head, body, signature] = jws.split(".") as [string, string, string];
    const changed = decodeJson(body);
    changed.credentialSubject.achievement.name = "Something else";
    expectRefused(await verifyAt(issuer, `${head}.${encodeJson(changed)}.${signature}`), /^signature: /);
    const stranger = await generateKeyPair("RS256");
    const forged = await signJws(decodeJson(body), { alg: "RS256", kid: issuer.kid, typ: "JWT" }, stranger.privateKey);
    expectRefused(await verifyAt(issuer, forged), /^signature: /);
  });

  it("refuses a credential signed by another did:web's own valid key (the key must be the issuer's)", async () => {
    const issuer = await fakeIssuer();
    const other = await fakeIssuer("other.test");
    const routes: FetchJson = (url, accept) =>
      url.startsWith("https://other.test/") ? other.fetchJson(url, accept) : issuer.fetchJson(url, accept);
    const jws = await signJws(withClaims(issuer.credential()), { alg: "RS256", kid: other.kid, typ: "JWT" }, other.privateKey);
    expectRefused(await verifyOpenBadge(jws, routes), /key: .*not of its issuer/);
  });

  it("accepts an inline `jwk` header only when the issuer's DID document lists that key, and never a private one", async () => {
    const issuer = await fakeIssuer();
    const payload = withClaims(issuer.credential());
    const inline = await issuer.sign(payload, { alg: "RS256", jwk: issuer.publicJwk, typ: "JWT" });
    expect((await verifyAt(issuer, inline)).errors).toEqual([]);
    const stranger = await generateKeyPair("RS256", { extractable: true });
    const selfVouched = await signJws(payload, { alg: "RS256", jwk: await exportJWK(stranger.publicKey), typ: "JWT" }, stranger.privateKey);
    expectRefused(await verifyAt(issuer, selfVouched), /not an assertionMethod/);
    const leaked = await signJws(payload, { alg: "RS256", jwk: await exportJWK(stranger.privateKey), typ: "JWT" }, stranger.privateKey);
    expectRefused(await verifyAt(issuer, leaked), /private key/);
  });

  it("reads the status bit most-significant-bit first, and a set revocation bit revokes only its own index", async () => {
    const issuer = await fakeIssuer();
    // Bit 5 of byte 0, counted from the left: 0b00000100.
    issuer.bits[0] = 0b0000_0100;
    const at = async (index: number) => verifyAt(issuer, await issuer.sign(withClaims(issuer.credential(index))));
    expectRefused(await at(5), /^status: revoked/);
    for (const index of [2, 4, 6, 8]) expect((await at(index)).errors, `index ${index}`).toEqual([]);
    // The helpers agree with the same rule, so the end-to-end tests below can read lists with them.
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => bitAt(issuer.bits, i))).toEqual([false, false, false, false, false, true, false, false]);
    expect(await expandEncodedList(`u${base64url.encode(await gzip(issuer.bits))}`)).toEqual(issuer.bits);
  });

  it("reports a set suspension bit as suspended, and ignores a set bit of a purpose that does not invalidate", async () => {
    const issuer = await fakeIssuer();
    issuer.bits[0] = 0b0000_0100;
    const withPurpose = async (purpose: string) => {
      issuer.editList = (list) => {
        list.credentialSubject.statusPurpose = purpose;
      };
      const credential = issuer.credential(5);
      credential.credentialStatus.statusPurpose = purpose;
      return verifyAt(issuer, await issuer.sign(withClaims(credential)));
    };
    expectRefused(await withPurpose("suspension"), /^status: suspended/);
    expect((await withPurpose("message")).errors).toEqual([]);
  });

  /** A change to the status list credential before it is signed. */
  const listEdit = (edit: (list: Record<string, any>, issuer: FakeIssuer) => void) => (i: FakeIssuer) => {
    i.editList = (list) => edit(list, i);
  };
  it.each([
    [
      "shorter than 131,072 bits",
      (i: FakeIssuer) => {
        i.bits = new Uint8Array(1024);
      },
      /fewer than the 131072/,
    ],
    ["of another purpose", listEdit((l) => (l.credentialSubject.statusPurpose = "suspension")), /purpose/],
    ["not a BitstringStatusListCredential", listEdit((l) => (l.type = ["VerifiableCredential"])), /lacks BitstringStatusListCredential/],
    [
      "encoded without the multibase 'u'",
      listEdit((l) => (l.credentialSubject.encodedList = l.credentialSubject.encodedList.slice(1))),
      /multibase/,
    ],
    ["padded base64url", listEdit((l) => (l.credentialSubject.encodedList += "==")), /unpadded/],
    ["not GZIP", listEdit((l, i) => (l.credentialSubject.encodedList = `u${base64url.encode(i.bits)}`)), /^status: /],
    ["published at another id", listEdit((l) => (l.id = "https://issuer.test/status-lists/2")), /status list id/],
    ["issued by someone else", listEdit((l) => (l.issuer = "did:web:elsewhere.test")), /status list issuer/],
    [
      "not signed by the issuer",
      (i: FakeIssuer) => {
        i.listSigner = async (p) => signJws(p, { alg: "RS256", kid: i.kid }, (await generateKeyPair("RS256")).privateKey);
      },
      /^signature: status list/,
    ],
  ])("refuses a credential whose status list is %s", async (_, mutate, pattern) => {
    const issuer = await fakeIssuer();
    const jws = await issuer.sign(withClaims(issuer.credential()));
    mutate(issuer);
    expectRefused(await verifyAt(issuer, jws), pattern);
  });

  it("resolves did:web as the method spec says: /.well-known without a path, the path's did.json with one, %3A as a port", () => {
    expect(didWebToUrl("did:web:example.com")).toBe("https://example.com/.well-known/did.json");
    expect(didWebToUrl("did:web:example.com:a:b")).toBe("https://example.com/a/b/did.json");
    expect(didWebToUrl("did:web:localhost%3A8787")).toBe("https://localhost:8787/.well-known/did.json");
    expect(didWebToUrl("did:web:api.test", "http")).toBe("http://api.test/.well-known/did.json");
    expect(() => didWebToUrl("did:web:evil.test%2Fother")).toThrow(/plain host/);
    expect(() => didWebToUrl("did:key:z6Mk")).toThrow(/not a did:web/);
  });

  it("reads a baked SVG (OB 3.0 §5.3.2) and refuses one baked wrongly", async () => {
    const issuer = await fakeIssuer();
    const jws = await issuer.sign(withClaims(issuer.credential()));
    const bake = (open: string, inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${open}${inner}<circle r="4"/></svg>`;
    const svgTag = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 8 8">';
    const credentialTag = `\n  <openbadges:credential verify="${jws}"></openbadges:credential>\n`;
    const good = await verifyAt(issuer, bake(svgTag, credentialTag));
    expect(good.errors).toEqual([]);
    expect(good.credential?.id).toBe(issuer.credential().id);
    const noNamespace = svgTag.replace(' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"', "");
    expectRefused(await verifyAt(issuer, bake(noNamespace, credentialTag)), /xmlns:openbadges/);
    expectRefused(await verifyAt(issuer, bake(svgTag, credentialTag + credentialTag)), /more than one/);
    expectRefused(await verifyAt(issuer, bake(svgTag, `<rect width="1"/>${credentialTag}`)), /not directly after/);
    expectRefused(await verifyAt(issuer, bake(svgTag, "<openbadges:credential></openbadges:credential>")), /no verify attribute/);
    // Attribute values may hold ">" unescaped, and a quoted value is never read as an attribute of its own.
    const labelled = svgTag.replace("<svg ", `<svg aria-label="5 > 4" `);
    const tricky = `\n  <openbadges:credential data-note='a > b' verify="${jws}"></openbadges:credential>\n`;
    expect((await verifyAt(issuer, bake(labelled, tricky))).errors).toEqual([]);
    const decoy = noNamespace.replace("<svg ", `<svg aria-label='xmlns:openbadges="${"https://purl.imsglobal.org/ob/v3p0"}"' `);
    expectRefused(await verifyAt(issuer, bake(decoy, credentialTag)), /xmlns:openbadges/);
  });
});

/* =========================================== the Worker's certificates, end to end =========================== */

/** The Worker's address in these tests (helpers.call uses the same host); the verifier may reach nothing else. */
const WORKER = "http://api.test";

type Client = {
  call: (
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; accept?: string },
  ) => Promise<{ status: number; text: string; json: any; headers: Headers }>;
  /** The verifier's only way out: a URL under `base` reaches the Worker, any other URL is an error. */
  fetchJson: FetchJson;
  base: string;
};

/**
 * A client of the Worker as tests deploy it or, with `bindings`, of one whose env differs (same D1). `base` is where
 * the Worker is published (PUBLIC_BASE_URL): the verifier's URLs under it go to the Worker with the base's path
 * prefix taken off, as the proxy in front of such a deployment would.
 */
function client(bindings?: Record<string, string>): Client {
  const app = bindings ? createApp() : null;
  const base = (bindings?.PUBLIC_BASE_URL ?? WORKER).replace(/\/$/, "");
  const send = (request: Request) =>
    app ? app.fetch(request, { ...env, ...bindings } as typeof env, createExecutionContext()) : exports.default.fetch(request);
  const fetchJson: FetchJson = async (url, accept) => {
    if (!url.startsWith(`${base}/`)) throw new Error(`the verifier asked for ${url}, outside the Worker under test (${base})`);
    return send(new Request(`${WORKER}${url.slice(base.length)}`, { headers: accept ? { accept } : {} }));
  };
  return {
    base,
    fetchJson,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.accept) headers.accept = options.accept;
      if (options.body !== undefined) headers["content-type"] = "application/json";
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const res = await send(new Request(`${WORKER}${path}`, { method, headers, body }));
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json, headers: res.headers };
    },
  };
}

/** The verifier as a third party runs it, over http because that is how the tests reach the Worker. */
const verify = (jwtOrSvg: string, c: Client) => verifyOpenBadge(jwtOrSvg, c.fetchJson, undefined, { scheme: "http" });

async function must(res: Promise<{ status: number; text: string; json: any }>, status: number, what: string) {
  const r = await res;
  expect(r.status, `${what}: ${r.text}`).toBe(status);
  return r.json;
}

/** A manager's one-step, one-video course with certificates on. */
async function certifiedCourse(c: Client, name = uniqueName("Bhakti Sastri")) {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await must(
    c.call("POST", "/courses", { token: manager, body: { name, certificate: { enabled: true } } }),
    201,
    "create course",
  );
  const step = await must(
    c.call("POST", "/steps", { token: manager, body: { course_id: course.id, name: uniqueName("step") } }),
    201,
    "create step",
  );
  const material = await must(
    c.call("POST", `/steps/${step.id}/materials`, {
      token: manager,
      body: { material_type: "Video", title: uniqueName("video"), content: { url: "https://example.com/v.mp4" } },
    }),
    201,
    "create material",
  );
  return { manager, course, material };
}

/** A participant whose token carries name and email, enrolled, who completes the course and reads the certificate. */
async function earn(c: Client, w: Awaited<ReturnType<typeof certifiedCourse>>, name?: string) {
  const pid = uniqueName("participant");
  const recipient = name ?? `Ada Lovelace ${pid.slice(-6)}`;
  const email = `${pid}@example.org`;
  const participant = await token(pid, "participant", { name: recipient, email });
  await must(c.call("POST", `/courses/${w.course.id}/enroll?participant_id=${pid}`, { token: w.manager }), 200, "enroll");
  await must(c.call("POST", `/materials/${w.material.id}/complete`, { token: participant }), 200, "complete the material");
  const mine = await must(c.call("GET", "/participants/me/certificates", { token: participant }), 200, "list my certificates");
  const listed = (mine as any[]).find((x) => x.course_id === w.course.id);
  expect(listed, JSON.stringify(mine)).toBeTruthy();
  // Public: no token, as a verifier or an employer would read it.
  const certificate = await must(c.call("GET", `/certificates/${listed.id}`, { accept: "application/json" }), 200, "read the certificate");
  return { pid, name: recipient, email, participant, listed, certificate, jwt: certificate.credential.jwt as string };
}

/** The public JWK a kid stands for in the Worker's DID document (undefined when not published). */
async function publishedKey(c: Client, kid: string) {
  const doc = await must(c.call("GET", "/.well-known/did.json"), 200, "did.json");
  return (doc.verificationMethod as any[]).find((m) => m.id === kid || `${doc.id}${m.id}` === kid)?.publicKeyJwk as JWK | undefined;
}

async function rsaPrivateJwk() {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  return (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
}

/** RFC 7638 thumbprint of the public part, so a private JWK and its published public twin compare equal. */
const thumbprint = (jwk: JsonWebKey | JWK) => calculateJwkThumbprint({ kty: jwk.kty, n: jwk.n, e: jwk.e } as JWK);
const kidOf = (jwt: string) => decodeJson(jwt.split(".")[0]!).kid as string;

describe("certificates issued by the Worker, checked by the independent verifier", () => {
  it("a completed course's certificate verifies, naming the course, the recipient and a salted hash of their email", async () => {
    const c = client();
    const w = await certifiedCourse(c);
    const earned = await earn(c, w);
    const result = await verify(earned.jwt, c);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    const credential = result.credential!;
    // What the API says it signed is what was signed.
    expect(earned.certificate.credential.payload).toEqual(credential);
    expect(earned.certificate.status).toBe("valid");
    expect(credential.name).toBe(w.course.name);
    expect(credential.credentialSubject.achievement.name).toBe(w.course.name);
    expect(credential.credentialSubject.achievement.id).toBe(`${WORKER}/courses/${w.course.id}`);
    expect(credential.issuer.id).toBe("did:web:api.test");
    const identifiers = credential.credentialSubject.identifier as any[];
    expect(identifiers.find((i) => i.identityType === "name")).toMatchObject({ hashed: false, identityHash: earned.name });
    const email = identifiers.find((i) => i.identityType === "emailAddress");
    expect(email).toMatchObject({ type: "IdentityObject", hashed: true });
    // OB 3.0 IdentityHash: the identifier with the salt appended, hashed; whoever holds the email can match it.
    expect(email.identityHash).toBe(`sha256$${await sha256Hex(earned.email + email.salt)}`);
    expect(email.identityHash).not.toBe(`sha256$${await sha256Hex(earned.email)}`);
    expect(JSON.stringify(credential)).not.toContain(earned.email);
    // Revocation is checkable (the revocation test relies on it) and was checked: the list was fetched and verified.
    expect(credential.credentialStatus).toMatchObject({ type: "BitstringStatusListEntry", statusPurpose: "revocation" });
  });

  it("the baked SVG carries the same credential, and it verifies (names with XML's special characters included)", async () => {
    const c = client();
    const w = await certifiedCourse(c, uniqueName(`Gita & "Bhagavatam" <Part 1>`));
    const earned = await earn(c, w, `O'Brien & <Co> "Ltd" ${uniqueName("r")}`);
    const res = await c.call("GET", `/certificates/${earned.listed.id}/badge.svg`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const fromSvg = await verify(res.text, c);
    expect(fromSvg.errors).toEqual([]);
    expect(fromSvg.valid).toBe(true);
    const fromJwt = await verify(earned.jwt, c);
    expect(fromSvg.credential).toEqual(fromJwt.credential);
    expect(fromSvg.credential!.credentialSubject.achievement.name).toBe(w.course.name);
  });

  it("a revoked certificate no longer verifies (its status bit is set), while its neighbour on the same list still does", async () => {
    const c = client();
    const w = await certifiedCourse(c);
    const revoked = await earn(c, w);
    const neighbour = await earn(c, w);
    const entry = (await verify(revoked.jwt, c)).credential!.credentialStatus;
    const other = (await verify(neighbour.jwt, c)).credential!.credentialStatus;
    expect(other.statusListCredential).toBe(entry.statusListCredential);
    expect(other.statusListIndex).not.toBe(entry.statusListIndex);
    expect((await verify(revoked.jwt, c)).errors).toEqual([]);

    await must(
      c.call("POST", `/certificates/${revoked.listed.id}/revoke`, { token: w.manager, body: { reason: "Issued in error" } }),
      200,
      "revoke",
    );
    // The same JWT, checked again: the verifier fetches the status list anew and finds the bit set.
    const after = await verify(revoked.jwt, c);
    expectRefused(after, /^status: revoked/);
    expect(after.errors.filter((e) => !e.startsWith("status: revoked"))).toEqual([]);
    expect((await verify(neighbour.jwt, c)).errors).toEqual([]);
    const read = await must(c.call("GET", `/certificates/${revoked.listed.id}`, { accept: "application/json" }), 200, "read revoked");
    expect(read.status).toBe("revoked");
    expect(read.credential.jwt).toBe(revoked.jwt);
    expect(
      (await c.call("POST", `/certificates/${revoked.listed.id}/revoke`, { token: w.manager, body: { reason: "again" } })).status,
    ).toBe(409);
  });

  it("a certificate whose payload was changed after signing fails its signature", async () => {
    const c = client();
    const earned = await earn(c, await certifiedCourse(c));
    expect((await verify(earned.jwt, c)).errors).toEqual([]);
    const [head, body, signature] = earned.jwt.split(".") as [string, string, string];
    const payload = decodeJson(body);
    payload.name = "Doctor of Everything";
    payload.credentialSubject.achievement.name = "Doctor of Everything";
    const tampered = await verify(`${head}.${encodeJson(payload)}.${signature}`, c);
    expectRefused(tampered, /^signature: /);
    expect(tampered.credential).toBeUndefined();
  });

  it("after a key rotation, new certificates are signed by the new key and the old ones still verify", async () => {
    const keyA = await rsaPrivateJwk();
    const keyB = await rsaPrivateJwk();
    const before = client({ CERT_SIGNING_KEY: JSON.stringify({ keys: [keyA] }) });
    const w = await certifiedCourse(before);
    const old = await earn(before, w);
    const oldKid = kidOf(old.jwt);
    expect(await thumbprint((await publishedKey(before, oldKid))!)).toBe(await thumbprint(keyA));
    expect((await verify(old.jwt, before)).errors).toEqual([]);

    const after = client({ CERT_SIGNING_KEY: JSON.stringify({ keys: [keyB, keyA] }) });
    const fresh = await earn(after, w);
    const newKid = kidOf(fresh.jwt);
    expect(newKid).not.toBe(oldKid);
    expect(await thumbprint((await publishedKey(after, newKid))!)).toBe(await thumbprint(keyB));
    // Both keys are published (DID document and JWKS), so both certificates verify against the same documents.
    expect(await thumbprint((await publishedKey(after, oldKid))!)).toBe(await thumbprint(keyA));
    expect((await verify(fresh.jwt, after)).errors).toEqual([]);
    expect((await verify(old.jwt, after)).errors).toEqual([]);
    // Before the rotation the new key was not published, and what is not published is not trusted.
    expect(await publishedKey(before, newKid)).toBeUndefined();
    expectRefused(await verify(fresh.jwt, before), /^key: /);
  });

  it("a certificate signed by a key the issuer does not publish fails, though it names the published kid", async () => {
    const c = client();
    const earned = await earn(c, await certifiedCourse(c));
    const [head, body] = earned.jwt.split(".") as [string, string];
    const header = decodeJson(head);
    expect(await publishedKey(c, header.kid)).toBeDefined();
    const stranger = await generateKeyPair("RS256");
    const forged = await signJws(decodeJson(body), { alg: "RS256", kid: header.kid, typ: "JWT" }, stranger.privateKey);
    expectRefused(await verify(forged, c), /^signature: /);
    expect((await verify(earned.jwt, c)).errors).toEqual([]);
  });

  it.each([
    ["a port (did:web encodes it as %3A)", "http://api.test:8787", "did:web:api.test%3A8787"],
    ["a path prefix (did:web turns it into :segments)", "http://api.test/lms/api", "did:web:api.test:lms:api"],
  ])("a Worker published at %s issues a did:web the method spec resolves back to it", async (_, base, did) => {
    const c = client({ PUBLIC_BASE_URL: base });
    const earned = await earn(c, await certifiedCourse(c));
    const result = await verify(earned.jwt, c);
    expect(result.errors).toEqual([]);
    expect(result.credential!.issuer.id).toBe(did);
    expect(kidOf(earned.jwt).startsWith(`${did}#`)).toBe(true);
    expect(result.credential!.credentialStatus.statusListCredential.startsWith(`${base}/`)).toBe(true);
  });
});
