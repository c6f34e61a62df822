import { CaseloadSnapshotPayload } from "../jobs/payloads";
import { JOB_NAMES } from "../jobs/queues";
import type { JobDefinition } from "../jobs/types";
import { writeCaseloadSnapshot } from "../modules/maintenance/caseload-snapshot.repo";

/** Yesterday in UTC: the last complete day when the job runs after midnight. */
function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

export const caseloadSnapshotProcessor: JobDefinition<CaseloadSnapshotPayload> = {
  queue: "maintenance",
  name: JOB_NAMES.caseloadSnapshot,
  payload: CaseloadSnapshotPayload,
  async run(job, deps) {
    const date = job.data.date ?? yesterday();
    const result = await writeCaseloadSnapshot(deps.db.db, date);
    job.logger.info({ date, ...result }, "caseload snapshot written");
    return { date, ...result };
  },
};
