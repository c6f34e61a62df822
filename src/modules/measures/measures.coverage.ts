import type { Coverage, MeasureQueryInput } from "./measures.schemas";
import type { MeasureFilters } from "./measures.types";

// What each measure's figures cover. A measure over a period counts events from `from` to `to`; a
// measure of the pending caseload looks at one date. Echoing only the dates a measure really uses
// keeps a dashboard from labelling a pending-age chart with a period it never looked at.

export type MeasureName =
  | "clearance"
  | "time-to-disposition"
  | "pending-age"
  | "backlog"
  | "trial-date-certainty"
  | "continuances"
  | "caseflow"
  | "judge-workload"
  | "summary";

/** Which dates a measure uses: the period, and the date of its pending figures (asOf, or `to`). */
const DATES: Record<MeasureName, { period: boolean; pendingAt: "asOf" | "to" | null }> = {
  clearance: { period: true, pendingAt: null },
  "time-to-disposition": { period: true, pendingAt: null },
  "pending-age": { period: false, pendingAt: "asOf" },
  backlog: { period: false, pendingAt: "asOf" },
  "trial-date-certainty": { period: true, pendingAt: null },
  continuances: { period: true, pendingAt: null },
  // Pending at each period's start and end: per row, not one date.
  caseflow: { period: true, pendingAt: null },
  // Active pending per judge at the end of the period.
  "judge-workload": { period: true, pendingAt: "to" },
  summary: { period: true, pendingAt: "asOf" },
};

export function coverageOf(
  measure: MeasureName,
  f: MeasureFilters,
  q: Pick<MeasureQueryInput, "courtId" | "caseType" | "judgeId">,
): Coverage {
  const dates = DATES[measure];
  return {
    from: dates.period ? f.from : null,
    to: dates.period ? f.to : null,
    asOf: dates.pendingAt === null ? null : f[dates.pendingAt],
    filters: { courtId: q.courtId ?? null, caseType: q.caseType ?? null, judgeId: q.judgeId ?? null },
    courtIds: f.courtIds === null ? null : [...f.courtIds].sort((a, b) => a - b),
  };
}
