import { mkdirSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { CliError, say } from "./cli";
import {
  type BatchTimes,
  type ConcurrencyFigures,
  concurrencyFigures,
} from "./import-bench-concurrency-figures";
import { BENCH_COURTS, benchJudgesOf, writeBenchFiles } from "./import-bench-data";
import {
  type BenchFiles,
  courtAdminEmail,
  recreateDatabase,
  seedReference,
  startImportStack,
  upload,
} from "./import-bench-stack";

// The concurrency case of bench:import (issue 17): ten courts' batches at once against one batch of
// the same total size, each on a fresh database with the same API and two worker processes. The
// clock runs from the upload start to the moment every batch has its measuresRefreshedAt, as the
// database says (polled every 100 ms: polling the API for ten batches would load the API process
// that shares the machine's cores with the workers).

export const CONCURRENT_BATCHES = 10;
const WORKERS = 2;
const POLL_MS = 100;

/** Polls until every batch is finished and refreshed; returns their server-side times. */
async function waitForBatches(sql: postgres.Sql, ids: readonly number[]): Promise<BatchTimes[]> {
  for (;;) {
    const rows = await sql<
      { id: number; status: string; finished: number | null; refreshed: number | null }[]
    >`select id, status, extract(epoch from finished_at) * 1000 as finished,
        extract(epoch from measures_refreshed_at) * 1000 as refreshed
      from daily_import_batches where id = any(${sql.array(ids as number[])}::int[])`;
    const done = rows.filter((r) => r.finished !== null && r.refreshed !== null);
    if (done.length === ids.length) {
      return done.map((r) => ({
        id: r.id,
        status: r.status,
        finishedAtMs: Number(r.finished),
        measuresRefreshedAtMs: Number(r.refreshed),
      }));
    }
    await Bun.sleep(POLL_MS);
  }
}

/** One side of the comparison: a fresh database and stack, the uploads started together. */
async function timedRun(
  opts: { databaseUrl: string; redisUrl: string },
  uploads: { email?: string; files: BenchFiles }[],
  courtAdmins: readonly string[],
): Promise<{ ms: number; batches: BatchTimes[]; dataAsOfMs: number }> {
  await recreateDatabase(opts.databaseUrl);
  const sql = postgres(opts.databaseUrl, { max: 2, onnotice: () => {} });
  try {
    await seedReference(sql, courtAdmins);
    const stack = await startImportStack({ ...opts, workers: WORKERS });
    try {
      const tokens = await Promise.all(uploads.map((u) => stack.login(u.email)));
      const t0 = performance.now();
      const ids = await Promise.all(uploads.map((u, i) => upload(stack.base, tokens[i]!, u.files)));
      const batches = await waitForBatches(sql, ids);
      const ms = performance.now() - t0;
      const [fresh] =
        await sql`select extract(epoch from data_as_of) * 1000 as t from measure_freshness where id = 1`;
      return { ms, batches, dataAsOfMs: Number(fresh?.t ?? Number.NaN) };
    } finally {
      await stack.stop();
    }
  } finally {
    await sql.end();
  }
}

/** The one big batch: the ten courts' files one after the other, so both sides import the same rows. */
async function concatenate(dir: string, parts: readonly BenchFiles[]): Promise<BenchFiles> {
  mkdirSync(dir);
  const out = { casesPath: join(dir, "cases.csv"), activitiesPath: join(dir, "activities.csv") };
  for (const key of ["casesPath", "activitiesPath"] as const) {
    const w = Bun.file(out[key]).writer({ highWaterMark: 1 << 20 });
    for (const [i, part] of parts.entries()) {
      const text = await Bun.file(part[key]).text();
      // Every part starts with the same header line; only the first keeps it.
      w.write(i === 0 ? text : text.slice(text.indexOf("\n") + 1));
    }
    await w.end();
  }
  return out;
}

/**
 * `cases` is the one big batch's size; each of the ten courts sends a tenth of it. Files are written
 * before either clock starts.
 */
export async function runConcurrencyCase(opts: {
  databaseUrl: string;
  redisUrl: string;
  dir: string;
  cases: number;
  activitiesPerCase: number;
  seed: number;
}): Promise<ConcurrencyFigures & { rowsPerBatch: number }> {
  const courts = BENCH_COURTS.slice(0, CONCURRENT_BATCHES);
  const perBatch = Math.floor(opts.cases / CONCURRENT_BATCHES);
  if (perBatch < 1)
    throw new CliError(`--cases must be at least ${CONCURRENT_BATCHES} for --concurrency-case`);
  const rowsPerBatch = perBatch * (1 + opts.activitiesPerCase);
  const perCourt: BenchFiles[] = [];
  for (const [i, court] of courts.entries()) {
    const dir = join(opts.dir, court);
    mkdirSync(dir);
    perCourt.push(
      await writeBenchFiles(dir, {
        activitiesPerCase: opts.activitiesPerCase,
        cases: perBatch,
        seed: opts.seed + i,
        courts: [court],
        // A court administrator may name only the judges of their court.
        judges: benchJudgesOf(court),
        numberPrefix: `${court}N`,
      }),
    );
  }
  const single = await concatenate(join(opts.dir, "single"), perCourt);
  say(
    `concurrency case: ${CONCURRENT_BATCHES} courts × ${perBatch.toLocaleString("en-US")} cases (${rowsPerBatch.toLocaleString("en-US")} rows each) vs one batch of ${(rowsPerBatch * CONCURRENT_BATCHES).toLocaleString("en-US")} rows, ${WORKERS} worker processes`,
  );

  const one = await timedRun(opts, [{ files: single }], []);
  say(`  one batch: ${one.batches[0]?.status}, ${Math.round(one.ms).toLocaleString("en-US")} ms`);
  const ten = await timedRun(
    opts,
    courts.map((court, i) => ({ email: courtAdminEmail(court), files: perCourt[i]! })),
    courts,
  );
  const statuses = [...new Set(ten.batches.map((b) => b.status))].join(", ");
  say(`  ${CONCURRENT_BATCHES} batches: ${statuses}, ${Math.round(ten.ms).toLocaleString("en-US")} ms`);
  const lastFinished = Math.max(...ten.batches.map((b) => b.finishedAtMs));
  say(
    `  measure_freshness.dataAsOf ${((ten.dataAsOfMs - lastFinished) / 1000).toFixed(1)} s after the last batch completed`,
  );
  return {
    ...concurrencyFigures({ ms: one.ms, status: one.batches[0]?.status ?? "unknown" }, ten.ms, ten.batches),
    rowsPerBatch,
  };
}
