import { integer, pgTable } from "drizzle-orm/pg-core";
import { caseType } from "./enums";

/**
 * The time standards the rollups were computed with, per case type: the largest tier (backlog_net)
 * and the 90% tier (t90_count, t90_within) of measure_case_days and measure_counts. When
 * time_standards no longer agrees (an admin edited it and the affected case types were not refreshed
 * yet), the queries that depend on it fall back to the per-case facts, so a figure is never computed
 * against a stale standard. (Named for its first use, the backlog.)
 */
export const measureBacklogStandards = pgTable("measure_backlog_standards", {
  caseType: caseType("case_type").primaryKey(),
  /** Largest tier's days. */
  days: integer("days").notNull(),
  /** Days of the 90% tier; null when the case type has none. */
  tier90Days: integer("tier90_days"),
});
