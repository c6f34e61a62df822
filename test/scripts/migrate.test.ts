import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { migratePostgres, readMigrations } from "../../src/db/migrate";
import { describePg } from "../helpers/guards";
import { tempDir } from "../helpers/process";
import { createScratchDatabase } from "../helpers/scratch-db";
import { migrationsWith, rowCounts, runScript, schemaFingerprint, withClient } from "../helpers/scripts";

// These tests start real processes and databases: a busy machine needs more than the default 5 s.
const SLOW = 60_000;

// scripts/migrate.ts and scripts/restore.ts as operators run them: real processes, real PostgreSQL.

type Scratch = Awaited<ReturnType<typeof createScratchDatabase>>;
const scratches: Scratch[] = [];
const dirs: string[] = [];
/** A temporary directory removed after the file's tests. */
function tmp(prefix: string): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
}
/** drizzle/ plus extra migrations, in a temporary folder removed after the file's tests. */
function migrations(extra: Parameters<typeof migrationsWith>[0]): string {
  const dir = migrationsWith(extra);
  dirs.push(dir);
  return dir;
}
async function scratch(prefix: string, migrated = true): Promise<Scratch> {
  const s = await createScratchDatabase(prefix);
  scratches.push(s);
  if (migrated) await migratePostgres(s.url);
  return s;
}

const appliedCount = (url: string) =>
  withClient(url, async (sql) => {
    const [r] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    return r!.n as number;
  });

const hasColumn = (url: string, table: string, column: string) =>
  withClient(url, async (sql) => {
    const rows =
      await sql`select 1 from information_schema.columns where table_name = ${table} and column_name = ${column}`;
    return rows.length === 1;
  });

const backupsIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".dump"));

const ADD_NOTES = { tag: "0100_court_notes", sql: ['ALTER TABLE "courts" ADD COLUMN "notes" text;'] };

describePg("scripts/migrate.ts", () => {
  let backupDir: string;
  beforeAll(() => {
    backupDir = tmp("backups");
  }, SLOW);
  afterAll(async () => {
    await Promise.all(scratches.map((s) => s.drop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, SLOW);

  test(
    "a dry run prints every pending migration with its SQL and leaves the database untouched",
    async () => {
      const db = await scratch("cf_mig_dry", false);
      const r = await runScript("migrate.ts", ["dev", "--dry"], { DATABASE_URL: db.url });
      expect(r.code).toBe(0);
      for (const m of readMigrations()) expect(r.stdout).toContain(m.tag);
      expect(r.stdout).toContain('CREATE TABLE "cases"');
      expect(r.stdout).toContain("dry run: nothing was applied");
      const objects = await withClient(
        db.url,
        (sql) => sql`select count(*)::int as n from pg_tables where schemaname in ('public', 'drizzle')`,
      );
      expect(objects[0]!.n).toBe(0);
    },
    SLOW,
  );

  test(
    "migrate applies every migration, and a second run is a no-op",
    async () => {
      const db = await scratch("cf_mig_apply", false);
      const first = await runScript("migrate.ts", ["dev"], { DATABASE_URL: db.url });
      expect(first.code).toBe(0);
      for (const m of readMigrations()) expect(first.stdout).toContain(`applied ${m.tag}`);
      expect(first.stdout).toContain("summary");
      expect(await appliedCount(db.url)).toBe(readMigrations().length);
      const schema = await schemaFingerprint(db.url);

      const second = await runScript("migrate.ts", ["dev"], { DATABASE_URL: db.url });
      expect(second.code).toBe(0);
      expect(second.stdout).toContain("up to date");
      expect(second.stdout).not.toContain("applied 0");
      expect(await appliedCount(db.url)).toBe(readMigrations().length);
      expect(await schemaFingerprint(db.url)).toEqual(schema);
    },
    SLOW,
  );

  test(
    "a dry run says when the database is ahead of the code",
    async () => {
      const db = await scratch("cf_mig_ahead");
      await migratePostgres(db.url, { folder: migrations([ADD_NOTES]) });
      const r = await runScript("migrate.ts", ["staging", "--dry"], { DATABASE_URL: db.url });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("the database is ahead of the code: 1 applied migration unknown here");
    },
    SLOW,
  );

  test(
    "staging takes a verified backup first, which restores into a scratch database with equal row counts",
    async () => {
      const source = await scratch("cf_mig_src");
      await withClient(source.url, async (sql) => {
        await sql`insert into courts (code, name, level) values ('D01', 'District One', 'trial'), ('D02', 'District Two', 'trial')`;
        await sql`insert into time_standards (case_type, percent, days) values ('felony', 75, 90)`;
      });
      const before = await rowCounts(source.url);
      const folder = migrations([ADD_NOTES]);

      const r = await runScript("migrate.ts", ["staging", "--migrations", folder], {
        DATABASE_URL: source.url,
        BACKUP_DIR: backupDir,
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("backup verified");
      expect(r.stdout).toContain(`applied ${ADD_NOTES.tag}`);
      const files = backupsIn(backupDir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^cf_mig_src_.*-staging-\d{8}T\d{6}Z\.dump$/);
      const file = join(backupDir, files[0]!);
      expect(statSync(file).size).toBeGreaterThan(0);
      expect(r.stdout).toContain(file);
      expect(await hasColumn(source.url, "courts", "notes")).toBe(true);

      // Nothing pending: no second backup.
      const again = await runScript("migrate.ts", ["staging", "--migrations", folder], {
        DATABASE_URL: source.url,
        BACKUP_DIR: backupDir,
      });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("up to date");
      expect(backupsIn(backupDir)).toHaveLength(1);

      const target = await scratch("cf_mig_restore", false);
      const refused = await runScript("restore.ts", [file, "--target", "staging"], {
        DATABASE_URL: target.url,
      });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("needs confirmation");

      const restored = await runScript("restore.ts", [file, "--target", "staging", "--yes"], {
        DATABASE_URL: target.url,
      });
      expect(restored.code).toBe(0);
      expect(await rowCounts(target.url)).toEqual(before);
      expect(await rowCounts(target.url)).toEqual(await rowCounts(source.url));
      // The backup is the state before the migration.
      expect(await hasColumn(target.url, "courts", "notes")).toBe(false);
      expect(await appliedCount(target.url)).toBe(readMigrations().length);
    },
    SLOW,
  );

  test(
    "production refuses destructive statements unless --allow-destructive",
    async () => {
      const db = await scratch("cf_mig_destructive");
      const folder = migrations([
        { tag: "0100_drop_source_hash", sql: ['ALTER TABLE "cases" DROP COLUMN "source_hash";'] },
      ]);
      const dir = tmp("backups-prod");

      const refused = await runScript("migrate.ts", ["prod", "--yes", "--migrations", folder], {
        DATABASE_URL: db.url,
        BACKUP_DIR: dir,
      });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain("0100_drop_source_hash: DROP COLUMN");
      expect(refused.stderr).toContain("--allow-destructive");
      expect(await hasColumn(db.url, "cases", "source_hash")).toBe(true);
      expect(backupsIn(dir)).toHaveLength(0);

      const allowed = await runScript(
        "migrate.ts",
        ["prod", "--yes", "--allow-destructive", "--migrations", folder],
        {
          DATABASE_URL: db.url,
          BACKUP_DIR: dir,
        },
      );
      expect(allowed.code).toBe(0);
      expect(await hasColumn(db.url, "cases", "source_hash")).toBe(false);
      expect(backupsIn(dir)).toHaveLength(1);
    },
    SLOW,
  );

  test(
    "production needs --yes or CONFIRM=prod",
    async () => {
      const db = await scratch("cf_mig_confirm");
      const folder = migrations([ADD_NOTES]);
      const dir = tmp("backups-confirm");
      const refused = await runScript("migrate.ts", ["prod", "--migrations", folder], {
        DATABASE_URL: db.url,
        BACKUP_DIR: dir,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("production needs confirmation");
      expect(await hasColumn(db.url, "courts", "notes")).toBe(false);

      const confirmed = await runScript("migrate.ts", ["prod", "--migrations", folder], {
        DATABASE_URL: db.url,
        BACKUP_DIR: dir,
        CONFIRM: "prod",
      });
      expect(confirmed.code).toBe(0);
      expect(await hasColumn(db.url, "courts", "notes")).toBe(true);
    },
    SLOW,
  );

  test(
    "a failing migration exits non-zero, is named, and leaves the schema as it was",
    async () => {
      const db = await scratch("cf_mig_fail");
      const folder = migrations([
        ADD_NOTES,
        {
          tag: "0101_broken",
          sql: [
            'CREATE TABLE "half_done" ("id" integer);',
            'ALTER TABLE "no_such_table" ADD COLUMN "x" integer;',
          ],
        },
      ]);
      const r = await runScript("migrate.ts", ["dev", "--migrations", folder], { DATABASE_URL: db.url });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("migration 0101_broken failed");
      expect(r.stderr).toContain('relation "no_such_table" does not exist');
      expect(r.stderr).toContain(`applied before the failure: ${ADD_NOTES.tag}`);
      // 0100 committed on its own; 0101 rolled back entirely, including its first statement.
      expect(await hasColumn(db.url, "courts", "notes")).toBe(true);
      const halfDone = await withClient(db.url, (sql) => sql`select to_regclass('public.half_done') as t`);
      expect(halfDone[0]!.t).toBeNull();
      expect(await appliedCount(db.url)).toBe(readMigrations().length + 1);

      // Retrying changes nothing more: the schema stays exactly as the failure left it.
      const schema = await schemaFingerprint(db.url);
      const retry = await runScript("migrate.ts", ["dev", "--migrations", folder], { DATABASE_URL: db.url });
      expect(retry.code).toBe(1);
      expect(retry.stderr).toContain("0101_broken");
      expect(await schemaFingerprint(db.url)).toEqual(schema);
    },
    SLOW,
  );

  test(
    "a missing or older pg_dump stops staging before anything is applied, saying so",
    async () => {
      const db = await scratch("cf_mig_pgdump");
      const folder = migrations([ADD_NOTES]);
      const empty = tmp("no-pg-bin");
      const missing = await runScript("migrate.ts", ["staging", "--migrations", folder, "--pg-bin", empty], {
        DATABASE_URL: db.url,
        BACKUP_DIR: backupDir,
      });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`pg_dump not found in ${empty}`);

      const old = tmp("old-pg-bin");
      for (const tool of ["pg_dump", "pg_restore"]) {
        writeFileSync(join(old, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) 9.6.24"\n`);
        chmodSync(join(old, tool), 0o755);
      }
      const older = await runScript("migrate.ts", ["staging", "--migrations", folder, "--pg-bin", old], {
        DATABASE_URL: db.url,
        BACKUP_DIR: backupDir,
      });
      expect(older.code).toBe(1);
      expect(older.stderr).toMatch(/pg_dump 9\.6 \(.*\) is older than the server \(PostgreSQL \d+\.\d+\)/);
      expect(await hasColumn(db.url, "courts", "notes")).toBe(false);
    },
    SLOW,
  );

  test(
    "a target's .env file defines its connection, over connection variables in the shell",
    async () => {
      const db = await scratch("cf_mig_envfile");
      const cwd = tmp("envfile");
      writeFileSync(join(cwd, ".env.staging"), `# staging\nDATABASE_URL=${db.url}  # the scratch database\n`);
      const r = await runScript(
        "migrate.ts",
        ["staging", "--dry"],
        { DATABASE_URL: "postgres://root@127.0.0.1:5432/courtflow_no_such_database" },
        cwd,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("[settings: .env.staging]");
      expect(r.stdout).toContain(new URL(db.url).pathname);
      expect(r.stdout).toContain("up to date");
    },
    SLOW,
  );

  test(
    "staging and production without a database URL say which variable is missing",
    async () => {
      const r = await runScript("migrate.ts", ["prod", "--dry"], {});
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no database for prod: set DIRECT_DATABASE_URL or DATABASE_URL");
    },
    SLOW,
  );
});
