import {
  type ActivityType,
  type CaseStatus,
  type CaseType,
  type Disposition,
  type Outcome,
  STATUS_EVENT_TYPES,
} from "../schema/enums";
import { courtEvents } from "./court-events";
import type { Bench, CourtPlan } from "./courts";
import { isoOf, nextBusinessDay, yearOf } from "./dates";
import { createPrng, deriveSeed, type Prng } from "./prng";
import { CASE_PROFILES } from "./profiles";
import { statusTimeline } from "./timeline";

// One case and its activities, drawn from its own PRNG stream: the status events (timeline.ts)
// follow the measure rules of docs/measures.md, the docket (court-events.ts) fills the active
// stretches; this file assembles the cases and case_activities rows.

export const CASE_COLUMNS = [
  "id",
  "court_id",
  "case_number",
  "case_type",
  "filed_on",
  "status",
  "status_on",
  "judge_id",
  "disposed_on",
  "disposition",
] as const;

export const ACTIVITY_COLUMNS = [
  "id",
  "case_id",
  "court_id",
  "source_id",
  "type",
  "occurred_on",
  "outcome",
  "judge_id",
  "notes",
] as const;

export type Cell = string | number | null;
export type CaseRow = [
  id: number,
  courtId: number,
  caseNumber: string,
  caseType: CaseType,
  filedOn: string,
  status: CaseStatus,
  statusOn: string,
  judgeId: number | null,
  disposedOn: string | null,
  disposition: Disposition | null,
];
export type ActivityRow = [
  id: number,
  caseId: number,
  courtId: number,
  sourceId: string | null,
  type: ActivityType,
  occurredOn: string,
  outcome: Outcome | null,
  judgeId: number | null,
  notes: string | null,
];

export interface CaseContext {
  seed: number;
  plan: CourtPlan;
  /** Day numbers: filings fall in [windowStart, asOf]; nothing but scheduled events lies after asOf. */
  windowStart: number;
  asOf: number;
}

const STATUS_TYPES: ReadonlySet<ActivityType> = new Set(STATUS_EVENT_TYPES);
/** Within a day: filed first, disposed last, court events in between. */
const RANK: Record<ActivityType, number> = {
  filed: 0,
  reopened: 1,
  reactivated: 2,
  hearing: 3,
  motion: 3,
  order: 3,
  other: 3,
  continuance: 3,
  trial_setting: 4,
  trial: 5,
  placed_inactive: 6,
  disposed: 7,
};
function pickJudge(rng: Prng, bench: Bench[], day: number): number | null {
  // A few cases are not yet assigned to a judge.
  if (rng.chance(0.02)) return null;
  let chosen: number | null = null;
  let seen = 0;
  for (const b of bench) {
    if (b.from > day || b.to < day) continue;
    seen++;
    // Reservoir sampling: uniform over the judges sitting that day without building a list.
    if (rng.next() * seen < 1) chosen = b.judgeId;
  }
  return chosen;
}

export interface GeneratedCase {
  row: CaseRow;
  activities: ActivityRow[];
}

/** Case number `index` of the data set, with ids `caseId` and activity ids from `firstActivityId`. */
export function generateCase(
  ctx: CaseContext,
  index: number,
  caseId: number,
  firstActivityId: number,
): GeneratedCase {
  const { asOf, windowStart, plan } = ctx;
  const rng = createPrng(deriveSeed(ctx.seed, index));
  const court = plan.pickFilingCourt(rng);
  const caseType = court.pickType(rng);
  const profile = CASE_PROFILES[caseType];

  // Filings grow a little every year: bias the draw towards recent dates.
  let filed = nextBusinessDay(windowStart + Math.floor(rng.next() ** 0.93 * (asOf - windowStart + 1)));
  if (filed > asOf) filed = asOf;
  const judgeId = pickJudge(rng, court.bench, filed);

  let activeDays = Math.round(rng.lognormal(profile.mu + Math.log(court.pace), profile.sigma));
  // A few cases stall (lost file, absconded party, complex litigation) and land far over standard.
  if (rng.chance(0.03)) activeDays = activeDays * 3 + rng.int(30, 365);

  const timeline = statusTimeline(rng, profile, filed, activeDays, asOf);
  const { status, dispositions, state } = timeline;
  const events = status.concat(courtEvents(rng, profile, timeline, asOf));
  events.sort((a, b) => a.day - b.day || RANK[a.type] - RANK[b.type]);
  const activities: ActivityRow[] = new Array(events.length);
  let id = firstActivityId;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const isStatus = STATUS_TYPES.has(e.type);
    activities[i] = [
      id,
      caseId,
      court.id,
      // Status events come from the cases extract (no source id); court events from the docket.
      isStatus ? null : `A${id}`,
      e.type,
      isoOf(e.day),
      e.outcome,
      e.type === "filed" ? null : judgeId,
      e.notes,
    ];
    id++;
  }

  const last = status[status.length - 1]!;
  const lastDisposition = dispositions[dispositions.length - 1];
  const row: CaseRow = [
    caseId,
    court.id,
    `${yearOf(filed)}-${profile.code}-${String(index + 1).padStart(7, "0")}`,
    caseType,
    isoOf(filed),
    state,
    isoOf(last.day),
    judgeId,
    state === "disposed" && lastDisposition ? isoOf(lastDisposition.day) : null,
    state === "disposed" && lastDisposition ? lastDisposition.disposition : null,
  ];
  return { row, activities };
}
