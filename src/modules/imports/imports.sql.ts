import { sql } from "drizzle-orm";

// SQL fragments of the import statements. Array and JSON-rows parameters are in src/db/sql.ts.

/** The status event types, for the partial unique index on case_activities (case_id, type, occurred_on). */
export const STATUS_TYPES_SQL = sql.raw(
  "('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')",
);
