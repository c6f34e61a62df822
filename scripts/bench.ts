// `bun run bench [--quick]`: the app against raw baselines measured in the same run (ARCHITECTURE:
// benchmarks report ratios). Starts every server itself on loopback free ports, in services mode
// against the local PostgreSQL (its own database, recreated and seeded by scripts/seed.ts) and Redis
// (its own db number, flushed). The three hot endpoints are compared across CourtFlow (one process and
// API_PROCESSES=2), bare Bun.serve servers doing the same work (bench/bare) and an Express peer
// (bench/peers/express, installed with `npm ci`). Prints two tables and writes them to
// bench/results/<timestamp>.json.
//
//   --quick            5 000 cases, 2 s per endpoint, a 5 000-case import (default 1 000 000, 10 s, 100 000):
//                      proves the whole run works in a few minutes; its figures mean little
//   --cases <n>        seeded cases
//   --duration <s>     seconds of wrk per endpoint (after a warm-up)
//   --connections <n>  wrk connections (default 32; 2 threads)
//   --reuse-db         keep the bench database when it already holds exactly --cases cases (no seed row)
//   --no-import        skip the import benchmark
//   --no-peer          skip the Express peer (no node/npm, or offline)
//
//   BENCH_DATABASE_URL   default postgres://root@127.0.0.1:5432/courtflow_bench (dropped and recreated)
//   BENCH_REDIS_URL      default redis://127.0.0.1:6379/11 (flushed; db 0 is refused)
//   BENCH_IMPORT_DATABASE_URL / BENCH_IMPORT_REDIS_URL  the import benchmark's (default …_bench_imports, db 12)
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import {
  answerOf,
  COLUMN_NAMES,
  type Column,
  type ComparisonRow,
  cellOf,
  differingAnswer,
  formatComparison,
  judge,
  probePaths,
  wrkCpuSummary,
} from "./lib/bench-compare";
import { existingCases, recreateDatabase, type SeedTiming, seedDatabase } from "./lib/bench-database";
import { importBenchAvailable, runImportBench } from "./lib/bench-import-run";
import { describeMachine } from "./lib/bench-machine";
import { uncachedMeasures } from "./lib/bench-measures-uncached";
import {
  installPeer,
  nodeVersion,
  type PeerEnv,
  type SameWork,
  startPeer,
  startSameWork,
} from "./lib/bench-peer";
import {
  freePort,
  freePortPair,
  ROOT,
  type Started,
  startBare,
  startBun,
  tempDirFor,
} from "./lib/bench-processes";
import { type BenchRow, formatMachine, formatTable, writeReport } from "./lib/bench-report";
import { against, httpRow, type Load, measure } from "./lib/bench-rows";
import { requireWrk, type WrkResult, writeRandomIdScript } from "./lib/bench-wrk";
import { CliError, EXIT_USAGE, parseCli, runCli, say } from "./lib/cli";
import { measureBaselines } from "./lib/import-bench-baselines";

const USAGE =
  "usage: bun run bench [--quick] [--cases <n>] [--duration <s>] [--connections <n>] [--reuse-db] [--no-import] [--no-peer]";
const OPTIONS = {
  quick: { type: "boolean" },
  cases: { type: "string" },
  duration: { type: "string" },
  connections: { type: "string" },
  "reuse-db": { type: "boolean" },
  "no-import": { type: "boolean" },
  "no-peer": { type: "boolean" },
} as const;

const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_bench";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/11";
const IMPORT_DB_URL =
  process.env.BENCH_IMPORT_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_bench_imports";
const IMPORT_REDIS_URL = process.env.BENCH_IMPORT_REDIS_URL ?? "redis://127.0.0.1:6379/12";
const ADMIN = { email: "admin@courtflow.dev", password: "dev-admin-password" };
const JWT_SECRET = "bench-jwt-secret-bench-jwt-secret-0123456789";
const THREADS = 2;
/** High enough that no benchmark meets the rate limit (CourtFlow, the bare servers and the peer alike). */
const RATE_LIMIT = 1_000_000_000;
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
  const cases = intOption("cases", values.cases, quick ? 5_000 : 1_000_000);
  const load: Load = {
    threads: THREADS,
    connections: intOption("connections", values.connections, 32),
    durationS: intOption("duration", values.duration, quick ? 2 : 10),
    warmupS: quick ? 1 : 2,
  };
  const importCases = quick ? 5_000 : 100_000;
  dedicatedRedisDb(REDIS_URL);
  dedicatedRedisDb(IMPORT_REDIS_URL);

  const startedAt = new Date();
  const loadAtStart = loadavg().map((v) => Math.round(v * 100) / 100);
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
  const peerEnv: PeerEnv = {
    DATABASE_URL: DB_URL,
    REDIS_URL,
    JWT_SECRET,
    API_RATE_LIMIT_PER_MIN: String(RATE_LIMIT),
  };
  const appEnv = {
    NODE_ENV: "production",
    DATABASE_URL: DB_URL,
    REDIS_URL,
    JWT_SECRET,
    METRICS_TOKEN: "bench-metrics-token-0123456789",
    LOG_LEVEL: "warn",
    API_RATE_LIMIT_PER_MIN: String(RATE_LIMIT),
  };
  const port = freePort();
  const app = await startBun(
    ["src/index.ts"],
    { ...appEnv, PORT: String(port) },
    { port, readyPath: "/api/system/health" },
  );
  const comparison: Record<SameWork, ComparisonRow> = {
    health: { endpoint: "GET /api/system/health", cells: {}, missing: {}, checks: [] },
    case: { endpoint: "GET /api/cases/:id (random ids)", cells: {}, missing: {}, checks: [] },
    summary: { endpoint: "GET /api/measures/summary (cached)", cells: {}, missing: {}, checks: [] },
  };
  const casePaths = writeRandomIdScript(luaDir, {
    pathPrefix: "/api/cases/",
    minId: ids!.min,
    maxId: ids!.max,
  });
  let auth: Record<string, string> = {};
  let summaryCached = false;
  /** CourtFlow's answers to the probes: every compared server must give the same. */
  const reference = new Map<string, string>();
  const idRange = { min: Number(ids!.min), max: Number(ids!.max) };
  /** The three compared endpoints against one server, into one column. */
  async function measureColumn(
    base: string,
    column: Column,
    kinds: SameWork[] = ["health", "case", "summary"],
  ) {
    for (const kind of kinds) {
      if (kind === "summary" && !summaryCached) {
        comparison.summary.missing[column] = "no cached summary";
        continue;
      }
      const differs = await differingAnswer(base, reference, probePaths(kind, idRange), auth);
      if (differs) {
        comparison[kind].missing[column] = "answers differ from CourtFlow's";
        say(`${COLUMN_NAMES[column]}: not measured, ${differs}`);
        continue;
      }
      const r =
        kind === "health"
          ? await measure(load, `${base}/api/system/health`)
          : kind === "case"
            ? await measure(load, `${base}/`, { script: casePaths, headers: auth })
            : await measure(load, `${base}/api/measures/summary`, { headers: auth });
      comparison[kind].cells[column] = cellOf(r);
    }
  }
  let app1: { health?: WrkResult; byId?: WrkResult; cached?: WrkResult } = {};
  try {
    const token = await login(app.base);
    auth = { Authorization: `Bearer ${token}` };
    const summaryRes = await fetch(`${app.base}/api/measures/summary`, { headers: auth });
    const summaryBody = summaryRes.status === 200 ? await summaryRes.text() : null;
    summaryCached = summaryBody !== null;
    if (!summaryBody) say(`GET /api/measures/summary answered ${summaryRes.status}: summary rows skipped`);
    await redis.set("bench:summary", summaryBody ?? JSON.stringify({ placeholder: "x".repeat(2000) }));
    for (const kind of ["health", "case", "summary"] as const) {
      for (const path of probePaths(kind, idRange))
        reference.set(path, await answerOf(`${app.base}${path}`, auth));
    }

    // 3. Raw baselines, then the same-work bare servers.
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
    comparison.health.bare = { name: "bare Bun.serve JSON", rate: bareJson.rate! };
    say("same-work bare servers…");
    for (const kind of ["health", "case", "summary"] as const) {
      await withBare(startSameWork(kind, peerEnv), (s) => measureColumn(s.base, "sameWork", [kind]));
    }

    // 4. The app, one process.
    say("app…");
    const health = await measure(load, `${app.base}/api/system/health`);
    app1 = { health };
    rows.push(httpRow("GET /api/system/health", health, against(bareJson, health.requestsPerSecond, 0.5)));
    const byId = await measure(load, `${app.base}/`, { script: casePaths, headers: auth });
    app1.byId = byId;
    rows.push(httpRow("GET /api/cases/:id (random ids)", byId, against(barePk, byId.requestsPerSecond, 0.7)));
    const listPath = `/api/cases?courtId=${court!.id}&status=active&caseType=felony&limit=50`;
    const list = await measure(load, `${app.base}${listPath}`, { headers: auth });
    rows.push(httpRow("GET /api/cases filtered, first page", list, { note: listPath.replace(/^.*\?/, "") }));
    if (summaryBody) {
      const cached = await measure(load, `${app.base}/api/measures/summary`, { headers: auth });
      app1.cached = cached;
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
    const measures = await uncachedMeasures(app.base, token, quick ? 5 : 20);
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
  if (app1.health) comparison.health.cells.courtflow1 = cellOf(app1.health);
  if (app1.byId) comparison.case.cells.courtflow1 = cellOf(app1.byId);
  if (app1.cached) comparison.summary.cells.courtflow1 = cellOf(app1.cached);

  // 5. The app as API_PROCESSES=2 (one supervisor, two processes sharing the port).
  say("app, 2 processes…");
  const port2 = freePort();
  const metrics2 = freePortPair();
  try {
    const app2 = await startBun(
      ["src/index.ts"],
      { ...appEnv, PORT: String(port2), API_PROCESSES: "2", METRICS_PORT: String(metrics2) },
      {
        port: port2,
        readyPath: "/api/system/health",
        alsoReady: [0, 1].map((i) => `http://127.0.0.1:${metrics2 + i}/api/system/health/live`),
      },
    );
    try {
      await measureColumn(app2.base, "courtflow2");
    } finally {
      await app2.stop();
    }
  } catch (err) {
    for (const r of Object.values(comparison)) r.missing.courtflow2 = "failed to start";
    say(`API_PROCESSES=2: ${err instanceof Error ? err.message : err}`);
  }

  // 6. The Express peer.
  let peerNode: string | null = null;
  if (values["no-peer"]) {
    for (const r of Object.values(comparison)) r.missing.peer = "--no-peer";
  } else {
    const why = await installPeer();
    peerNode = await nodeVersion();
    if (why) {
      for (const r of Object.values(comparison)) r.missing.peer = why;
      say(`peer not measured: ${why}`);
    } else {
      say(`peer (Express on Node ${peerNode})…`);
      const peer = await startPeer(peerEnv);
      try {
        await measureColumn(peer.base, "peer");
      } finally {
        await peer.stop();
      }
    }
  }
  const compared = [
    judge(comparison.health, "health"),
    judge(comparison.case, "case"),
    judge(comparison.summary, "summary"),
  ];

  // 7. Bulk loads: raw baselines with as many rows as the import, then the import itself.
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
          : "") +
        (imp.landedVsFloor !== null
          ? `, ${imp.landedVsFloor.toFixed(2)}× the INSERT…SELECT floor (${imp.floorRowsPerSecond?.toLocaleString("en-US")} rows/s; target ≥ 0.6)`
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
    load: { atStart: loadAtStart, atEnd: loadavg().map((v) => Math.round(v * 100) / 100) },
    peer: { stack: "Express 5, node-postgres (pool 10), ioredis, jose", node: peerNode },
    comparison: compared,
    rows,
  });
  say("");
  say(formatComparison(compared));
  say("");
  say(formatTable(rows));
  say("");
  say(`machine: ${formatMachine(machine)}`);
  say(
    `load average at start ${loadAtStart.join(" ")}, at end ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")}; ${wrkCpuSummary(compared)}`,
  );
  say(`wall time ${(wallSeconds / 60).toFixed(1)} min; written to ${file}`);
  const missed = [
    ...compared.flatMap((r) => r.checks.filter((k) => !k.pass).map((k) => `${r.endpoint} ${k.name}`)),
    ...rows.filter((r) => r.pass === false).map((r) => r.name),
  ];
  if (missed.length) say(`targets missed: ${missed.join("; ")}`);
  return 0;
}

runCli(() => main(process.argv.slice(2)));
