import { date, integer, pgTable, primaryKey } from "drizzle-orm/pg-core";
import { caseType } from "./enums";

/**
 * The open spans of measure_pending_spans (cases active pending today) counted per case type, start
 * and age base, over all courts and judges. Most of the pending caseload at a recent date is these
 * spans, and a few thousand groups replace one row per case in the unfiltered pending-age query.
 * Derived data, maintained by refreshMeasureRollups.
 */
export const measureOpenPending = pgTable(
  "measure_open_pending",
  {
    activeFrom: date("active_from", { mode: "string" }).notNull(),
    caseType: caseType("case_type").notNull(),
    ageBase: date("age_base", { mode: "string" }).notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.activeFrom, t.caseType, t.ageBase] })],
);
