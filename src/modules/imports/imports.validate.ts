import { type FieldError, type Lookups, RowCheck } from "./imports.cells";
import {
  ACTIVITIES,
  type ActivityInput,
  CASES,
  type CaseInput,
  type ColumnSpec,
  type FileSpec,
  type RowOf,
  valueColumns,
} from "./imports.columns";

// Row validation of the daily import format (docs/imports.md), driven by the column spec
// (imports.columns.ts): each column's text check, required check and parser in spec order, then the
// file's checks across columns. Every problem of a row is reported, each with its field, so one pass
// over the errors fixes the file. Whether an activity's case exists is checked later against the
// database (cases land first).

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** A staged row (the spec's column order; a shorter row lacks the columns added since) → its values. */
export function validateRow<C extends readonly ColumnSpec[]>(
  spec: FileSpec<C>,
  row: readonly (string | null)[],
  lookups: Lookups,
): Validated<RowOf<C>> {
  const check = new RowCheck(lookups);
  const columns: readonly ColumnSpec[] = spec.columns;
  const value: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const cell = c.required
      ? check.required(c.name, row[i], c.parser.text)
      : check.cell(c.name, row[i], c.parser.text);
    value[c.field] = c.parser.parse(check, c.name, cell);
  }
  // The checks across columns see what parsed (null where a cell was refused, so not yet the
  // non-null values RowOf promises), and their errors come alongside the cells'.
  spec.checkRow?.(value as RowOf<C>, check);
  if (check.errors.length > 0) return { ok: false, errors: check.errors };
  return { ok: true, value: value as RowOf<C> };
}

/** A staged cases.csv row. */
export function validateCase(row: readonly (string | null)[], lookups: Lookups): Validated<CaseInput> {
  return validateRow(CASES, row, lookups);
}

/** A staged activities.csv row. */
export function validateActivity(
  row: readonly (string | null)[],
  lookups: Lookups,
): Validated<ActivityInput> {
  return validateRow(ACTIVITIES, row, lookups);
}

/**
 * What decides whether a stored row changed (cases.source_hash): the md5, base64, of the values of
 * the columns outside the natural key, in spec order, joined by `|` (absent = ""). Stored hashes
 * must keep matching (test/imports/case-hash.test.ts), so this formula never changes; a column added
 * to the spec changes every row's hash once, which rewrites each case once on its next import.
 */
export function rowHash(spec: FileSpec, value: Readonly<Record<string, unknown>>): string {
  const text = hashedFields(spec)
    .map((f) => {
      const v = value[f];
      return v === null || v === undefined ? "" : String(v);
    })
    .join("|");
  return new Bun.CryptoHasher("md5").update(text).digest("base64");
}

const hashed = new WeakMap<FileSpec, string[]>();
function hashedFields(spec: FileSpec): string[] {
  let fields = hashed.get(spec);
  if (!fields) {
    fields = valueColumns(spec).map((c) => c.field);
    hashed.set(spec, fields);
  }
  return fields;
}

/** A validated case's source_hash. */
export function caseHash(c: CaseInput): string {
  return rowHash(CASES, c);
}
