import { integer, pgTable, primaryKey } from "drizzle-orm/pg-core";
import { dailyImportBatches } from "./daily-import-batches";

/**
 * Cases an import changed whose measure rollups are still to be refreshed. Filled by each chunk in its
 * own transaction and drained by the batch's rollup phase (each refresh deletes the ids it handled in
 * the same transaction), so the refresh is resumable and runs once per case however many rows of the
 * batch touched it. No foreign key to cases: a case deleted meanwhile must still be refreshed away.
 */
export const importTouchedCases = pgTable(
  "import_touched_cases",
  {
    batchId: integer("batch_id")
      .notNull()
      .references(() => dailyImportBatches.id, { onDelete: "cascade" }),
    caseId: integer("case_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.caseId] })],
);
