import { describe, expect, test } from "bun:test";
import { renderColumnTable } from "../../scripts/lib/imports-doc";
import { CodeMap, recordDate } from "../../src/modules/imports/imports.cells";
import {
  ACTIVITIES,
  CASES,
  type ColumnSpec,
  type FileSpec,
  positionsOf,
} from "../../src/modules/imports/imports.columns";
import {
  COLUMNS,
  checkHeader,
  checkHeaderOf,
  requiredColumns,
} from "../../src/modules/imports/imports.format";
import { rowHash, validateCase, validateRow } from "../../src/modules/imports/imports.validate";

// The column spec (imports.columns.ts) is the one place a column is described: the header check, row
// validation, the hash and the docs follow it. A column added to the spec must show up in all of them
// with nothing else to change.

const lookups = {
  courts: new CodeMap([{ id: 1, code: "D1" }]),
  judges: new CodeMap([{ id: 7, code: "J1" }]),
  scope: null,
};

/** cases.csv with one more optional column at the end, as a new column would be added. */
const heardOn: ColumnSpec = {
  name: "heard_on",
  required: false,
  parser: recordDate,
  field: "heardOn",
  db: "heard_on",
  doc: "date of the first hearing",
};
const EXTENDED: FileSpec = { ...CASES, columns: [...CASES.columns, heardOn] };
const GOOD = ["D1", "CV-1", "felony", "2025-01-02", "active", null, "J1", null, null];

describe("the import column spec", () => {
  test("names each file's columns and required columns for the header check", () => {
    expect(COLUMNS.cases).toEqual(CASES.columns.map((c) => c.name));
    expect(requiredColumns(CASES)).toEqual(["court_code", "case_number", "case_type", "filed_on", "status"]);
    expect(requiredColumns(ACTIVITIES)).toEqual([
      "source_id",
      "court_code",
      "case_number",
      "type",
      "occurred_on",
    ]);
    expect(checkHeader("activities", ["Notes", "source_id", "court_code", "case_number", "type"])).toEqual({
      ok: false,
      problems: ["missing required column occurred_on"],
    });
  });

  test("gives named positions in staged rows", () => {
    const at = positionsOf(ACTIVITIES);
    expect([at.source_id, at.court_code, at.notes]).toEqual([0, 1, 7]);
  });

  test("a new optional column: header checks place it, absent or not", () => {
    const header = COLUMNS.cases;
    const without = checkHeaderOf(EXTENDED, [...header]);
    expect(without).toEqual({ ok: true, positions: [...header.map((_, i) => i), -1] });
    const withIt = checkHeaderOf(EXTENDED, ["Heard_On", ...header]);
    expect(withIt).toEqual({ ok: true, positions: [...header.map((_, i) => i + 1), 0] });
    expect(checkHeaderOf(EXTENDED, [...header, "heard_on", "heard_on"])).toEqual({
      ok: false,
      problems: ["column heard_on appears more than once"],
    });
  });

  test("a new required column is required by the header check", () => {
    const required: FileSpec = { ...CASES, columns: [...CASES.columns, { ...heardOn, required: true }] };
    expect(checkHeaderOf(required, [...COLUMNS.cases])).toEqual({
      ok: false,
      problems: ["missing required column heard_on"],
    });
  });

  test("a new column is validated with its parser and lands in the validated row", () => {
    expect(validateRow(EXTENDED, [...GOOD, "2025-02-03"], lookups)).toEqual({
      ok: true,
      value: { ...(validateCase(GOOD, lookups) as { value: object }).value, heardOn: "2025-02-03" },
    });
    // A row staged before the column existed lacks it: no value.
    expect(validateRow(EXTENDED, GOOD, lookups)).toMatchObject({ ok: true, value: { heardOn: null } });
    expect(validateRow(EXTENDED, [...GOOD, "2025-02-30"], lookups)).toEqual({
      ok: false,
      errors: [{ field: "heard_on", message: '"2025-02-30" is not a date YYYY-MM-DD' }],
    });
  });

  test("a new column is part of the row hash, and the existing columns' hash is unchanged", () => {
    const v = (validateCase(GOOD, lookups) as { ok: true; value: Record<string, unknown> }).value;
    expect(rowHash(EXTENDED, { ...v, heardOn: "2025-02-03" })).not.toBe(
      rowHash(EXTENDED, { ...v, heardOn: null }),
    );
    // The key columns are not hashed: the key finds the row.
    expect(rowHash(CASES, { ...v, courtId: 2, caseNumber: "CV-2" })).toBe(rowHash(CASES, v));
  });

  test("a new column appears in the documentation table", () => {
    const table = renderColumnTable(EXTENDED);
    expect(table).toContain("| `heard_on` | no | date of the first hearing | `cases.heard_on` |");
    expect(table.split("\n")).toHaveLength(2 + CASES.columns.length + 1);
  });

  test("row errors come in spec order, then the checks across columns", () => {
    const v = validateCase(
      ["X", null, "Felony", "2025-01-02", "active", null, "J9", "2024-01-01", null],
      lookups,
    );
    expect(v.ok ? [] : v.errors.map((e) => e.field)).toEqual([
      "court_code",
      "case_number",
      "case_type",
      "judge_code",
      "disposed_on",
    ]);
  });
});
