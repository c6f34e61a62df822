import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import type {
  ImportCounts,
  ImportFilesInfo,
  ImportPhase,
  ImportRowError,
} from "../../db/schema/daily-import-batches";
import type { ImportStatus } from "../../db/schema/enums";
import { IMPORT_FILE_CODES, type ImportFile } from "../../db/schema/import-staged-rows";
import { intArray, jsonRows } from "../../db/sql";
import { type Db, withTransaction } from "../../db/transaction";
import { appliedNote, failureCause } from "./imports.failure";

// The processing side of a batch: its state read under a row lock, staged rows by checkpoint, and
// the writes each chunk commits together with that checkpoint.

/** What a chunk needs to know about its batch, read with FOR UPDATE at the start of its transaction. */
export interface BatchState {
  id: number;
  status: ImportStatus;
  phase: ImportPhase;
  checkpointLine: number;
  counts: ImportCounts;
  errors: ImportRowError[];
  errorCount: number;
  processedRows: number;
  totalRows: number;
  touchedCourtIds: number[];
  scopeCourtIds: number[] | null;
  createdBy: number | null;
  run: number;
  /** Set by the refresh job once every case the batch touched is in the measure rollups. */
  measuresRefreshedAt: string | null;
}

const intList = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);

/** A background step may run longer than an API query (DATABASE_QUERY_TIMEOUT_MS is for those). */
const JOB_STATEMENT_TIMEOUT = "15min";

/**
 * Settings of a chunk's transaction. Its commit need not wait for the WAL flush: the checkpoint
 * commits in the same transaction, so if a crash loses the commit it loses the checkpoint with it,
 * and the chunk is simply done again (no corruption is possible, only the loss of the last commits,
 * which the checkpoint absorbs). And its statements get a job's timeout, not an API request's: a
 * rollup step over thousands of cases can take longer than DATABASE_QUERY_TIMEOUT_MS on a busy server.
 */
export async function prepareJobTransaction(tx: Database): Promise<void> {
  // Two statements: PGlite (extended protocol) refuses several commands in one query.
  await tx.execute(sql`set local synchronous_commit = off`);
  await tx.execute(sql.raw(`set local statement_timeout = '${JOB_STATEMENT_TIMEOUT}'`));
}

/**
 * Locks the batch row for the transaction: chunks of one batch commit one after the other, and each
 * starts from the checkpoint the previous one committed, however many processes work on the batch.
 */
export async function lockBatch(tx: Database, id: number): Promise<BatchState | null> {
  const rows = rowsOf<Record<string, unknown>>(
    await tx.execute(sql`
      select id, status, phase, checkpoint_line, counts, errors, error_count, processed_rows, total_rows,
        touched_court_ids, scope_court_ids, created_by, run, measures_refreshed_at::text as measures_refreshed_at
      from daily_import_batches where id = ${id} for update`),
  );
  const r = rows[0];
  if (!r) return null;
  const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
  return {
    id: Number(r.id),
    status: r.status as ImportStatus,
    phase: r.phase as ImportPhase,
    checkpointLine: Number(r.checkpoint_line),
    counts: json<ImportCounts>(r.counts),
    errors: json<ImportRowError[]>(r.errors),
    errorCount: Number(r.error_count),
    processedRows: Number(r.processed_rows),
    totalRows: Number(r.total_rows),
    touchedCourtIds: intList(r.touched_court_ids),
    scopeCourtIds: r.scope_court_ids === null ? null : intList(r.scope_court_ids),
    createdBy: r.created_by === null ? null : Number(r.created_by),
    run: Number(r.run),
    measuresRefreshedAt: r.measures_refreshed_at === null ? null : String(r.measures_refreshed_at),
  };
}

export interface StagedRow {
  line: number;
  data: (string | null)[] | string;
}

/** The next rows of a file after the checkpoint, in line order (the primary key's order). */
export async function readStagedRows(
  tx: Database,
  batchId: number,
  file: ImportFile,
  afterLine: number,
  limit: number,
): Promise<StagedRow[]> {
  const rows = rowsOf<{ line: number; data: unknown }>(
    await tx.execute(sql`
      select line, data from import_staged_rows
      where batch_id = ${batchId} and file = ${IMPORT_FILE_CODES[file]}::smallint and line > ${afterLine}::int
      order by line limit ${limit}::int`),
  );
  return rows.map((r) => ({
    line: Number(r.line),
    data: (typeof r.data === "string" && r.data.startsWith("[")
      ? JSON.parse(r.data)
      : r.data) as StagedRow["data"],
  }));
}

export interface RowErrorRecord extends ImportRowError {
  seq: number;
}

export async function insertRowErrors(tx: Database, batchId: number, errors: readonly RowErrorRecord[]) {
  if (errors.length === 0) return;
  const input = errors.map((e) => ({ ...e, file: IMPORT_FILE_CODES[e.file] }));
  await tx.execute(sql`
    insert into import_row_errors (batch_id, file, line, seq, field, message)
    select ${batchId}, file, line, seq, field, message
    from json_to_recordset(${jsonRows(input)}) as x(file smallint, line int, seq smallint, field text, message text)`);
}

export async function addTouchedCases(tx: Database, batchId: number, caseIds: Iterable<number>) {
  const ids = [...new Set(caseIds)];
  if (ids.length === 0) return;
  await tx.execute(sql`
    insert into import_touched_cases (batch_id, case_id)
    select ${batchId}, unnest(${intArray(ids)}) on conflict do nothing`);
}

/** Everything a committed chunk changes on the batch row. */
export async function saveChunk(
  tx: Database,
  state: BatchState,
  next: { phase: ImportPhase; checkpointLine: number; processedRows: number },
): Promise<void> {
  await tx.execute(sql`
    update daily_import_batches set
      status = 'processing', started_at = coalesce(started_at, now()),
      phase = ${next.phase}, checkpoint_line = ${next.checkpointLine}::int,
      processed_rows = ${next.processedRows}::int,
      counts = ${JSON.stringify(state.counts)}::jsonb, errors = ${JSON.stringify(state.errors)}::jsonb,
      error_count = ${state.errorCount}::int, touched_court_ids = ${intArray(state.touchedCourtIds)},
      updated_at = now()
    where id = ${state.id}`);
}

/**
 * Fresh planner statistics after a large file: a table that grew from nothing to 100 000 rows within
 * one import would otherwise be planned as if empty (autovacuum's analyze comes later), which turns
 * index lookups into scans for the rest of the import and for the measure refresh that follows.
 */
export async function analyzeImportTables(tx: Database): Promise<void> {
  // Through the owner's function: the runtime role owns no table, and a plain ANALYZE from it is
  // skipped with a WARNING only (drizzle/0011_least_privilege_maintenance.sql).
  await tx.execute(sql`select courtflow_analyze(array['cases', 'case_activities'])`);
}

export async function finishBatch(
  tx: Database,
  id: number,
  status: ImportStatus,
  reason: string | null,
): Promise<void> {
  await tx.execute(sql`
    update daily_import_batches set status = ${status}::import_status, phase = 'done', finished_at = now(),
      failure_reason = ${reason}, updated_at = now()
    where id = ${id}`);
}

export async function deleteStagedRowsOf(tx: Db, batchId: number): Promise<void> {
  await tx.execute(sql`delete from import_staged_rows where batch_id = ${batchId}`);
}

/**
 * A batch whose processing gave up. Only an unfinished batch changes (a late failure report is
 * ignored). Its failure_reason says why in our words and exactly which rows were applied (see
 * imports.failure.ts); the error itself is for the worker's log.
 */
export async function markBatchFailed(db: Database, id: number, err: unknown): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    const [row] = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`
        select phase, checkpoint_line, counts, files from daily_import_batches
        where id = ${id} and status in ('queued', 'processing') for update`),
    );
    if (!row) return false;
    const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
    const reason = `${failureCause(err)} ${appliedNote({
      phase: row.phase as ImportPhase,
      checkpointLine: Number(row.checkpoint_line),
      counts: json<ImportCounts>(row.counts),
      files: json<ImportFilesInfo>(row.files),
    })}`;
    await tx.execute(sql`
      update daily_import_batches set status = 'failed', failure_reason = ${reason},
        finished_at = now(), updated_at = now()
      where id = ${id}`);
    return true;
  });
}

/** Shown as processing as soon as a worker takes the batch, before its first chunk commits. */
export async function markBatchStarted(db: Database, id: number): Promise<void> {
  await db.execute(sql`
    update daily_import_batches set status = 'processing', started_at = coalesce(started_at, now()), updated_at = now()
    where id = ${id} and status = 'queued'`);
}

/** The touched courts and their ancestors: a cached measure of a parent court includes the children. */
export async function courtsWithAncestors(db: Database, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = rowsOf<{ id: number }>(
    await db.execute(sql`
      with recursive up as (
        select id, parent_id from courts where id = any(${intArray(ids)})
        union
        select c.id, c.parent_id from courts c join up on c.id = up.parent_id
      )
      select distinct id from up`),
  );
  return rows.map((r) => Number(r.id));
}
