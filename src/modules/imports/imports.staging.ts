import { once } from "node:events";
import { createReadStream } from "node:fs";
import type { Writable } from "node:stream";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import type { Database, DbHandle } from "../../db/client";
import * as schema from "../../db/schema";
import { IMPORT_FILE_CODES, importStagedRows } from "../../db/schema/import-staged-rows";
import { keepRow, parseCopyLine, type SpooledFile, spoolLines } from "./imports.spool";

// Moving a spooled upload (imports.spool.ts) into import_staged_rows inside the upload's transaction:
// COPY on PostgreSQL (about twice as fast as multi-row INSERT), batched INSERTs on PGlite, which has
// no COPY FROM STDIN. The client is no longer involved: the data comes from local disk. Nothing is
// visible to other sessions until the upload commits.

export type StagedData = (string | null)[] | string;

/** Where the rows of one file go as the upload is read. */
export interface FileStager {
  /** Resolves when the row may be followed by the next (waits while the writes catch up). */
  add(line: number, data: StagedData): Promise<void> | undefined;
  close(): Promise<void>;
  /** Abandons the file after a failure. */
  abort(): Promise<void>;
}

export interface StagingTransaction {
  /** Drizzle over the upload's transaction. */
  db: Database;
  /** Stages a spooled file's rows (superseded duplicates skipped); returns how many. */
  load(file: SpooledFile): Promise<number>;
}

const PGLITE_BATCH_ROWS = 1000;

async function write(writable: Writable, chunk: string | Buffer, failed: () => Error | null): Promise<void> {
  const err = failed();
  if (err) throw err;
  if (!writable.write(chunk)) await once(writable, "drain");
}

/** COPY of one spooled file: the bytes as they are, or line by line when duplicates are skipped. */
async function copyIn(writable: Writable, f: SpooledFile): Promise<number> {
  let failure: Error | null = null;
  writable.on("error", (err) => {
    failure = err;
  });
  try {
    let staged = 0;
    if (!f.drop) {
      for await (const chunk of createReadStream(f.path, { highWaterMark: 1024 * 1024 })) {
        await write(writable, chunk as Buffer, () => failure);
      }
      staged = f.rows;
    } else {
      // Line by line over the bytes (one row a line: COPY text escapes newlines), dropping the
      // superseded rows.
      let row = 0;
      let carry: Buffer = Buffer.alloc(0);
      for await (const chunk of createReadStream(f.path, { highWaterMark: 1024 * 1024 })) {
        const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
        const kept: Buffer[] = [];
        let from = 0;
        for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, from)) {
          if (keepRow(f, row++)) {
            kept.push(buf.subarray(from, nl + 1));
            staged++;
          }
          from = nl + 1;
        }
        carry = buf.subarray(from);
        if (kept.length) await write(writable, Buffer.concat(kept), () => failure);
      }
    }
    const finished = once(writable, "finish");
    writable.end();
    await finished;
    if (failure) throw failure;
    return staged;
  } catch (err) {
    // Ends the COPY with CopyFail, so the connection is usable for the ROLLBACK that follows.
    if (!writable.destroyed) {
      const closed = once(writable, "close").catch(() => {});
      writable.destroy(err instanceof Error ? err : new Error("upload aborted"));
      await Promise.race([closed, Bun.sleep(1000)]);
    }
    throw err;
  }
}

async function insertIn(db: Database, batchId: number, f: SpooledFile): Promise<number> {
  let rows: { batchId: number; file: number; line: number; data: StagedData }[] = [];
  let staged = 0;
  let i = 0;
  for await (const text of spoolLines(f.path)) {
    if (!keepRow(f, i++)) continue;
    const { line, data } = parseCopyLine(text);
    rows.push({ batchId, file: IMPORT_FILE_CODES[f.file], line, data });
    staged++;
    if (rows.length >= PGLITE_BATCH_ROWS) {
      await db.insert(importStagedRows).values(rows);
      rows = [];
    }
  }
  if (rows.length) await db.insert(importStagedRows).values(rows);
  return staged;
}

/**
 * Runs the commit of an upload in one transaction: the batch row, its staged rows and the duplicate
 * check commit together or not at all (a rejected upload leaves nothing behind).
 */
export async function withStagingTransaction<T>(
  handle: DbHandle,
  batchId: number,
  fn: (tx: StagingTransaction) => Promise<T>,
): Promise<T> {
  const raw = handle.sql;
  if (raw) {
    return (await raw.begin(async (txSql) => {
      // Drizzle over the transaction's connection, so repo code runs unchanged inside the COPY's
      // transaction. No supported way exists: Drizzle's postgres-js driver wraps a client by reading
      // (and adjusting) `client.options`, which a postgres.js transaction handle lacks, and Drizzle's
      // own transactions do not expose their postgres.js connection for COPY FROM STDIN. So the
      // handle borrows its pool's options object: the same one the pool's queries use, which Drizzle
      // already adjusted when it wrapped the pool (test/imports covers COPY in a transaction).
      const client = Object.assign(txSql, { options: raw.options }) as unknown as postgres.Sql;
      const db = drizzlePostgres({ client, schema }) as unknown as Database;
      return fn({
        db,
        async load(f) {
          const writable =
            await txSql`copy import_staged_rows (batch_id, file, line, data) from stdin`.writable();
          return copyIn(writable, f);
        },
      });
    })) as T;
  }
  return handle.db.transaction(async (tx) =>
    fn({
      db: tx,
      load: (f) => insertIn(tx, batchId, f),
    }),
  );
}
