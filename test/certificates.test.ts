/**
 * Issue #28: certificates as users meet them — a course that issues them, the participant's list, the public page
 * and JSON, who may list and revoke, what a revocation changes, and signing on first read exactly once. The
 * credential itself is checked against the specifications by an independent verifier
 * (test/certificate-verification.test.ts); which completion paths issue one, in test/progress-milestones.test.ts.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { compactVerify, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { actors, call, makeCohort, makeCourse, makeMaterial, makeStep, staff, token, uniqueName } from "./helpers";

/** A course issuing certificates, one step with one video, and a participant (with name and email claims) who completed it. */
async function completed(options: { claims?: Record<string, unknown>; byManager?: boolean; certificate?: Record<string, unknown> } = {}) {
  const { manager } = await actors();
  const course = await makeCourse(manager, {
    description: "Twelve weeks of study",
    certificate: options.certificate ?? { enabled: true },
  });
  const step = await makeStep(manager, course.id);
  const video = await makeMaterial(manager, step.id);
  const pid = uniqueName("learner");
  const participant = await token(pid, "participant", options.claims ?? { name: "Ana Gómez", email: "ana@example.org" });
  expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${pid}`, { token: manager })).status).toBe(200);
  const done = options.byManager
    ? await call("POST", `/materials/${video.id}/complete?participant_id=${pid}`, { token: manager })
    : await call("POST", `/materials/${video.id}/complete`, { token: participant });
  expect(done.status, done.text).toBe(200);
  const row = await env.DB.prepare("SELECT id FROM certificates WHERE participant_id = ?").bind(pid).first<{ id: string }>();
  return { manager, course, pid, participant, id: row?.id as string };
}

describe("a course's certificate settings", () => {
  it("are stored with defaults shown as null, changed and switched off by PUT, and bounded", async () => {
    const { manager } = await actors();
    const course = await makeCourse(manager, { certificate: { enabled: true, criteria: "Pass every exam" } });
    expect(course.certificate).toEqual({ enabled: true, achievement_name: null, description: null, criteria: "Pass every exam" });
    const off = await call("PUT", `/courses/${course.id}`, { token: manager, body: { certificate: null } });
    expect(off.json.certificate).toBeNull();
    for (const certificate of [{ enabled: "yes" }, { enabled: true, achievement_name: "x".repeat(201) }, { enabled: true, extra: 1 }, {}]) {
      const res = await call("PUT", `/courses/${course.id}`, { token: manager, body: { certificate } });
      expect(res.status, JSON.stringify(certificate)).toBe(400);
    }
  });
});

describe("the public certificate", () => {
  it("certificates first read at the same moment share one status list (none is left with a handful of bits)", async () => {
    const ids = await Promise.all([0, 1, 2, 3, 4, 5].map(async () => (await completed()).id));
    const shown = await Promise.all(ids.map((id) => call("GET", `/certificates/${id}`)));
    const lists = new Set(shown.map((res) => (res.json.credential.payload as any).credentialStatus.statusListCredential));
    expect(lists.size).toBe(1);
    const bits = new Set(shown.map((res) => (res.json.credential.payload as any).credentialStatus.statusListIndex));
    expect(bits.size).toBe(6);
  });

  it("needs no token, is signed once (also when first read by many at once) and names the recipient from their token", async () => {
    const { id, course } = await completed();
    const first = await Promise.all([0, 1, 2, 3].map(() => call("GET", `/certificates/${id}`)));
    for (const res of first) expect(res.status).toBe(200);
    const jwts = new Set(first.map((res) => res.json.credential.jwt));
    expect(jwts.size).toBe(1);
    const again = await call("GET", `/certificates/${id}`);
    expect(again.json.credential.jwt).toBe(first[0]?.json.credential.jwt);
    expect(again.json).toMatchObject({
      id,
      status: "valid",
      revoked_at: null,
      course_id: course.id,
      achievement_name: course.name,
      recipient_name: "Ana Gómez",
      issuer: { id: "did:web:api.test" },
    });
    expect(again.headers.get("cache-control")).toBe("public, max-age=60");
    // Nothing else about the participant: no reason, no other fields.
    expect(Object.keys(again.json).sort()).toEqual(
      [
        "achievement_name",
        "badge_url",
        "course_id",
        "course_name",
        "credential",
        "id",
        "issued_at",
        "issuer",
        "recipient_name",
        "revoked_at",
        "status",
        "url",
      ].sort(),
    );
    const [list] = await env.DB.prepare("SELECT COUNT(*) AS n FROM certificates WHERE id = ? AND credential_jwt IS NOT NULL")
      .bind(id)
      .raw();
    expect(list?.[0]).toBe(1);
  });

  it("is a printable page for a browser, with a strict CSP and nothing from other hosts", async () => {
    const { id } = await completed();
    const page = await call("GET", `/certificates/${id}`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.text).toContain("Ana Gómez");
    expect(page.text).toContain(`http://api.test/certificates/${id}`);
    expect(page.text).not.toMatch(/<(script|link|img)\b[^>]*(src|href)="https?:/i);
    const svg = await call("GET", `/certificates/${id}/badge.svg`);
    expect(svg.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const jwt = (await call("GET", `/certificates/${id}`)).json.credential.jwt;
    expect(svg.text).toContain(`<openbadges:credential verify="${jwt}">`);
  });

  it("as a web resource (OB 3.0 §5.2): the bare VC-JWT for text/plain and application/vc+jwt", async () => {
    const { id } = await completed();
    const jwt = (await call("GET", `/certificates/${id}`)).json.credential.jwt;
    for (const [accept, type] of [
      ["text/plain", "text/plain; charset=utf-8"],
      ["application/vc+jwt", "application/vc+jwt"],
      ["application/json;q=0.5, text/plain", "text/plain; charset=utf-8"],
    ] as const) {
      const res = await call("GET", `/certificates/${id}`, { headers: { accept } });
      expect(res.headers.get("content-type"), accept).toBe(type);
      expect(res.text).toBe(jwt);
    }
    expect((await call("GET", `/certificates/${id}`, { headers: { accept: "*/*" } })).json.credential.jwt).toBe(jwt);
  });

  it("an unknown id is a JSON 404, a malformed one a 400, with or without a token", async () => {
    const missing = await call("GET", "/certificates/0123456789abcdef01234567");
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe("certificate_not_found");
    expect((await call("GET", "/certificates/nope/badge.svg")).status).toBe(400);
    expect((await call("GET", "/status-lists/0123456789abcdef01234567")).json.code).toBe("status_list_not_found");
    // Still no other route without a token.
    expect((await call("GET", "/certificates/0123456789abcdef01234567/revoke")).status).toBe(401);
  });

  it("a course without certificates issues none", async () => {
    const { id } = await completed({ certificate: { enabled: false } });
    expect(id).toBeUndefined();
  });
});

describe("the recipient's name and email", () => {
  it("come from the participant's token: at completion, or on their first look at their list when a manager completed it", async () => {
    const w = await completed({ byManager: true });
    const before = await env.DB.prepare("SELECT recipient_name, recipient_email_hash FROM certificates WHERE id = ?").bind(w.id).first();
    expect(before).toEqual({ recipient_name: null, recipient_email_hash: null });
    const mine = await call("GET", "/participants/me/certificates", { token: w.participant });
    expect(mine.json.map((c: { id: string }) => c.id)).toEqual([w.id]);
    const shown = await call("GET", `/certificates/${w.id}`);
    expect(shown.json.recipient_name).toBe("Ana Gómez");
    const email = (shown.json.credential.payload as any).credentialSubject.identifier.find((i: any) => i.identityType === "emailAddress");
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`ana@example.org${email.salt}`));
    expect(email.identityHash).toBe(`sha256$${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`);
  });

  it("a signed certificate never changes: a later token with another name leaves it as it is", async () => {
    const w = await completed({ byManager: true });
    const signed = await call("GET", `/certificates/${w.id}`);
    expect(signed.json.recipient_name).toBeNull();
    const renamed = await token(w.pid, "participant", { name: "Someone Else" });
    await call("GET", "/participants/me/certificates", { token: renamed });
    const after = await call("GET", `/certificates/${w.id}`);
    expect(after.json.recipient_name).toBeNull();
    expect(after.json.credential.jwt).toBe(signed.json.credential.jwt);
  });
});

describe("who sees whose certificates", () => {
  it("participants their own, managers anyone's, staff those their grant's cohorts reach", async () => {
    const w = await completed();
    const other = await token(uniqueName("other"), "participant");
    expect((await call("GET", `/participants/${w.pid}/certificates`, { token: w.participant })).json).toHaveLength(1);
    expect((await call("GET", `/participants/${w.pid}/certificates`, { token: other })).status).toBe(403);
    expect((await call("GET", `/participants/${w.pid}/certificates`, { token: w.manager })).json).toHaveLength(1);

    const grader = await staff("grader");
    const outsider = await staff("outsider");
    const cohortGrader = await staff("cohort-grader");
    const cohort = await makeCohort(w.manager, w.course.id, uniqueName("cohort"));
    expect((await call("PUT", `/courses/${w.course.id}/staff/${grader.sub}`, { token: w.manager, body: { role: "grader" } })).status).toBe(
      200,
    );
    expect(
      (
        await call("PUT", `/courses/${w.course.id}/staff/${cohortGrader.sub}`, {
          token: w.manager,
          body: { role: "grader", cohort_ids: [cohort] },
        })
      ).status,
    ).toBe(200);
    expect((await call("GET", `/participants/${w.pid}/certificates`, { token: grader.token })).json).toHaveLength(1);
    // A participant their grants reach in no course is not there for them (outside their grants: 404).
    for (const who of [outsider, cohortGrader]) {
      const res = await call("GET", `/participants/${w.pid}/certificates`, { token: who.token });
      expect(res.status, who.sub).toBe(404);
      expect(res.json.code).toBe("participant_not_found");
    }
  });
});

describe("revocation", () => {
  it("managers only; shows on the public certificate at once; a second revoke is a 409; audited", async () => {
    const w = await completed();
    const grader = await staff("grader");
    await call("PUT", `/courses/${w.course.id}/staff/${grader.sub}`, { token: w.manager, body: { role: "instructor" } });
    for (const who of [w.participant, grader.token])
      expect((await call("POST", `/certificates/${w.id}/revoke`, { token: who, body: { reason: "x" } })).status).toBe(403);
    expect((await call("POST", `/certificates/${w.id}/revoke`, { token: w.manager, body: {} })).status).toBe(400);
    // Never read before: revoking signs it first, so its bit exists to be set.
    const revoked = await call("POST", `/certificates/${w.id}/revoke`, { token: w.manager, body: { reason: "Awarded in error" } });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.json).toMatchObject({ status: "revoked", revocation_reason: "Awarded in error" });
    const shown = await call("GET", `/certificates/${w.id}`);
    expect(shown.json).toMatchObject({ status: "revoked", revoked_at: revoked.json.revoked_at });
    expect(shown.json).not.toHaveProperty("revocation_reason");
    const page = await call("GET", `/certificates/${w.id}`, { headers: { accept: "text/html" } });
    expect(page.text).toMatch(/revoked/i);
    const again = await call("POST", `/certificates/${w.id}/revoke`, { token: w.manager, body: { reason: "again" } });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe("certificate_revoked");
    const audit = await call("GET", `/audit-events?entity_type=certificate&entity_id=${w.id}`, { token: w.manager });
    expect(audit.json.map((e: { action: string }) => e.action)).toEqual(["certificate.revoked"]);
    expect((await call("POST", "/certificates/0123456789abcdef01234567/revoke", { token: w.manager, body: { reason: "x" } })).status).toBe(
      404,
    );
  });
});

describe("erasing the participant", () => {
  it("exports their certificates first; afterwards the certificate is gone from every read, and its bit stays revoked", async () => {
    const w = await completed();
    const signed = await call("GET", `/certificates/${w.id}`);
    const exported = await call("GET", `/participants/${w.pid}/export`, { token: w.manager });
    expect(exported.json.certificates).toEqual([expect.objectContaining({ id: w.id, credential_jwt: signed.json.credential.jwt })]);
    const erased = await call("DELETE", `/participants/${w.pid}`, { token: w.manager });
    expect(erased.json.erased.certificates).toBe(1);
    expect((await call("GET", `/certificates/${w.id}`)).status).toBe(404);
    expect((await call("GET", `/certificates/${w.id}/badge.svg`)).status).toBe(404);
    expect((await call("POST", `/certificates/${w.id}/revoke`, { token: w.manager, body: { reason: "x" } })).status).toBe(404);
    expect((await call("GET", `/participants/${w.pid}/certificates`, { token: w.manager })).json).toEqual([]);
    const row = await env.DB.prepare(
      "SELECT participant_id, recipient_name, recipient_email_hash, credential_jwt, revoked_at, status_index FROM certificates WHERE id = ?",
    )
      .bind(w.id)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({ recipient_name: null, recipient_email_hash: null, credential_jwt: null });
    expect(row?.participant_id).not.toBe(w.pid);
    expect(row?.revoked_at).toBeTruthy();
    expect(row?.status_index).toBe(Number((signed.json.credential.payload as any).credentialStatus.statusListIndex));
  });
});

describe("deployed", () => {
  it("a certificate is signed only under the configured PUBLIC_BASE_URL, never under the host its first reader used", async () => {
    const w = await completed();
    const send = (bindings: Record<string, unknown>, host: string) =>
      createApp().fetch(new Request(`http://${host}/certificates/${w.id}`), { ...env, ...bindings }, createExecutionContext());
    const unset = await send({ ENVIRONMENT: "production", PUBLIC_BASE_URL: undefined }, "evil.example");
    expect(unset.status).toBe(503);
    expect(((await unset.json()) as { code: string }).code).toBe("certificates_unavailable");
    const set = await send({ ENVIRONMENT: "production", PUBLIC_BASE_URL: "https://api.example.org" }, "evil.example");
    const body = (await set.json()) as any;
    expect(body.credential.payload.issuer.id).toBe("did:web:api.example.org");
    // Read later through another host, it still names where it was signed.
    const later = (await (await send({}, "other.example")).json()) as any;
    expect([later.url, later.issuer.id]).toEqual([`https://api.example.org/certificates/${w.id}`, "did:web:api.example.org"]);
  });

  it("any web page may read the public documents (CORS *); the rest stays with the configured origins", async () => {
    const w = await completed();
    for (const path of ["/.well-known/jwks.json", `/certificates/${w.id}`]) {
      const res = await call("GET", path, { headers: { origin: "https://wallet.example" } });
      expect(res.headers.get("access-control-allow-origin"), path).toBe("*");
    }
    const mine = await call("GET", "/participants/me/certificates", {
      token: w.participant,
      headers: { origin: "https://wallet.example" },
    });
    expect(mine.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("an Ed25519 signing key", () => {
  it("signs EdDSA VC-JWTs that verify against the published key (RS256 stays the default OB 3.0 verifiers must accept)", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), kid: "ed-key" };
    const bindings = { ...env, CERT_SIGNING_KEY: JSON.stringify(jwk) };
    const fetchWith = async (path: string): Promise<any> =>
      (await createApp().fetch(new Request(`http://api.test${path}`), bindings, createExecutionContext())).json();
    const w = await completed();
    const shown = await fetchWith(`/certificates/${w.id}`);
    const [header] = shown.credential.jwt.split(".");
    expect(JSON.parse(atob(header.replace(/-/g, "+").replace(/_/g, "/")))).toEqual({
      alg: "EdDSA",
      kid: "did:web:api.test#ed-key",
      typ: "JWT",
    });
    const did = await fetchWith("/.well-known/did.json");
    const published = did.verificationMethod.find((m: { id: string }) => m.id === "did:web:api.test#ed-key").publicKeyJwk;
    expect(published.d).toBeUndefined();
    const { payload } = await compactVerify(shown.credential.jwt, await importJWK(published, "EdDSA"));
    expect(JSON.parse(new TextDecoder().decode(payload)).id).toBe(`http://api.test/certificates/${w.id}`);
  });
});

describe("without a signing key", () => {
  it("certificates are still issued; reading one or the keys is a 503 the client may retry", async () => {
    const w = await completed();
    const signed = await completed();
    const payload = (await call("GET", `/certificates/${signed.id}`)).json.credential.payload as any;
    const list = new URL(payload.credentialStatus.statusListCredential).pathname;
    const bare = { ...env, CERT_SIGNING_KEY: undefined };
    for (const path of [
      `/certificates/${w.id}`,
      `/certificates/${w.id}/badge.svg`,
      list,
      "/.well-known/jwks.json",
      "/.well-known/did.json",
      "/did.json",
    ]) {
      const res = await createApp().fetch(new Request(`http://api.test${path}`), bare, createExecutionContext());
      expect(res.status, path).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe("certificates_unavailable");
    }
    expect(w.id).toMatch(/^[0-9a-f]{24}$/);
  });
});
