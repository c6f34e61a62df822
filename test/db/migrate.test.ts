import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { createPgliteDb, rowsOf } from "../../src/db/client";
import { applyMigrations, migratePostgres, migrationStatus, readMigrations } from "../../src/db/migrate";
import * as schema from "../../src/db/schema";
import { describePg } from "../helpers/guards";
import { tempDir } from "../helpers/process";
import { createScratchDatabase } from "../helpers/scratch-db";

// Every table the Drizzle schema declares must exist after migrating: schema and migrations agree.
const EXPECTED_TABLES = (Object.values(schema) as unknown[])
  .filter((v): v is PgTable => is(v, PgTable))
  .map((t) => getTableName(t))
  .sort();

describePg("migrations on PostgreSQL", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase("cf_migrate");
  });
  afterAll(async () => {
    await scratch.drop();
  });

  test("apply every table on an empty database, and a second run is a no-op", async () => {
    const all = readMigrations().map((m) => m.tag);
    const first = await migratePostgres(scratch.url);
    expect(first.applied).toEqual(all);
    const second = await migratePostgres(scratch.url);
    expect(second.applied).toEqual([]);

    const client = postgres(scratch.url, { max: 1 });
    const tables = await client`select tablename from pg_tables where schemaname = 'public' order by 1`;
    const applied = await client`select count(*)::int as n from drizzle.__drizzle_migrations`;
    await client.end();
    expect(tables.map((r) => r.tablename)).toEqual(EXPECTED_TABLES);
    expect(applied[0]!.n).toBe(all.length);
  });

  test("two concurrent migrators do not race: one applies, the other finds nothing to do", async () => {
    const fresh = await createScratchDatabase("cf_migrate_race");
    try {
      const results = await Promise.all([
        migratePostgres(fresh.url),
        migratePostgres(fresh.url),
        migratePostgres(fresh.url),
      ]);
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, readMigrations().length]);
      const client = postgres(fresh.url, { max: 1 });
      const rows = await client`select count(*)::int as n from drizzle.__drizzle_migrations`;
      await client.end();
      expect(rows[0]!.n).toBe(readMigrations().length);
    } finally {
      await fresh.drop();
    }
  });
});

describe("migrations on PGlite", () => {
  test("apply on a fresh directory, survive a reopen, and a second run is a no-op", async () => {
    const dir = tempDir("pglite");
    try {
      let handle = await createPgliteDb(dir);
      const first = await applyMigrations(handle.db);
      expect(first.applied).toEqual(readMigrations().map((m) => m.tag));
      await handle.close();

      handle = await createPgliteDb(dir);
      const second = await applyMigrations(handle.db);
      expect(second.applied).toEqual([]);
      expect((await migrationStatus(handle.db)).upToDate).toBe(true);
      const tables = rowsOf<{ tablename: string }>(
        await handle.db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by 1`),
      );
      expect(tables.map((t) => t.tablename)).toEqual(EXPECTED_TABLES);
      await handle.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
