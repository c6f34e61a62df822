import { integer, pgTable, primaryKey, smallint, text } from "drizzle-orm/pg-core";
import { dailyImportBatches } from "./daily-import-batches";

/**
 * Every row error of a batch (the batch itself keeps only the first ones, for its summary). A row can
 * have several problems; `seq` numbers them within the row. Written in the same transaction as the
 * chunk that found them, so a resumed batch never records an error twice.
 */
export const importRowErrors = pgTable(
  "import_row_errors",
  {
    batchId: integer("batch_id")
      .notNull()
      .references(() => dailyImportBatches.id, { onDelete: "cascade" }),
    file: smallint("file").notNull(),
    line: integer("line").notNull(),
    seq: smallint("seq").notNull(),
    field: text("field"),
    message: text("message").notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.file, t.line, t.seq] })],
);
