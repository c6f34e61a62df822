import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type postgres from "postgres";
import type { Cell } from "./cases";

// Where generated rows go. On PostgreSQL (postgres.js) through COPY, the fastest path into a table
// that keeps its indexes and constraints; on PGlite, which postgres.js cannot reach, through batched
// multi-row INSERTs. Both run inside the caller's transaction.

export interface RowWriter {
  write(table: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): Promise<void>;
}

const COPY_ESCAPES = /[\\\t\n\r]/;

/** One value in COPY text format: \N is null; backslash, tab and newlines are escaped. */
function copyCell(v: Cell): string {
  if (v === null) return "\\N";
  if (typeof v === "number") return String(v);
  if (!COPY_ESCAPES.test(v)) return v;
  return v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

export function toCopyText(rows: readonly (readonly Cell[])[]): string {
  let out = "";
  for (const row of rows) {
    let line = copyCell(row[0] ?? null);
    for (let i = 1; i < row.length; i++) line += `\t${copyCell(row[i] ?? null)}`;
    out += `${line}\n`;
  }
  return out;
}

/** One value as an SQL literal (standard_conforming_strings is on in every supported server). */
export function sqlLiteral(v: Cell): string {
  if (v === null) return "NULL";
  if (typeof v === "number") return String(v);
  return `'${v.replace(/'/g, "''")}'`;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** COPY through a postgres.js connection (a transaction's `tx`). */
export function copyWriter(tx: postgres.Sql | postgres.TransactionSql): RowWriter {
  return {
    async write(table, columns, rows) {
      if (rows.length === 0) return;
      const stream = await tx
        .unsafe(`copy ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) from stdin`)
        .writable();
      // Feed the stream in ~1 MB pieces so the socket never buffers a whole chunk twice.
      const pieces = function* () {
        for (let i = 0; i < rows.length; i += 8000) yield toCopyText(rows.slice(i, i + 8000));
      };
      await pipeline(Readable.from(pieces()), stream);
    },
  };
}

/** Multi-row INSERTs through any `exec(sql)` (PGlite's exec inside its transaction). */
export function insertWriter(exec: (query: string) => Promise<unknown>, batchSize = 1000): RowWriter {
  return {
    async write(table, columns, rows) {
      const head = `insert into ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) values `;
      for (let i = 0; i < rows.length; i += batchSize) {
        const values = rows
          .slice(i, i + batchSize)
          .map((row) => `(${row.map(sqlLiteral).join(",")})`)
          .join(",");
        await exec(head + values);
      }
    },
  };
}
