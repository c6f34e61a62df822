// Growth benchmark: `bun run bench:growth [-- --sizes 250000,1000000,4000000] [--runs 20] [--import-cases 100000] [--keep]`
//
// How the figures grow with the data (docs/benchmarks.md, "Growth curve"). For each size, in its own
// database (dropped and recreated): the demo seed (`db:seed:dev --cases N`, scripts/seed.ts, about 5
// activities a case) is loaded, then a real API and worker process are started on it and it measures,
// one request at a time over HTTP:
//   - every measure route uncached (`fresh=true`), all courts over the year ending today, and one
//     court (the trial district with the most cases): p50 / p95;
//   - the filtered case list (one court, active, older than 90 days, oldest first) and case detail
//     (random cases): p50 / p95;
//   - a full rollup rebuild (`bun run measures:rebuild`, a real process): its time;
//   - an import of --import-cases new cases (3 activities each) into the existing data through
//     POST /api/imports: upload to rollups refreshed, its time.
// It prints a table (one column per size) and writes bench/results/growth-<time>.json.
//
//   BENCH_DATABASE_URL  base URL, default postgres://root@127.0.0.1:5432/courtflow_bench_growth; each
//                       size uses <database>_<size> (its name must start with courtflow_bench)
//   BENCH_REDIS_URL     default redis://127.0.0.1:6379/9 (flushed; db 0 is refused)
//
// The three default sizes take about 26 minutes on a quiet 2-core machine; develop with --sizes 20000.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import { hashPassword } from "../src/auth/passwords";
import { recreateDatabase, type SeedTiming, seedDatabase } from "./lib/bench-database";
import { type LatencyStats, measurePaths, timeRuns } from "./lib/bench-measures-uncached";
import { freePort, ROOT, startBun, tempDirFor } from "./lib/bench-processes";
import { CliError, EXIT_USAGE, formatMs, parseCli, runCli, say } from "./lib/cli";
import { BENCH_COURTS, BENCH_JUDGES, writeBenchFiles } from "./lib/import-bench-data";

const USAGE = `usage: bun scripts/bench-growth.ts [options]
  --sizes <n,n,…>       cases per database (default 250000,1000000,4000000)
  --runs <n>            timed requests per route (default 20, after 2 warm-ups)
  --import-cases <n>    cases of the import into the existing data (default 100000)
  --keep                keep each size's database afterwards (default: dropped)`;

const BASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_bench_growth";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/9";
const ADMIN = { email: "growth-admin@courtflow.dev", password: "growth-admin-password" };
const n = (v: number) => Math.round(v).toLocaleString("en-US");

export interface GrowthSize {
  cases: number;
  activities: number;
  seed: SeedTiming;
  measuresAllCourts: LatencyStats[];
  measuresOneCourt: LatencyStats[];
  oneCourt: { id: number; code: string; cases: number };
  caseList: LatencyStats;
  caseDetail: LatencyStats;
  rebuild: { ms: number; output: string };
  import: { cases: number; rows: number; ms: number; status: string };
  loadAverage: number[];
}

function parseSizes(raw: string | undefined): number[] {
  const sizes = (raw ?? "250000,1000000,4000000").split(",").map((s) => Number(s.trim().replace(/_/g, "")));
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1000))
    throw new CliError(`--sizes must be integers >= 1000, comma-separated\n\n${USAGE}`, EXIT_USAGE);
  return sizes;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(v) || v < 1) throw new CliError(`--${name} must be a positive integer`, EXIT_USAGE);
  return v;
}

function urlForSize(size: number): string {
  const u = new URL(BASE_URL);
  u.pathname = `/${u.pathname.slice(1)}_${size}`;
  return u.toString();
}

/** Bench courts, judges and an admin beside the demo data: the import's files name them. */
async function addImportReference(sql: postgres.Sql): Promise<void> {
  const [state] = await sql`select id from courts where parent_id is null order by id limit 1`;
  const courts =
    await sql`insert into courts ${sql(BENCH_COURTS.map((code) => ({ code, name: `Bench ${code}`, level: "trial", parent_id: state?.id ?? null })))} returning id`;
  await sql`insert into judges ${sql(BENCH_JUDGES.map((code, i) => ({ code, name: `Judge ${code}`, court_id: courts[i % courts.length]!.id })))}`;
  await sql`insert into users (email, name, role, password_hash) values (${ADMIN.email}, 'Growth admin', 'admin', ${await hashPassword(ADMIN.password)})`;
}

async function get(base: string, token: string, path: string): Promise<void> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new CliError(`GET ${path}: ${res.status}`);
}

async function timeImport(
  base: string,
  token: string,
  sql: postgres.Sql,
  cases: number,
): Promise<GrowthSize["import"]> {
  const dir = tempDirFor("growth-import");
  try {
    const files = await writeBenchFiles(dir, { cases, activitiesPerCase: 3, seed: 7, numberPrefix: "GROW" });
    const form = new FormData();
    form.append("source", "bench-growth");
    form.append("extractDate", new Date().toISOString().slice(0, 10));
    form.append("cases", Bun.file(files.casesPath), "cases.csv");
    form.append("activities", Bun.file(files.activitiesPath), "activities.csv");
    const t0 = performance.now();
    const res = await fetch(`${base}/api/imports`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    if (res.status !== 202) throw new CliError(`import upload: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: number };
    for (;;) {
      const r = await fetch(`${base}/api/imports/${id}`, { headers: { authorization: `Bearer ${token}` } });
      if (r.status !== 200) throw new CliError(`GET /api/imports/${id}: ${r.status}`);
      const { status } = (await r.json()) as { status: string };
      if (["completed", "completed_with_errors", "failed"].includes(status)) {
        // Done once its cases' rollups are refreshed too (the durable to-do list is empty).
        const [left] = await sql`select count(*)::int as n from import_touched_cases`;
        if (status === "failed" || Number(left!.n) === 0)
          return { cases, rows: cases * 4, ms: performance.now() - t0, status };
      }
      await Bun.sleep(100);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `bun scripts/measures.ts rebuild` against the size's database, timed as an operator sees it. */
async function timeRebuild(url: string): Promise<GrowthSize["rebuild"]> {
  const cwd = tempDirFor("growth-rebuild");
  try {
    const t0 = performance.now();
    const proc = Bun.spawn(["bun", "--no-env-file", join(ROOT, "scripts/measures.ts"), "rebuild"], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: url,
        LOG_LEVEL: "warn",
      },
      stdout: "pipe",
      stderr: "inherit",
    });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    if (code !== 0) throw new CliError(`measures:rebuild failed (exit ${code}):\n${out}`);
    return { ms: performance.now() - t0, output: /^rebuilt .*$/m.exec(out)?.[0] ?? out.trim() };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

async function measureSize(
  size: number,
  runs: number,
  importCases: number,
  keep: boolean,
): Promise<GrowthSize> {
  const url = urlForSize(size);
  say(`\n== ${n(size)} cases: ${new URL(url).pathname.slice(1)} (recreated)`);
  await recreateDatabase(url);
  const seed = await seedDatabase(url, size);
  say(
    `seeded in ${formatMs(seed.totalMs)} (load ${formatMs(seed.loadMs ?? 0)}, rollups ${formatMs(seed.rollupsMs ?? 0)})`,
  );
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  await redis.quit();
  const apiPort = freePort();
  const workerPort = freePort();
  const env = {
    NODE_ENV: "production",
    LOG_LEVEL: "error",
    DATABASE_URL: url,
    DATABASE_QUERY_TIMEOUT_MS: "0",
    REDIS_URL,
    JWT_SECRET: "bench-secret-bench-secret-bench-secret-00",
    METRICS_TOKEN: "bench-metrics-token-0123456789",
    IMPORT_MAX_BYTES: String(1024 * 1024 * 1024),
    API_RATE_LIMIT_PER_MIN: "1000000",
    PORT: String(apiPort),
    WORKER_PORT: String(workerPort),
  };
  let api: Awaited<ReturnType<typeof startBun>> | null = null;
  let worker: Awaited<ReturnType<typeof startBun>> | null = null;
  try {
    const [counted] = await sql<{ n: number }[]>`select count(*)::int as n from case_activities`;
    const activities = counted?.n ?? 0;
    const [court] = await sql<{ id: number; code: string; cases: number }[]>`
      select ct.id, ct.code, count(*)::int as cases from cases c join courts ct on ct.id = c.court_id
      where ct.level = 'trial' group by ct.id, ct.code order by 3 desc, 1 limit 1`;
    if (!court) throw new CliError("the seed made no trial court");
    await addImportReference(sql);
    api = await startBun(["src/index.ts"], env, { port: apiPort, readyPath: "/api/system/health" });
    worker = await startBun(["workers/index.ts"], env, { port: workerPort, readyPath: "/health" });
    const base = api.base;
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    if (login.status !== 200) throw new CliError(`login: ${login.status} ${await login.text()}`);
    const { accessToken: token } = (await login.json()) as { accessToken: string };

    const paths = await measurePaths(base);
    if (paths.length === 0) throw new CliError("no measure routes in /api/openapi.json");
    const timePaths = async (query: string) => {
      const out: LatencyStats[] = [];
      for (const path of paths) {
        const name = path.replace("/api/measures/", "");
        out.push(await timeRuns(name, runs, () => get(base, token, `${path}?fresh=true${query}`)));
      }
      return out;
    };
    const measuresAllCourts = await timePaths("");
    say(`measures, all courts: worst p95 ${worstP95(measuresAllCourts)}`);
    const measuresOneCourt = await timePaths(`&courtId=${court.id}`);
    say(`measures, court ${court.code} (${n(court.cases)} cases): worst p95 ${worstP95(measuresOneCourt)}`);

    const caseList = await timeRuns("case list (filtered)", runs, () =>
      get(base, token, `/api/cases?courtId=${court.id}&status=active&minAgeDays=90&sort=-ageDays&limit=50`),
    );
    const ids = (await sql<{ id: number }[]>`select id from cases order by random() limit ${runs + 2}`).map(
      (r) => r.id,
    );
    let next = 0;
    const caseDetail = await timeRuns("case detail", runs, () =>
      get(base, token, `/api/cases/${ids[next++ % ids.length]}`),
    );
    say(`case list p95 ${caseList.p95Ms.toFixed(1)} ms, case detail p95 ${caseDetail.p95Ms.toFixed(1)} ms`);

    const rebuild = await timeRebuild(url);
    say(`full rollup rebuild ${formatMs(rebuild.ms)}: ${rebuild.output}`);
    const imported = await timeImport(base, token, sql, importCases);
    say(`import of ${n(importCases)} cases into it: ${imported.status} in ${formatMs(imported.ms)}`);
    return {
      cases: size,
      activities,
      seed,
      measuresAllCourts,
      measuresOneCourt,
      oneCourt: court,
      caseList,
      caseDetail,
      rebuild,
      import: imported,
      loadAverage: os.loadavg(),
    };
  } finally {
    await api?.stop();
    await worker?.stop();
    await sql.end();
    if (!keep) {
      const admin = new URL(url);
      const name = admin.pathname.slice(1);
      admin.pathname = "/postgres";
      const a = postgres(admin.toString(), { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    }
  }
}

const worstP95 = (s: LatencyStats[]) => {
  const w = s.reduce((a, b) => (b.p95Ms > a.p95Ms ? b : a));
  return `${w.p95Ms.toFixed(1)} ms (${w.name})`;
};

/** One row per figure, one column per size. */
export function growthTable(results: GrowthSize[]): string[] {
  const rows: [string, (r: GrowthSize) => string][] = [
    ["cases", (r) => n(r.cases)],
    ["activities", (r) => n(r.activities)],
    ["seed load", (r) => formatMs(r.seed.loadMs ?? Number.NaN)],
    ["seed rollups (full rebuild)", (r) => formatMs(r.seed.rollupsMs ?? Number.NaN)],
  ];
  const names = results[0]?.measuresAllCourts.map((s) => s.name) ?? [];
  for (const name of names)
    rows.push([
      `p95 ${name}, all courts (ms)`,
      (r) => r.measuresAllCourts.find((s) => s.name === name)?.p95Ms.toFixed(1) ?? "-",
    ]);
  for (const name of names)
    rows.push([
      `p95 ${name}, one court (ms)`,
      (r) => r.measuresOneCourt.find((s) => s.name === name)?.p95Ms.toFixed(1) ?? "-",
    ]);
  rows.push(
    ["p95 case list, filtered (ms)", (r) => r.caseList.p95Ms.toFixed(1)],
    ["p95 case detail (ms)", (r) => r.caseDetail.p95Ms.toFixed(1)],
    ["measures:rebuild", (r) => formatMs(r.rebuild.ms)],
    ["import into it (cases)", (r) => `${n(r.import.cases)} in ${formatMs(r.import.ms)}`],
    ["load average (1 min) at the end", (r) => r.loadAverage[0]!.toFixed(2)],
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  const col = (s: string) => s.padStart(14);
  return rows.map(([label, f]) => `${label.padEnd(width)}${results.map((r) => col(f(r))).join("")}`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(
    Bun.argv.slice(2),
    {
      sizes: { type: "string" },
      runs: { type: "string" },
      "import-cases": { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    } as const,
    USAGE,
  );
  if (values.help) {
    say(USAGE);
    return 0;
  }
  if (positionals.length) throw new CliError(USAGE, EXIT_USAGE);
  const sizes = parseSizes(values.sizes);
  const runs = positive("runs", values.runs, 20);
  const importCases = positive("import-cases", values["import-cases"], 100_000);
  if (Number(new URL(REDIS_URL).pathname.slice(1) || 0) === 0)
    throw new CliError("BENCH_REDIS_URL must name a dedicated Redis db (not 0): it is flushed");
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  say(
    `growth benchmark: sizes ${sizes.map(n).join(", ")}; ${runs} runs a route; import ${n(importCases)} cases`,
  );
  say(
    `load average at the start: ${loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")} (${os.availableParallelism()} cores)`,
  );
  const results: GrowthSize[] = [];
  for (const size of sizes) results.push(await measureSize(size, runs, importCases, Boolean(values.keep)));

  say("");
  for (const line of growthTable(results)) say(line);
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `growth-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  const [pg] = await (async () => {
    const s = postgres(BASE_URL.replace(/\/[^/]*$/, "/postgres"), { max: 1, onnotice: () => {} });
    try {
      return await s`select current_setting('server_version') as v`;
    } finally {
      await s.end();
    }
  })();
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        kind: "growth",
        startedAt: startedAt.toISOString(),
        wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
        machine: {
          cpu: os.cpus()[0]?.model ?? "unknown",
          cores: os.availableParallelism(),
          memoryGb: os.totalmem() / 1024 ** 3,
          bun: Bun.version,
          postgres: String(pg?.v ?? "unknown"),
          loadAverageAtStart,
        },
        runs,
        importCases,
        sizes: results,
      },
      null,
      2,
    )}\n`,
  );
  say(`\nwritten ${file}`);
  return 0;
}

if (import.meta.main) runCli(main);
