import { sql } from "drizzle-orm";
import { check, date, index, integer, jsonb, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
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

/** What the upload saw of each file (absent when the file was not sent). */
export interface ImportFileInfo {
  filename: string | null;
  bytes: number;
  /** Data rows in the file. */
  rows: number;
  /** Rows a later line with the same key replaced (the last line wins); not staged. Absent = 0. */
  superseded?: number;
  sha256: string;
}
export type ImportFilesInfo = Partial<Record<"cases" | "activities", ImportFileInfo>>;

/**
 * Where processing stands: the rows of cases, then of activities (each up to checkpoint_line), then
 * `rollups` for the moment between the last chunk and the final status (the name is historical: the
 * measure rollups are refreshed after the batch is done, by the refresh job), then done. Advanced in
 * the transaction of each chunk.
 */
export const IMPORT_PHASES = ["cases", "activities", "rollups", "done"] as const;
export type ImportPhase = (typeof IMPORT_PHASES)[number];

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
    files: jsonb("files").$type<ImportFilesInfo>().notNull().default({}),
    /** Courts the uploader may write (a court_admin's subtree at upload time); null = every court. */
    scopeCourtIds: integer("scope_court_ids").array(),
    phase: text("phase").$type<ImportPhase>().notNull().default("cases"),
    /** Last staged line of the phase's file that a committed chunk covered. */
    checkpointLine: integer("checkpoint_line").notNull().default(0),
    totalRows: integer("total_rows").notNull().default(0),
    processedRows: integer("processed_rows").notNull().default(0),
    /** Courts whose data the batch changed: their measure caches are invalidated at the end. */
    touchedCourtIds: integer("touched_court_ids").array().notNull().default(sql`'{}'::integer[]`),
    failureReason: text("failure_reason"),
    /** Processing run; a retry starts a new one (and a new job id, since BullMQ keeps finished ids). */
    run: integer("run").notNull().default(1),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /**
     * When the measure rollups (and derived status events) of every case the run touched were
     * refreshed, by the follow-up refresh job (imports.refresh.ts); null until then, and again on a retry.
     */
    measuresRefreshedAt: timestamp("measures_refreshed_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index("daily_import_batches_checksum_idx").on(t.checksum),
    index("daily_import_batches_status_idx").on(t.status, t.createdAt),
    index("daily_import_batches_created_by_idx").on(t.createdBy, t.id),
    // The refresh job's to-do list of batches: finished, measures not yet refreshed (a handful).
    index("daily_import_batches_refresh_owed_idx")
      .on(t.id)
      .where(
        sql`${t.measuresRefreshedAt} IS NULL AND ${t.status} IN ('completed', 'completed_with_errors', 'failed')`,
      ),
    check("daily_import_batches_phase_ck", sql`${t.phase} IN ('cases', 'activities', 'rollups', 'done')`),
  ],
);

export type DailyImportBatch = typeof dailyImportBatches.$inferSelect;
