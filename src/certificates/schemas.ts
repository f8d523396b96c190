import { z } from "@hono/zod-openapi";
import { fields, objectId, participantId } from "../lib/openapi";

export const CertificateParams = z.object({ certificate_id: objectId("certificate_id") });
export const StatusListParams = z.object({ list_id: objectId("list_id") });
export const ParticipantParams = z.object({ participant_id: participantId() });

const status = z.enum(["valid", "revoked"]).openapi({ description: "`revoked` once a manager revoked it (its status-list bit is set)" });

/** What a certificate list shows: enough to link to it, without signing anything. */
export const CertificateSummarySchema = z
  .object({
    id: objectId("id"),
    participant_id: z.string(),
    course_id: z.string(),
    course_name: z.string().openapi({ description: "The course's name when it was completed" }),
    achievement_name: z.string(),
    issued_at: fields.timestamp(),
    status,
    revoked_at: fields.timestamp().nullable(),
    revocation_reason: z.string().nullable().openapi({ description: "Why a manager revoked it (never on the public view)" }),
    url: z.string().openapi({ format: "uri", description: "The public certificate: JSON, or a printable page with Accept: text/html" }),
    badge_url: z.string().openapi({ format: "uri", description: "The badge image with the credential baked in (SVG)" }),
  })
  .openapi("CertificateSummary");

export const CredentialSchema = z
  .object({
    jwt: z.string().openapi({ description: "The Open Badges 3.0 credential as a VC-JWT (compact JWS, RS256)" }),
    payload: z.record(z.string(), z.unknown()).openapi({ description: "The JWT's payload, decoded: the OpenBadgeCredential" }),
  })
  .openapi("Credential");

/** The public view: what a verifier or an employer sees, and nothing else about the participant. */
export const PublicCertificateSchema = z
  .object({
    id: objectId("id"),
    status,
    issued_at: fields.timestamp(),
    revoked_at: fields.timestamp().nullable(),
    course_id: z.string(),
    course_name: z.string(),
    achievement_name: z.string(),
    recipient_name: z.string().nullable().openapi({ description: "The recipient's name when their token carried one" }),
    issuer: z.object({ id: z.string().openapi({ example: "did:web:api.example.org" }), name: z.string() }),
    url: z.string().openapi({ format: "uri" }),
    badge_url: z.string().openapi({ format: "uri" }),
    credential: CredentialSchema,
  })
  .openapi("PublicCertificate");

export const RevokeCertificateSchema = z
  .object({ reason: z.string().trim().min(1).max(500).openapi({ example: "Awarded in error: the exam was retaken" }) })
  .strict()
  .openapi("RevokeCertificate");

export const JwksSchema = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .openapi("JsonWebKeySet", { description: "RFC 7517 JWK Set: the public keys certificates are signed with" });

export const DidDocumentSchema = z
  .object({
    "@context": z.array(z.string()),
    id: z.string(),
    verificationMethod: z.array(z.record(z.string(), z.unknown())),
    assertionMethod: z.array(z.string()),
  })
  .openapi("DidDocument", { description: "The issuer's did:web DID document (W3C DID Core)" });
