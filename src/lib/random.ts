import type { RandomInt } from "../domain/forms";

/** A uniform integer in [0, n) from the Web Crypto RNG (rejection sampling: no modulo bias). */
export const cryptoRandomInt: RandomInt = (n) => {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`cryptoRandomInt(${n})`);
  const limit = 2 ** 32 - (2 ** 32 % n);
  const buffer = new Uint32Array(1);
  // Draw until the value falls below the largest multiple of n (at most a few draws).
  for (;;) for (const value of crypto.getRandomValues(buffer)) if (value < limit) return value % n;
};
