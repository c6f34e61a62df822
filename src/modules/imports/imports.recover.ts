import type { Database } from "../../db/client";
import type { JobDispatcher } from "../../jobs/types";
import type { Logger } from "../../lib/logger";
import type { CacheManager } from "../../redis/types";
import { markBatchFailed } from "./imports.progress.repo";
import { unfinishedBatches } from "./imports.repo";
import { measuresRefreshOwed } from "./imports.rollups";

// The safety net under the queue: every batch left queued or processing gets a job (an upload whose
// enqueue failed because Redis was away, or any batch at an embedded-mode start), a batch whose job
// gave up without saying so is marked failed, and while any finished batch (failed ones included)
// still owes measure refreshes, or a time standard was edited since the rollups took it in, a refresh
// run is asked for (a crash between a batch's completion and its refresh, a lost request, a refresh
// that died halfway: the to-do is in PostgreSQL, so the run finishes it). Idempotent: job ids
// deduplicate, and each step checks the state first.

export interface RecoverSummary {
  enqueued: number;
  markedFailed: number;
  /** 1 when a measure refresh run was asked for. */
  refreshRequested: number;
}

export async function recoverImports(deps: {
  db: Database;
  cache: CacheManager;
  logger: Logger;
  jobs: JobDispatcher;
}): Promise<RecoverSummary> {
  const summary: RecoverSummary = { enqueued: 0, markedFailed: 0, refreshRequested: 0 };
  for (const batch of await unfinishedBatches(deps.db)) {
    const job = await deps.jobs.importJobState(batch.id, batch.run);
    if (job.state === "missing") {
      await deps.jobs.enqueueImport(batch.id, batch.run);
      summary.enqueued++;
    } else if (job.state === "failed") {
      if (await markBatchFailed(deps.db, batch.id, job.reason)) summary.markedFailed++;
    } else if (job.state === "completed") {
      deps.logger.warn(
        { batchId: batch.id, run: batch.run },
        "import job completed but its batch is unfinished",
      );
    }
  }
  if (await measuresRefreshOwed(deps.db)) {
    await deps.jobs.enqueueMeasuresRefresh();
    summary.refreshRequested = 1;
  }
  if (summary.enqueued + summary.markedFailed > 0) deps.logger.info(summary, "imports recovered");
  return summary;
}
