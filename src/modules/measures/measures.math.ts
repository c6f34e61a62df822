// Rounding rules of the measures, in integer arithmetic so that a half is never lost to binary
// floating point (1.005 * 100 is 100.49999…): every figure comes from exact integer aggregates.

/** a / b rounded to the nearest integer, halves away from zero; b > 0, |a| < 2^52. */
function divRound(a: number, b: number): number {
  const q = Math.floor((2 * Math.abs(a) + b) / (2 * b));
  return a < 0 ? -q : q;
}

/** numerator / denominator × 100, 2 decimals; null when the denominator is 0. */
export function percent(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  return divRound(numerator * 10_000, denominator) / 100;
}

/** sum / count, 2 decimals; null when the count is 0. Sums are whole numbers (days). */
export function mean(sum: number, count: number): number | null {
  if (count === 0) return null;
  return divRound(sum * 100, count) / 100;
}

/** Median from the two middle values (the same value twice for an odd count). */
export function median(low: number | null, high: number | null): number | null {
  if (low === null || high === null) return null;
  return (low + high) / 2;
}

/** value − previous, 2 decimals; null when either is null. */
export function change(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null) return null;
  return Math.round((value - previous) * 100) / 100;
}
