import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";

// Retention clean-up, in bounded batches so no single statement holds locks or bloats WAL for long.

const BATCH = 20_000;

async function deleteInBatches(db: Database, statement: () => ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = rowsOf(await db.execute(statement())).length;
    total += n;
    if (n < BATCH) return total;
  }
}

/**
 * Staged rows of finished batches older than `days` (a retry needs them, so recent ones stay), and
 * rows whose batch is gone (staged rows have no foreign key; see the schema). Rows of an upload still
 * in progress are invisible here, batch and rows alike, so they are never taken for orphans.
 */
export function deleteStagedRows(db: Database, days: number): Promise<number> {
  return deleteInBatches(
    db,
    () => sql`
      delete from import_staged_rows s
      where (s.batch_id, s.file, s.line) in (
        select r.batch_id, r.file, r.line from import_staged_rows r
        left join daily_import_batches b on b.id = r.batch_id
        where b.id is null
          or (b.status in ('completed', 'completed_with_errors', 'failed')
            and coalesce(b.finished_at, b.updated_at) < now() - make_interval(days => ${days}::int))
        limit ${BATCH}::int)
      returning 1`,
  );
}

/**
 * Audit rows older than `days`, through the schema owner's function: the application's role may not
 * delete from audit_log, and the function never removes rows younger than the floor the owner set
 * (`bun run db:roles`, from RETENTION_AUDIT_DAYS).
 */
export async function deleteAuditRows(db: Database, days: number): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`select courtflow_purge_audit_log(${days}::int, ${BATCH}::int) as n`),
    );
    const n = Number(row?.n ?? 0);
    total += n;
    if (n < BATCH) return total;
  }
}
