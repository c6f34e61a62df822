import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle } from "drizzle-orm/postgres-js";
import { type Database, rowsOf } from "./client";
import { openDirectConnection } from "./direct";
import type { PgTlsSettings } from "./tls";

// Our own runner over drizzle-kit's files and drizzle's migrations table (same layout, so
// drizzle-kit and this runner agree on what is applied), because we need what drizzle's migrate()
// does not give: one transaction per migration, the failing migration named, and an advisory lock.

export const MIGRATIONS_FOLDER = resolve(import.meta.dir, "../../drizzle");
const MIGRATIONS_SCHEMA = "drizzle";
const MIGRATIONS_TABLE = "__drizzle_migrations";
/** pg_advisory_lock key: two processes migrating together queue instead of racing. */
export const MIGRATION_LOCK_KEY = 7_246_150_301;

export interface MigrationFile {
  tag: string;
  folderMillis: number;
  hash: string;
  statements: string[];
}

export function readMigrations(folder = MIGRATIONS_FOLDER): MigrationFile[] {
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string; when: number }[];
  };
  const files = readMigrationFiles({ migrationsFolder: folder });
  return files.map((f, i) => ({
    tag: journal.entries[i]?.tag ?? `#${i}`,
    folderMillis: f.folderMillis,
    hash: f.hash,
    statements: f.sql.map((s) => s.trim()).filter(Boolean),
  }));
}

export interface MigrationStatus {
  applied: { hash: string; createdAt: number; tag: string | null }[];
  pending: MigrationFile[];
  /** Applied in the database but unknown to this code: the database is ahead. */
  unknown: { hash: string; createdAt: number }[];
  upToDate: boolean;
}

async function appliedRows(db: Database): Promise<{ hash: string; createdAt: number }[]> {
  const exists = rowsOf<{ t: string | null }>(
    await db.execute(sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`}) as t`),
  );
  if (!exists[0]?.t) return [];
  const rows = rowsOf<{ hash: string; created_at: string | number }>(
    await db.execute(
      sql`select hash, created_at from ${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)} order by created_at`,
    ),
  );
  return rows.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }));
}

export async function migrationStatus(db: Database, folder = MIGRATIONS_FOLDER): Promise<MigrationStatus> {
  const files = readMigrations(folder);
  const applied = await appliedRows(db);
  const last = applied.at(-1)?.createdAt ?? -1;
  // Same rule as drizzle's migrator: a migration is pending when newer than the last applied one.
  const pending = files.filter((f) => f.folderMillis > last);
  const known = new Set(files.map((f) => f.folderMillis));
  const unknown = applied.filter((a) => !known.has(a.createdAt));
  return {
    applied: applied.map((a) => ({
      ...a,
      tag: files.find((f) => f.folderMillis === a.createdAt)?.tag ?? null,
    })),
    pending,
    unknown,
    upToDate: pending.length === 0,
  };
}

export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(`migration ${migration} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "MigrationError";
  }
}

export interface MigrateResult {
  applied: string[];
  durationMs: number;
}

/**
 * Several pending migrations in one transaction and one round trip, through a client that runs a
 * multi-statement text (PGlite's exec). For a fresh embedded database, where the ten-odd migrations
 * otherwise cost a transaction and a few dozen round trips each. All or nothing; on failure the
 * caller replays them one by one, which names the migration that fails.
 */
async function applyAllAtOnce(
  pending: MigrationFile[],
  exec: (text: string) => Promise<unknown>,
): Promise<boolean> {
  const table = `"${MIGRATIONS_SCHEMA}"."${MIGRATIONS_TABLE}"`;
  const text = [
    "begin",
    ...pending.flatMap((m) => [
      ...m.statements,
      `insert into ${table} (hash, created_at) values ('${m.hash.replace(/'/g, "''")}', ${Number(m.folderMillis)})`,
    ]),
    "commit",
  ].join(";\n");
  try {
    await exec(text);
    return true;
  } catch {
    await exec("rollback").catch(() => {});
    return false;
  }
}

/** Applies pending migrations, each in its own transaction, holding the advisory lock throughout. */
export async function applyMigrations(
  db: Database,
  opts: {
    folder?: string;
    onApplied?: (tag: string, ms: number) => void;
    /** A multi-statement executor (PGlite's exec): several pending migrations then go in one transaction. */
    execMany?: (text: string) => Promise<unknown>;
  } = {},
): Promise<MigrateResult> {
  const started = performance.now();
  await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    await db.execute(sql`create schema if not exists ${sql.identifier(MIGRATIONS_SCHEMA)}`);
    await db.execute(
      sql`create table if not exists ${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)} (id serial primary key, hash text not null, created_at bigint)`,
    );
    // Read the status under the lock: a migrator that waited sees what the first one applied.
    const { pending } = await migrationStatus(db, opts.folder);
    const applied: string[] = [];
    if (
      opts.execMany &&
      !opts.onApplied &&
      pending.length > 1 &&
      (await applyAllAtOnce(pending, opts.execMany))
    )
      return { applied: pending.map((m) => m.tag), durationMs: Math.round(performance.now() - started) };
    for (const m of pending) {
      const t0 = performance.now();
      try {
        await db.transaction(async (tx) => {
          for (const stmt of m.statements) await tx.execute(sql.raw(stmt));
          await tx.execute(
            sql`insert into ${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)} (hash, created_at) values (${m.hash}, ${m.folderMillis})`,
          );
        });
      } catch (err) {
        throw new MigrationError(m.tag, err);
      }
      applied.push(m.tag);
      opts.onApplied?.(m.tag, performance.now() - t0);
    }
    return { applied, durationMs: Math.round(performance.now() - started) };
  } finally {
    await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
  }
}

/**
 * Migrates a PostgreSQL database over one dedicated connection (session-level advisory locks belong
 * to a connection, so the pool must not hand the lock and the work to different ones).
 */
export async function migratePostgres(
  url: string,
  opts: {
    folder?: string;
    onApplied?: (tag: string, ms: number) => void;
    /** TLS as configured (DATABASE_SSL, DATABASE_SSL_CA); the URL's own sslmode/sslrootcert apply too. */
    tls?: PgTlsSettings;
  } = {},
): Promise<MigrateResult> {
  const client = openDirectConnection(url, opts.tls ?? { DATABASE_SSL: "disable" }, {
    applicationName: "courtflow-migrate",
  });
  try {
    return await applyMigrations(drizzle({ client }) as unknown as Database, opts);
  } finally {
    await client.end({ timeout: 5 });
  }
}
