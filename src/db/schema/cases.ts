import { sql } from "drizzle-orm";
import { check, date, index, integer, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps } from "./columns";
import { courts } from "./courts";
import { caseStatus, caseType, disposition } from "./enums";
import { judges } from "./judges";

export const cases = pgTable(
  "cases",
  {
    id: serial("id").primaryKey(),
    courtId: integer("court_id")
      .notNull()
      .references(() => courts.id, { onDelete: "restrict" }),
    caseNumber: text("case_number").notNull(),
    caseType: caseType("case_type").notNull(),
    filedOn: date("filed_on", { mode: "string" }).notNull(),
    status: caseStatus("status").notNull(),
    statusOn: date("status_on", { mode: "string" }),
    judgeId: integer("judge_id").references(() => judges.id, { onDelete: "set null" }),
    disposedOn: date("disposed_on", { mode: "string" }),
    disposition: disposition("disposition"),
    // Hash of the imported row: an unchanged re-import is detected without comparing every column.
    sourceHash: text("source_hash"),
    ...timestamps,
    // Optimistic locking: writers compare and increment.
    version: integer("version").notNull().default(1),
  },
  (t) => [
    uniqueIndex("cases_court_number_uq").on(t.courtId, t.caseNumber),
    index("cases_court_filed_idx").on(t.courtId, t.filedOn),
    // The dashboard's filtered case list (court subtree + status + case type) reads only the matching
    // rows: on 1 000 000 cases 230 heap rows instead of the subtree's 2 893 active ones, 15 → 1 ms a
    // page. Its (court, status) prefix serves the per-status counts of a court (index-only) as the
    // narrower index it replaced did, at the same size (B-tree deduplication).
    index("cases_court_status_type_idx").on(t.courtId, t.status, t.caseType),
    index("cases_judge_idx").on(t.judgeId),
    index("cases_disposed_idx").on(t.disposedOn),
    // The case list's keyset orders: by filing date over every court (the dashboard's default sort)
    // and by case number, whose lower-cased, byte-wise form also serves the prefix search (LIKE 'x%').
    index("cases_filed_id_idx").on(t.filedOn, t.id),
    index("cases_number_key_idx").on(sql`(lower(${t.caseNumber}) collate "C")`, t.id),
    check("cases_disposed_after_filed_ck", sql`${t.disposedOn} IS NULL OR ${t.disposedOn} >= ${t.filedOn}`),
  ],
);

export type Case = typeof cases.$inferSelect;
export type NewCase = typeof cases.$inferInsert;
