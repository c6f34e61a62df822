import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { Redis } from "ioredis";
import postgres from "postgres";
import { hashPassword } from "../../src/auth/passwords";
import { migratePostgres } from "../../src/db/migrate";
import { timeStandardRows } from "../../src/db/reference/time-standards";
import { ROOT } from "./bench-processes";
import { CliError } from "./cli";
import { BENCH_COURTS, BENCH_JUDGES } from "./import-bench-data";

// What the import benchmark runs on: a recreated database with the bench courts, judges, time
// standards and an admin; a flushed Redis db; a real API process and N real worker processes. The
// concurrency case builds it twice (one fresh stack for each side of its comparison).

export const BENCH_ADMIN = { email: "bench-admin@courtflow.dev", password: "bench-admin-password" };
const COURT_ADMIN_PASSWORD = "bench-court-admin-password";

export const courtAdminEmail = (court: string) => `bench-admin-${court.toLowerCase()}@courtflow.dev`;

export async function recreateDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = "/postgres";
  const admin = postgres(u.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  await migratePostgres(url);
}

/** Courts, judges, time standards, the admin, and a court administrator for each court in `courtAdmins`. */
export async function seedReference(sql: postgres.Sql, courtAdmins: readonly string[] = []): Promise<void> {
  const [state] =
    await sql`insert into courts (code, name, level) values ('BSTATE', 'Bench state', 'supreme') returning id`;
  const courts = await sql<{ id: number; code: string }[]>`insert into courts ${sql(
    BENCH_COURTS.map((code) => ({ code, name: `Bench ${code}`, level: "trial", parent_id: state!.id })),
  )} returning id, code`;
  await sql`insert into judges ${sql(BENCH_JUDGES.map((code, i) => ({ code, name: `Judge ${code}`, court_id: courts[i % courts.length]!.id })))}`;
  await sql`insert into time_standards ${sql(timeStandardRows().map((r) => ({ case_type: r.caseType, percent: r.percent, days: r.days })))}`;
  await sql`insert into users (email, name, role, password_hash) values (${BENCH_ADMIN.email}, 'Bench admin', 'admin', ${await hashPassword(BENCH_ADMIN.password)})`;
  if (courtAdmins.length === 0) return;
  const hash = await hashPassword(COURT_ADMIN_PASSWORD);
  const idOf = new Map(courts.map((c) => [c.code, c.id]));
  await sql`insert into users ${sql(
    courtAdmins.map((court) => ({
      email: courtAdminEmail(court),
      name: `Bench ${court} administrator`,
      role: "court_admin",
      court_id: idOf.get(court)!,
      password_hash: hash,
    })),
  )}`;
}

export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = s.port ?? 0;
  s.stop(true);
  return port;
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

export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export interface ImportStack {
  base: string;
  api: Subprocess;
  workers: Subprocess[];
  /** A bearer token for `email` (the admin's by default). */
  login(email?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Flushes the Redis db, then starts the API and `workers` worker processes on the database. */
export async function startImportStack(opts: {
  databaseUrl: string;
  redisUrl: string;
  workers: number;
}): Promise<ImportStack> {
  const redis = new Redis(opts.redisUrl);
  await redis.flushdb();
  await redis.quit();
  const apiPort = freePort();
  const env = {
    ...process.env,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    JWT_SECRET: "bench-secret-bench-secret-bench-secret-00",
    METRICS_TOKEN: "bench-metrics-token-0123456789",
    IMPORT_MAX_BYTES: String(1024 * 1024 * 1024),
    API_RATE_LIMIT_PER_MIN: "100000",
    // The concurrency case logs in ten court administrators at once.
    LOGIN_RATE_LIMIT_PER_MIN: "1000",
    PORT: String(apiPort),
  };
  const spawn = (entry: string, extra: Record<string, string> = {}) =>
    Bun.spawn(["bun", entry], { cwd: ROOT, env: { ...env, ...extra }, stdout: "inherit", stderr: "inherit" });
  const api = spawn("src/index.ts");
  const workerPorts = Array.from({ length: opts.workers }, () => freePort());
  const workers = workerPorts.map((port) => spawn("workers/index.ts", { WORKER_PORT: String(port) }));
  const all = [api, ...workers];
  const stop = async () => {
    for (const p of all) p.kill("SIGTERM");
    await Promise.all(all.map((p) => p.exited));
  };
  const base = `http://127.0.0.1:${apiPort}`;
  try {
    await waitHealthy(`${base}/api/system/health`);
    for (const port of workerPorts) await waitHealthy(`http://127.0.0.1:${port}/health`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    api,
    workers,
    async login(email = BENCH_ADMIN.email) {
      const password = email === BENCH_ADMIN.email ? BENCH_ADMIN.password : COURT_ADMIN_PASSWORD;
      const res = await fetch(`${base}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new CliError(`login ${email}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
    stop,
  };
}

export interface BenchFiles {
  casesPath: string;
  activitiesPath: string;
}

/** POST /api/imports; resolves with the new batch's id once the API answered 202. */
export async function upload(base: string, token: string, files: BenchFiles, force = false): Promise<number> {
  const form = new FormData();
  form.append("source", "bench");
  form.append("extractDate", "2026-01-01");
  if (force) form.append("force", "true");
  form.append("cases", Bun.file(files.casesPath), "cases.csv");
  form.append("activities", Bun.file(files.activitiesPath), "activities.csv");
  const res = await fetch(`${base}/api/imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status !== 202) throw new CliError(`upload: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}
