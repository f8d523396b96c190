import { describe, expect, it } from "vitest";
import {
  achievementOf,
  bitstring,
  didWebOf,
  emailClaim,
  multibaseBase64url,
  nameClaim,
  openBadgeCredential,
  recipientClaims,
  STATUS_LIST_BITS,
  STATUS_LIST_FILL,
  saltedHash,
  statusListCredential,
  statusListFor,
  statusListId,
  wholeSeconds,
} from "../../src/domain/certificates";

describe("achievementOf: the configured wording, else the course's", () => {
  const course = { name: "Bhakti Shastri", description: "A study of four texts" };
  it.each([
    [null, { name: "Bhakti Shastri", description: "A study of four texts", criteria: "Complete every step of the course Bhakti Shastri." }],
    [
      { enabled: true },
      { name: "Bhakti Shastri", description: "A study of four texts", criteria: "Complete every step of the course Bhakti Shastri." },
    ],
    [
      { enabled: true, achievement_name: "Shastri", description: "Scholar", criteria: "Pass four exams" },
      { name: "Shastri", description: "Scholar", criteria: "Pass four exams" },
    ],
    [
      { enabled: true, achievement_name: "  ", description: null },
      { name: "Bhakti Shastri", description: "A study of four texts" },
    ],
  ])("%j", (config, expected) => {
    expect(achievementOf(course, config)).toMatchObject(expected);
  });
  it("a course without a description says what completing it means", () => {
    expect(achievementOf({ name: "Intro", description: null }, null).description).toBe("Completed the course Intro.");
  });
});

describe("didWebOf (did:web method §3.1)", () => {
  it.each([
    ["https://api.example.org", "did:web:api.example.org"],
    ["https://api.example.org/", "did:web:api.example.org"],
    ["http://localhost:8787", "did:web:localhost%3A8787"],
    ["https://example.org/lms/api", "did:web:example.org:lms:api"],
    ["https://EXAMPLE.org", "did:web:example.org"],
  ])("%s → %s", (base, did) => {
    expect(didWebOf(base)).toBe(did);
  });
});

describe("bitstring: index 0 is the most significant bit of the first byte", () => {
  it.each([
    [[0], 0, 0x80],
    [[7], 0, 0x01],
    [[8], 1, 0x80],
    [[0, 1, 2], 0, 0xe0],
    [[STATUS_LIST_BITS - 1], STATUS_LIST_BITS / 8 - 1, 0x01],
  ])("%j sets byte %i to %i", (indexes, byte, value) => {
    const bits = bitstring(indexes);
    expect(bits.length).toBe(16_384);
    expect(bits[byte]).toBe(value);
    // Exactly those bits, no others.
    const set = bits.reduce((n, b) => n + b.toString(2).replace(/0/g, "").length, 0);
    expect(set).toBe(indexes.length);
  });
  it("ignores what is not an index of the list", () => {
    expect(bitstring([-1, STATUS_LIST_BITS, 1.5]).every((b) => b === 0)).toBe(true);
  });
});

describe("multibaseBase64url", () => {
  it.each([
    [[0xfb, 0xff], "u-_8"],
    [[104, 105], "uaGk"],
    [[], "u"],
  ])("%j → %s", (bytes, encoded) => {
    expect(multibaseBase64url(Uint8Array.from(bytes))).toBe(encoded);
  });
});

describe("claims worth recording", () => {
  it.each([
    [" Ana@Example.org ", "ana@example.org"],
    ["not an email", null],
    ["a@b", "a@b"],
    [`${"x".repeat(320)}@b.c`, null],
    [42, null],
  ])("email %j → %j", (value, expected) => expect(emailClaim(value)).toBe(expected));
  it.each([
    [" Ana Gómez ", "Ana Gómez"],
    ["", null],
    ["x".repeat(201), null],
    [{}, null],
  ])("name %j → %j", (value, expected) => expect(nameClaim(value)).toBe(expected));
  it("an email is kept only as sha256(email + salt) with a fresh salt", async () => {
    const a = await recipientClaims({ email: "ana@example.org" });
    const b = await recipientClaims({ email: "ana@example.org" });
    expect(a?.email_hash).toMatch(/^sha256\$[0-9a-f]{64}$/);
    expect(a?.salt).not.toBe(b?.salt);
    expect(a?.email_hash).not.toBe(b?.email_hash);
    expect(await recipientClaims({})).toBeNull();
  });
});

describe("openBadgeCredential", () => {
  const input = {
    base: "https://api.example.org",
    certificateId: "9f2c4e1a7b3d5f60a1b2c3d4",
    courseId: "507f1f77bcf86cd799439011",
    issuedAt: "2026-12-07T10:11:12.345Z",
    achievement: { name: "Shastri", description: "Scholar", criteria: "Pass" },
    issuer: { id: "did:web:api.example.org", name: "Academy" },
    status: { listId: "507f1f77bcf86cd799439061", index: 4242 },
  };
  it.each([
    [{ name: null, email_hash: null }, ["systemId"]],
    [{ name: "Ana", email_hash: null }, ["systemId", "name"]],
    [{ name: "Ana", email_hash: "sha256$ab" }, ["systemId", "name", "emailAddress"]],
  ])("recipient %j has identifiers %j; the account id only hashed, the subject named by the certificate", (recipient, types) => {
    const vc = openBadgeCredential({ ...input, recipient: { subject_hash: "sha256$cd", salt: "s", ...recipient } }) as any;
    expect(vc.credentialSubject.identifier.map((i: any) => i.identityType)).toEqual(types);
    expect(vc.credentialSubject.identifier[0]).toEqual({
      type: "IdentityObject",
      identityType: "systemId",
      hashed: true,
      identityHash: "sha256$cd",
      salt: "s",
    });
    expect(vc.credentialSubject.id).toBe("https://api.example.org/certificates/9f2c4e1a7b3d5f60a1b2c3d4#recipient");
    expect(vc.sub).toBe(vc.credentialSubject.id);
  });
  it("saltedHash is sha256 of the identity followed by its salt", async () => {
    // sha256("abc") — FIPS 180-2's first test vector.
    expect(await saltedHash("a", "bc")).toBe("sha256$ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("nbf is validFrom in whole seconds; iss, jti repeat issuer and id; the status entry names its bit", () => {
    const vc = openBadgeCredential({ ...input, recipient: { subject_hash: "sha256$cd", name: null, email_hash: null, salt: "s" } }) as any;
    expect(vc.validFrom).toBe("2026-12-07T10:11:12Z");
    expect(vc.nbf * 1000).toBe(Date.parse(vc.validFrom));
    expect(vc.iss).toBe(vc.issuer.id);
    expect(vc.jti).toBe(vc.id);
    expect(vc.exp).toBeUndefined();
    expect(vc.credentialStatus).toEqual({
      id: "https://api.example.org/status-lists/507f1f77bcf86cd799439061#4242",
      type: "BitstringStatusListEntry",
      statusPurpose: "revocation",
      statusListIndex: "4242",
      statusListCredential: "https://api.example.org/status-lists/507f1f77bcf86cd799439061",
    });
  });
  it("the status list credential is of its own id and purpose", () => {
    const list = statusListCredential("https://x.org", "L", "did:web:x.org", new Date("2026-01-02T03:04:05.678Z"), "uAA") as any;
    expect(list).toMatchObject({ id: "https://x.org/status-lists/L", validFrom: "2026-01-02T03:04:05Z", iss: "did:web:x.org" });
    expect(list.credentialSubject).toMatchObject({
      id: "https://x.org/status-lists/L#list",
      statusPurpose: "revocation",
      encodedList: "uAA",
    });
  });
  it.each([
    [1, "000000000000000000000001"],
    [26, "00000000000000000000001a"],
  ])("status list %i has id %s", (n, id) => expect(statusListId(n)).toBe(id));
  it.each([
    [undefined, { id: "000000000000000000000001", fresh: true }],
    [
      { id: "000000000000000000000001", used: 0, lists: 1 },
      { id: "000000000000000000000001", fresh: false },
    ],
    [
      { id: "000000000000000000000001", used: STATUS_LIST_FILL - 1, lists: 1 },
      { id: "000000000000000000000001", fresh: false },
    ],
    [
      { id: "000000000000000000000001", used: STATUS_LIST_FILL, lists: 1 },
      { id: "000000000000000000000002", fresh: true },
    ],
    [
      { id: "000000000000000000000002", used: STATUS_LIST_FILL, lists: 2 },
      { id: "000000000000000000000003", fresh: true },
    ],
  ])("after newest list %j a certificate takes its bit from %j", (newest, expected) => {
    expect(statusListFor(newest)).toEqual(expected);
  });
  it("wholeSeconds", () => expect(wholeSeconds("2026-12-07T10:11:12.999Z")).toBe("2026-12-07T10:11:12Z"));
});
