import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, security } from "../lib/openapi";
import { forManagersIdempotent, forParticipants } from "../lib/policy";
import {
  CertificateParams,
  CertificateSummarySchema,
  DidDocumentSchema,
  JwksSchema,
  ParticipantParams,
  PublicCertificateSchema,
  RevokeCertificateSchema,
  StatusListParams,
} from "./schemas";

const tags = ["Certificates"];
/** Public operations need no token (they count against the client's address) and carry no `x-roles`. */
const open = { security: [] as { Bearer: string[] }[] };

export const listMyCertificates = createRoute({
  operationId: "listMyCertificates",
  ...forParticipants,
  method: "get",
  path: "/participants/me/certificates",
  tags,
  security,
  summary: "My course certificates, newest first",
  description:
    "Also records the caller's `name` and `email` token claims on their certificates not yet signed that lack them (a course completed by a manager's review is issued without them); a signed certificate never changes.",
  responses: { 200: jsonResponse(z.array(CertificateSummarySchema), "The caller's certificates") },
});

export const listParticipantCertificates = createRoute({
  operationId: "listParticipantCertificates",
  "x-roles": ["manager", "participant", "staff"],
  "x-capability": "read",
  method: "get",
  path: "/participants/{participant_id}/certificates",
  tags,
  security,
  summary: "A participant's course certificates, newest first",
  description:
    "Managers see all; course staff those of the courses where their grant (and its cohorts) reaches the participant; a participant only their own (another's → 403).",
  request: { params: ParticipantParams },
  responses: { 200: jsonResponse(z.array(CertificateSummarySchema), "The participant's certificates") },
});

export const getCertificate = createRoute({
  operationId: "getCertificate",
  ...open,
  method: "get",
  path: "/certificates/{certificate_id}",
  tags,
  summary: "A certificate and its Open Badges 3.0 credential — public, no token",
  description:
    "JSON by default; `Accept: text/plain` or `application/vc+jwt`: the bare VC-JWT; with `Accept: text/html` a printable page (one A4/Letter page) with a QR code of its own URL. The credential is signed on the first read. Cached for up to 60 s (`Cache-Control`), so a revocation shows within a minute.",
  request: { params: CertificateParams },
  responses: {
    200: {
      description: "The certificate",
      content: {
        "application/json": { schema: PublicCertificateSchema },
        "text/html": { schema: z.string().openapi({ description: "A printable page" }) },
        "text/plain": { schema: z.string().openapi({ description: "The bare VC-JWT (OB 3.0 §5.2, a credential as a web resource)" }) },
        "application/vc+jwt": { schema: z.string().openapi({ description: "The bare VC-JWT" }) },
      },
    },
  },
});

export const getBadge = createRoute({
  operationId: "getCertificateBadge",
  ...open,
  method: "get",
  path: "/certificates/{certificate_id}/badge.svg",
  tags,
  summary: "The badge image with the credential baked in (Open Badges 3.0 SVG baking) — public",
  request: { params: CertificateParams },
  responses: {
    200: {
      description: "An SVG image whose `<openbadges:credential verify>` holds the VC-JWT",
      content: { "image/svg+xml": { schema: z.string() } },
    },
  },
});

export const revokeCertificate = createRoute({
  operationId: "revokeCertificate",
  ...forManagersIdempotent,
  method: "post",
  path: "/certificates/{certificate_id}/revoke",
  tags,
  security,
  summary: "Revoke a certificate: its status-list bit is set, and verifiers see it revoked within a minute",
  request: { params: CertificateParams, body: jsonBody(RevokeCertificateSchema) },
  responses: { 200: jsonResponse(CertificateSummarySchema, "Revoked") },
});

export const getStatusList = createRoute({
  operationId: "getStatusList",
  ...open,
  method: "get",
  path: "/status-lists/{list_id}",
  tags,
  summary: "A W3C Bitstring Status List credential (revocation) — public",
  description:
    "A signed `BitstringStatusListCredential` as a VC-JWT (`application/vc+jwt`); with `Accept: application/json`, `{jwt, payload}`. 131,072 entries, GZIP-compressed; cache it for at most 60 s.",
  request: { params: StatusListParams },
  responses: {
    200: {
      description: "The status list credential",
      content: {
        "application/vc+jwt": { schema: z.string() },
        "application/json": {
          schema: z.object({ jwt: z.string(), payload: z.record(z.string(), z.unknown()) }).openapi("StatusListCredential"),
        },
      },
    },
  },
});

export const getDidDocument = createRoute({
  operationId: "getDidDocument",
  ...open,
  method: "get",
  path: "/.well-known/did.json",
  tags,
  summary: "The certificate issuer's did:web document (its public keys) — public",
  responses: { 200: jsonResponse(DidDocumentSchema, "The DID document") },
});

export const getDidDocumentAtBase = createRoute({
  ...getDidDocument,
  operationId: "getDidDocumentAtBase",
  path: "/did.json",
  summary: "The same DID document, where did:web resolves it when PUBLIC_BASE_URL has a path — public",
});

export const getJwks = createRoute({
  operationId: "getCertificateJwks",
  ...open,
  method: "get",
  path: "/.well-known/jwks.json",
  tags,
  summary: "The certificate signing keys as a JWK Set (current and rotated-out) — public",
  responses: { 200: jsonResponse(JwksSchema, "The key set") },
});
