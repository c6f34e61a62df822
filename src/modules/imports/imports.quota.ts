import { sql } from "drizzle-orm";
import type { Config } from "../../config/env";
import { type Database, rowsOf } from "../../db/client";
import { AppError } from "../../lib/errors";

// Per-user bounds on what imports may hold: batches waiting for or taking a worker, and bytes of
// uploaded files whose rows sit in staging (a batch not completed keeps them for a retry, until
// retention). Checked before the body is read (to refuse early) and again under a per-user lock in the
// upload's transaction (so two uploads at once cannot both pass). The bytes counted are those of the
// uploaded files, as the client sent them.

export type ImportQuotas = Pick<
  Config,
  "IMPORT_MAX_ACTIVE_BATCHES_PER_USER" | "IMPORT_MAX_STAGED_BYTES_PER_USER"
>;

export interface ImportUsage {
  activeBatches: number;
  stagedBytes: number;
}

export async function importUsage(db: Database, userId: number): Promise<ImportUsage> {
  const [row] = rowsOf<{ active: number; staged: string | number }>(
    await db.execute(sql`
      select count(*) filter (where b.status in ('queued', 'processing'))::int as active,
        coalesce(sum(coalesce((b.files->'cases'->>'bytes')::bigint, 0)
          + coalesce((b.files->'activities'->>'bytes')::bigint, 0))
          filter (where exists (select 1 from import_staged_rows s where s.batch_id = b.id)), 0)::bigint as staged
      from daily_import_batches b
      where b.created_by = ${userId} and b.status <> 'completed'`),
  );
  return { activeBatches: Number(row?.active ?? 0), stagedBytes: Number(row?.staged ?? 0) };
}

/** Serialises one user's upload commits (their quota checks) within the transaction. */
export async function lockUserImports(db: Database, userId: number): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`import-user:${userId}`}, 0))`);
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MiB`;

/** Throws 429 naming the quota when `adding` more bytes (and one more batch) would exceed one. */
export function checkQuotas(usage: ImportUsage, adding: number, limits: ImportQuotas): void {
  const maxBatches = limits.IMPORT_MAX_ACTIVE_BATCHES_PER_USER;
  if (usage.activeBatches >= maxBatches) {
    throw new AppError(
      "RATE_LIMITED",
      `You have ${usage.activeBatches} imports queued or processing, the most allowed at once ` +
        `(IMPORT_MAX_ACTIVE_BATCHES_PER_USER = ${maxBatches}); upload again when one has finished`,
    );
  }
  const maxBytes = limits.IMPORT_MAX_STAGED_BYTES_PER_USER;
  if (usage.stagedBytes + adding > maxBytes) {
    throw new AppError(
      "RATE_LIMITED",
      `Your imports not yet completed hold ${mib(usage.stagedBytes)} of uploaded files in staging; with ` +
        `${adding > 0 ? `this upload's ${mib(adding)}` : "this upload"} that would exceed ${mib(maxBytes)} ` +
        "(IMPORT_MAX_STAGED_BYTES_PER_USER). Wait for queued imports to finish, or for failed ones to be retried or to pass retention",
    );
  }
}
