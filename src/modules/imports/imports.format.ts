import type { ImportFile } from "../../db/schema/import-staged-rows";
import { ACTIVITIES, CASES, FILE_SPECS, type FileSpec } from "./imports.columns";

// Reading a file's header and staging its rows, from the column spec (imports.columns.ts). Staged
// rows keep the known columns in the spec's order (unknown columns are dropped at upload), so the
// processor finds each value at its column's position whatever order the file had.

const names = (spec: FileSpec) => spec.columns.map((c) => c.name);

/** The columns of each file, in spec (= staged) order. */
export const CASE_COLUMNS: readonly string[] = names(CASES);
export const ACTIVITY_COLUMNS: readonly string[] = names(ACTIVITIES);
export const COLUMNS: Record<ImportFile, readonly string[]> = {
  cases: CASE_COLUMNS,
  activities: ACTIVITY_COLUMNS,
};

/** The columns a file's header must name. */
export function requiredColumns(spec: FileSpec): string[] {
  return spec.columns.filter((c) => c.required).map((c) => c.name);
}

/** Index of each canonical column in the file's header (-1 = absent), or the header's problems. */
export type HeaderCheck = { ok: true; positions: number[] } | { ok: false; problems: string[] };

/** Header names are matched trimmed and case-insensitively: `Court_Code ` is `court_code`. */
export function checkHeader(file: ImportFile, header: string[]): HeaderCheck {
  return checkHeaderOf(FILE_SPECS[file], header);
}

/** The header check against a file's spec: its columns, and which of them are required. */
export function checkHeaderOf(spec: FileSpec, header: string[]): HeaderCheck {
  const known = names(spec);
  const given = header.map((h) => h.trim().toLowerCase());
  const problems: string[] = [];
  const seen = new Map<string, number>();
  given.forEach((name, i) => {
    if (!known.includes(name)) return;
    if (seen.has(name)) problems.push(`column ${name} appears more than once`);
    else seen.set(name, i);
  });
  const missing = requiredColumns(spec).filter((c) => !seen.has(c));
  if (missing.length > 0) {
    problems.push(`missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, positions: known.map((c) => seen.get(c) ?? -1) };
}

/**
 * A data row as staged: the canonical columns (trimmed; empty = null), or a string naming why the
 * row cannot be read. Extra trailing empty cells are tolerated (spreadsheets add them).
 */
export function stageRow(
  fields: string[],
  positions: number[],
  headerLength: number,
  malformed: string | undefined,
): (string | null)[] | string {
  if (malformed) return `the row cannot be read: ${malformed}`;
  if (fields.length !== headerLength) {
    const extraEmpty =
      fields.length > headerLength && fields.slice(headerLength).every((f) => f.trim() === "");
    if (!extraEmpty) return `the row has ${fields.length} fields but the header has ${headerLength}`;
  }
  return positions.map((p) => {
    if (p < 0) return null;
    const v = fields[p]?.trim() ?? "";
    return v === "" ? null : v;
  });
}
