// Import benchmark: `bun scripts/bench-import.ts [--cases 100000] [--activities-per-case 3]`.
//
// Generates deterministic cases.csv / activities.csv, starts a real API process and a real worker
// process on a dedicated database and Redis db (both emptied first), uploads through HTTP and waits
// for the batch to finish, then for its measures (the refresh job that follows it). Reports rows/s to
// the batch's completion (rows landed) and end to end (measures refreshed too), the refresh time /
// landing time ratio, the time of each phase, the processes' peak RSS (VmHWM), and raw COPY and
// multi-row upsert baselines of this machine measured in the same run; then imports the same files
// again (everything unchanged). Targets (issue 9): ≥ 40 000 rows/s, worker peak RSS < 300 MB.
// Then the floor of issue 17: the first batch's staged rows inserted by plain INSERT … SELECT into
// empty copies of the tables (scripts/lib/import-bench-floor.ts); rows landed must reach 0.6× it.
//
// --concurrency-case (issue 17) instead compares ten courts' batches at once with one batch of the
// same rows, on two worker processes (scripts/lib/import-bench-concurrency.ts): ≤ 1.3× its time,
// measures lagging the last batch by ≤ 30 s. --json <file> also writes the figures as JSON.
//
//   BENCH_DATABASE_URL  default postgres://root@127.0.0.1:5432/courtflow_bench_imports (dropped and recreated)
//   BENCH_REDIS_URL     default redis://127.0.0.1:6379/9 (flushed; db 0 is refused)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { CliError, EXIT_USAGE, parseCli, runCli, say } from "./lib/cli";
import { measureBaselines } from "./lib/import-bench-baselines";
import { runConcurrencyCase } from "./lib/import-bench-concurrency";
import { concurrencyLines } from "./lib/import-bench-concurrency-figures";
import { writeBenchFiles } from "./lib/import-bench-data";
import { dropFloor, floorForeignKeys, floorLine, measureInsertSelectFloor } from "./lib/import-bench-floor";
import { dropStaged, restageFile } from "./lib/import-bench-restage";
import {
  type BenchFiles,
  peakRssMb,
  recreateDatabase,
  seedReference,
  startImportStack,
  upload,
} from "./lib/import-bench-stack";

const USAGE =
  "usage: bun scripts/bench-import.ts [--cases <n>] [--activities-per-case <n>] [--seed <n>] [--concurrency-case] [--json <file>]";
const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_bench_imports";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/9";
const n = (v: number) => Math.round(v).toLocaleString("en-US");

interface RunResult {
  id: number;
  uploadMs: number;
  /** Upload start → the batch completed (its rows are in). */
  landedMs: number;
  /** Upload start → measuresRefreshedAt set (the refresh job took its cases in). */
  totalMs: number;
  phases: Record<string, number>;
  batch: { status: string; counts: Record<string, Record<string, number>> };
}

async function importOnce(
  base: string,
  token: string,
  files: BenchFiles,
  force: boolean,
): Promise<RunResult> {
  const t0 = performance.now();
  const id = await upload(base, token, files, force);
  const uploadMs = performance.now() - t0;
  const phases: Record<string, number> = {};
  for (;;) {
    const res = await fetch(`${base}/api/imports/${id}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new CliError(`GET /api/imports/${id}: ${res.status} ${await res.text()}`);
    const batch = (await res.json()) as RunResult["batch"] & {
      progress: { phase: string };
      measuresRefreshedAt: string | null;
    };
    phases[batch.progress.phase] ??= performance.now() - t0;
    if (["completed", "completed_with_errors", "failed"].includes(batch.status)) {
      phases.landed ??= performance.now() - t0;
      if (batch.measuresRefreshedAt) {
        return { id, uploadMs, landedMs: phases.landed, totalMs: performance.now() - t0, phases, batch };
      }
    }
    await Bun.sleep(50);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(
    argv,
    {
      cases: { type: "string" },
      "activities-per-case": { type: "string" },
      seed: { type: "string" },
      "concurrency-case": { type: "boolean" },
      json: { type: "string" },
    },
    USAGE,
  );
  const cases = Number(values.cases ?? 100_000);
  const perCase = Number(values["activities-per-case"] ?? 3);
  const seed = Number(values.seed ?? 1);
  if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(perCase) || perCase < 2)
    throw new CliError(USAGE, EXIT_USAGE);
  const redisDb = Number(new URL(REDIS_URL).pathname.slice(1) || 0);
  if (redisDb === 0)
    throw new CliError("BENCH_REDIS_URL must name a dedicated Redis db (not 0): it is flushed");
  say(
    `database ${new URL(DB_URL).host}${new URL(DB_URL).pathname} (recreated), redis db ${redisDb} (flushed)`,
  );
  const dir = mkdtempSync(join(tmpdir(), "courtflow-bench-"));
  try {
    const result = values["concurrency-case"]
      ? await concurrencyCase(dir, cases, perCase, seed)
      : await throughputCase(dir, cases, perCase, seed);
    if (values.json) {
      writeFileSync(values.json, `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
      say(`figures written to ${values.json}`);
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function concurrencyCase(dir: string, cases: number, perCase: number, seed: number) {
  const f = await runConcurrencyCase({
    databaseUrl: DB_URL,
    redisUrl: REDIS_URL,
    dir,
    cases,
    activitiesPerCase: perCase,
    seed,
  });
  say("");
  for (const line of concurrencyLines(f, f.rowsPerBatch)) say(line);
  return { case: "concurrency", activitiesPerCase: perCase, ...f };
}

async function throughputCase(dir: string, cases: number, perCase: number, seed: number) {
  await recreateDatabase(DB_URL);
  const sql = postgres(DB_URL, { max: 2, onnotice: () => {} });
  const files = await writeBenchFiles(dir, { cases, activitiesPerCase: perCase, seed });
  const rows = cases * (1 + perCase);
  say(
    `files: ${n(cases)} cases + ${n(cases * perCase)} activities = ${n(rows)} rows, ${(files.bytes / 1e6).toFixed(1)} MB`,
  );
  let stack: Awaited<ReturnType<typeof startImportStack>> | null = null;
  try {
    await seedReference(sql);
    stack = await startImportStack({ databaseUrl: DB_URL, redisUrl: REDIS_URL, workers: 1 });
    const { base } = stack;
    const accessToken = await stack.login();
    const first = await importOnce(base, accessToken, files, false);
    const rowsMs = first.landedMs;
    // Landing: upload start → completed; refresh: completed → measuresRefreshedAt (as seen by polling
    // every 50 ms, so small runs carry up to that much noise).
    const refreshMs = first.totalMs - first.landedMs;
    say("");
    say(`first import (everything new): ${first.batch.status}`);
    say(`  upload (spooled to disk, then COPY into staging) ${n(first.uploadMs)} ms`);
    say(`  rows landed (batch completed) after  ${n(rowsMs)} ms   ${n(rows / (rowsMs / 1000))} rows/s`);
    say(
      `  end to end (measures refreshed too)  ${n(first.totalMs)} ms   ${n(rows / (first.totalMs / 1000))} rows/s`,
    );
    say(
      `  refresh time / landing time          ${n(refreshMs)} ms / ${n(rowsMs)} ms = ${(refreshMs / rowsMs).toFixed(2)}`,
    );
    say(`  counts ${JSON.stringify(first.batch.counts)}`);

    const second = await importOnce(base, accessToken, files, true);
    say(`same files again (everything unchanged): ${second.batch.status}`);
    say(
      `  landed ${n(second.landedMs)} ms, end to end ${n(second.totalMs)} ms   ${n(rows / (second.totalMs / 1000))} rows/s`,
    );
    say(`  counts ${JSON.stringify(second.batch.counts)}`);

    say("");
    const workerRssMb = peakRssMb(stack.workers[0]!.pid);
    const apiRssMb = peakRssMb(stack.api.pid);
    say(`peak RSS (VmHWM): worker ${workerRssMb.toFixed(0)} MB, api ${apiRssMb.toFixed(0)} MB`);
    const baselines = await measureBaselines(sql, rows);
    say(
      `raw baselines, ${n(rows)} rows: COPY ${n(baselines.copyRowsPerSecond)} rows/s, multi-row upsert ${n(baselines.upsertRowsPerSecond)} rows/s`,
    );
    const endToEndRowsPerSecond = rows / (first.totalMs / 1000);
    say(
      `import end to end / raw upsert: ${(endToEndRowsPerSecond / baselines.upsertRowsPerSecond).toFixed(2)}`,
    );

    // The processes are idle now (both batches refreshed); the floor has the database to itself.
    // The batch's staged rows went when it completed: the same files are staged again under its id.
    await restageFile(sql, first.id, "cases", files.casesPath);
    await restageFile(sql, first.id, "activities", files.activitiesPath);
    // Fresh statistics for the staged rows' table (not timed: the upload is not part of the floor).
    await sql`analyze import_staged_rows`;
    const floor = await measureInsertSelectFloor(sql, first.id);
    const fks = await floorForeignKeys(sql);
    await dropFloor(sql);
    await dropStaged(sql, first.id);
    const inserted = (file: string) => first.batch.counts[file]?.inserted ?? -1;
    const sameRows = floor.cases === inserted("cases") && floor.activities === inserted("activities");
    say(
      `INSERT…SELECT floor (batch ${first.id}'s files staged again, empty copies of cases and case_activities with their indexes and foreign keys ${fks.join(", ")}):`,
    );
    say(
      `  ${n(floor.cases)} cases ${n(floor.casesMs)} ms + ${n(floor.activities)} activities ${n(floor.activitiesMs)} ms   ${n(floor.rowsPerSecond)} rows/s${sameRows ? "" : `   NOT the import's rows (${JSON.stringify(first.batch.counts)})`}`,
    );
    const landedRowsPerSecond = rows / (rowsMs / 1000);
    const verdict = floorLine({ landedRowsPerSecond, floorRowsPerSecond: floor.rowsPerSecond, sameRows });
    say(verdict.line);
    return {
      case: "throughput",
      cases,
      activitiesPerCase: perCase,
      rows,
      status: first.batch.status,
      uploadMs: first.uploadMs,
      landedMs: rowsMs,
      landedRowsPerSecond,
      endToEndMs: first.totalMs,
      endToEndRowsPerSecond,
      unchangedEndToEndMs: second.totalMs,
      workerPeakRssMb: workerRssMb,
      apiPeakRssMb: apiRssMb,
      baselines,
      floor: { ...floor, sameRows, ratio: verdict.ratio, pass: verdict.pass },
    };
  } finally {
    await stack?.stop();
    await sql.end();
  }
}

runCli(() => main(process.argv.slice(2)));
