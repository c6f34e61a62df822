import type { Database } from "../../db/client";
import type { JobDispatcher } from "../../jobs/types";
import type { Logger } from "../../lib/logger";
import type { CacheManager } from "../../redis/types";
import { markBatchFailed } from "./imports.progress.repo";
import { failedBatchesOwingRollups, unfinishedBatches } from "./imports.repo";
import { settleFailedBatch } from "./imports.rollups";

// The safety net under the queue: every batch left queued or processing gets a job (an upload whose
// enqueue failed because Redis was away, or any batch at an embedded-mode start), a batch whose job
// gave up without saying so is marked failed, and a failed batch still owing measure rollups for the
// rows it did land gets them. Idempotent: job ids deduplicate, and each step checks the state first.

export interface RecoverSummary {
  enqueued: number;
  markedFailed: number;
  settled: number;
}

export async function recoverImports(
  deps: { db: Database; cache: CacheManager; logger: Logger; jobs: JobDispatcher },
  opts: { rollupChunkSize: number },
): Promise<RecoverSummary> {
  const summary: RecoverSummary = { enqueued: 0, markedFailed: 0, settled: 0 };
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
  for (const id of await failedBatchesOwingRollups(deps.db)) {
    if ((await settleFailedBatch(deps, id, opts.rollupChunkSize)) > 0) summary.settled++;
  }
  if (summary.enqueued + summary.markedFailed + summary.settled > 0)
    deps.logger.info(summary, "imports recovered");
  return summary;
}
