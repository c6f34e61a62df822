import type { Database } from "../../db/client";
import { sqlStateOf } from "../../db/errors";
import type { ImportCounts, ImportPhase, ImportRowError } from "../../db/schema/daily-import-batches";
import type { ImportStatus } from "../../db/schema/enums";
import { withTransaction } from "../../db/transaction";
import type { JobMetrics } from "../../jobs/metrics";
import type { JobDispatcher } from "../../jobs/types";
import type { Logger } from "../../lib/logger";
import type { CacheManager } from "../../redis/types";
import { processActivityChunk } from "./imports.activities.chunk";
import type { Lookups } from "./imports.cells";
import { type ChunkResult, processCaseChunk } from "./imports.chunk";
import { isRowDataError } from "./imports.isolate";
import {
  addTouchedCases,
  analyzeImportTables,
  type BatchState,
  deleteStagedRowsOf,
  finishBatch,
  insertRowErrors,
  lockBatch,
  markBatchStarted,
  prepareJobTransaction,
  readStagedRows,
  saveChunk,
} from "./imports.progress.repo";
import { requestMeasuresRefresh } from "./imports.rollups";
import { batchScope, loadLookups } from "./imports.scope";

// Processing a batch: chunk after chunk, each in one transaction with the batch's checkpoint and
// counts, so a killed worker resumes after the last committed chunk and nothing is lost or counted
// twice. Then the final status: the batch is done once its rows are in. Each chunk records the cases
// it touched (import_touched_cases); their derived status events, measure rollups and cached measures
// are brought up to date by the refresh job (imports.rollups.ts), which is asked for here and
// coalesces every batch waiting for it.

/** Row errors kept on the batch row for its summary; import_row_errors has all of them. */
export const SUMMARY_ERRORS = 100;

/** A file this large changes the tables enough to need fresh planner statistics (see analyzeImportTables). */
const ANALYZE_AFTER_ROWS = 10_000;

export interface ImportProgress {
  batchId: number;
  phase: ImportPhase;
  processedRows: number;
  totalRows: number;
  percent: number;
}

export interface ProcessDeps {
  db: Database;
  cache: CacheManager;
  logger: Logger;
  metrics?: Pick<JobMetrics, "recordImportRows">;
  /** Where the measure refresh is asked for once the batch is done (none: the caller runs it). */
  jobs?: Pick<JobDispatcher, "enqueueMeasuresRefresh">;
}

export interface ProcessOptions {
  chunkSize: number;
  onProgress?: (p: ImportProgress) => unknown;
  /** Checked between chunks: true makes processing stop at that safe point (shutdown). */
  shouldStop?: () => boolean;
}

export type ProcessOutcome =
  | { state: "finished"; status: ImportStatus; counts: ImportCounts; errorCount: number }
  | { state: "paused" }
  | { state: "missing" };

const FINISHED: ImportStatus[] = ["completed", "completed_with_errors", "failed"];
const NEXT_PHASE: Record<"cases" | "activities", ImportPhase> = {
  cases: "activities",
  activities: "rollups",
};

function finalStatus(counts: ImportCounts): ImportStatus {
  const total = counts.cases.total + counts.activities.total;
  const failed = counts.cases.failed + counts.activities.failed;
  if (failed === 0) return "completed";
  return failed === total ? "failed" : "completed_with_errors";
}

/** Adds a chunk's result to the batch state (counts, capped error list, touched courts). */
function apply(state: BatchState, file: "cases" | "activities", r: ChunkResult): void {
  const c = state.counts[file];
  c.total += r.counts.total;
  c.inserted += r.counts.inserted;
  c.updated += r.counts.updated;
  c.unchanged += r.counts.unchanged;
  c.failed += r.counts.failed;
  for (const e of r.errors) {
    if (state.errors.length >= SUMMARY_ERRORS) break;
    const { seq: _seq, ...summary } = e;
    state.errors.push(summary satisfies ImportRowError);
  }
  state.errorCount += r.errors.length;
  state.touchedCourtIds = [...new Set([...state.touchedCourtIds, ...r.touchedCourts])].sort((a, b) => a - b);
}

type Step =
  | { kind: "missing" }
  | { kind: "finished"; state: BatchState }
  | { kind: "progress"; state: BatchState; accepted: number; rejected: number }
  | { kind: "landed"; state: BatchState };

export async function processBatch(
  deps: ProcessDeps,
  batchId: number,
  opts: ProcessOptions,
): Promise<ProcessOutcome> {
  const { db, logger } = deps;
  let lookups: Lookups | null = null;
  // Case ids this run already recorded as touched: most activities belong to cases the cases file
  // touched, and sending them again would only be refused by ON CONFLICT. Lost on a restart, which
  // only means sending some again.
  const recorded = new Set<number>();
  let pendingRecorded: number[] = [];
  await markBatchStarted(db, batchId);

  // `isolate`: the chunk is being done again row by row after PostgreSQL refused one of its values.
  const step = (isolate: boolean) =>
    withTransaction(db, async (txn): Promise<Step> => {
      const tx = txn as unknown as Database;
      await prepareJobTransaction(tx);
      const state = await lockBatch(tx, batchId);
      if (!state) return { kind: "missing" };
      if (FINISHED.includes(state.status) || state.phase === "done") return { kind: "finished", state };
      // Once per run, from today's courts, judges and scopes (a retry is a new run).
      lookups ??= await loadLookups(tx, await batchScope(tx, state), new Date().toISOString().slice(0, 10));
      // Every row is in (`rollups` is the phase's historical name: see ImportPhase).
      if (state.phase === "rollups") return { kind: "landed", state };
      const file = state.phase;
      const rows = await readStagedRows(tx, batchId, file, state.checkpointLine, opts.chunkSize);
      if (rows.length === 0) {
        if (state.counts[file].total >= ANALYZE_AFTER_ROWS) await analyzeImportTables(tx);
        state.phase = NEXT_PHASE[file];
        await saveChunk(tx, state, {
          phase: state.phase,
          checkpointLine: 0,
          processedRows: state.processedRows,
        });
        return { kind: "progress", state, accepted: 0, rejected: 0 };
      }
      const result =
        file === "cases"
          ? await processCaseChunk(tx, rows, lookups, isolate)
          : await processActivityChunk(tx, rows, lookups, isolate);
      apply(state, file, result);
      await insertRowErrors(tx, batchId, result.errors);
      const fresh = [...result.touchedCases].filter((id) => !recorded.has(id));
      await addTouchedCases(tx, batchId, fresh);
      state.processedRows += rows.length;
      state.checkpointLine = rows[rows.length - 1]!.line;
      await saveChunk(tx, state, {
        phase: file,
        checkpointLine: state.checkpointLine,
        processedRows: state.processedRows,
      });
      // Only after the writes above: if the transaction fails, these ids were not recorded.
      pendingRecorded = fresh;
      return {
        kind: "progress",
        state,
        accepted: result.counts.total - result.counts.failed,
        rejected: result.counts.failed,
      };
    });

  let isolate = false;
  for (;;) {
    if (opts.shouldStop?.()) return { state: "paused" };
    pendingRecorded = [];
    let s: Step;
    try {
      s = await step(isolate);
    } catch (err) {
      // A value PostgreSQL refused (validation missed it): the chunk rolled back whole; do it again
      // with each write in a savepoint, so only the refused rows fail. Anything else is the job's.
      if (isolate || !isRowDataError(err)) throw err;
      logger.warn(
        { batchId, sqlState: sqlStateOf(err) },
        "a chunk was refused by the database; redoing it row by row",
      );
      isolate = true;
      continue;
    }
    isolate = false;
    // Committed: the ids are now in import_touched_cases.
    for (const id of pendingRecorded) recorded.add(id);
    if (s.kind === "missing") return { state: "missing" };
    if (s.kind === "finished") {
      // A run after a crash between the final status and the request below: ask again (deduplicated).
      if (s.state.measuresRefreshedAt === null) await requestMeasuresRefresh(deps.jobs, logger);
      return {
        state: "finished",
        status: s.state.status,
        counts: s.state.counts,
        errorCount: s.state.errorCount,
      };
    }
    if (s.kind === "progress") {
      deps.metrics?.recordImportRows("accepted", s.accepted);
      deps.metrics?.recordImportRows("rejected", s.rejected);
      const { processedRows, totalRows, phase } = s.state;
      await opts.onProgress?.({
        batchId,
        phase,
        processedRows,
        totalRows,
        percent: totalRows === 0 ? 100 : Math.floor((processedRows / totalRows) * 100),
      });
      continue;
    }
    const status = finalStatus(s.state.counts);
    await withTransaction(db, async (txn) => {
      const tx = txn as unknown as Database;
      const current = await lockBatch(tx, batchId);
      if (current && current.phase === "rollups" && !FINISHED.includes(current.status)) {
        await finishBatch(tx, batchId, status, status === "failed" ? "every row failed validation" : null);
        // Only a failed or partly failed batch can be retried: a completed one's staged rows are dead
        // weight (up to hundreds of MB for a large file), so they go now rather than at retention.
        if (status === "completed") await deleteStagedRowsOf(tx, batchId);
      }
    });
    logger.info(
      { batchId, status, counts: s.state.counts, errorCount: s.state.errorCount },
      "import finished",
    );
    // The measures of its cases follow in the refresh job, with those of every other batch waiting.
    await requestMeasuresRefresh(deps.jobs, logger);
    return { state: "finished", status, counts: s.state.counts, errorCount: s.state.errorCount };
  }
}
