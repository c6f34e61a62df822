import { sql } from "drizzle-orm";
import { check, date, integer, pgTable, smallint, unique } from "drizzle-orm/pg-core";
import { caseType } from "./enums";

/**
 * Histogram of days to disposition per month and per year (grains 2 and 3 of measure_counts), per
 * case type and for all types together (case_type null), over all courts and judges: the time-to-disposition of all courts reads a few hundred
 * (days, count) pairs per case type and month instead of every disposition. Filtered queries (court,
 * judge) and the ragged days at the ends of a range read measure_dispositions. Derived data,
 * maintained by refreshMeasureRollups.
 */
export const measureTtdHist = pgTable(
  "measure_ttd_hist",
  {
    grain: smallint("grain").notNull(),
    bucket: date("bucket", { mode: "string" }).notNull(),
    /** null = all case types. */
    caseType: caseType("case_type"),
    days: integer("days").notNull(),
    /** Dispositions of the bucket and case type that took `days` days. */
    n: integer("n").notNull(),
  },
  (t) => [
    unique("measure_ttd_hist_key_uq").on(t.grain, t.bucket, t.caseType, t.days).nullsNotDistinct(),
    check("measure_ttd_hist_grain_ck", sql`${t.grain} IN (2, 3)`),
  ],
);
