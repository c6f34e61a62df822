import { date, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { courts } from "./courts";
import { caseType } from "./enums";

/**
 * The active pending caseload per day, court, case type and age bucket (the buckets `0-30` …
 * `366+` of docs/measures.md), written by the nightly snapshot job, for trend lines that would otherwise recompute every
 * past day. Rewritten whole for a date, so running the job twice for a day changes nothing.
 */
export const caseloadSnapshots = pgTable(
  "caseload_snapshots",
  {
    snapshotDate: date("snapshot_date", { mode: "string" }).notNull(),
    courtId: integer("court_id")
      .notNull()
      .references(() => courts.id, { onDelete: "cascade" }),
    caseType: caseType("case_type").notNull(),
    ageBucket: text("age_bucket").notNull(),
    activePending: integer("active_pending").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.snapshotDate, t.courtId, t.caseType, t.ageBucket] }),
    index("caseload_snapshots_court_date_idx").on(t.courtId, t.snapshotDate),
  ],
);

export type CaseloadSnapshot = typeof caseloadSnapshots.$inferSelect;
