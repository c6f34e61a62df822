import { sqlStateOf } from "../../db/errors";
import type { Db } from "../../db/transaction";

// The safety net under row validation. Validation should leave PostgreSQL nothing to refuse, but if
// it still refuses a value (a rule added to the schema later, a trigger, a case validation missed),
// the chunk is done again with each write in a savepoint: a refused write is split in halves down to
// single rows, and each row PostgreSQL refuses becomes a row error with its line, instead of the
// whole batch failing after five retries with part of its rows applied. Savepoints cost a round trip
// each and a subtransaction, so a chunk only runs this way after it failed once (see processBatch).

/** A data exception (class 22) or an integrity violation (class 23): the row's values, not the server. */
export function isRowDataError(err: unknown): boolean {
  const code = sqlStateOf(err);
  return code !== null && (code.startsWith("22") || code.startsWith("23"));
}

const REFUSED_BECAUSE: Record<string, string> = {
  "22001": "a value is longer than the database column allows",
  "22P05": "a value contains a character the database cannot store",
  "22021": "a value contains a character the database cannot store",
  "22007": "a date is malformed or out of range",
  "22008": "a date is malformed or out of range",
  "22003": "a number is out of range",
  "23505": "it conflicts with another row holding the same key",
  "23503": "it refers to a court, judge or case that no longer exists",
  "23514": "a value breaks a rule of the data model",
};

/** Our words for a row PostgreSQL refused; never its message, which quotes the value. */
export function refusedRowMessage(err: unknown): string {
  const why = REFUSED_BECAUSE[sqlStateOf(err) ?? ""] ?? "a value was not accepted";
  return `the database refused this row: ${why}`;
}

/**
 * Writes `rows` with `write`, which must change nothing outside the transaction unless it returns
 * (count its results only after its last statement) and must run its statements on the handle it is
 * given. With `isolate`, each write runs in a savepoint (a nested Drizzle transaction: postgres.js
 * fails the whole transaction for an error of a query outside one), and a data error is contained:
 * the rows are split until each refused row is alone, and `onRefused` gets it. Without, the error
 * propagates as it is (the caller's transaction is then aborted).
 */
export async function writeRows<T>(
  tx: Db,
  rows: readonly T[],
  isolate: boolean,
  write: (db: Db, rows: readonly T[]) => Promise<void>,
  onRefused: (row: T, err: unknown) => void,
): Promise<void> {
  if (rows.length === 0) return;
  if (!isolate) return write(tx, rows);
  try {
    await tx.transaction((sp) => write(sp, rows));
  } catch (err) {
    if (!isRowDataError(err)) throw err;
    if (rows.length === 1) {
      onRefused(rows[0]!, err);
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await writeRows(tx, rows.slice(0, half), true, write, onRefused);
    await writeRows(tx, rows.slice(half), true, write, onRefused);
  }
}
