// `bun run bench` reads the import benchmark's printed lines; this keeps the reader and the writer in
// step (a reworded line once crashed a full bench run at its last step).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseImportOutput } from "../../scripts/lib/bench-import-run";
import { floorLine } from "../../scripts/lib/import-bench-floor";

const SAMPLE = `first import (everything new): completed
  rows landed (batch completed) after  27,244 ms   14,682 rows/s
  end to end (measures refreshed too)  52,195 ms   7,664 rows/s
peak RSS (VmHWM): worker 227 MB, api 250 MB`;

test("bench reads the lines bench-import prints", () => {
  const source = readFileSync(join(import.meta.dir, "../../scripts/bench-import.ts"), "utf8");
  for (const phrase of [
    "rows landed (batch completed) after",
    "end to end (measures refreshed too)",
    "peak RSS (VmHWM): worker",
    "floorLine(",
  ])
    expect([phrase, source.includes(phrase)]).toEqual([phrase, true]);
  expect(parseImportOutput(SAMPLE, 400_000)).toEqual({
    rows: 400_000,
    endToEndMs: 52_195,
    endToEndRowsPerSecond: 7_664,
    landedRowsPerSecond: 14_682,
    workerPeakRssMb: 227,
    floorRowsPerSecond: null,
    landedVsFloor: null,
    status: "completed",
  });
});

test("bench reads the INSERT…SELECT floor line as bench-import writes it", () => {
  const { line } = floorLine({ landedRowsPerSecond: 14_682, floorRowsPerSecond: 21_000.4, sameRows: true });
  const parsed = parseImportOutput(`${SAMPLE}\n${line}`, 400_000);
  expect([parsed.floorRowsPerSecond, parsed.landedVsFloor]).toEqual([21_000, 0.7]);
});
