// Import benchmark: `bun scripts/bench-import.ts [--cases 100000] [--activities-per-case 3]`.
//
// Generates deterministic cases.csv / activities.csv, starts a real API process and a real worker
// process on a dedicated database and Redis db (both emptied first), uploads through HTTP and waits
// for the batch to finish, then for its measures (the refresh job that follows it). Reports rows/s to
// the batch's completion (rows landed) and end to end (measures refreshed too), the refresh time /
// landing time ratio, the time of each phase, the processes' peak RSS (VmHWM), and raw COPY and
// multi-row upsert baselines of this machine measured in the same run; then imports the same files
// again (everything unchanged). Targets (issue 9): ≥ 40 000 rows/s, worker peak RSS < 300 MB.
//
//   BENCH_DATABASE_URL  default postgres://root@127.0.0.1:5432/courtflow_bench_imports (dropped and recreated)
//   BENCH_REDIS_URL     default redis://127.0.0.1:6379/9 (flushed; db 0 is refused)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import { hashPassword } from "../src/auth/passwords";
import { migratePostgres } from "../src/db/migrate";
import { timeStandardRows } from "../src/db/reference/time-standards";
import { CliError, EXIT_USAGE, parseCli, runCli, say } from "./lib/cli";
import { measureBaselines } from "./lib/import-bench-baselines";
import { BENCH_COURTS, BENCH_JUDGES, writeBenchFiles } from "./lib/import-bench-data";

const USAGE = "usage: bun scripts/bench-import.ts [--cases <n>] [--activities-per-case <n>] [--seed <n>]";
const ROOT = join(import.meta.dir, "..");
const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_bench_imports";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/9";
const ADMIN = { email: "bench-admin@courtflow.dev", password: "bench-admin-password" };
const n = (v: number) => Math.round(v).toLocaleString("en-US");

async function recreateDatabase(): Promise<void> {
  const u = new URL(DB_URL);
  const name = u.pathname.slice(1);
  u.pathname = "/postgres";
  const admin = postgres(u.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  await migratePostgres(DB_URL);
}

async function seedReference(sql: postgres.Sql): Promise<void> {
  const [state] =
    await sql`insert into courts (code, name, level) values ('BSTATE', 'Bench state', 'supreme') returning id`;
  const courts =
    await sql`insert into courts ${sql(BENCH_COURTS.map((code) => ({ code, name: `Bench ${code}`, level: "trial", parent_id: state!.id })))} returning id`;
  await sql`insert into judges ${sql(BENCH_JUDGES.map((code, i) => ({ code, name: `Judge ${code}`, court_id: courts[i % courts.length]!.id })))}`;
  await sql`insert into time_standards ${sql(timeStandardRows().map((r) => ({ case_type: r.caseType, percent: r.percent, days: r.days })))}`;
  await sql`insert into users (email, name, role, password_hash) values (${ADMIN.email}, 'Bench admin', 'admin', ${await hashPassword(ADMIN.password)})`;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function waitHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await Bun.sleep(100);
  }
  throw new CliError(`no answer from ${url}`);
}

function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = s.port ?? 0;
  s.stop(true);
  return port;
}

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
  files: { casesPath: string; activitiesPath: string },
  force: boolean,
): Promise<RunResult> {
  const form = new FormData();
  form.append("source", "bench");
  form.append("extractDate", "2026-01-01");
  if (force) form.append("force", "true");
  form.append("cases", Bun.file(files.casesPath), "cases.csv");
  form.append("activities", Bun.file(files.activitiesPath), "activities.csv");
  const t0 = performance.now();
  const res = await fetch(`${base}/api/imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status !== 202) throw new CliError(`upload: ${res.status} ${await res.text()}`);
  const uploadMs = performance.now() - t0;
  const { id } = (await res.json()) as { id: number };
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
    { cases: { type: "string" }, "activities-per-case": { type: "string" }, seed: { type: "string" } },
    USAGE,
  );
  const cases = Number(values.cases ?? 100_000);
  const perCase = Number(values["activities-per-case"] ?? 3);
  if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(perCase) || perCase < 2)
    throw new CliError(USAGE, EXIT_USAGE);
  const redisDb = Number(new URL(REDIS_URL).pathname.slice(1) || 0);
  if (redisDb === 0)
    throw new CliError("BENCH_REDIS_URL must name a dedicated Redis db (not 0): it is flushed");

  say(
    `database ${new URL(DB_URL).host}${new URL(DB_URL).pathname} (recreated), redis db ${redisDb} (flushed)`,
  );
  await recreateDatabase();
  const sql = postgres(DB_URL, { max: 2, onnotice: () => {} });
  await seedReference(sql);
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  await redis.quit();

  const dir = mkdtempSync(join(tmpdir(), "courtflow-bench-"));
  const files = await writeBenchFiles(dir, {
    cases,
    activitiesPerCase: perCase,
    seed: Number(values.seed ?? 1),
  });
  const rows = cases * (1 + perCase);
  say(
    `files: ${n(cases)} cases + ${n(cases * perCase)} activities = ${n(rows)} rows, ${(files.bytes / 1e6).toFixed(1)} MB`,
  );

  const apiPort = freePort();
  const workerPort = freePort();
  const env = {
    ...process.env,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATABASE_URL: DB_URL,
    REDIS_URL,
    JWT_SECRET: "bench-secret-bench-secret-bench-secret-00",
    METRICS_TOKEN: "bench-metrics-token-0123456789",
    IMPORT_MAX_BYTES: String(1024 * 1024 * 1024),
    API_RATE_LIMIT_PER_MIN: "100000",
    PORT: String(apiPort),
    WORKER_PORT: String(workerPort),
  };
  const api = Bun.spawn(["bun", "src/index.ts"], { cwd: ROOT, env, stdout: "inherit", stderr: "inherit" });
  const worker = Bun.spawn(["bun", "workers/index.ts"], {
    cwd: ROOT,
    env,
    stdout: "inherit",
    stderr: "inherit",
  });
  try {
    const base = `http://127.0.0.1:${apiPort}`;
    await waitHealthy(`${base}/api/system/health`);
    await waitHealthy(`http://127.0.0.1:${workerPort}/health`);
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

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
    say(
      `peak RSS (VmHWM): worker ${peakRssMb(worker.pid).toFixed(0)} MB, api ${peakRssMb(api.pid).toFixed(0)} MB`,
    );
    const baselines = await measureBaselines(sql, rows);
    say(
      `raw baselines, ${n(rows)} rows: COPY ${n(baselines.copyRowsPerSecond)} rows/s, multi-row upsert ${n(baselines.upsertRowsPerSecond)} rows/s`,
    );
    say(
      `import end to end / raw upsert: ${(rows / (first.totalMs / 1000) / baselines.upsertRowsPerSecond).toFixed(2)}`,
    );
    return 0;
  } finally {
    api.kill("SIGTERM");
    worker.kill("SIGTERM");
    await Promise.all([api.exited, worker.exited]);
    await sql.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

runCli(() => main(process.argv.slice(2)));
