import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./bench-processes";

// The import row of `bun run bench` reuses the imports benchmark (scripts/bench-import.ts: real API
// and worker processes, an HTTP upload, wait for the batch) rather than a second copy of it, and
// reads its summary lines.

export interface ImportRun {
  rows: number;
  /** Upload start → batch completed, measure rollups included. */
  endToEndRowsPerSecond: number;
  endToEndMs: number;
  /** Upload start → rows landed (before the rollups), when the script reports it. */
  landedRowsPerSecond: number | null;
  workerPeakRssMb: number | null;
  /** The INSERT … SELECT floor of the same rows (issue 17), and rows landed / floor, when reported. */
  floorRowsPerSecond: number | null;
  landedVsFloor: number | null;
  status: string;
  output: string;
}

export const IMPORT_BENCH = join(ROOT, "scripts/bench-import.ts");

export function importBenchAvailable(): boolean {
  return existsSync(IMPORT_BENCH);
}

const num = (s: string | undefined) => (s === undefined ? null : Number(s.replace(/,/g, "")));

export function parseImportOutput(out: string, rows: number): Omit<ImportRun, "output"> {
  // bench-import.ts prints "rows landed (batch completed) after …" and "end to end (measures refreshed
  // too) …" since rows and rollups are two phases; the older wording is still read.
  const endToEnd =
    /end to end \((?:measure rollups|measures refreshed) too\)\s+([\d,]+) ms\s+([\d,]+) rows\/s/.exec(out);
  const landed = /rows landed(?: \(batch completed\))? after\s+([\d,]+) ms\s+([\d,]+) rows\/s/.exec(out);
  const rss = /peak RSS \(VmHWM\): worker (\d+) MB/.exec(out);
  const floor = /rows landed: [\d,]+ rows\/s vs INSERT…SELECT floor ([\d,]+) rows\/s = ([\d.]+)/.exec(out);
  const status = /first import \(everything new\): (\w+)/.exec(out);
  if (!endToEnd) throw new Error(`unreadable scripts/bench-import.ts output:\n${out}`);
  return {
    rows,
    endToEndMs: num(endToEnd[1])!,
    endToEndRowsPerSecond: num(endToEnd[2])!,
    landedRowsPerSecond: num(landed?.[2]),
    workerPeakRssMb: num(rss?.[1]),
    floorRowsPerSecond: num(floor?.[1]),
    landedVsFloor: num(floor?.[2]),
    status: status?.[1] ?? "unknown",
  };
}

export async function runImportBench(opts: {
  cases: number;
  activitiesPerCase: number;
  databaseUrl: string;
  redisUrl: string;
}): Promise<ImportRun> {
  const proc = Bun.spawn(
    [
      "bun",
      "--no-env-file",
      IMPORT_BENCH,
      "--cases",
      String(opts.cases),
      "--activities-per-case",
      String(opts.activitiesPerCase),
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        BENCH_DATABASE_URL: opts.databaseUrl,
        BENCH_REDIS_URL: opts.redisUrl,
      },
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`scripts/bench-import.ts exited ${code}:\n${out}`);
  const rows = opts.cases * (1 + opts.activitiesPerCase);
  return { ...parseImportOutput(out, rows), output: out };
}
