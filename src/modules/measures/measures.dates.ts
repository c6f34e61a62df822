import { addDays } from "../../lib/dates";

// The measures' reporting periods (month, quarter, year) over ISO dates; the calendar arithmetic
// itself is in src/lib/dates.ts.

export type Unit = "month" | "quarter" | "year";

const MONTHS_PER_UNIT: Record<Unit, number> = { month: 1, quarter: 3, year: 12 };

/** First day of the month, quarter or year containing the date. */
export function unitStart(iso: string, unit: Unit): string {
  const m = Number(iso.slice(5, 7));
  const size = MONTHS_PER_UNIT[unit];
  const startMonth = Math.floor((m - 1) / size) * size + 1;
  return `${iso.slice(0, 4)}-${String(startMonth).padStart(2, "0")}-01`;
}

/** First day of the next month, quarter or year. */
export function nextUnitStart(iso: string, unit: Unit): string {
  const start = unitStart(iso, unit);
  const y = Number(start.slice(0, 4));
  const m = Number(start.slice(5, 7)) - 1 + MONTHS_PER_UNIT[unit];
  return `${String(y + Math.floor(m / 12)).padStart(4, "0")}-${String((m % 12) + 1).padStart(2, "0")}-01`;
}

/** Dashboard label of the period containing the date: 2024-01, 2024-Q1, 2024. */
export function periodLabel(iso: string, unit: Unit): string {
  if (unit === "month") return iso.slice(0, 7);
  if (unit === "year") return iso.slice(0, 4);
  return `${iso.slice(0, 4)}-Q${Math.floor((Number(iso.slice(5, 7)) - 1) / 3) + 1}`;
}

export interface Period {
  label: string;
  /** Inclusive bounds, clipped to the requested range. */
  from: string;
  to: string;
}

/** Every period touching [from, to], in order, the first and last clipped to the range. */
export function periodsOf(from: string, to: string, unit: Unit | "total"): Period[] {
  if (unit === "total") return [{ label: "total", from, to }];
  const periods: Period[] = [];
  for (let start = from; start <= to; start = nextUnitStart(start, unit)) {
    const end = addDays(nextUnitStart(start, unit), -1);
    periods.push({ label: periodLabel(start, unit), from: start, to: end < to ? end : to });
  }
  return periods;
}
