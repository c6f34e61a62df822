import { type SQL, sql } from "drizzle-orm";

// Parameters that carry many values in one bind value: the same SQL text whatever their size (prepared
// once), on postgres.js and PGlite alike.

/** An int[] parameter (one bind value however many ids). */
export function intArray(ids: Iterable<number>): SQL {
  return sql`${`{${[...ids].map((id) => Math.trunc(id)).join(",")}}`}::int[]`;
}

/** A bigint[] parameter. */
export function bigintArray(ids: Iterable<number>): SQL {
  return sql`${`{${[...ids].map((id) => Math.trunc(id)).join(",")}}`}::bigint[]`;
}

/** Rows as one JSON parameter, read with json_to_recordset: one bind value for thousands of rows. */
export function jsonRows(rows: readonly object[]): SQL {
  return sql`${JSON.stringify(rows)}::json`;
}
