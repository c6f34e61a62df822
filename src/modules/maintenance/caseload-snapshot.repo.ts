import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { withTransaction } from "../../db/transaction";
import { AGE_BUCKETS } from "../measures/measures.pending.repo";

// The nightly caseload snapshot: active pending cases at the end of a day by court, case type and
// age bucket, from the measure rollups (a case is active pending at D when one of its pending spans
// covers D; its age is D - age_base, the "age" of docs/measures.md). The day's rows are replaced whole, so
// running it twice, or again after a late import, leaves exactly one correct snapshot.

const BUCKET_SQL = sql.raw(
  `case ${AGE_BUCKETS.map((b) => (b.max === null ? `else '${b.label}'` : `when age <= ${b.max} then '${b.label}'`)).join(" ")} end`,
);

export async function writeCaseloadSnapshot(
  db: Database,
  date: string,
): Promise<{ rows: number; activePending: number }> {
  return withTransaction(db, async (tx) => {
    await tx.execute(sql`delete from caseload_snapshots where snapshot_date = ${date}::date`);
    const rows = rowsOf<{ active_pending: number }>(
      await tx.execute(sql`
        insert into caseload_snapshots (snapshot_date, court_id, case_type, age_bucket, active_pending)
        select ${date}::date, court_id, case_type, ${BUCKET_SQL}, count(*)::int
        from (
          select court_id, case_type, ${date}::date - age_base as age
          from measure_pending_spans
          where active_from <= ${date}::date and (active_to is null or active_to > ${date}::date)
        ) s
        group by 1, 2, 3, 4
        returning active_pending`),
    );
    return { rows: rows.length, activePending: rows.reduce((s, r) => s + Number(r.active_pending), 0) };
  });
}
