import type { PgTransactionConfig } from "drizzle-orm/pg-core";
import { backoffDelay, type Database } from "./client";
import { isRetryableTransactionError, sqlStateOf } from "./errors";

export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * What a repo function takes: the database or a transaction, so a service can run it either way. A
 * Drizzle transaction is a `Database` to the type checker as well, so no cast is ever needed.
 */
export type Db = Database | Transaction;

export interface TransactionOptions {
  config?: PgTransactionConfig;
  /** Attempts after the first. */
  retries?: number;
  baseDelayMs?: number;
  onRetry?: (info: { attempt: number; sqlState: string | null }) => void;
}

/**
 * Runs fn in a transaction: rolls back on any error, and retries the whole transaction on
 * serialization failure, deadlock and lost connections (the work must be safe to repeat).
 */
export async function withTransaction<T>(
  db: Database,
  fn: (tx: Transaction) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const retries = opts.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(fn, opts.config);
    } catch (err) {
      if (attempt >= retries || !isRetryableTransactionError(err)) throw err;
      opts.onRetry?.({ attempt: attempt + 1, sqlState: sqlStateOf(err) });
      await Bun.sleep(backoffDelay(attempt, opts.baseDelayMs ?? 20, 1000));
    }
  }
}
