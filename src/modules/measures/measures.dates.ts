// Calendar arithmetic on ISO dates (YYYY-MM-DD) as whole days: measures never look at a time of day,
// so everything here works on UTC day numbers and cannot drift with the server's time zone.

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of an ISO date. */
export function toDayNumber(iso: string): number {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** The ISO date of a day number. */
export function fromDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  return fromDayNumber(toDayNumber(iso) + days);
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** The same day `years` later (or earlier); 29 February becomes 28 February in a common year. */
export function addYears(iso: string, years: number): string {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  const target = y + years;
  const lastDay = new Date(Date.UTC(target, m, 0)).getUTCDate();
  return `${String(target).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(Math.min(d, lastDay)).padStart(2, "0")}`;
}

/** True for a real calendar date written YYYY-MM-DD (rejects 2024-02-30). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  return fromDayNumber(toDayNumber(value)) === value;
}

/** Today's date in UTC. */
export function todayIso(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

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
