import { sql } from "drizzle-orm";
import { check, date, index, integer, pgTable, serial } from "drizzle-orm/pg-core";
import { timestamps } from "./columns";
import { courts } from "./courts";
import { judges } from "./judges";

export const judgeAssignments = pgTable(
  "judge_assignments",
  {
    id: serial("id").primaryKey(),
    judgeId: integer("judge_id")
      .notNull()
      .references(() => judges.id, { onDelete: "cascade" }),
    courtId: integer("court_id")
      .notNull()
      .references(() => courts.id, { onDelete: "restrict" }),
    startsOn: date("starts_on", { mode: "string" }).notNull(),
    // null = current assignment
    endsOn: date("ends_on", { mode: "string" }),
    ...timestamps,
  },
  (t) => [
    index("judge_assignments_judge_idx").on(t.judgeId, t.startsOn),
    index("judge_assignments_court_idx").on(t.courtId),
    check("judge_assignments_dates_ck", sql`${t.endsOn} IS NULL OR ${t.endsOn} >= ${t.startsOn}`),
  ],
);

export type JudgeAssignment = typeof judgeAssignments.$inferSelect;
