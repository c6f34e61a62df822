import { ImportsRecoverPayload } from "../jobs/payloads";
import { JOB_NAMES } from "../jobs/queues";
import type { JobDefinition } from "../jobs/types";
import { recoverImports } from "../modules/imports/imports.recover";

export const importsRecoverProcessor: JobDefinition<ImportsRecoverPayload> = {
  queue: "maintenance",
  name: JOB_NAMES.importsRecover,
  payload: ImportsRecoverPayload,
  run: (job, deps) =>
    recoverImports({ db: deps.db.db, cache: deps.cache, logger: job.logger, jobs: deps.jobs }),
};
