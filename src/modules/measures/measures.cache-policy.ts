import { addDays, addYears } from "../../lib/dates";
import { MAX_RANGE_YEARS, type ResolvedDates } from "./measures.schemas";

// Which date ranges are worth a cache entry. Any user may ask for any of the millions of ranges the
// query schema allows, and each cached answer costs about 11 KB of Redis; dashboards ask for a few
// presets. So only those are cached, and every other range is computed and served uncached:
//   - `asOf` is `to` (the default);
//   - `to` is today, or the last day of a month up to the end of this year, within the last
//     MAX_RANGE_YEARS years;
//   - `from` is the first day of a month, or the default (the same day a year before `to`).
// That covers the default view (the last year to today), year, quarter and month to date, whole
// months, quarters and years, and rolling windows of whole months.

function isMonthEnd(iso: string): boolean {
  return addDays(iso, 1).endsWith("-01");
}

export function cacheableRange(d: ResolvedDates, today: string): boolean {
  if (d.asOf !== d.to) return false;
  const toOk = d.to === today || (isMonthEnd(d.to) && d.to <= `${today.slice(0, 4)}-12-31`);
  if (!toOk || d.to < addYears(today, -MAX_RANGE_YEARS)) return false;
  return d.from.endsWith("-01") || d.from === addYears(d.to, -1);
}
