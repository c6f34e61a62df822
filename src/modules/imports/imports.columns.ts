import {
  activityOutcome,
  activityType,
  COURT_EVENT_TYPES,
  caseStatus,
  caseType,
  disposition,
  STATUS_EVENT_TYPES,
} from "../../db/schema/enums";
import type { ImportFile } from "../../db/schema/import-staged-rows";
import {
  type CellParser,
  courtCode,
  freeText,
  identifier,
  judgeCode,
  MAX_KEY_CHARS,
  MAX_NOTES_CHARS,
  type RowCheck,
  recordDate,
  vocabulary,
} from "./imports.cells";

// The daily import format of docs/imports.md, one table per file: each column's CSV name, whether it
// is required, its parser (with its row errors, imports.cells.ts), the property of the validated row
// and the database column it lands in. Header checks and staging (imports.format.ts), row validation
// and the case hash (imports.validate.ts), the write statements' column lists (imports.sql.ts, the
// repos), the spool's duplicate key and docs/imports.md's column tables (`bun run docs:imports`) are
// all derived from it. Staged rows hold the columns in this order (import_staged_rows.data), so a new
// column goes at the end of its file: rows staged before it simply lack it (absent = no value).

export interface ColumnSpec<
  N extends string = string,
  F extends string = string,
  T = unknown,
  R extends boolean = boolean,
> {
  /** The header name in the CSV file. */
  name: N;
  /** Whether the header must name it and every row fill it. */
  required: R;
  parser: CellParser<T>;
  /** The property of the validated row (and of the JSON rows the write statements read). */
  field: F;
  /** The column of the file's table the value is written to; null = only used to find something. */
  db: string | null;
  /** How the value is used, for docs/imports.md: appended to the database column, or alone without one. */
  note?: string;
  /** docs/imports.md's description of the value. */
  doc: string;
}

function column<const N extends string, const F extends string, T, const R extends boolean>(
  c: ColumnSpec<N, F, T, R>,
): ColumnSpec<N, F, T, R> {
  return c;
}

export interface FileSpec<C extends readonly ColumnSpec[] = readonly ColumnSpec[]> {
  file: ImportFile;
  /** The table the rows land in. */
  table: string;
  columns: C;
  /** The natural key, by column name: the court and the file's own identifier. */
  key: readonly [C[number]["name"], C[number]["name"]];
  /** Checks across columns, after each column was parsed (row errors go to `check`). */
  checkRow?(row: RowOf<C>, check: RowCheck): void;
}

type ValueOf<C> =
  C extends ColumnSpec<string, string, infer T, infer R> ? (R extends true ? T : T | null) : never;

/** The validated row of a file: one property per column, null when an optional column is empty. */
export type RowOf<C extends readonly ColumnSpec[]> = { [K in C[number] as K["field"]]: ValueOf<K> };

const codes = (values: readonly string[]) => values.map((v) => `\`${v}\``);
const listed = (values: readonly string[]) => codes(values).join(", ");
const either = (values: readonly string[]) => {
  const c = codes(values);
  return `${c.slice(0, -1).join(", ")} or ${c.at(-1)}`;
};

const CASE_TYPE = vocabulary(caseType, "case type");
const CASE_STATUS = vocabulary(caseStatus, "status");
const DISPOSITION = vocabulary(disposition, "disposition");
const ACTIVITY_TYPE = vocabulary(activityType, "activity type");
const OUTCOME = vocabulary(activityOutcome, "outcome");

const CASE_COLUMN_SPECS = [
  column({
    name: "court_code",
    required: true,
    parser: courtCode,
    field: "courtId",
    db: "court_id",
    note: "the code's court",
    doc: "a court's code (`GET /api/courts`); for a court administrator, a court of their subtree",
  }),
  column({
    name: "case_number",
    required: true,
    parser: identifier,
    field: "caseNumber",
    db: "case_number",
    doc: `the court's case number, up to ${MAX_KEY_CHARS} characters`,
  }),
  column({
    name: "case_type",
    required: true,
    parser: CASE_TYPE,
    field: "caseType",
    db: "case_type",
    doc: listed(CASE_TYPE.values),
  }),
  column({
    name: "filed_on",
    required: true,
    parser: recordDate,
    field: "filedOn",
    db: "filed_on",
    doc: "date the case was filed: the import keeps a `filed` event on it",
  }),
  column({
    name: "status",
    required: true,
    parser: CASE_STATUS,
    field: "status",
    db: "status",
    doc: `${either(CASE_STATUS.values)}: the source system's status, stored and shown, not used by the measures`,
  }),
  column({
    name: "status_on",
    required: false,
    parser: recordDate,
    field: "statusOn",
    db: "status_on",
    doc: "date of that status",
  }),
  column({
    name: "judge_code",
    required: false,
    parser: judgeCode,
    field: "judgeId",
    db: "judge_id",
    note: "the code's judge",
    doc: "the assigned judge's code; empty = no judge",
  }),
  column({
    name: "disposed_on",
    required: false,
    parser: recordDate,
    field: "disposedOn",
    db: "disposed_on",
    doc: "date of disposal, not before `filed_on`: the import keeps a `disposed` event on it",
  }),
  column({
    name: "disposition",
    required: false,
    parser: DISPOSITION,
    field: "disposition",
    db: "disposition",
    doc: listed(DISPOSITION.values),
  }),
] as const;

export const CASES: FileSpec<typeof CASE_COLUMN_SPECS> = {
  file: "cases",
  table: "cases",
  columns: CASE_COLUMN_SPECS,
  key: ["court_code", "case_number"],
  checkRow(row, check) {
    if (row.filedOn && row.disposedOn && row.disposedOn < row.filedOn) {
      check.errors.push({
        field: "disposed_on",
        message: `disposed_on ${row.disposedOn} is before filed_on ${row.filedOn}`,
      });
    }
  },
};

const ACTIVITY_COLUMN_SPECS = [
  column({
    name: "source_id",
    required: true,
    parser: identifier,
    field: "sourceId",
    db: "source_id",
    doc: `the activity's id in the source system, unique within the court, up to ${MAX_KEY_CHARS} characters`,
  }),
  column({
    name: "court_code",
    required: true,
    parser: courtCode,
    field: "courtId",
    db: "court_id",
    note: "the code's court",
    doc: "the case's court",
  }),
  column({
    name: "case_number",
    required: true,
    parser: identifier,
    field: "caseNumber",
    db: null,
    note: "finds `case_activities.case_id` (the court's case of that number)",
    doc: "the case, in this upload's cases file or already in the database",
  }),
  column({
    name: "type",
    required: true,
    parser: ACTIVITY_TYPE,
    field: "type",
    db: "type",
    doc: `status events ${listed(STATUS_EVENT_TYPES)}; court events ${listed(COURT_EVENT_TYPES)}`,
  }),
  column({
    name: "occurred_on",
    required: true,
    parser: recordDate,
    field: "occurredOn",
    db: "occurred_on",
    doc: "the event's date; for a `trial_setting`, the date the trial was set for",
  }),
  column({
    name: "outcome",
    required: false,
    parser: OUTCOME,
    field: "outcome",
    db: "outcome",
    doc: `hearings and trial settings: ${listed(OUTCOME.values)}`,
  }),
  column({
    name: "judge_code",
    required: false,
    parser: judgeCode,
    field: "judgeId",
    db: "judge_id",
    note: "the code's judge",
    doc: "the judge of the event (the measures use the case's judge, not this one)",
  }),
  column({
    name: "notes",
    required: false,
    parser: freeText,
    field: "notes",
    db: "notes",
    doc: `free text, up to ${MAX_NOTES_CHARS.toLocaleString("en-US").replaceAll(",", " ")} characters`,
  }),
] as const;

export const ACTIVITIES: FileSpec<typeof ACTIVITY_COLUMN_SPECS> = {
  file: "activities",
  table: "case_activities",
  columns: ACTIVITY_COLUMN_SPECS,
  key: ["court_code", "source_id"],
};

export const FILE_SPECS: { readonly [F in ImportFile]: FileSpec } = {
  cases: CASES,
  activities: ACTIVITIES,
};

export type CaseInput = RowOf<typeof CASE_COLUMN_SPECS>;
export type ActivityInput = RowOf<typeof ACTIVITY_COLUMN_SPECS>;

/** Each column's position in a staged row (the spec's order), by name: named access to staged rows. */
export function positionsOf<C extends readonly ColumnSpec[]>(
  spec: FileSpec<C>,
): { readonly [K in C[number]["name"]]: number } {
  return Object.fromEntries(spec.columns.map((c, i) => [c.name, i])) as {
    [K in C[number]["name"]]: number;
  };
}

/** The columns outside the natural key, in spec order: what a row's values are besides its identity. */
export function valueColumns(spec: FileSpec): ColumnSpec[] {
  return spec.columns.filter((c) => !spec.key.includes(c.name));
}
