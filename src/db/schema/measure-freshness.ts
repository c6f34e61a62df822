import { sql } from "drizzle-orm";
import { check, pgTable, smallint, timestamp } from "drizzle-orm/pg-core";

/**
 * One row: when the measure rollups last took in a refresh (of an import's cases or after a time
 * standard edit). Every measure response says it as `dataAsOf`: the figures reflect every import
 * whose `measuresRefreshedAt` is at or before it. Bumped in the transaction of each refresh step.
 */
export const measureFreshness = pgTable(
  "measure_freshness",
  {
    id: smallint("id").primaryKey().default(1),
    dataAsOf: timestamp("data_as_of", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("measure_freshness_one_row_ck", sql`${t.id} = 1`)],
);
