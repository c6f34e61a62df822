import type { CaseType } from "../../db/schema/enums";

/**
 * Filters as the service receives them: defaults applied and the court scope resolved. `courtIds`
 * is the allowed set already (caller's scope ∩ the courtId filter's subtree); null = every court,
 * [] = nothing visible.
 */
export interface MeasureFilters {
  /** Inclusive YYYY-MM-DD. */
  from: string;
  /** Inclusive YYYY-MM-DD. */
  to: string;
  /** Date of the pending-caseload measures (pending age, backlog); the route defaults it to `to`. */
  asOf: string;
  caseType?: CaseType;
  /** The case's assigned judge (cases.judge_id). */
  judgeId?: number;
  courtIds: number[] | null;
}

/** The case attributes every rollup row carries; what the repos filter on. */
export type KeyFilters = Pick<MeasureFilters, "caseType" | "judgeId" | "courtIds">;

export type Granularity = "month" | "quarter" | "year" | "total";
