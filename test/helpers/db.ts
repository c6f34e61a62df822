import { sql } from "drizzle-orm";
import { Cluster } from "ioredis";
import { loadConfig } from "../../src/config/env";
import { createDb, type Database, type DbHandle, rowsOf } from "../../src/db/client";
import type { RedisClients } from "../../src/redis/types";
import { TEST_DATABASE_URL } from "./services";

export function testConfig(overrides: Record<string, string> = {}) {
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATABASE_URL: TEST_DATABASE_URL,
    JWT_SECRET: "test-secret-test-secret-test-secret-42",
    DATABASE_POOL_MAX: "5",
    ...overrides,
  });
}

export async function openTestDb(overrides: Record<string, string> = {}): Promise<DbHandle> {
  return createDb(testConfig(overrides));
}

/** Empties every application table (not the migrations table) and restarts the id sequences. */
export async function resetDb(db: Database): Promise<void> {
  const tables = rowsOf<{ tablename: string }>(
    await db.execute(sql`select tablename from pg_tables where schemaname = 'public'`),
  ).map((r) => `"public"."${r.tablename}"`);
  if (tables.length) await db.execute(sql.raw(`truncate ${tables.join(", ")} restart identity cascade`));
}

/**
 * Empties the test Redis database (sessions, rate limits, cache) of an app built by createTestApp.
 * The test Redis db is dedicated to tests; db 0 is refused so a misconfigured run cannot wipe real data.
 */
export async function resetRedis(redis: Pick<RedisClients, "main"> | null) {
  if (!redis) return;
  if (redis.main instanceof Cluster) throw new Error("refusing to FLUSHDB a Redis Cluster from a test");
  const db = redis.main.options.db ?? 0;
  if (db === 0)
    throw new Error("refusing to FLUSHDB Redis db 0 from a test: set TEST_REDIS_URL to a dedicated db");
  await redis.main.flushdb();
}
