import { sql } from "drizzle-orm";
import { boolean, date, index, integer, pgTable, primaryKey } from "drizzle-orm/pg-core";
import { caseType } from "./enums";

/**
 * One row per `disposed` event with its time to disposition worked out (disposed date − start date −
 * inactive days), and for cases disposed by trial the number of trial settings on or before it.
 * Derived data, maintained by refreshMeasureRollups.
 */
export const measureDispositions = pgTable(
  "measure_dispositions",
  {
    caseId: integer("case_id").notNull(),
    disposedOn: date("disposed_on", { mode: "string" }).notNull(),
    courtId: integer("court_id").notNull(),
    caseType: caseType("case_type").notNull(),
    /** The case's assigned judge; null = none. */
    judgeId: integer("judge_id"),
    /** null when the case has no filed or reopened event on or before the disposed date. */
    days: integer("days"),
    /** The case's disposition is jury_trial or bench_trial. */
    byTrial: boolean("by_trial").notNull(),
    /** trial_setting events on or before the disposed date; null unless by_trial. */
    trialSettings: integer("trial_settings"),
    /**
     * The case's next disposed event, if any: trial date certainty counts a case once, at its last
     * disposed event in the period, i.e. the one whose next disposal falls after the period.
     */
    nextDisposedOn: date("next_disposed_on", { mode: "string" }),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.disposedOn] }),
    // Every column a time-to-disposition query reads, so it is an index-only scan.
    index("measure_dispositions_date_idx").on(t.disposedOn, t.caseType, t.days, t.courtId, t.judgeId),
    // Court-scoped callers and judge drill-downs read only their own dispositions.
    index("measure_dispositions_court_idx").on(t.courtId, t.disposedOn, t.caseType, t.days, t.judgeId),
    index("measure_dispositions_judge_idx").on(t.judgeId, t.disposedOn, t.caseType, t.days, t.courtId),
    index("measure_dispositions_trial_idx")
      .on(t.disposedOn, t.nextDisposedOn, t.trialSettings, t.caseType, t.courtId, t.judgeId)
      .where(sql`${t.byTrial}`),
    index("measure_dispositions_court_trial_idx")
      .on(t.courtId, t.disposedOn, t.nextDisposedOn, t.trialSettings, t.caseType, t.judgeId)
      .where(sql`${t.byTrial}`),
  ],
);
