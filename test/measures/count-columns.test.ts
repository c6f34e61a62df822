// The rollups' counters are listed once, in COUNT_COLUMNS; the SQL that fills measure_case_days and
// measure_counts is generated from that list. This checks the list against the tables themselves,
// so a counter added by a migration but not to the list (or the other way round) fails here.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { type DbHandle, rowsOf } from "../../src/db/client";
import { COUNT_COLUMNS, counts } from "../../src/modules/measures/measures.rollups.counts.sql";
import { openTestDb } from "../helpers/db";
import { describePg } from "../helpers/guards";

describePg("measure counters", () => {
  let db: DbHandle;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  const countersOf = async (table: string, keys: string[]) =>
    rowsOf<{ column_name: string }>(
      await db.db.execute(sql`
        select column_name from information_schema.columns
        where table_schema = 'public' and table_name = ${table} order by ordinal_position`),
    )
      .map((r) => r.column_name)
      .filter((c) => !keys.includes(c))
      // Columns added by later migrations come last in the table; every statement names them, so the
      // order does not matter, only that the two lists hold the same counters.
      .sort();

  test("COUNT_COLUMNS are the counters of measure_case_days and measure_counts, whatever their order in the table", async () => {
    expect(
      await countersOf("measure_case_days", ["case_id", "day", "court_id", "case_type", "judge_id"]),
    ).toEqual([...COUNT_COLUMNS].sort());
    expect(
      await countersOf("measure_counts", ["grain", "bucket", "judge_id", "case_type", "court_id"]),
    ).toEqual([...COUNT_COLUMNS].sort());
  });

  test("counts() names every counter once, in order, 0 for those not given", async () => {
    const [row] = rowsOf<Record<string, number>>(
      await db.db.execute(sql`select ${counts({ pending_net: -1, continued: sql`(2 > 1)::int` })}`),
    );
    expect(Object.keys(row!)).toEqual([...COUNT_COLUMNS]);
    expect(row).toEqual({
      ...Object.fromEntries(COUNT_COLUMNS.map((c) => [c, 0])),
      pending_net: -1,
      continued: 1,
    });
  });
});
