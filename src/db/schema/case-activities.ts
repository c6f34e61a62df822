import { sql } from "drizzle-orm";
import { bigserial, date, index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { cases } from "./cases";
import { timestamps } from "./columns";
import { activityOutcome, activityType } from "./enums";
import { judges } from "./judges";

export const caseActivities = pgTable(
  "case_activities",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    caseId: integer("case_id")
      .notNull()
      .references(() => cases.id, { onDelete: "cascade" }),
    // Denormalised from the case: source ids are unique within a court, and measures filter by court
    // without joining cases. Always the case's court (activities are written only with the case they
    // were looked up by), so no foreign key of its own: case_id's already guarantees the court exists
    // (cases.court_id restricts deleting it), and a second per-row check cost about a tenth of
    // an activity insert (145 000 rows into 300 000: 3.1–3.5 s with it, 2.7–3.1 s without).
    courtId: integer("court_id").notNull(),
    // The source system's activity id; null for status events derived from a cases file.
    sourceId: text("source_id"),
    type: activityType("type").notNull(),
    // For a scheduled event (trial_setting), the date it was set for.
    occurredOn: date("occurred_on", { mode: "string" }).notNull(),
    outcome: activityOutcome("outcome"),
    judgeId: integer("judge_id").references(() => judges.id, { onDelete: "set null" }),
    notes: text("notes"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("case_activities_court_source_uq").on(t.courtId, t.sourceId),
    // A case never holds two status events of the same type on the same date.
    uniqueIndex("case_activities_status_event_uq")
      .on(t.caseId, t.type, t.occurredOn)
      .where(sql`${t.type} IN ('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')`),
    index("case_activities_case_date_idx").on(t.caseId, t.occurredOn),
    index("case_activities_type_date_idx").on(t.type, t.occurredOn),
  ],
);

export type CaseActivity = typeof caseActivities.$inferSelect;
export type NewCaseActivity = typeof caseActivities.$inferInsert;
