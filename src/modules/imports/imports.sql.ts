import { type SQL, sql } from "drizzle-orm";

// Set-based statements take their rows as one JSON parameter read with json_to_recordset: one bind
// value for thousands of rows, the same SQL text every time (prepared once), on postgres.js and PGlite.

export function jsonRows(rows: readonly object[]): SQL {
  return sql`${JSON.stringify(rows)}::json`;
}

/** An int[] parameter (one bind value however many ids). */
export function intArray(ids: Iterable<number>): SQL {
  return sql`${`{${[...ids].map((id) => Math.trunc(id)).join(",")}}`}::int[]`;
}

export function bigintArray(ids: Iterable<number>): SQL {
  return sql`${`{${[...ids].map((id) => Math.trunc(id)).join(",")}}`}::bigint[]`;
}

/** The status event types, for the partial unique index on case_activities (case_id, type, occurred_on). */
export const STATUS_TYPES_SQL = sql.raw(
  "('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')",
);
