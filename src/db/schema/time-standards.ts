import { sql } from "drizzle-orm";
import { check, integer, pgTable, primaryKey } from "drizzle-orm/pg-core";
import { timestamps } from "./columns";
import { caseType } from "./enums";

/** One row per tier: "percent of cases disposed within days". */
export const timeStandards = pgTable(
  "time_standards",
  {
    caseType: caseType("case_type").notNull(),
    percent: integer("percent").notNull(),
    days: integer("days").notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.caseType, t.percent] }),
    check("time_standards_percent_ck", sql`${t.percent} BETWEEN 1 AND 100`),
    check("time_standards_days_ck", sql`${t.days} > 0`),
  ],
);

export type TimeStandard = typeof timeStandards.$inferSelect;
