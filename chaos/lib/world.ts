import { rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { migratePostgres } from "../../src/db/migrate";
import { childEnv, ROOT, tempDir } from "../../test/helpers/process";
import { type PrivateRedis, startPrivateRedis } from "../../test/helpers/redis-server";
import { type PrivatePostgres, type PrivatePostgresOptions, startPrivatePostgres } from "./private-postgres";

// One scenario's world: its own PostgreSQL cluster with a migrated database filled by the real seed
// script (courts, judges, the development logins, cases and activities), and its own redis-server.

export const ADMIN = { email: "admin@courtflow.dev", password: "dev-admin-password" };
export const VIEWER = { email: "viewer@courtflow.dev", password: "dev-viewer-password" };

export interface World {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  databaseUrl: string;
  destroy(): Promise<void>;
}

async function seed(databaseUrl: string, cases: number): Promise<void> {
  const cwd = tempDir("chaos-seed");
  const proc = Bun.spawn(
    [
      "bun",
      "--no-env-file",
      join(ROOT, "scripts/seed.ts"),
      "dev",
      "--cases",
      String(cases),
      "--as-of",
      "2026-06-30",
    ],
    { cwd, env: childEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" }), stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  rmSync(cwd, { recursive: true, force: true });
  if (code !== 0) throw new Error(`seed failed (${code}): ${err || out}`);
}

export const WORLD_DATABASE = "courtflow_chaos";

/** A private PostgreSQL with the migrated, seeded database (no Redis: the topology suite brings its own). */
export async function createDatabase(
  opts: { cases?: number; pg?: PrivatePostgresOptions } = {},
): Promise<{ pg: PrivatePostgres; databaseUrl: string }> {
  const pg = await startPrivatePostgres(opts.pg);
  try {
    const admin = postgres(pg.url(), { max: 1, onnotice: () => {} });
    await admin`create database ${admin(WORLD_DATABASE)}`;
    await admin.end();
    const databaseUrl = pg.url(WORLD_DATABASE);
    await migratePostgres(databaseUrl);
    if (opts.cases !== 0) await seed(databaseUrl, opts.cases ?? 2000);
    return { pg, databaseUrl };
  } catch (err) {
    await pg.destroy();
    throw err;
  }
}

export async function createWorld(opts: { cases?: number; redisArgs?: string[] } = {}): Promise<World> {
  const { pg, databaseUrl } = await createDatabase({ cases: opts.cases });
  let redis: PrivateRedis | null = null;
  try {
    redis = await startPrivateRedis(opts.redisArgs ?? []);
    const r = redis;
    return {
      pg,
      redis: r,
      databaseUrl,
      async destroy() {
        await r.stop();
        await pg.destroy();
      },
    };
  } catch (err) {
    await redis?.stop();
    await pg.destroy();
    throw err;
  }
}

export async function login(base: string, who: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(who),
  });
  if (res.status !== 200) throw new Error(`login ${who.email}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Exact row count and an md5 of every row, per public table: "unchanged" means equal maps. */
export async function tableFingerprints(databaseUrl: string): Promise<Record<string, string>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ name: string }[]>`
      select tablename as name from pg_tables where schemaname = 'public' order by 1`;
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      const [r] = await sql.unsafe(
        `select count(*)::int as n, coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as h from public."${name}" t`,
      );
      out[name] = `${r!.n}:${r!.h}`;
    }
    return out;
  } finally {
    await sql.end();
  }
}
