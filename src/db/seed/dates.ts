// Dates as whole days since 1970-01-01 (UTC): the generator does arithmetic on integers and formats
// once, through a cache, because millions of Date objects would dominate the seed's run time.

const MS_PER_DAY = 86_400_000;

export function dayOf(iso: string): number {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${iso}`);
  return Math.floor(ms / MS_PER_DAY);
}

export function todayDay(now = new Date()): number {
  return Math.floor(now.getTime() / MS_PER_DAY);
}

const isoCache = new Map<number, string>();

/** YYYY-MM-DD of a day number. */
export function isoOf(day: number): string {
  let iso = isoCache.get(day);
  if (iso === undefined) {
    iso = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    isoCache.set(day, iso);
  }
  return iso;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** Courts do business on weekdays: a weekend day moves to the next Monday. */
export function nextBusinessDay(day: number): number {
  const w = weekdayOf(day);
  if (w === 6) return day + 2;
  if (w === 0) return day + 1;
  return day;
}

export function yearOf(day: number): number {
  return Number(isoOf(day).slice(0, 4));
}
