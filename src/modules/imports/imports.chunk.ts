import type { Database } from "../../db/client";
import type { FileCounts } from "../../db/schema/daily-import-batches";
import type { ImportFile } from "../../db/schema/import-staged-rows";
import { type CaseRow, upsertCases } from "./imports.cases.repo";
import type { FieldError, Lookups } from "./imports.cells";
import { refusedRowMessage, writeRows } from "./imports.isolate";
import type { RowErrorRecord, StagedRow } from "./imports.progress.repo";
import { caseHash, validateCase } from "./imports.validate";

// One chunk of staged rows → validated, written set-based, counted. Runs inside the chunk's
// transaction; the caller commits the result together with the checkpoint. Cases here, activities
// in imports.activities.chunk.ts.

export interface ChunkResult {
  counts: FileCounts;
  errors: RowErrorRecord[];
  touchedCases: Set<number>;
  touchedCourts: Set<number>;
}

export function emptyResult(): ChunkResult {
  return {
    counts: { total: 0, inserted: 0, updated: 0, unchanged: 0, failed: 0 },
    errors: [],
    touchedCases: new Set(),
    touchedCourts: new Set(),
  };
}

export function fail(result: ChunkResult, file: ImportFile, line: number, errors: FieldError[]): void {
  result.counts.failed++;
  errors.forEach((e, seq) => {
    result.errors.push({ file, line, seq, field: e.field, message: e.message });
  });
}

/** Adds what `from` did to `into` (not the totals: each chunk counts its rows once). */
export function mergeResult(into: ChunkResult, from: ChunkResult): void {
  into.counts.inserted += from.counts.inserted;
  into.counts.updated += from.counts.updated;
  into.counts.unchanged += from.counts.unchanged;
  into.counts.failed += from.counts.failed;
  into.errors.push(...from.errors);
  for (const id of from.touchedCases) into.touchedCases.add(id);
  for (const id of from.touchedCourts) into.touchedCourts.add(id);
}

/**
 * Splits rows so that no group holds a key twice: the first occurrence of each key goes to round 0,
 * the second to round 1, and so on. Applying the rounds in order gives what applying the rows one by
 * one would (a later line wins), wherever the chunk boundaries fall.
 */
export function rounds<T>(rows: readonly T[], keyOf: (row: T) => string): T[][] {
  const seen = new Map<string, number>();
  const out: T[][] = [];
  for (const row of rows) {
    const key = keyOf(row);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const round = out[n] ?? [];
    round.push(row);
    out[n] = round;
  }
  return out;
}

/**
 * A chunk of cases.csv rows. With `isolate`, a row PostgreSQL refuses becomes a row error instead of
 * failing the chunk (see imports.isolate.ts).
 */
export async function processCaseChunk(
  tx: Database,
  staged: readonly StagedRow[],
  lookups: Lookups,
  isolate = false,
): Promise<ChunkResult> {
  const result = emptyResult();
  const valid: (CaseRow & { line: number })[] = [];
  for (const { line, data } of staged) {
    result.counts.total++;
    if (typeof data === "string") {
      fail(result, "cases", line, [{ field: null, message: data }]);
      continue;
    }
    const v = validateCase(data, lookups);
    if (!v.ok) fail(result, "cases", line, v.errors);
    else valid.push({ ...v.value, sourceHash: caseHash(v.value), line });
  }
  const key = (r: { courtId: number; caseNumber: string }) => `${r.courtId}\u0000${r.caseNumber}`;
  // Duplicate keys were resolved at upload (the last line wins); rounds remain for codes that differ
  // only in letter case, which name the same court.
  for (const round of rounds(valid, key)) {
    await writeRows(
      tx,
      round,
      isolate,
      async (db, rows) => {
        // json_to_recordset ignores the extra `line` key.
        const writes = await upsertCases(db, rows);
        // Their derived status events come at the end of the batch (imports.rollups.ts).
        for (const w of writes) {
          if (w.inserted) result.counts.inserted++;
          else result.counts.updated++;
          result.touchedCases.add(w.id);
          result.touchedCourts.add(w.courtId);
        }
        result.counts.unchanged += rows.length - writes.length;
      },
      (row, err) => fail(result, "cases", row.line, [{ field: null, message: refusedRowMessage(err) }]),
    );
  }
  // Row errors come out in line order, whatever order the rounds found them in.
  result.errors.sort((a, b) => a.line - b.line || a.seq - b.seq);
  return result;
}
