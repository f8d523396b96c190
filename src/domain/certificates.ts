/**
 * Course-completion certificates as Open Badges 3.0 credentials (1EdTech OB 3.0, W3C VC Data Model 2.0, W3C
 * Bitstring Status List v1.0): what a credential says, built from what was frozen when the course was completed.
 * Pure: signing, storage and HTTP live in src/certificates/ and src/lib/credential-keys.ts.
 */

/** `courses.certificate`: whether completing the course issues a certificate, and its wording (null: the default). */
export type CertificateConfig = {
  enabled: boolean;
  achievement_name?: string | null;
  description?: string | null;
  criteria?: string | null;
};

/** Revocation bits per status list: the specification's minimum of 16 KB, so one list hides each holder among many. */
export const STATUS_LIST_BITS = 131_072;
/**
 * A list takes new certificates until half its bits are used: a random pick then finds a free bit at least every
 * other try, and the list's bits stay sparse enough that a set bit says little about its neighbours.
 */
export const STATUS_LIST_FILL = STATUS_LIST_BITS / 2;
/** How long a verifier may cache a status list (and the public page): a revocation shows within this. */
export const STATUS_CACHE_SECONDS = 60;

/** The n-th status list's id (1, 2, …) in the shape of every id here: lists are few, public, and in order anyway. */
export const statusListId = (n: number) => n.toString(16).padStart(24, "0");

export type NewestList = { id: string; used: number; lists: number };

/**
 * The list a certificate signed now takes its bit from: the newest while it has room (STATUS_LIST_FILL), else the
 * next one by number — so first reads racing to start a list all start the same one, and no list is left holding
 * a handful of certificates whose bits would say more about each of them.
 */
export function statusListFor(newest: NewestList | undefined): { id: string; fresh: boolean } {
  if (newest && newest.used < STATUS_LIST_FILL) return { id: newest.id, fresh: false };
  return { id: statusListId((newest?.lists ?? 0) + 1), fresh: true };
}

export const VC_CONTEXT = "https://www.w3.org/ns/credentials/v2";
export const OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

export type Achievement = { name: string; description: string; criteria: string };

/** The wording a certificate carries: the course's configuration, else defaults from the course itself. */
export function achievementOf(course: { name: string; description: string | null }, config: CertificateConfig | null): Achievement {
  const text = (value: string | null | undefined) => (value?.trim() ? value.trim() : null);
  return {
    name: text(config?.achievement_name) ?? course.name,
    description: text(config?.description) ?? text(course.description) ?? `Completed the course ${course.name}.`,
    criteria: text(config?.criteria) ?? `Complete every step of the course ${course.name}.`,
  };
}

/**
 * The `did:web` identifier of an API reached at `base` (did:web method spec §3.1): the host, its port encoded as
 * `%3A`, and each path segment after a colon. A path prefix resolves to `<base>/did.json`; none to
 * `<base>/.well-known/did.json` — the Worker serves both.
 */
export function didWebOf(base: string): string {
  const url = new URL(base);
  const segments = url.pathname.split("/").filter(Boolean).map(encodeURIComponent);
  return ["did:web", encodeURIComponent(url.host), ...segments].join(":");
}

/** ISO 8601 to whole seconds: a JWT's `nbf` is whole seconds and must equal `validFrom` exactly (OB 3.0 §8.2). */
export const wholeSeconds = (iso: string) => `${iso.slice(0, 19)}Z`;

/**
 * A certificate id: 96 random bits as 24 hex characters (the shape of every id here, but none of it a timestamp):
 * the id is the public URL, so it must not be guessable or say when it was issued.
 */
export function randomCertificateId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** What a certificate records of its recipient besides their id: the token's name, and its email only as a salted hash. */
export type RecipientClaims = { name: string | null; email_hash: string | null; salt: string | null };

/** The recipient claims of a caller's token (name; email hashed with a fresh salt), or null when it carries neither. */
export async function recipientClaims(caller: { name?: string; email?: string }): Promise<RecipientClaims | null> {
  if (!caller.name && !caller.email) return null;
  if (!caller.email) return { name: caller.name ?? null, email_hash: null, salt: null };
  const salt = newSalt();
  return { name: caller.name ?? null, email_hash: await saltedHash(caller.email, salt), salt };
}

/** 128 random bits as hex: a salt for OB 3.0 hashed identities. */
export const newSalt = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");

/** OB 3.0 IdentityObject hash of `identity` with `salt`: `sha256$` + hex SHA-256 of the two joined. */
export async function saltedHash(identity: string, salt: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(identity + salt)));
  return identityHashOf(Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join(""));
}

/** The recipient claims to record: the caller's own, only when the caller is the participant who completes the course. */
export function recipientOf(caller: { id: string; role: string; name?: string; email?: string }, participantId: string) {
  return caller.role === "participant" && caller.id === participantId ? recipientClaims(caller) : Promise.resolve(null);
}

/**
 * The recipient as the credential names them. Their account id (the token's `sub`) only as a salted hash
 * (`subject_hash`, with `salt`): in the clear it would let anyone holding two of someone's certificates, or one
 * and the account id, link them; the holder, who knows it, can still show it is theirs.
 */
export type Recipient = { subject_hash: string; name: string | null; email_hash: string | null; salt: string };

export type CredentialInput = {
  base: string;
  certificateId: string;
  courseId: string;
  issuedAt: string;
  achievement: Achievement;
  recipient: Recipient;
  issuer: { id: string; name: string };
  status: { listId: string; index: number };
};

/** Where things live, from the API's base URL: each is the `id` the credential gives it. */
export const certificateUrl = (base: string, id: string) => `${base}/certificates/${id}`;
export const statusListUrl = (base: string, listId: string) => `${base}/status-lists/${listId}`;
/** The credential's subject: its recipient, named by the certificate rather than by their account (see Recipient). */
export const subjectIdOf = (base: string, certificateId: string) => `${certificateUrl(base, certificateId)}#recipient`;

/**
 * The JWT payload of an `OpenBadgeCredential` secured as a VC-JWT (OB 3.0 §8.2, final): the credential itself, with
 * `iss`/`jti`/`nbf`/`sub` repeating its issuer, id, validFrom and subject. No `exp`: completing a course does not
 * expire; revocation is the status list's job.
 */
export function openBadgeCredential(input: CredentialInput): Record<string, unknown> {
  const id = certificateUrl(input.base, input.certificateId);
  const validFrom = wholeSeconds(input.issuedAt);
  const subjectId = subjectIdOf(input.base, input.certificateId);
  const identifier: Record<string, unknown>[] = [
    {
      type: "IdentityObject",
      identityType: "systemId",
      hashed: true,
      identityHash: input.recipient.subject_hash,
      salt: input.recipient.salt,
    },
  ];
  if (input.recipient.name)
    identifier.push({ type: "IdentityObject", identityType: "name", hashed: false, identityHash: input.recipient.name });
  if (input.recipient.email_hash)
    identifier.push({
      type: "IdentityObject",
      identityType: "emailAddress",
      hashed: true,
      identityHash: input.recipient.email_hash,
      salt: input.recipient.salt,
    });
  const list = statusListUrl(input.base, input.status.listId);
  return {
    "@context": [VC_CONTEXT, OB_CONTEXT],
    id,
    type: ["VerifiableCredential", "OpenBadgeCredential"],
    issuer: { id: input.issuer.id, type: ["Profile"], name: input.issuer.name },
    validFrom,
    name: input.achievement.name,
    credentialSubject: {
      id: subjectId,
      type: ["AchievementSubject"],
      identifier,
      achievement: {
        id: `${input.base}/courses/${input.courseId}`,
        type: ["Achievement"],
        achievementType: "CertificateOfCompletion",
        name: input.achievement.name,
        description: input.achievement.description,
        criteria: { narrative: input.achievement.criteria },
      },
    },
    credentialStatus: {
      id: `${list}#${input.status.index}`,
      type: "BitstringStatusListEntry",
      statusPurpose: "revocation",
      statusListIndex: String(input.status.index),
      statusListCredential: list,
    },
    iss: input.issuer.id,
    jti: id,
    nbf: Math.floor(Date.parse(validFrom) / 1000),
    sub: subjectId,
  };
}

/** The JWT payload of a `BitstringStatusListCredential` (Bitstring Status List v1.0 §2.2) for `encodedList`. */
export function statusListCredential(base: string, listId: string, issuerId: string, now: Date, encodedList: string) {
  const id = statusListUrl(base, listId);
  const validFrom = wholeSeconds(now.toISOString());
  return {
    "@context": [VC_CONTEXT],
    id,
    type: ["VerifiableCredential", "BitstringStatusListCredential"],
    issuer: issuerId,
    validFrom,
    credentialSubject: {
      id: `${id}#list`,
      type: "BitstringStatusList",
      statusPurpose: "revocation",
      encodedList,
      ttl: STATUS_CACHE_SECONDS * 1000,
    },
    iss: issuerId,
    jti: id,
    nbf: Math.floor(Date.parse(validFrom) / 1000),
    sub: `${id}#list`,
  };
}

/** The uncompressed bitstring with `indexes` set; index 0 is the most significant bit of the first byte (§3.1). */
export function bitstring(indexes: Iterable<number>, bits = STATUS_LIST_BITS): Uint8Array {
  const bytes = new Uint8Array(bits / 8);
  for (const index of indexes) {
    if (!Number.isInteger(index) || index < 0 || index >= bits) continue;
    const at = index >> 3;
    bytes[at] = (bytes[at] ?? 0) | (0x80 >> (index & 7));
  }
  return bytes;
}

/** Multibase base64url without padding (prefix `u`), how `encodedList` carries the GZIP-compressed bitstring. */
export function multibaseBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `u${btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

/** OB 3.0 IdentityObject hash: `sha256$` + hex SHA-256 of the identity followed by its salt (as OB 2.0 defined it). */
export const identityHashOf = (hexDigest: string) => `sha256$${hexDigest}`;

/** Email claims worth recording: trimmed, lower-cased (addresses compare case-insensitively in practice), bounded. */
export function emailClaim(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const email = value.trim().toLowerCase();
  return email.length <= 320 && /^[^@\s]+@[^@\s]+$/.test(email) ? email : null;
}

export function nameClaim(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const name = value.trim();
  return name.length > 0 && name.length <= 200 ? name : null;
}
