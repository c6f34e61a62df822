import { once } from "node:events";
import type { Writable } from "node:stream";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import type { Database, DbHandle } from "../../db/client";
import * as schema from "../../db/schema";
import { importStagedRows } from "../../db/schema/import-staged-rows";

// Writing an upload's rows into import_staged_rows inside the upload's transaction: COPY on
// PostgreSQL (about twice as fast as multi-row INSERT, and streamed), batched INSERTs on PGlite,
// which has no COPY FROM STDIN. Nothing is visible to other sessions until the upload commits.

export type StagedData = (string | null)[] | string;

export interface FileStager {
  /** Resolves when the row may be followed by the next (waits while the database catches up). */
  add(line: number, data: StagedData): Promise<void> | undefined;
  close(): Promise<void>;
  /** Abandons the file after a failure (the transaction is about to roll back). */
  abort(): Promise<void>;
}

export interface StagingTransaction {
  /** Drizzle over the upload's transaction. */
  db: Database;
  openFile(batchId: number, file: number): Promise<FileStager>;
}

/** Bytes of COPY text gathered before one write to the socket. */
const COPY_FLUSH_CHARS = 256 * 1024;
const PGLITE_BATCH_ROWS = 1000;

/** A COPY text-format line. JSON.stringify escapes every control character, so only `\` needs doubling. */
function copyLine(batchId: number, file: number, line: number, data: StagedData): string {
  return `${batchId}\t${file}\t${line}\t${JSON.stringify(data).replaceAll("\\", "\\\\")}\n`;
}

function copyStager(writable: Writable, batchId: number, file: number): FileStager {
  let pending: string[] = [];
  let size = 0;
  let failed: Error | null = null;
  writable.on("error", (err) => {
    failed = err;
  });
  const flush = async () => {
    if (failed) throw failed;
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    size = 0;
    if (!writable.write(text)) await once(writable, "drain");
  };
  return {
    add(line, data) {
      const text = copyLine(batchId, file, line, data);
      pending.push(text);
      size += text.length;
      return size >= COPY_FLUSH_CHARS ? flush() : undefined;
    },
    async close() {
      await flush();
      const finished = once(writable, "finish");
      writable.end();
      await finished;
      if (failed) throw failed;
    },
    async abort() {
      // Ends the COPY with CopyFail, so the connection is usable for the ROLLBACK that follows.
      if (writable.destroyed) return;
      const closed = once(writable, "close").catch(() => {});
      writable.destroy(new Error("upload aborted"));
      await Promise.race([closed, Bun.sleep(1000)]);
    },
  };
}

function insertStager(db: Database, batchId: number, file: number): FileStager {
  let rows: { batchId: number; file: number; line: number; data: StagedData }[] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    const batch = rows;
    rows = [];
    await db.insert(importStagedRows).values(batch);
  };
  return {
    add(line, data) {
      rows.push({ batchId, file, line, data });
      return rows.length >= PGLITE_BATCH_ROWS ? flush() : undefined;
    },
    close: flush,
    async abort() {
      rows = [];
    },
  };
}

/**
 * Runs the upload in one transaction: the batch row, its staged rows and the duplicate check commit
 * together or not at all (a rejected or interrupted upload leaves nothing behind).
 */
export async function withStagingTransaction<T>(
  handle: DbHandle,
  fn: (tx: StagingTransaction) => Promise<T>,
): Promise<T> {
  const raw = handle.sql;
  if (raw) {
    return (await raw.begin(async (txSql) => {
      // Drizzle over the transaction's connection, so repo code runs unchanged inside the COPY's
      // transaction. Drizzle reads the client's type options, which a transaction handle lacks but
      // shares with its pool (drizzle already adjusted them when it wrapped the pool).
      const client = Object.assign(txSql, { options: raw.options }) as unknown as postgres.Sql;
      const db = drizzlePostgres({ client, schema }) as unknown as Database;
      return fn({
        db,
        async openFile(batchId, file) {
          const writable =
            await txSql`copy import_staged_rows (batch_id, file, line, data) from stdin`.writable();
          return copyStager(writable, batchId, file);
        },
      });
    })) as T;
  }
  return handle.db.transaction(async (tx) =>
    fn({
      db: tx as unknown as Database,
      openFile: async (batchId, file) => insertStager(tx as unknown as Database, batchId, file),
    }),
  );
}
