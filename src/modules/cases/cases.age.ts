import type { STATUS_EVENT_TYPES } from "../../db/schema/enums";
import { daysBetween } from "../../lib/dates";

// A case's start date, inactive days and age at a date D, per docs/measures.md, from its status
// events. The same rules as the measures' rollups (src/modules/measures/measures.rollups.sql.ts), so
// a case's detail page and the dashboard's age figures agree:
// - start date S: the latest filed or reopened event on or before D;
// - inactive days: for each placed_inactive p with S <= p < D, the days to the next reactivated
//   event strictly after p, or to D when there is none before D;
// - active pending at D: the last day on or before D with status events ends active, where several
//   events on one day are ordered filed, reopened, reactivated, placed_inactive, disposed;
// - age at D = D - S - inactive days, for active pending cases only.

type StatusEventType = (typeof STATUS_EVENT_TYPES)[number];

export interface StatusEvent {
  type: StatusEventType;
  /** YYYY-MM-DD */
  on: string;
}

export interface CaseAge {
  startDate: string | null;
  inactiveDays: number;
  activePending: boolean;
  ageDays: number | null;
}

const RANK: Record<StatusEventType, number> = {
  filed: 0,
  reopened: 1,
  reactivated: 2,
  placed_inactive: 3,
  disposed: 4,
};

export function caseAgeAt(events: readonly StatusEvent[], asOf: string): CaseAge {
  const past = events.filter((e) => e.on <= asOf);
  let startDate: string | null = null;
  for (const e of past) {
    if ((e.type === "filed" || e.type === "reopened") && (startDate === null || e.on > startDate))
      startDate = e.on;
  }

  // The state at the end of the last day with events: that day's highest-ranked event.
  let lastDay: string | null = null;
  let lastRank = -1;
  for (const e of past) {
    if (lastDay === null || e.on > lastDay) {
      lastDay = e.on;
      lastRank = RANK[e.type];
    } else if (e.on === lastDay) lastRank = Math.max(lastRank, RANK[e.type]);
  }
  const activePending = startDate !== null && lastRank >= 0 && lastRank <= RANK.reactivated;

  let inactiveDays = 0;
  if (startDate !== null) {
    const reactivations = past.filter((e) => e.type === "reactivated").map((e) => e.on);
    for (const p of past) {
      if (p.type !== "placed_inactive" || p.on < startDate || p.on >= asOf) continue;
      const next = reactivations.filter((r) => r > p.on).sort()[0];
      const end = next !== undefined && next < asOf ? next : asOf;
      inactiveDays += daysBetween(p.on, end);
    }
  }

  return {
    startDate,
    inactiveDays,
    activePending,
    ageDays: activePending && startDate !== null ? daysBetween(startDate, asOf) - inactiveDays : null,
  };
}
