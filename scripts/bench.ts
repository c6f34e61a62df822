// `bun run bench [--quick]`: the app against raw baselines measured in the same run (ARCHITECTURE:
// benchmarks report ratios). Starts every server itself on loopback free ports, in services mode
// against the local PostgreSQL (its own database, recreated and seeded by scripts/seed.ts) and Redis
// (its own db number, flushed). Prints one table and writes it to bench/results/<timestamp>.json.
//
//   --quick            20 000 cases, 5 s per endpoint, a 20 000-case import (default 1 000 000, 10 s, 100 000)
//   --cases <n>        seeded cases
//   --duration <s>     seconds of wrk per endpoint (after a warm-up)
//   --connections <n>  wrk connections (default 32; 2 threads)
//   --reuse-db         keep the bench database when it already holds exactly --cases cases (no seed row)
//   --no-import        skip the import benchmark
//
//   BENCH_DATABASE_URL   default postgres://root@127.0.0.1:5432/courtflow_bench (dropped and recreated)
//   BENCH_REDIS_URL      default redis://127.0.0.1:6379/11 (flushed; db 0 is refused)
//   BENCH_IMPORT_DATABASE_URL / BENCH_IMPORT_REDIS_URL  the import benchmark's (default …_bench_imports, db 12)
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import { existingCases, recreateDatabase, type SeedTiming, seedDatabase } from "./lib/bench-database";
import { importBenchAvailable, runImportBench } from "./lib/bench-import-run";
import { describeMachine } from "./lib/bench-machine";
import { uncachedMeasures } from "./lib/bench-measures-uncached";
import { freePort, ROOT, type Started, startBare, startBun, tempDirFor } from "./lib/bench-processes";
import { type BenchRow, formatMachine, formatTable, writeReport } from "./lib/bench-report";
import { against, httpRow, type Load, measure } from "./lib/bench-rows";
import { requireWrk, writeRandomIdScript } from "./lib/bench-wrk";
import { CliError, EXIT_USAGE, parseCli, runCli, say } from "./lib/cli";
import { measureBaselines } from "./lib/import-bench-baselines";

const USAGE =
  "usage: bun run bench [--quick] [--cases <n>] [--duration <s>] [--connections <n>] [--reuse-db] [--no-import]";
const OPTIONS = {
  quick: { type: "boolean" },
  cases: { type: "string" },
  duration: { type: "string" },
  connections: { type: "string" },
  "reuse-db": { type: "boolean" },
  "no-import": { type: "boolean" },
} as const;

const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_bench";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/11";
const IMPORT_DB_URL =
  process.env.BENCH_IMPORT_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_bench_imports";
const IMPORT_REDIS_URL = process.env.BENCH_IMPORT_REDIS_URL ?? "redis://127.0.0.1:6379/12";
const ADMIN = { email: "admin@courtflow.dev", password: "dev-admin-password" };
const JWT_SECRET = "bench-jwt-secret-bench-jwt-secret-0123456789";
const THREADS = 2;
const ACTIVITIES_PER_CASE = 3;

function intOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(v) || v < 1) throw new CliError(`--${name} must be a positive integer`, EXIT_USAGE);
  return v;
}

function dedicatedRedisDb(url: string): void {
  if (Number(new URL(url).pathname.slice(1) || 0) === 0) {
    throw new CliError(`${url}: the bench flushes its Redis db, so it must be a dedicated one (not 0)`);
  }
}

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  if (res.status !== 200) throw new CliError(`login as ${ADMIN.email}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function withBare<T>(bare: Promise<Started>, fn: (s: Started) => Promise<T>): Promise<T> {
  const s = await bare;
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(argv, OPTIONS, USAGE);
  const wrk = requireWrk();
  const quick = Boolean(values.quick);
  const cases = intOption("cases", values.cases, quick ? 20_000 : 1_000_000);
  const load: Load = {
    threads: THREADS,
    connections: intOption("connections", values.connections, 32),
    durationS: intOption("duration", values.duration, quick ? 5 : 10),
    warmupS: quick ? 1 : 2,
  };
  const importCases = quick ? 20_000 : 100_000;
  dedicatedRedisDb(REDIS_URL);
  dedicatedRedisDb(IMPORT_REDIS_URL);

  const startedAt = new Date();
  const t0 = performance.now();
  const adminUrl = new URL(DB_URL);
  adminUrl.pathname = "/postgres";
  const machine = await describeMachine(adminUrl.toString(), REDIS_URL, wrk);
  say(
    `bench (${quick ? "quick" : "full"}): ${cases.toLocaleString("en-US")} cases; ${formatMachine(machine)}`,
  );

  // 1. The data set.
  let seed: SeedTiming | null = null;
  if (values["reuse-db"] && (await existingCases(DB_URL)) === cases) {
    say(`reusing ${new URL(DB_URL).pathname.slice(1)} (${cases} cases): no seed timing this run`);
  } else {
    say(`seeding ${new URL(DB_URL).pathname.slice(1)} with ${cases.toLocaleString("en-US")} cases…`);
    await recreateDatabase(DB_URL);
    seed = await seedDatabase(DB_URL, cases);
    say(`seeded in ${(seed.totalMs / 1000).toFixed(1)} s`);
  }
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  const sql = postgres(DB_URL, { max: 2, onnotice: () => {} });
  const [ids] = await sql`select min(id)::int as min, max(id)::int as max from cases`;
  const [court] = await sql`select id from courts where level = 'trial' order by code limit 1`;
  const luaDir = tempDirFor("lua");
  const rows: BenchRow[] = [];

  // 2. The app, idle while the baselines run (it is needed first for a real summary body).
  const port = freePort();
  const app = await startBun(
    ["src/index.ts"],
    {
      NODE_ENV: "production",
      PORT: String(port),
      DATABASE_URL: DB_URL,
      REDIS_URL,
      JWT_SECRET,
      METRICS_TOKEN: "bench-metrics-token-0123456789",
      LOG_LEVEL: "warn",
      API_RATE_LIMIT_PER_MIN: "1000000000",
    },
    { port, readyPath: "/api/system/health" },
  );
  try {
    const token = await login(app.base);
    const auth = { Authorization: `Bearer ${token}` };
    const summaryRes = await fetch(`${app.base}/api/measures/summary`, { headers: auth });
    const summaryBody = summaryRes.status === 200 ? await summaryRes.text() : null;
    if (!summaryBody) say(`GET /api/measures/summary answered ${summaryRes.status}: summary rows skipped`);
    await redis.set("bench:summary", summaryBody ?? JSON.stringify({ placeholder: "x".repeat(2000) }));

    // 3. Raw baselines.
    say("baselines…");
    const bareJson = await withBare(startBare("json"), async (s) =>
      httpRow("bare Bun.serve JSON", await measure(load, `${s.base}/`)),
    );
    const pkScript = writeRandomIdScript(luaDir, { pathPrefix: "/cases/", minId: ids!.min, maxId: ids!.max });
    const barePk = await withBare(startBare("pk", [DB_URL]), async (s) =>
      httpRow(
        "bare Bun.serve + postgres.js PK lookup",
        await measure(load, `${s.base}/`, { script: pkScript }),
      ),
    );
    const bareRedis = await withBare(startBare("redis", [REDIS_URL, "bench:summary"]), async (s) =>
      httpRow("bare Bun.serve + ioredis GET", await measure(load, `${s.base}/`)),
    );
    rows.push(bareJson, barePk, bareRedis);

    // 4. The app.
    say("app…");
    const health = await measure(load, `${app.base}/api/system/health`);
    rows.push(httpRow("GET /api/system/health", health, against(bareJson, health.requestsPerSecond, 0.5)));
    const caseScript = writeRandomIdScript(luaDir, {
      pathPrefix: "/api/cases/",
      minId: ids!.min,
      maxId: ids!.max,
    });
    const byId = await measure(load, `${app.base}/`, { script: caseScript, headers: auth });
    rows.push(httpRow("GET /api/cases/:id (random ids)", byId, against(barePk, byId.requestsPerSecond, 0.7)));
    const listPath = `/api/cases?courtId=${court!.id}&status=active&caseType=felony&limit=50`;
    const list = await measure(load, `${app.base}${listPath}`, { headers: auth });
    rows.push(httpRow("GET /api/cases filtered, first page", list, { note: listPath.replace(/^.*\?/, "") }));
    if (summaryBody) {
      const cached = await measure(load, `${app.base}/api/measures/summary`, { headers: auth });
      rows.push(
        httpRow(
          "GET /api/measures/summary (cached)",
          cached,
          against(bareRedis, cached.requestsPerSecond, 0.7),
        ),
      );
      const fresh = await measure(load, `${app.base}/api/measures/summary?fresh=true`, { headers: auth });
      rows.push(httpRow("GET /api/measures/summary?fresh=true", fresh));
    } else {
      rows.push({ name: "GET /api/measures/summary", unit: "-", note: `not measured: ${summaryRes.status}` });
    }
    say("uncached measures…");
    const measures = await uncachedMeasures(app.base, token, quick ? 10 : 20);
    for (const m of measures.stats) {
      rows.push({
        name: `measure ${m.name} uncached (1 at a time)`,
        unit: "-",
        p50Ms: m.p50Ms,
        tailMs: m.p95Ms,
        tailLabel: "p95",
        target: "p95 < 150 ms",
        pass: m.p95Ms < 150,
        note: `${m.runs} runs, all courts, 1 year, fresh=true`,
      });
    }
    for (const e of measures.errors)
      rows.push({ name: `measure ${e}`, unit: "-", pass: false, note: "error" });
    if (measures.stats.length + measures.errors.length === 0) {
      rows.push({
        name: "measures uncached",
        unit: "-",
        note: "no /api/measures routes in the OpenAPI document",
      });
    }
  } finally {
    await app.stop();
  }

  // 5. Bulk loads: raw baselines with as many rows as the import, then the import itself.
  const importRows = importCases * (1 + ACTIVITIES_PER_CASE);
  say("bulk baselines…");
  const bulk = await measureBaselines(sql, importRows);
  const upsertRow: BenchRow = {
    name: "bare postgres.js multi-row upsert",
    rate: bulk.upsertRowsPerSecond,
    unit: "rows/s",
    note: `${importRows.toLocaleString("en-US")} rows, 5 000 a statement`,
  };
  rows.push(upsertRow, {
    name: "bare postgres.js COPY",
    rate: bulk.copyRowsPerSecond,
    unit: "rows/s",
    note: "the same rows",
  });
  if (values["no-import"]) {
    rows.push({ name: "import", unit: "-", note: "skipped (--no-import)" });
  } else if (!importBenchAvailable()) {
    rows.push({ name: "import", unit: "-", note: "scripts/bench-import.ts is missing" });
  } else {
    say(
      `import of ${importCases.toLocaleString("en-US")} cases + ${(importCases * 3).toLocaleString("en-US")} activities…`,
    );
    const imp = await runImportBench({
      cases: importCases,
      activitiesPerCase: ACTIVITIES_PER_CASE,
      databaseUrl: IMPORT_DB_URL,
      redisUrl: IMPORT_REDIS_URL,
    });
    rows.push({
      name: `import ${importCases.toLocaleString("en-US")} cases + ${(importCases * ACTIVITIES_PER_CASE).toLocaleString("en-US")} activities`,
      rate: imp.endToEndRowsPerSecond,
      unit: "rows/s",
      ...against(upsertRow, imp.endToEndRowsPerSecond, 0.4),
      note:
        `upload → completed incl. rollups, ${(imp.endToEndMs / 1000).toFixed(1)} s, ${imp.status}; ` +
        `worker peak RSS ${imp.workerPeakRssMb ?? "?"} MB` +
        (imp.landedRowsPerSecond
          ? `; rows landed at ${imp.landedRowsPerSecond.toLocaleString("en-US")} rows/s`
          : ""),
    });
  }
  if (seed) {
    rows.push({
      name: `seed ${cases.toLocaleString("en-US")} cases (db:seed:dev)`,
      ...(seed.loadRowsPerSecond ? { rate: seed.loadRowsPerSecond } : {}),
      unit: "rows/s",
      note:
        `${(seed.totalMs / 1000).toFixed(1)} s total` +
        (seed.loadMs
          ? `: load ${(seed.loadMs / 1000).toFixed(1)} s (${seed.rows?.toLocaleString("en-US")} rows)`
          : "") +
        (seed.rollupsMs ? `, rollups ${(seed.rollupsMs / 1000).toFixed(1)} s` : ""),
    });
  }
  await sql.end();
  redis.disconnect();
  rmSync(luaDir, { recursive: true, force: true });

  const wallSeconds = (performance.now() - t0) / 1000;
  const file = writeReport(join(ROOT, "bench/results"), {
    startedAt: startedAt.toISOString(),
    wallSeconds: Math.round(wallSeconds),
    mode: quick ? "quick" : "full",
    cases,
    machine,
    settings: { threads: load.threads, connections: load.connections, durationS: load.durationS },
    rows,
  });
  say("");
  say(formatTable(rows));
  say("");
  say(`machine: ${formatMachine(machine)}`);
  say(`wall time ${(wallSeconds / 60).toFixed(1)} min; written to ${file}`);
  const missed = rows.filter((r) => r.pass === false);
  if (missed.length) say(`targets missed: ${missed.map((r) => r.name).join("; ")}`);
  return 0;
}

runCli(() => main(process.argv.slice(2)));
