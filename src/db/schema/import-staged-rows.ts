import { integer, json, pgTable, primaryKey, smallint } from "drizzle-orm/pg-core";

/** Staged rows' file: cases are applied before activities, so the number orders the work. */
export const IMPORT_FILE_CODES = { cases: 1, activities: 2 } as const;
export type ImportFile = keyof typeof IMPORT_FILE_CODES;
export const IMPORT_FILES = ["cases", "activities"] as const satisfies readonly ImportFile[];

/**
 * The uploaded rows, durable in PostgreSQL so that any worker on any machine can process a batch and
 * an API crash after the upload loses nothing. `data` holds the file's known columns in a fixed order
 * (the column spec, imports.columns.ts), or a string naming a structural problem of the row (wrong field count…).
 * `json`, not `jsonb`: nothing queries inside it, and json input is cheaper for a COPY of 100 MB.
 * Removed by the retention job once the batch is finished and old enough.
 */
export const importStagedRows = pgTable(
  "import_staged_rows",
  {
    // No foreign key on purpose: its per-row check tripled the cost of the upload's COPY. Rows are
    // only written in the transaction that creates their batch, and the retention job removes the
    // rows of finished batches (and any whose batch is gone).
    batchId: integer("batch_id").notNull(),
    file: smallint("file").notNull(),
    /** Physical line of the file where the row starts (the header is line 1). */
    line: integer("line").notNull(),
    data: json("data").$type<(string | null)[] | string>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.file, t.line] })],
);
