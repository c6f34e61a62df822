import { sql } from "drizzle-orm";
import { date, index, integer, pgTable, primaryKey, smallint } from "drizzle-orm/pg-core";
import { caseType } from "./enums";

/**
 * Per case, the date ranges [active_from, active_to) during which it is active pending (its latest
 * status event is filed, reopened or reactivated), split at every status event date. Within a span
 * no status event happens, so the age at any D in it is `D - age_base` (age_base = start date +
 * inactive days so far). Derived data, maintained by refreshMeasureRollups.
 */
export const measurePendingSpans = pgTable(
  "measure_pending_spans",
  {
    caseId: integer("case_id").notNull(),
    activeFrom: date("active_from", { mode: "string" }).notNull(),
    /** Exclusive; null = still active pending. */
    activeTo: date("active_to", { mode: "string" }),
    ageBase: date("age_base", { mode: "string" }).notNull(),
    /**
     * Length class: spans of class c last at most 2^(c+4) days, so those active at D started in the
     * last 2^(c+4) days and one index range per class finds them (9 = open or longer than 4096 days).
     */
    lenClass: smallint("len_class").notNull(),
    courtId: integer("court_id").notNull(),
    caseType: caseType("case_type").notNull(),
    /** The case's assigned judge; null = none. */
    judgeId: integer("judge_id"),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.activeFrom] }),
    // Every column a pending-age query reads, so it is an index-only scan.
    index("measure_pending_spans_stab_idx").on(
      t.lenClass,
      t.activeFrom,
      t.activeTo,
      t.ageBase,
      t.caseType,
      t.courtId,
      t.judgeId,
    ),
    // The same for court-scoped callers and judge drill-downs: only their own spans are read.
    index("measure_pending_spans_court_idx").on(
      t.courtId,
      t.lenClass,
      t.activeFrom,
      t.activeTo,
      t.ageBase,
      t.caseType,
      t.judgeId,
    ),
    index("measure_pending_spans_judge_idx").on(
      t.judgeId,
      t.lenClass,
      t.activeFrom,
      t.activeTo,
      t.ageBase,
      t.caseType,
      t.courtId,
    ),
    // The case list (src/modules/cases/cases.query.ts): a case's open span holds its age today, so
    // age filters and age sorts are ranges and ordered scans on this index.
    index("measure_pending_spans_open_age_idx").on(t.ageBase, t.caseId).where(sql`${t.activeTo} is null`),
  ],
);
