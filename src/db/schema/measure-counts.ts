import { sql } from "drizzle-orm";
import { check, date, index, integer, pgTable, smallint, unique } from "drizzle-orm/pg-core";
import { caseType } from "./enums";

/**
 * Rollup of measure_case_days at three grains and in four slices: per court for all case types and
 * all judges, per court and case type, per court and judge, and per court, case type and judge. A
 * query reads only its slice (e.g. a one-year clearance for all courts reads ~12 month rows per
 * court), and "active pending at D" is a prefix sum of pending_net over years, months and days.
 * Derived data, maintained only by refreshMeasureRollups; no foreign keys, so it never blocks writes
 * to the source tables.
 */
export const measureCounts = pgTable(
  "measure_counts",
  {
    /** 1 = a day, 2 = a calendar month, 3 = a calendar year (MEASURE_GRAIN in measures.grains.ts). */
    grain: smallint("grain").notNull(),
    /** First day of the day, month or year the row covers. */
    bucket: date("bucket", { mode: "string" }).notNull(),
    courtId: integer("court_id").notNull(),
    /** null = all case types (the rolled-up slice). */
    caseType: caseType("case_type"),
    /** The cases' assigned judge; null = all judges, including cases with none (the rolled-up slice). */
    judgeId: integer("judge_id"),
    filed: integer("filed").notNull().default(0),
    reopened: integer("reopened").notNull().default(0),
    reactivated: integer("reactivated").notNull().default(0),
    placedInactive: integer("placed_inactive").notNull().default(0),
    disposed: integer("disposed").notNull().default(0),
    /** Active-pending spans starting minus spans ending in the bucket. */
    pendingNet: integer("pending_net").notNull().default(0),
    /**
     * Cases entering the backlog (age passing the case type's largest tier, as recorded in
     * measure_backlog_standards) minus cases leaving it while in backlog.
     */
    backlogNet: integer("backlog_net").notNull().default(0),
    /**
     * Disposed events with known days of case types with a 90% tier, and those within it (the
     * summary's share within the 90% tier), per the standards in measure_backlog_standards.
     */
    t90Count: integer("t90_count").notNull().default(0),
    t90Within: integer("t90_within").notNull().default(0),
    /** hearing and trial_setting events with an outcome. */
    hearings: integer("hearings").notNull().default(0),
    continued: integer("continued").notNull().default(0),
  },
  (t) => [
    // Slice columns before bucket, so each query is one index range per grain. NULLS NOT DISTINCT:
    // null is a value here ("all"), and upserts must find the existing rolled-up row.
    unique("measure_counts_key_uq")
      .on(t.grain, t.judgeId, t.caseType, t.bucket, t.courtId)
      .nullsNotDistinct(),
    check("measure_counts_grain_ck", sql`${t.grain} IN (1, 2, 3)`),
    // Judge workload reads every judge's rows of a date range: one index-only range per grain.
    index("measure_counts_judges_idx")
      .on(
        t.grain,
        t.caseType,
        t.bucket,
        t.judgeId,
        t.courtId,
        t.filed,
        t.reopened,
        t.reactivated,
        t.placedInactive,
        t.disposed,
        t.pendingNet,
      )
      .where(sql`${t.judgeId} IS NOT NULL`),
  ],
);
