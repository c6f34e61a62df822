import { RetentionPayload } from "../jobs/payloads";
import { JOB_NAMES } from "../jobs/queues";
import type { JobDefinition } from "../jobs/types";
import { deleteAuditRows, deleteStagedRows } from "../modules/maintenance/retention.repo";

export const retentionProcessor: JobDefinition<RetentionPayload> = {
  queue: "maintenance",
  name: JOB_NAMES.retention,
  payload: RetentionPayload,
  async run(job, deps) {
    const stagedDays = job.data.stagedDays ?? deps.config.RETENTION_STAGED_DAYS;
    const auditDays = job.data.auditDays ?? deps.config.RETENTION_AUDIT_DAYS;
    const stagedRows = await deleteStagedRows(deps.db.db, stagedDays);
    const auditRows = await deleteAuditRows(deps.db.db, auditDays);
    job.logger.info({ stagedDays, stagedRows, auditDays, auditRows }, "retention clean-up done");
    return { stagedRows, auditRows };
  },
};
