import { sql } from "drizzle-orm";
import type { ColumnSpec } from "./imports.columns";

// SQL fragments of the import statements. Array and JSON-rows parameters are in src/db/sql.ts.

/** The status event types, for the partial unique index on case_activities (case_id, type, occurred_on). */
export const STATUS_TYPES_SQL = sql.raw(
  "('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')",
);

/**
 * One column of a write statement: the JSON rows' property (json_to_recordset reads it as `type`)
 * and the table's column it is written to. Built from the column spec (imports.columns.ts) plus the
 * few values that do not come from a cell (a case's source_hash, an activity's case_id).
 */
export interface WriteColumn {
  field: string;
  type: string;
  db: string;
}

/** The write columns of spec columns that land in the table. */
export function writeColumns(columns: readonly ColumnSpec[]): WriteColumn[] {
  return columns.flatMap((c) =>
    c.db === null ? [] : [{ field: c.field, type: c.parser.sqlType, db: c.db }],
  );
}

// Every name below comes from the spec, a constant of the code, never from a file: sql.raw is safe,
// and the statements' text stays the same from call to call (prepared once).
const quoted = (field: string) => `"${field}"`;

/** `court_id, case_number, …`: the INSERT's column list. */
export const dbList = (cols: readonly WriteColumn[]) => sql.raw(cols.map((c) => c.db).join(", "));
/** `"courtId", "caseNumber", …`: the SELECT list over json_to_recordset's x. */
export const fieldList = (cols: readonly WriteColumn[], prefix = "") =>
  sql.raw(cols.map((c) => `${prefix}${quoted(c.field)}`).join(", "));
/** `"courtId" int, "caseNumber" text, …`: json_to_recordset's column definition. */
export const recordsetDef = (cols: readonly WriteColumn[]) =>
  sql.raw(cols.map((c) => `${quoted(c.field)} ${c.type}`).join(", "));
/** `case_type = excluded.case_type, …` or with another source: `type = x."type", …`. */
export const assignments = (cols: readonly WriteColumn[], from: "excluded" | "x") =>
  sql.raw(
    cols
      .map((c) => `${c.db} = ${from === "excluded" ? `excluded.${c.db}` : `x.${quoted(c.field)}`}`)
      .join(", "),
  );
/** `a.case_id, a.type, …`: the table's columns, for a row comparison. */
export const tableList = (cols: readonly WriteColumn[], alias: string) =>
  sql.raw(cols.map((c) => `${alias}.${c.db}`).join(", "));
