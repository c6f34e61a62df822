import { date, index, integer, pgTable, primaryKey, smallint } from "drizzle-orm/pg-core";
import { caseType } from "./enums";

/**
 * What each case contributes to measure_counts, per day. Kept so that a refresh can subtract a
 * case's old contribution exactly after its activities (or its court, type or judge) have changed:
 * the source rows are already overwritten by then. Derived data, no foreign keys.
 */
export const measureCaseDays = pgTable(
  "measure_case_days",
  {
    caseId: integer("case_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    courtId: integer("court_id").notNull(),
    caseType: caseType("case_type").notNull(),
    /** The case's assigned judge; null = none. */
    judgeId: integer("judge_id"),
    filed: smallint("filed").notNull().default(0),
    reopened: smallint("reopened").notNull().default(0),
    reactivated: smallint("reactivated").notNull().default(0),
    placedInactive: smallint("placed_inactive").notNull().default(0),
    disposed: smallint("disposed").notNull().default(0),
    pendingNet: smallint("pending_net").notNull().default(0),
    backlogNet: smallint("backlog_net").notNull().default(0),
    /** Disposed events of a case type with a 90% tier (recorded) whose days are known… */
    t90Count: smallint("t90_count").notNull().default(0),
    /** …and those among them within the tier. */
    t90Within: smallint("t90_within").notNull().default(0),
    hearings: smallint("hearings").notNull().default(0),
    continued: smallint("continued").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.day] }),
    // refreshMeasureRollups({ courtIds }) also finds cases that have moved out of a court.
    index("measure_case_days_court_idx").on(t.courtId),
  ],
);
