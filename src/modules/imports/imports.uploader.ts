import type { AuthUser } from "../../app-env";
import type { CourtIds } from "../../auth/scope";
import type { Config } from "../../config/env";
import type { DbHandle } from "../../db/client";
import type { DailyImportBatch, ImportFilesInfo } from "../../db/schema/daily-import-batches";
import { AppError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import { BodyTooLargeError, MultipartError, multipartBoundary } from "../../lib/multipart";
import { problemsOf } from "../../lib/validation";
import type { RedisClients } from "../../redis/types";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import { checkQuotas, importUsage, lockUserImports } from "./imports.quota";
import {
  completeUploadBatch,
  findBatchByChecksum,
  insertUploadBatch,
  lockChecksum,
  reserveBatchId,
} from "./imports.repo";
import { UploadFields } from "./imports.schemas";
import { sweepSpool, UploadSpool } from "./imports.spool";
import { withStagingTransaction } from "./imports.staging";
import { readUpload, uploadChecksum } from "./imports.upload";
import { ClientGoneError, guardUploadBody, UploadCutError } from "./imports.upload-guard";
import { memoryUploadSlots, redisUploadSlots, type UploadSlots } from "./imports.upload-slots";

// An upload, end to end. The body is read under a deadline and a minimum rate, parsed, checked and
// spooled to local disk without touching the database pool (one short query reserves the batch id
// and checks the user's quotas first). Only a complete, well-formed upload takes a connection: one
// transaction that re-checks the quotas under a per-user lock, looks for an earlier batch with the
// same files, COPYs the spooled rows and commits the batch. A few such commits run at once per
// process, so uploads can never take the whole pool from the rest of the API.

/** Sliding window of the minimum upload rate. */
export const UPLOAD_RATE_WINDOW_MS = 30_000;
/** Spool files older than this were left by a process that died mid-upload. */
const SPOOL_SWEEP_AFTER_MS = 6 * 3600_000;

export interface UploadRequest {
  body: ReadableStream<Uint8Array> | null;
  contentType: string | undefined;
  contentLength: string | undefined;
  /** `force` may also come in the query string. */
  forceQuery: string | undefined;
  /** Aborted when the client disconnects. */
  signal?: AbortSignal;
}

export type UploaderConfig = Pick<
  Config,
  | "IMPORT_MAX_BYTES"
  | "IMPORT_UPLOAD_TIMEOUT_S"
  | "IMPORT_UPLOAD_MIN_BYTES_PER_S"
  | "IMPORT_MAX_UPLOADS_PER_USER"
  | "IMPORT_MAX_ACTIVE_BATCHES_PER_USER"
  | "IMPORT_MAX_STAGED_BYTES_PER_USER"
  | "IMPORT_SPOOL_DIR"
  | "DATABASE_POOL_MAX"
>;

/** Thrown inside the upload transaction to roll it back and answer with the earlier batch. */
class DuplicateUpload extends Error {
  constructor(readonly batch: DailyImportBatch) {
    super("duplicate upload");
  }
}

/** At most `size` holders at once; the others wait their turn in order. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function tooLarge(max: number, cause?: unknown): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The upload exceeds ${max} bytes (IMPORT_MAX_BYTES)`, undefined, {
    cause,
  });
}

export function createUploader(deps: {
  db: DbHandle;
  config: UploaderConfig;
  logger: Logger;
  redis?: RedisClients | null;
  /** Visibility of the earlier batch a duplicate upload answers with. */
  visibility: (user: AuthUser) => { createdBy: number | null };
}) {
  const { db: handle, config, logger } = deps;
  const db = handle.db;
  const deadlineMs = config.IMPORT_UPLOAD_TIMEOUT_S * 1000;
  const slots: UploadSlots = deps.redis
    ? redisUploadSlots(deps.redis.main, {
        max: config.IMPORT_MAX_UPLOADS_PER_USER,
        lapseMs: deadlineMs + 60_000,
      })
    : memoryUploadSlots({ max: config.IMPORT_MAX_UPLOADS_PER_USER });
  // A quarter of the pool (at least one connection) may be busy committing uploads.
  const commits = new Gate(Math.max(1, Math.floor(config.DATABASE_POOL_MAX / 4)));
  let lastSweep = 0;

  function sweep(): void {
    if (Date.now() - lastSweep < 600_000) return;
    lastSweep = Date.now();
    sweepSpool(config.IMPORT_SPOOL_DIR, Math.max(SPOOL_SWEEP_AFTER_MS, deadlineMs * 2))
      .then((n) => n > 0 && logger.warn({ removed: n }, "removed spool files left by an interrupted upload"))
      .catch(() => {});
  }

  /** Reads, checks and spools the body; returns what the commit needs, or throws the client's error. */
  async function receive(req: UploadRequest, boundary: string, spool: UploadSpool) {
    const max = config.IMPORT_MAX_BYTES;
    const guarded = guardUploadBody(req.body!, {
      deadlineMs,
      minBytesPerSecond: config.IMPORT_UPLOAD_MIN_BYTES_PER_S,
      windowMs: Math.min(UPLOAD_RATE_WINDOW_MS, deadlineMs),
      signal: req.signal,
    });
    try {
      const content = await readUpload(guarded.body, boundary, {
        maxBytes: max,
        stage: (file) => spool.open(file),
      });
      const problems = [...content.problems];
      const fields = UploadFields.safeParse({
        ...content.fields,
        force: content.fields.force ?? req.forceQuery,
      });
      if (!fields.success) problems.push(...problemsOf(fields.error, "body"));
      if (!content.files.cases && !content.files.activities && problems.length === 0) {
        problems.push({ path: "body", message: "send a cases file, an activities file, or both" });
      }
      if (problems.length > 0 || !fields.success) {
        throw AppError.validation(
          problems,
          `The upload was not accepted: ${problems.map((p) => `${p.path.replace(/^body\.?/, "") || "body"}: ${p.message}`).join("; ")}`,
        );
      }
      return { content, fields: fields.data };
    } catch (err) {
      if (err instanceof UploadCutError) {
        // Closed after the answer: the client may still be sending, and the rest of its body is unwanted.
        throw new AppError("REQUEST_TIMEOUT", err.message, undefined, {
          cause: err,
          headers: { Connection: "close" },
        });
      }
      if (err instanceof ClientGoneError) {
        throw new AppError(
          "CLIENT_CLOSED_REQUEST",
          "The client closed the connection during the upload",
          undefined,
          {
            cause: err,
          },
        );
      }
      if (err instanceof BodyTooLargeError) throw tooLarge(max, err);
      if (err instanceof MultipartError) {
        throw AppError.validation(
          [{ path: "body", message: err.message }],
          `Malformed multipart body: ${err.message}`,
        );
      }
      throw err;
    } finally {
      guarded.dispose();
    }
  }

  return {
    /**
     * Reads the upload to local disk, then stages it in one transaction. Returns the new batch, or
     * (created: false) the earlier batch with the same files.
     */
    async upload(
      req: UploadRequest,
      user: AuthUser,
      scope: CourtIds,
      ctx: AuditContext,
    ): Promise<{ created: boolean; batch: DailyImportBatch }> {
      const boundary = multipartBoundary(req.contentType);
      if (!boundary) {
        throw new AppError(
          "UNSUPPORTED_MEDIA_TYPE",
          "Send the files as multipart/form-data (fields cases and/or activities)",
        );
      }
      const max = config.IMPORT_MAX_BYTES;
      const declared = req.contentLength === undefined ? 0 : Number(req.contentLength);
      if (declared > max) throw tooLarge(max);
      if (!req.body) throw AppError.validation([{ path: "body", message: "the request has no body" }]);

      const release = await slots.acquire(user.id).catch((err) => {
        throw new AppError(
          "SERVICE_UNAVAILABLE",
          "Uploads are temporarily unavailable; try again shortly",
          undefined,
          {
            cause: err,
          },
        );
      });
      if (!release) {
        throw new AppError(
          "RATE_LIMITED",
          `You are already sending ${config.IMPORT_MAX_UPLOADS_PER_USER} uploads, the most allowed at once ` +
            "(IMPORT_MAX_UPLOADS_PER_USER); wait for one to finish",
        );
      }
      try {
        // Refuse early what the commit would refuse anyway (one short query, no transaction).
        checkQuotas(await importUsage(db, user.id), Number.isFinite(declared) ? declared : 0, config);
        const batchId = await reserveBatchId(db);
        sweep();
        const spool = new UploadSpool(config.IMPORT_SPOOL_DIR, batchId);
        let batch: DailyImportBatch;
        try {
          const { content, fields } = await receive(req, boundary, spool);
          const spooled = await spool.finish();
          const files: ImportFilesInfo = {};
          for (const f of ["cases", "activities"] as const) {
            const info = content.files[f];
            const superseded = spooled.find((s) => s.file === f)?.superseded ?? 0;
            if (info) files[f] = superseded > 0 ? { ...info, superseded } : info;
          }
          const bytes = (files.cases?.bytes ?? 0) + (files.activities?.bytes ?? 0);
          const checksum = uploadChecksum(content.files);
          batch = await commits.run(() =>
            withStagingTransaction(handle, batchId, async (tx) => {
              await lockUserImports(tx.db, user.id);
              checkQuotas(await importUsage(tx.db, user.id), bytes, config);
              await lockChecksum(tx.db, checksum);
              if (!fields.force) {
                const earlier = await findBatchByChecksum(tx.db, checksum, deps.visibility(user), batchId);
                if (earlier) throw new DuplicateUpload(earlier);
              }
              await insertUploadBatch(tx.db, { id: batchId, createdBy: user.id, scopeCourtIds: scope });
              for (const f of spooled) await tx.load(f);
              const created = await completeUploadBatch(tx.db, batchId, {
                source: fields.source,
                extractDate: fields.extractDate,
                checksum,
                files,
              });
              await insertAudit(tx.db, {
                ...ctx,
                action: "import.uploaded",
                entity: "import",
                entityId: batchId,
                changes: {
                  source: created.source,
                  extractDate: created.extractDate,
                  files,
                  force: fields.force,
                },
              });
              return created;
            }),
          );
        } catch (err) {
          if (err instanceof DuplicateUpload) return { created: false, batch: err.batch };
          throw err;
        } finally {
          await spool.remove();
        }
        return { created: true, batch };
      } finally {
        await release();
      }
    },
  };
}
