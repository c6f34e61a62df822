import { jobMetricsFor } from "../jobs/metrics";
import { ImportJobPayload } from "../jobs/payloads";
import { JOB_NAMES } from "../jobs/queues";
import { type JobDefinition, JobPausedError } from "../jobs/types";
import { processBatch } from "../modules/imports/imports.process";
import { markBatchFailed } from "../modules/imports/imports.progress.repo";
import { requestMeasuresRefresh } from "../modules/imports/imports.rollups";

/** Processes one import batch from its checkpoint (see src/modules/imports/imports.process.ts). */
export const importProcessor: JobDefinition<ImportJobPayload> = {
  queue: "imports",
  name: JOB_NAMES.import,
  payload: ImportJobPayload,
  async run(job, deps) {
    const { batchId } = job.data;
    const outcome = await processBatch(
      {
        db: deps.db.db,
        cache: deps.cache,
        logger: job.logger,
        metrics: jobMetricsFor(deps.metrics),
        jobs: deps.jobs,
      },
      batchId,
      {
        chunkSize: deps.config.IMPORT_CHUNK_SIZE,
        onProgress: (p) => job.updateProgress(p),
        shouldStop: job.shouldStop,
      },
    );
    if (outcome.state === "paused") throw new JobPausedError();
    // A batch deleted meanwhile: nothing to do, and nothing to retry.
    if (outcome.state === "missing") return { batchId, skipped: "the batch no longer exists" };
    return { batchId, status: outcome.status, counts: outcome.counts, errorCount: outcome.errorCount };
  },
  async onFinalFailure(data, error, deps) {
    await markBatchFailed(deps.db.db, data.batchId, error);
    // Rows committed before the failure still need their measures: the refresh job takes failed
    // batches too (the recovery job asks for it as long as anything is owed).
    await requestMeasuresRefresh(deps.jobs, deps.logger);
  },
};
