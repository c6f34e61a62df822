import { MeasuresWarmupPayload } from "../jobs/payloads";
import { JOB_NAMES } from "../jobs/queues";
import type { JobDefinition } from "../jobs/types";
import { warmMeasureSummaries } from "../modules/maintenance/measures-warmup";

export const measuresWarmupProcessor: JobDefinition<MeasuresWarmupPayload> = {
  queue: "maintenance",
  name: JOB_NAMES.measuresWarmup,
  payload: MeasuresWarmupPayload,
  async run(job, deps) {
    const today = new Date().toISOString().slice(0, 10);
    const result = await warmMeasureSummaries({ db: deps.db.db, cache: deps.cache }, today);
    job.logger.info(result, "measure summaries warmed");
    return result;
  },
};
