/**
 * What anyone may read without a token besides /health and the docs: a certificate, its badge and status list, and
 * the issuer's keys (certificates/), so that an employer, a wallet or a verifier's web page can check a credential.
 * Reads only; a certificate's id is the secret its holder hands out. Any origin may read them from a browser too
 * (lib/cors.ts): they carry no credentials and answer the same to everyone.
 */
const PUBLIC_READS = [
  /^\/certificates\/[^/]+$/,
  /^\/certificates\/[^/]+\/badge\.svg$/,
  /^\/status-lists\/[^/]+$/,
  /^\/\.well-known\/(did|jwks)\.json$/,
  /^\/did\.json$/,
];

export const isPublicRead = (method: string, path: string) =>
  (method === "GET" || method === "HEAD" || method === "OPTIONS") && PUBLIC_READS.some((pattern) => pattern.test(path));
