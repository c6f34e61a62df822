import { MeasuresRefreshPayload } from "../jobs/payloads";
import { JOB_NAMES } from "../jobs/queues";
import { type JobDefinition, JobPausedError } from "../jobs/types";
import { refreshOwedMeasures } from "../modules/imports/imports.rollups";

/**
 * The measure refresh after imports (and time-standard edits): one run takes whatever is owed by
 * every waiting batch (src/modules/imports/imports.rollups.ts). Coalesced and deduplicated: see
 * MEASURES_REFRESH_DEDUP_ID.
 */
export const measuresRefreshProcessor: JobDefinition<MeasuresRefreshPayload> = {
  queue: "measures",
  name: JOB_NAMES.measuresRefresh,
  payload: MeasuresRefreshPayload,
  async run(job, deps) {
    const result = await refreshOwedMeasures(
      { db: deps.db.db, cache: deps.cache, logger: job.logger },
      { stepSize: deps.config.IMPORT_ROLLUP_CHUNK_SIZE, shouldStop: job.shouldStop },
    );
    if (result.state === "paused") throw new JobPausedError();
    return result;
  },
};
