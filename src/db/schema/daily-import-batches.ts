import { sql } from "drizzle-orm";
import { date, index, integer, jsonb, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import { timestamps } from "./columns";
import { importStatus } from "./enums";
import { users } from "./users";

export interface FileCounts {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
}
export interface ImportCounts {
  cases: FileCounts;
  activities: FileCounts;
}
export interface ImportRowError {
  file: "cases" | "activities";
  line: number;
  field: string | null;
  message: string;
}

const emptyCounts = { total: 0, inserted: 0, updated: 0, unchanged: 0, failed: 0 };

export const dailyImportBatches = pgTable(
  "daily_import_batches",
  {
    id: serial("id").primaryKey(),
    source: text("source").notNull(),
    extractDate: date("extract_date", { mode: "string" }).notNull(),
    // sha-256 of the uploaded files: the same upload twice is recognised.
    checksum: text("checksum").notNull(),
    status: importStatus("status").notNull().default("queued"),
    counts: jsonb("counts")
      .$type<ImportCounts>()
      .notNull()
      .default({ cases: emptyCounts, activities: emptyCounts }),
    // Capped list of row errors; error_count keeps the true total.
    errors: jsonb("errors").$type<ImportRowError[]>().notNull().default(sql`'[]'::jsonb`),
    errorCount: integer("error_count").notNull().default(0),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index("daily_import_batches_checksum_idx").on(t.checksum),
    index("daily_import_batches_status_idx").on(t.status, t.createdAt),
  ],
);

export type DailyImportBatch = typeof dailyImportBatches.$inferSelect;
