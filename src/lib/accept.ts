/**
 * Content negotiation between JSON (every route's default) and one other representation of the same thing (a
 * report's CSV, a certificate's printable page): the other one only when the client's Accept header ranks it at
 * least as high as application/json (RFC 9110 §12.5.1 q-values; `q=0` means "not this"). Wildcards favour JSON.
 */
export function prefers(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return false;
  let other = 0;
  let json = 0;
  for (const part of accept.split(",").slice(0, 50)) {
    const [range = "", ...params] = part.split(";").map((x) => x.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (range === mediaType) other = Math.max(other, q);
    else if (range === "application/json") json = Math.max(json, q);
  }
  return other > 0 && other >= json;
}

/**
 * The representation an Accept header ranks highest among `offers` (q-values; explicit media types only, so a
 * browser's or a library's wildcard range gets the first offer, the default). Ties go to the earlier offer.
 */
export function negotiate<T extends string>(accept: string | undefined, offers: readonly [T, ...T[]]): T {
  const [fallback] = offers;
  if (!accept) return fallback;
  const q = new Map<string, number>();
  for (const part of accept.split(",").slice(0, 50)) {
    const [range = "", ...params] = part.split(";").map((x) => x.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(value)) q.set(range, Math.max(q.get(range) ?? 0, value));
  }
  let best: T = fallback;
  let bestQ = q.get(fallback) ?? 0;
  for (const offer of offers.slice(1)) {
    const value = q.get(offer) ?? 0;
    if (value > bestQ) [best, bestQ] = [offer, value];
  }
  return best;
}
