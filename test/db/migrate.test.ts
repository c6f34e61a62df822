import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { createPgliteDb, rowsOf } from "../../src/db/client";
import { applyMigrations, migratePostgres, migrationStatus, readMigrations } from "../../src/db/migrate";
import { createPgliteInWorker, STAGING_DIR } from "../../src/db/pglite-create";
import * as schema from "../../src/db/schema";
import { describePg } from "../helpers/guards";
import { tempDir } from "../helpers/process";
import { createScratchDatabase } from "../helpers/scratch-db";
import { migrationsWith, withClient } from "../helpers/scripts";
import { services, TEST_DATABASE_URL } from "../helpers/services";

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

/**
 * Columns, indexes and constraints of the public schema (names and types), comparable across engines
 * (PGlite's newer PostgreSQL also lists NOT NULL as constraints, `n`; the column lines cover those).
 */
const FINGERPRINT_SQL = `
  select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as f
    from information_schema.columns where table_schema = 'public'
  union all select 'index ' || tablename || '.' || indexname from pg_indexes where schemaname = 'public'
  union all select 'constraint ' || conrelid::regclass::text || '.' || conname || ' ' || contype::text
    from pg_constraint where connamespace = 'public'::regnamespace and contype <> 'n'
  order by 1`;

describe("migrations on PGlite", () => {
  test("a fresh directory is created and migrated in a worker thread, in one transaction (as the API does); reopened, nothing is pending", async () => {
    const dir = tempDir("pglite");
    try {
      // What a start killed during creation leaves behind: a staging directory, and no PG_VERSION.
      mkdirSync(join(dir, STAGING_DIR));
      writeFileSync(join(dir, STAGING_DIR, "half-written"), "x");
      let created: string[] = [];
      let handle = await createPgliteDb(dir, {
        createFreshPglite: async (d) => {
          created = (await createPgliteInWorker(d)).applied;
        },
      });
      expect(created).toEqual(readMigrations().map((m) => m.tag));
      expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);
      expect(existsSync(join(dir, STAGING_DIR))).toBe(false);
      expect((await applyMigrations(handle.db)).applied).toEqual([]);
      await handle.close();
      // Closed, nothing left of a running server (the worker closed its PGlite before the files moved).
      expect(existsSync(join(dir, "postmaster.pid"))).toBe(false);

      handle = await createPgliteDb(dir);
      const second = await applyMigrations(handle.db);
      expect(second.applied).toEqual([]);
      const status = await migrationStatus(handle.db);
      expect(status.upToDate).toBe(true);
      // The migrations table is what one-by-one migrating writes: drizzle-kit agrees on what is applied.
      expect(status.applied.map((a) => [a.tag, a.hash])).toEqual(
        readMigrations().map((m) => [m.tag, m.hash]),
      );
      const tables = rowsOf<{ tablename: string }>(
        await handle.db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by 1`),
      );
      expect(tables.map((t) => t.tablename)).toEqual(EXPECTED_TABLES);
      const fingerprint = rowsOf<{ f: string }>(await handle.db.execute(sql.raw(FINGERPRINT_SQL))).map(
        (r) => r.f,
      );
      if (services().postgres) {
        // The same schema the test database got from the migrations applied one by one.
        const reference = await withClient(TEST_DATABASE_URL, (c) =>
          c.unsafe<{ f: string }[]>(FINGERPRINT_SQL),
        );
        expect(fingerprint).toEqual(reference.map((r) => r.f));
      }

      // A failing migration among several: the batch rolls back, and the one-by-one replay names it,
      // keeping those before it.
      const folder = migrationsWith([
        { tag: "9998_good", sql: ["create table batch_ok (id int)"] },
        { tag: "9999_bad", sql: ["create table batch_bad (id int)", "select * from no_such_table"] },
      ]);
      try {
        const pg2 = handle.pglite!;
        const failed = applyMigrations(handle.db, { folder, execMany: (text) => pg2.exec(text) });
        await expect(failed).rejects.toThrow("migration 9999_bad failed");
        const after = await migrationStatus(handle.db, folder);
        expect(after.pending.map((m) => m.tag)).toEqual(["9999_bad"]);
        const left = rowsOf<{ t: string | null; u: string | null }>(
          await handle.db.execute(
            sql`select to_regclass('batch_ok')::text as t, to_regclass('batch_bad')::text as u`,
          ),
        );
        expect(left).toEqual([{ t: "batch_ok", u: null }]);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
      await handle.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
