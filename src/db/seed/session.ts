import type { DbHandle } from "../client";
import { copyWriter, insertWriter, type RowWriter } from "./writer";

/** What a seed step needs inside its transaction: raw SQL and a bulk row writer. */
export interface SeedSession {
  kind: DbHandle["kind"];
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  writer: RowWriter;
}

/**
 * Runs `fn` in one transaction over the handle's raw client (postgres.js or PGlite), so a seed that
 * fails half-way leaves the database as it was, and --force's truncate is undone with it.
 */
export async function withSeedTransaction<T>(
  handle: DbHandle,
  fn: (session: SeedSession) => Promise<T>,
): Promise<T> {
  if (handle.sql) {
    return (await handle.sql.begin(async (tx) => {
      // A seed's statements are long by nature; the pool's per-query timeout is for API requests.
      await tx.unsafe("set local statement_timeout = 0");
      return fn({
        kind: "postgres",
        query: async <R>(text: string) => (await tx.unsafe(text)) as unknown as R[],
        writer: copyWriter(tx),
      });
    })) as T;
  }
  if (handle.pglite) {
    return handle.pglite.transaction(async (tx) =>
      fn({
        kind: "pglite",
        query: async <R>(text: string) => (await tx.query<R>(text)).rows,
        writer: insertWriter((q) => tx.exec(q)),
      }),
    );
  }
  throw new Error("the database handle has neither a postgres.js nor a PGlite client");
}
