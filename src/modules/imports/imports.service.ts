import type { AuthUser } from "../../app-env";
import { type CourtIds, intersectCourtIds } from "../../auth/scope";
import type { DbHandle } from "../../db/client";
import type { DailyImportBatch } from "../../db/schema/daily-import-batches";
import { IMPORT_FILE_CODES } from "../../db/schema/import-staged-rows";
import { withTransaction } from "../../db/transaction";
import type { JobDispatcher } from "../../jobs/types";
import { AppError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import type { RedisClients } from "../../redis/types";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import {
  type BatchFilters,
  type BatchVisibility,
  countOwedRollups,
  findBatch,
  hasStagedRows,
  listBatches,
  listRowErrors,
  type RowErrorKey,
  resetForRetry,
} from "./imports.repo";
import { currentUserScope } from "./imports.scope";
import { createUploader, type UploaderConfig, type UploadRequest } from "./imports.uploader";

/** Admins and analysts see every batch; a court administrator sees the batches they uploaded. */
export function visibilityOf(user: Pick<AuthUser, "id" | "role">): BatchVisibility {
  return { createdBy: user.role === "court_admin" ? user.id : null };
}

export function toBatchJson(b: DailyImportBatch) {
  const file = (f: "cases" | "activities") => {
    const info = b.files[f];
    return info
      ? { filename: info.filename, bytes: info.bytes, rows: info.rows, superseded: info.superseded ?? 0 }
      : null;
  };
  return {
    id: b.id,
    source: b.source,
    extractDate: b.extractDate,
    status: b.status,
    checksum: b.checksum,
    files: { cases: file("cases"), activities: file("activities") },
    counts: b.counts,
    progress: {
      phase: b.phase,
      processedRows: b.processedRows,
      totalRows: b.totalRows,
      percent: b.totalRows === 0 ? 100 : Math.floor((b.processedRows / b.totalRows) * 100),
    },
    errorCount: b.errorCount,
    failureReason: b.failureReason,
    run: b.run,
    createdBy: b.createdBy,
    createdAt: b.createdAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
    measuresRefreshedAt: b.measuresRefreshedAt?.toISOString() ?? null,
    updatedAt: b.updatedAt.toISOString(),
  };
}

export function createImportsService(deps: {
  db: DbHandle;
  config: UploaderConfig;
  logger: Logger;
  jobs?: JobDispatcher;
  redis?: RedisClients | null;
}) {
  const { db: handle, logger } = deps;
  const db = handle.db;
  const uploader = createUploader({ ...deps, visibility: visibilityOf });

  async function enqueue(batch: DailyImportBatch): Promise<void> {
    try {
      await deps.jobs?.enqueueImport(batch.id, batch.run);
    } catch (err) {
      // The batch is committed: the workers' recovery job enqueues it within a minute.
      logger.warn({ err, batchId: batch.id }, "could not enqueue the import job; the recovery job will");
    }
  }

  async function getVisible(id: number, user: AuthUser): Promise<DailyImportBatch> {
    const batch = await findBatch(db, id, visibilityOf(user));
    if (!batch) throw AppError.notFound("Import");
    return batch;
  }

  return {
    /**
     * Spools the upload to disk, stages it in one transaction and enqueues it (imports.uploader.ts).
     * Returns the new batch, or (created: false) the earlier batch with the same files.
     */
    async upload(
      req: UploadRequest,
      user: AuthUser,
      scope: CourtIds,
      ctx: AuditContext,
    ): Promise<{ created: boolean; batch: DailyImportBatch }> {
      const result = await uploader.upload(req, user, scope, ctx);
      if (result.created) await enqueue(result.batch);
      return result;
    },

    async list(filters: Omit<BatchFilters, "beforeId"> & { cursor?: { id: number } }, user: AuthUser) {
      const { cursor, ...rest } = filters;
      const page = await listBatches(db, { ...rest, beforeId: cursor?.id }, visibilityOf(user));
      const last = page.rows.at(-1);
      return { rows: page.rows, nextCursor: page.more && last ? { id: last.id } : null };
    },

    async detail(id: number, user: AuthUser) {
      const batch = await getVisible(id, user);
      return { batch, rollupCasesPending: await countOwedRollups(db, id) };
    },

    /** Checks visibility; then pages of errors. */
    async errors(id: number, user: AuthUser, after: RowErrorKey | null, limit: number) {
      await getVisible(id, user);
      return listRowErrors(db, id, after, limit);
    },

    /** Every error, in batches, for the CSV export (after the visibility check of `errors`). */
    async *errorBatches(id: number, size: number) {
      let after: RowErrorKey | null = null;
      for (;;) {
        const rows = await listRowErrors(db, id, after, size);
        if (rows.length > 0) yield rows;
        if (rows.length < size) return;
        const last = rows[rows.length - 1]!;
        after = { file: IMPORT_FILE_CODES[last.file], line: last.line, seq: last.seq };
      }
    },

    /**
     * A new processing run. Its scope is decided now: the retrying user's scope today, narrowed by the
     * uploader's today (processing narrows it again by the uploader's scope when the run starts), so a
     * court moved out of a court administrator's subtree since the upload is out of this run's reach.
     */
    async retry(id: number, user: AuthUser, scope: CourtIds, ctx: AuditContext): Promise<DailyImportBatch> {
      const batch = await withTransaction(db, async (txn) => {
        const tx = txn as unknown as typeof db;
        const current = await findBatch(tx, id, visibilityOf(user));
        if (!current) throw AppError.notFound("Import");
        if (current.status !== "failed" && current.status !== "completed_with_errors") {
          throw new AppError(
            "CONFLICT",
            `Only a failed or partly failed import can be retried (this one is ${current.status})`,
          );
        }
        if (!(await hasStagedRows(tx, id))) {
          throw new AppError(
            "CONFLICT",
            "The uploaded rows of this import were removed by retention; upload the files again",
          );
        }
        const uploader =
          current.createdBy === null ? undefined : await currentUserScope(tx, current.createdBy);
        const runScope = intersectCourtIds(scope, uploader === undefined ? current.scopeCourtIds : uploader);
        const reset = await resetForRetry(tx, current, runScope);
        await insertAudit(tx, {
          ...ctx,
          action: "import.retried",
          entity: "import",
          entityId: id,
          changes: { previousStatus: current.status, run: reset.run, scopeCourtIds: runScope },
        });
        return reset;
      });
      await enqueue(batch);
      return batch;
    },
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;
