import { type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { readDb } from "../../db/replicas";

// How fresh the measure figures are: measure_freshness holds when the rollups last took in a
// refresh. Every measure response carries it as `dataAsOf` (body and Data-As-Of header).

/** ISO 8601 in UTC with milliseconds, formatted by PostgreSQL (drivers differ in what they return). */
const ISO = sql.raw(`to_char(data_as_of at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * Moves the watermark to now. refreshMeasureRollups runs it in its transaction, so it commits with the
 * figures it describes (the time is the refresh's start: it never claims more than is in). Never
 * backwards (two refreshes committing out of order).
 */
export function markMeasuresRefreshedSql(): SQL {
  return sql`
    insert into measure_freshness (id, data_as_of) values (1, clock_timestamp())
    on conflict (id) do update set data_as_of = greatest(measure_freshness.data_as_of, excluded.data_as_of)`;
}

/**
 * When the rollups last took in a refresh, read where the figures are read (a replica when there is
 * one), so the value never claims more than the figures next to it reflect. Null before the first.
 */
export async function readDataAsOf(db: Database): Promise<string | null> {
  const rows = rowsOf<{ at: string }>(
    await readDb(db).execute(sql`select ${ISO} as at from measure_freshness where id = 1`),
  );
  return rows[0]?.at ?? null;
}
