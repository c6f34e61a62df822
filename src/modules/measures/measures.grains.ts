import { addDays } from "../../lib/dates";
import { nextUnitStart, unitStart } from "./measures.dates";

/** Grains of measure_counts and measure_ttd_hist: a row covers a day, a calendar month or a year. */
export const MEASURE_GRAIN = { day: 1, month: 2, year: 3 } as const;
export type MeasureGrain = (typeof MEASURE_GRAIN)[keyof typeof MEASURE_GRAIN];

/**
 * Rows of measure_counts to read for a date range: bucket starts `from`..`to` (inclusive) at one grain.
 * `from` null = from the beginning of time (prefix sums).
 */
export interface GrainPiece {
  grain: MeasureGrain;
  from: string | null;
  to: string;
}

const UNIT = { [MEASURE_GRAIN.month]: "month", [MEASURE_GRAIN.year]: "year" } as const;

/**
 * Splits the inclusive range [lo, hi] into the fewest rows of measure_counts: whole years (when
 * `maxGrain` allows), then whole months, then single days at the ragged edges. Every day of the range
 * is covered exactly once, so sums over the pieces equal sums over the days.
 */
export function decompose(lo: string | null, hi: string, maxGrain: MeasureGrain): GrainPiece[] {
  if (lo !== null && lo > hi) return [];
  if (maxGrain === MEASURE_GRAIN.day) return [{ grain: MEASURE_GRAIN.day, from: lo, to: hi }];
  const unit = UNIT[maxGrain];
  const lower = (maxGrain - 1) as MeasureGrain;
  // First whole unit starting on or after lo; whole units end before endExclusive.
  const firstFull = lo === null ? null : unitStart(lo, unit) === lo ? lo : nextUnitStart(lo, unit);
  const afterHi = addDays(hi, 1);
  const endExclusive = unitStart(afterHi, unit) === afterHi ? afterHi : unitStart(hi, unit);
  if (firstFull !== null && firstFull >= endExclusive) return decompose(lo, hi, lower);
  const lastFull = unitStart(addDays(endExclusive, -1), unit);
  return [
    ...(firstFull === null ? [] : decompose(lo, addDays(firstFull, -1), lower)),
    { grain: maxGrain, from: firstFull, to: lastFull },
    ...decompose(endExclusive, hi, lower),
  ];
}
