import { batch } from "../db/batch";
import { certificates } from "../db/schema";
import {
  achievementOf,
  bitstring,
  certificateUrl,
  didWebOf,
  multibaseBase64url,
  newSalt,
  openBadgeCredential,
  recipientClaims,
  STATUS_CACHE_SECONDS,
  STATUS_LIST_BITS,
  saltedHash,
  statusListCredential,
  statusListFor,
} from "../domain/certificates";
import type { AppContext } from "../env";
import { audit } from "../journal";
import { negotiate } from "../lib/accept";
import { type SigningKeys, signCompact, signingKeys } from "../lib/credential-keys";
import { ApiError, forbidden, notFound } from "../lib/errors";
import { configuredBase, type Handler, origin } from "../lib/openapi";
import { cryptoRandomInt } from "../lib/random";
import { staffReachSql } from "../visibility/grants";
import {
  type CertificateRow,
  certificatesOf,
  createStatusList,
  fillRecipient,
  findCertificate,
  listExists,
  newestStatusList,
  reachedIn,
  revokedIndexes,
  revokeWrite,
  storeSigned,
} from "./queries";
import { badgeSvg, type CertificateView, certificatePage } from "./render";
import type * as routes from "./routes";

/** A public page may be cached this long: a revocation shows within it (and the status list says the same). */
const PUBLIC_CACHE = `public, max-age=${STATUS_CACHE_SECONDS}`;
/** Keys change only on rotation; a verifier that misses a new key refetches on an unknown kid. */
const KEYS_CACHE = "public, max-age=300";
/** Tries at a free status bit before giving up: each succeeds with probability ≥ 1/2 (domain STATUS_LIST_FILL). */
const SIGNING_TRIES = 12;

const issuerOf = (c: AppContext) => ({ id: didWebOf(origin(c)), name: c.env.CERT_ISSUER_NAME?.trim() || "Course/LMS API" });

/** What the certificate says: its course's wording as frozen when the course was completed. */
const wordingOf = (row: CertificateRow) => achievementOf({ name: row.course_name, description: row.course_description }, row.config);

function summaryOf(c: AppContext, row: CertificateRow) {
  // A signed certificate lives at the URL it was signed under; one not signed yet, where this API is now.
  const url = row.credential_jwt ? (decodePayload(row.credential_jwt).id as string) : certificateUrl(origin(c), row.id);
  return {
    id: row.id,
    participant_id: row.participant_id,
    course_id: row.course_id,
    course_name: row.course_name,
    achievement_name: wordingOf(row).name,
    issued_at: row.issued_at,
    status: row.revoked_at ? ("revoked" as const) : ("valid" as const),
    revoked_at: row.revoked_at,
    revocation_reason: row.revocation_reason,
    url,
    badge_url: `${url}/badge.svg`,
  };
}

/**
 * The certificate as signed: signs it on its first read, taking a random free bit of the newest status list with
 * room (or starting a new list). Two first reads may both sign; only one stores, and both answer with what was stored.
 * More than one round trip, unlike other handlers: the bit is only known free once the conditional store landed.
 */
async function signed(c: AppContext, read: CertificateRow): Promise<CertificateRow> {
  let row = read;
  if (row.credential_jwt) return row;
  const db = c.get("db");
  const keys = await signingKeys(c.env.CERT_SIGNING_KEY);
  // A credential keeps the URL it is signed under for good: deployed, that must be the configured one, never
  // whichever host (workers.dev, another port) its first reader happened to use.
  const deployed = c.env.ENVIRONMENT === "production" || c.env.ENVIRONMENT === "staging";
  if (deployed && !configuredBase(c))
    throw new ApiError(
      503,
      "certificates_unavailable",
      "Certificates are signed under PUBLIC_BASE_URL, which is not set to a valid URL here",
    );
  const base = origin(c);
  const issuer = issuerOf(c);
  let [list] = await newestStatusList(db);
  for (let attempt = 0; attempt < SIGNING_TRIES; attempt++) {
    const { id: listId, fresh } = statusListFor(list);
    const index = cryptoRandomInt(STATUS_LIST_BITS);
    const jwt = await sign(keys, issuer, row, base, listId, index);
    try {
      const out = await batch(db, {
        list: fresh && createStatusList(db, listId, c.get("now").toISOString()),
        stored: storeSigned(db, row, {
          status_list_id: listId,
          status_index: index,
          kid: `${issuer.id}#${keys.signer.fragment}`,
          credential_jwt: jwt,
          signed_at: c.get("now").toISOString(),
        }),
        now: findCertificate(db, row.id),
      });
      // Signed by this batch, or by another first read meanwhile: either way, what is stored is the certificate.
      // Erased meanwhile: there is nothing to show. Its recipient filled in meanwhile: sign what it says now.
      const [now] = out.now;
      if (!now || now.erased_at) throw notFound("Certificate", row.id);
      if (now.credential_jwt) return now;
      row = now;
    } catch (error) {
      // Another certificate took the same bit between this statement's check and its write.
      if (!String(error).includes("UNIQUE")) throw error;
    }
    if (fresh) list = { id: listId, used: 1, lists: (list?.lists ?? 0) + 1 };
  }
  throw new Error(`no free status bit found for certificate ${row.id} in ${SIGNING_TRIES} tries`);
}

async function sign(
  keys: SigningKeys,
  issuer: { id: string; name: string },
  row: CertificateRow,
  base: string,
  listId: string,
  index: number,
) {
  // The email was hashed with the row's salt when recorded; the account id is hashed with the same one (or a fresh one).
  const salt = row.recipient_salt ?? newSalt();
  const payload = openBadgeCredential({
    base,
    certificateId: row.id,
    courseId: row.course_id,
    issuedAt: row.issued_at,
    achievement: wordingOf(row),
    recipient: {
      subject_hash: await saltedHash(row.participant_id, salt),
      name: row.recipient_name,
      email_hash: row.recipient_email_hash,
      salt,
    },
    issuer,
    status: { listId, index },
  });
  return signCompact(keys, `${issuer.id}#${keys.signer.fragment}`, payload);
}

const decodePayload = (jwt: string) =>
  JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(atob((jwt.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0)),
    ),
  ) as Record<string, unknown>;

async function publicCertificate(c: AppContext, id: string) {
  const [row] = await findCertificate(c.get("db"), id);
  // An erased participant's certificate is a tombstone (its bit stays revoked): there is nothing to show or sign.
  if (!row || row.erased_at) throw notFound("Certificate", id);
  return signed(c, row);
}

/**
 * Who issued it and where it lives, as the credential says: it was signed under the issuer and base URL of its first
 * read, which stay its own whatever the configuration becomes.
 */
function signedFacts(row: CertificateRow) {
  const payload = decodePayload(row.credential_jwt as string);
  const issuer = payload.issuer as { id: string; name: string };
  const url = payload.id as string;
  return { payload, issuer: { id: issuer.id, name: issuer.name }, url, badge_url: `${url}/badge.svg` };
}

function viewOf(row: CertificateRow): CertificateView {
  const achievement = wordingOf(row);
  const signed = signedFacts(row);
  return {
    id: row.id,
    status: row.revoked_at ? "revoked" : "valid",
    issued_at: row.issued_at,
    revoked_at: row.revoked_at,
    course_name: row.course_name,
    achievement_name: achievement.name,
    description: achievement.description,
    criteria: achievement.criteria,
    recipient_name: row.recipient_name,
    issuer_name: signed.issuer.name,
    issuer_id: signed.issuer.id,
    verification_url: signed.url,
    badge_url: signed.badge_url,
  };
}

/**
 * JSON (the API's default), the printable page for a browser, or the bare VC-JWT: OB 3.0 §5.2 ("Web Resource")
 * serves a JWT-secured credential at its id URL as the compact JWS, `text/plain`; `application/vc+jwt` is its
 * VC-JOSE-COSE media type.
 */
const CERTIFICATE_TYPES = ["application/json", "text/html", "text/plain", "application/vc+jwt"] as const;

export const getCertificate: Handler<typeof routes.getCertificate> = async (c) => {
  const { certificate_id } = c.req.valid("param");
  const row = await publicCertificate(c, certificate_id);
  const jwt = row.credential_jwt as string;
  c.header("cache-control", PUBLIC_CACHE);
  c.header("vary", "accept");
  const type = negotiate(c.req.header("accept"), CERTIFICATE_TYPES);
  if (type === "text/html") {
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
    );
    return c.html(certificatePage(viewOf(row)), 200);
  }
  if (type !== "application/json") return c.body(jwt, 200, { "content-type": type === "text/plain" ? "text/plain; charset=utf-8" : type });
  const signed = signedFacts(row);
  return c.json(
    {
      id: row.id,
      status: row.revoked_at ? ("revoked" as const) : ("valid" as const),
      issued_at: row.issued_at,
      revoked_at: row.revoked_at,
      course_id: row.course_id,
      course_name: row.course_name,
      achievement_name: wordingOf(row).name,
      recipient_name: row.recipient_name,
      issuer: signed.issuer,
      url: signed.url,
      badge_url: signed.badge_url,
      credential: { jwt, payload: signed.payload },
    },
    200,
  );
};

export const getBadge: Handler<typeof routes.getBadge> = async (c) => {
  const { certificate_id } = c.req.valid("param");
  const row = await publicCertificate(c, certificate_id);
  return c.body(badgeSvg(viewOf(row), row.credential_jwt as string), 200, {
    "content-type": "image/svg+xml; charset=utf-8",
    "cache-control": PUBLIC_CACHE,
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  });
};

export const listMyCertificates: Handler<typeof routes.listMyCertificates> = async (c) => {
  const caller = c.get("caller");
  const db = c.get("db");
  const claims = await recipientClaims(caller);
  const read = await batch(db, { fill: claims && fillRecipient(db, caller.id, claims), rows: certificatesOf(db, caller.id) });
  return c.json(
    read.rows.map((row) => summaryOf(c, row)),
    200,
  );
};

export const listParticipantCertificates: Handler<typeof routes.listParticipantCertificates> = async (c) => {
  const caller = c.get("caller");
  const { participant_id } = c.req.valid("param");
  const db = c.get("db");
  if (caller.role === "participant" && caller.id !== participant_id)
    throw forbidden("A participant may only see their own certificates", "not_your_data");
  if (caller.role !== "staff")
    return c.json(
      (await certificatesOf(db, participant_id)).map((row) => summaryOf(c, row)),
      200,
    );
  // Course staff see the certificates of the courses where their grant reaches this participant (cohorts
  // included); a participant their grants reach in no course is not there for them.
  const read = await batch(db, {
    reach: reachedIn(db, caller.id, participant_id),
    rows: certificatesOf(db, participant_id, staffReachSql(caller.id, certificates.course_id, certificates.participant_id, "read")),
  });
  if (read.reach.length === 0) throw new ApiError(404, "participant_not_found", `Participant '${participant_id}' not found`);
  return c.json(
    read.rows.map((row) => summaryOf(c, row)),
    200,
  );
};

export const revokeCertificate: Handler<typeof routes.revokeCertificate> = async (c) => {
  const { certificate_id } = c.req.valid("param");
  const { reason } = c.req.valid("json");
  const db = c.get("db");
  const [found] = await findCertificate(db, certificate_id);
  if (!found || found.erased_at) throw notFound("Certificate", certificate_id);
  // Its bit must exist before it can be set: a certificate nobody has read yet is signed first.
  await signed(c, found);
  const stamp = c.get("now").toISOString();
  const out = await batch(db, {
    revoked: revokeWrite(db, certificate_id, c.get("caller").id, reason, stamp),
    audited: audit(
      c,
      "certificate.revoked",
      { type: "certificate", id: certificate_id },
      {
        revoked_at: [null, stamp],
        revocation_reason: [null, reason],
      },
    ),
    now: findCertificate(db, certificate_id),
  });
  const [row] = out.now;
  if (!row) throw notFound("Certificate", certificate_id);
  if (out.revoked.length === 0)
    throw new ApiError(409, "certificate_revoked", `Certificate '${certificate_id}' was already revoked at ${row.revoked_at}`);
  return c.json(summaryOf(c, row), 200);
};

export const getStatusList: Handler<typeof routes.getStatusList> = async (c) => {
  const { list_id } = c.req.valid("param");
  const db = c.get("db");
  const keys = await signingKeys(c.env.CERT_SIGNING_KEY);
  const read = await batch(db, { list: listExists(db, list_id), revoked: revokedIndexes(db, list_id) });
  if (read.list.length === 0) throw notFound("Status list", list_id);
  const bits = bitstring(read.revoked.map((r) => r.index ?? -1));
  const gzipped = new Uint8Array(await new Response(new Blob([bits]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
  const issuer = issuerOf(c);
  const payload = statusListCredential(origin(c), list_id, issuer.id, c.get("now"), multibaseBase64url(gzipped));
  const jwt = await signCompact(keys, `${issuer.id}#${keys.signer.fragment}`, payload);
  c.header("cache-control", PUBLIC_CACHE);
  c.header("vary", "accept");
  if (negotiate(c.req.header("accept"), ["application/vc+jwt", "application/json"]) === "application/vc+jwt")
    return c.body(jwt, 200, { "content-type": "application/vc+jwt" });
  return c.json({ jwt, payload }, 200);
};

export const getDidDocument: Handler<typeof routes.getDidDocument> = async (c) => {
  const keys = await signingKeys(c.env.CERT_SIGNING_KEY);
  const did = didWebOf(origin(c));
  const methods = keys.published.map((key) => ({
    id: `${did}#${key.fragment}`,
    type: "JsonWebKey2020",
    controller: did,
    publicKeyJwk: { ...key.jwk, alg: key.alg },
  }));
  c.header("cache-control", KEYS_CACHE);
  return c.json(
    {
      "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
      id: did,
      verificationMethod: methods,
      assertionMethod: methods.map((m) => m.id),
    },
    200,
  );
};

export const getJwks: Handler<typeof routes.getJwks> = async (c) => {
  const keys = await signingKeys(c.env.CERT_SIGNING_KEY);
  const did = didWebOf(origin(c));
  c.header("cache-control", KEYS_CACHE);
  return c.json({ keys: keys.published.map((key) => ({ ...key.jwk, alg: key.alg, use: "sig", kid: `${did}#${key.fragment}` })) }, 200);
};
