import { and, desc, eq, gte, inArray, lte, type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import {
  type DailyImportBatch,
  dailyImportBatches,
  type ImportCounts,
  type ImportFilesInfo,
} from "../../db/schema/daily-import-batches";
import type { ImportStatus } from "../../db/schema/enums";
import { IMPORT_FILE_CODES, type ImportFile } from "../../db/schema/import-staged-rows";

// Batches as the API sees them: created by an upload, listed, read, reset for a retry.

/** Whose batches a caller sees: `createdBy` null = everyone's (admin, analyst). */
export interface BatchVisibility {
  createdBy: number | null;
}

function visible(v: BatchVisibility): SQL | undefined {
  return v.createdBy === null ? undefined : eq(dailyImportBatches.createdBy, v.createdBy);
}

/**
 * An id for an upload about to be read: its spooled rows carry it, so the COPY needs no rewriting.
 * The batch row itself is inserted only when the upload commits (an abandoned upload leaves a gap in
 * the ids, nothing else).
 */
export async function reserveBatchId(db: Database): Promise<number> {
  const [row] = rowsOf<{ id: number }>(
    await db.execute(sql`select nextval(pg_get_serial_sequence('daily_import_batches', 'id'))::int as id`),
  );
  return Number(row!.id);
}

/**
 * The batch row of an upload, inside the upload's transaction (so nobody sees it before its rows are
 * staged). Source, date and checksum are filled in by completeUploadBatch.
 */
export async function insertUploadBatch(
  db: Database,
  v: { id: number; createdBy: number | null; scopeCourtIds: number[] | null },
): Promise<number> {
  const [row] = await db
    .insert(dailyImportBatches)
    .values({
      id: v.id,
      source: "",
      extractDate: "1970-01-01",
      checksum: "",
      createdBy: v.createdBy,
      scopeCourtIds: v.scopeCourtIds,
    })
    .returning({ id: dailyImportBatches.id });
  return row!.id;
}

export async function completeUploadBatch(
  db: Database,
  id: number,
  v: { source: string; extractDate: string; checksum: string; files: ImportFilesInfo },
): Promise<DailyImportBatch> {
  const zero = { inserted: 0, updated: 0, unchanged: 0, failed: 0 };
  const counts: ImportCounts = {
    cases: { total: 0, ...zero },
    activities: { total: 0, ...zero },
  };
  // Rows to process: those staged (a row superseded by a later line with its key is not).
  const staged = (f?: { rows: number; superseded?: number }) => (f ? f.rows - (f.superseded ?? 0) : 0);
  const totalRows = staged(v.files.cases) + staged(v.files.activities);
  const [row] = await db
    .update(dailyImportBatches)
    .set({ ...v, counts, totalRows, updatedAt: new Date() })
    .where(eq(dailyImportBatches.id, id))
    .returning();
  return row!;
}

/** Serialises uploads of the same checksum, so two at once cannot both become new batches. */
export async function lockChecksum(db: Database, checksum: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`import:${checksum}`}, 0))`);
}

export async function findBatchByChecksum(
  db: Database,
  checksum: string,
  v: BatchVisibility,
  exceptId: number,
): Promise<DailyImportBatch | null> {
  const [row] = await db
    .select()
    .from(dailyImportBatches)
    .where(
      and(
        eq(dailyImportBatches.checksum, checksum),
        sql`${dailyImportBatches.id} <> ${exceptId}`,
        visible(v),
      ),
    )
    .orderBy(desc(dailyImportBatches.id))
    .limit(1);
  return row ?? null;
}

export async function findBatch(
  db: Database,
  id: number,
  v: BatchVisibility,
): Promise<DailyImportBatch | null> {
  const [row] = await db
    .select()
    .from(dailyImportBatches)
    .where(and(eq(dailyImportBatches.id, id), visible(v)));
  return row ?? null;
}

export interface BatchFilters {
  status?: ImportStatus[];
  source?: string;
  from?: string;
  to?: string;
  createdBy?: number;
  /** Keyset: batches with a smaller id. */
  beforeId?: number;
  limit: number;
}

/** Newest first. */
export async function listBatches(db: Database, f: BatchFilters, v: BatchVisibility) {
  const t = dailyImportBatches;
  const where = [
    visible(v),
    f.status?.length ? inArray(t.status, f.status) : undefined,
    f.source ? eq(t.source, f.source) : undefined,
    f.from ? gte(t.extractDate, f.from) : undefined,
    f.to ? lte(t.extractDate, f.to) : undefined,
    f.createdBy !== undefined ? eq(t.createdBy, f.createdBy) : undefined,
    f.beforeId !== undefined ? sql`${t.id} < ${f.beforeId}` : undefined,
  ].filter((w): w is SQL => w !== undefined);
  const rows = await db
    .select()
    .from(t)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(t.id))
    .limit(f.limit + 1);
  return { rows: rows.slice(0, f.limit), more: rows.length > f.limit };
}

export interface RowErrorKey {
  file: number;
  line: number;
  seq: number;
}

export interface RowErrorEntry {
  file: ImportFile;
  line: number;
  seq: number;
  field: string | null;
  message: string;
}

const FILE_NAMES = Object.fromEntries(Object.entries(IMPORT_FILE_CODES).map(([k, v]) => [v, k])) as Record<
  number,
  ImportFile
>;

/** Row errors in file order (cases first), then line, after a keyset position. */
export async function listRowErrors(
  db: Database,
  batchId: number,
  after: RowErrorKey | null,
  limit: number,
): Promise<RowErrorEntry[]> {
  const rows = rowsOf<{ file: number; line: number; seq: number; field: string | null; message: string }>(
    await db.execute(sql`
      select file, line, seq, field, message from import_row_errors
      where batch_id = ${batchId}
        ${after ? sql`and (file, line, seq) > (${after.file}::smallint, ${after.line}::int, ${after.seq}::smallint)` : sql``}
      order by file, line, seq limit ${limit}::int`),
  );
  return rows.map((r) => ({
    ...r,
    file: FILE_NAMES[Number(r.file)]!,
    line: Number(r.line),
    seq: Number(r.seq),
  }));
}

export async function countOwedRollups(db: Database, batchId: number): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await db.execute(sql`select count(*)::int as n from import_touched_cases where batch_id = ${batchId}`),
  );
  return Number(rows[0]?.n ?? 0);
}

export async function hasStagedRows(db: Database, batchId: number): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`select 1 from import_staged_rows where batch_id = ${batchId} limit 1`),
  );
  return rows.length > 0;
}

/**
 * A retry is a new processing run. A failed batch resumes from its checkpoint (what committed stays
 * counted); a batch that completed with row errors starts over, so rows that failed for a reason
 * fixed since (a court added, a judge created) now land, and the counts describe this run.
 */
export async function resetForRetry(
  db: Database,
  batch: DailyImportBatch,
  scopeCourtIds: number[] | null,
): Promise<DailyImportBatch> {
  const restart = batch.status === "completed_with_errors" || batch.phase === "done";
  if (restart) {
    await db.execute(sql`delete from import_row_errors where batch_id = ${batch.id}`);
  }
  const zero = { inserted: 0, updated: 0, unchanged: 0, failed: 0 };
  const [row] = await db
    .update(dailyImportBatches)
    .set({
      status: "queued",
      scopeCourtIds,
      run: sql`${dailyImportBatches.run} + 1`,
      failureReason: null,
      finishedAt: null,
      // The run's cases are refreshed after it finishes, as any batch's.
      measuresRefreshedAt: null,
      updatedAt: new Date(),
      ...(restart
        ? {
            phase: "cases" as const,
            checkpointLine: 0,
            processedRows: 0,
            errorCount: 0,
            errors: [],
            counts: { cases: { total: 0, ...zero }, activities: { total: 0, ...zero } },
          }
        : {}),
    })
    .where(eq(dailyImportBatches.id, batch.id))
    .returning();
  return row!;
}

/** Batches a worker should be processing: queued or processing. */
export async function unfinishedBatches(
  db: Database,
): Promise<{ id: number; run: number; status: ImportStatus }[]> {
  return db
    .select({ id: dailyImportBatches.id, run: dailyImportBatches.run, status: dailyImportBatches.status })
    .from(dailyImportBatches)
    .where(inArray(dailyImportBatches.status, ["queued", "processing"]))
    .orderBy(dailyImportBatches.id)
    .limit(1000);
}
