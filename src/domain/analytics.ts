/**
 * Item analytics from sums the database aggregates (no per-attempt rows reach the Worker): every figure is a
 * closed form over counts, sums and sums of squares.
 */

/** Sums over the attempts that have a known mark x for one question; y is the rest of the attempt's score. */
export type ItemSums = { n: number; sx: number; sxx: number; sy: number; syy: number; sxy: number };

export const MIN_ATTEMPTS_FOR_CORRELATION = 5;

// `|| 0`: a correlation of exactly zero must not come out as -0.
const round = (n: number, places = 4) => Math.round(n * 10 ** places) / 10 ** places || 0;

/** Pearson's r from sums; null when either side does not vary (or too few attempts). */
export function pearson(s: ItemSums): number | null {
  if (s.n < MIN_ATTEMPTS_FOR_CORRELATION) return null;
  const num = s.n * s.sxy - s.sx * s.sy;
  const den = (s.n * s.sxx - s.sx ** 2) * (s.n * s.syy - s.sy ** 2);
  return den > 1e-12 ? round(num / Math.sqrt(den)) : null;
}

/** Population variance from count, sum and sum of squares (floating error clamped at 0). */
export function variance(n: number, sum: number, sumSq: number): number {
  if (n === 0) return 0;
  return Math.max(0, sumSq / n - (sum / n) ** 2);
}

/** Sample standard deviation (n − 1); null below two values. */
export function sampleStdev(n: number, sum: number, sumSq: number): number | null {
  if (n < 2) return null;
  return round(Math.sqrt(Math.max(0, (sumSq - sum ** 2 / n) / (n - 1))));
}

/**
 * Cronbach's alpha = k/(k−1) · (1 − Σ item variances / total variance); with 0/1 items this is KR-20. Null below
 * `MIN_ATTEMPTS_FOR_CORRELATION` attempts, with fewer than two items, or when totals do not vary.
 */
export function reliability(attempts: number, itemVariances: number[], totalVariance: number): number | null {
  const k = itemVariances.length;
  if (attempts < MIN_ATTEMPTS_FOR_CORRELATION || k < 2 || totalVariance <= 1e-12) return null;
  return round((k / (k - 1)) * (1 - itemVariances.reduce((a, b) => a + b, 0) / totalVariance));
}

/** Ten buckets of percentage scores: [0,10), [10,20), … [90,100]. */
export function histogram(buckets: { bucket: number; count: number }[]): number[] {
  const place = (bucket: number) => Math.min(9, Math.max(0, bucket));
  return Array.from({ length: 10 }, (_, i) => buckets.reduce((sum, b) => (place(b.bucket) === i ? sum + b.count : sum), 0));
}

export { round as roundTo };
