import type { ImportFile } from "../../db/schema/import-staged-rows";

// The daily import format of docs/imports.md: which columns each file has and which are
// required. Staged rows keep the known columns in exactly this order (unknown columns are dropped at
// upload), so the processor reads values by position whatever order the file had.

export const CASE_COLUMNS = [
  "court_code",
  "case_number",
  "case_type",
  "filed_on",
  "status",
  "status_on",
  "judge_code",
  "disposed_on",
  "disposition",
] as const;

export const ACTIVITY_COLUMNS = [
  "source_id",
  "court_code",
  "case_number",
  "type",
  "occurred_on",
  "outcome",
  "judge_code",
  "notes",
] as const;

export const COLUMNS: Record<ImportFile, readonly string[]> = {
  cases: CASE_COLUMNS,
  activities: ACTIVITY_COLUMNS,
};

export const REQUIRED: Record<ImportFile, readonly string[]> = {
  cases: ["court_code", "case_number", "case_type", "filed_on", "status"],
  activities: ["source_id", "court_code", "case_number", "type", "occurred_on"],
};

/** Index of each canonical column in the file's header (-1 = absent), or the header's problems. */
export type HeaderCheck = { ok: true; positions: number[] } | { ok: false; problems: string[] };

/** Header names are matched trimmed and case-insensitively: `Court_Code ` is `court_code`. */
export function checkHeader(file: ImportFile, header: string[]): HeaderCheck {
  const names = header.map((h) => h.trim().toLowerCase());
  const problems: string[] = [];
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (!COLUMNS[file].includes(name)) return;
    if (seen.has(name)) problems.push(`column ${name} appears more than once`);
    else seen.set(name, i);
  });
  const missing = REQUIRED[file].filter((c) => !seen.has(c));
  if (missing.length > 0) {
    problems.push(`missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, positions: COLUMNS[file].map((c) => seen.get(c) ?? -1) };
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
