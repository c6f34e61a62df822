import { ImportsRecoverPayload } from "../../src/jobs/payloads";
import { JOB_NAMES } from "../../src/jobs/queues";
import type { JobDefinition } from "../../src/jobs/types";
import { recoverImports } from "../../src/modules/imports/imports.recover";

export const importsRecoverProcessor: JobDefinition<ImportsRecoverPayload> = {
  queue: "maintenance",
  name: JOB_NAMES.importsRecover,
  payload: ImportsRecoverPayload,
  run: (job, deps) =>
    recoverImports({ db: deps.db.db, cache: deps.cache, logger: job.logger, jobs: deps.jobs }),
};
