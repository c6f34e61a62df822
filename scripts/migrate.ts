// Backup-aware migrations: `bun run migrate:<dev|staging|prod>[:dry]`. See docs/operations.md.
//
//   dev      apply pending migrations (PostgreSQL, or the embedded PGlite directory without a URL)
//   staging  pg_dump backup, verified, then apply
//   prod     as staging, after confirmation (--yes or CONFIRM=prod), refusing destructive SQL
//            unless --allow-destructive
//   --dry    list the pending migrations with their SQL; apply nothing
//
// Everything after connecting runs under the migration advisory lock, so the backup and the
// migrations it protects cannot interleave with another migrator.
import { existsSync, mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { sql } from "drizzle-orm";
import { rowsOf } from "../src/db/client";
import {
  applyMigrations,
  MIGRATION_LOCK_KEY,
  MIGRATIONS_FOLDER,
  MigrationError,
  type MigrationFile,
  type MigrationStatus,
  migrationStatus,
} from "../src/db/migrate";
import type { PgTlsSettings } from "../src/db/tls";
import {
  CliError,
  confirmOnTerminal,
  EXIT_USAGE,
  formatBytes,
  formatMs,
  parseCli,
  runCli,
  say,
} from "./lib/cli";
import { findDestructive } from "./lib/destructive-sql";
import { dumpDatabase, findTool, type VerifiedBackup, verifyBackup } from "./lib/pg-tools";
import { isTarget, resolveTarget, type Target } from "./lib/target";
import { openTargetDb, type TargetDb } from "./lib/target-db";

const USAGE = `usage: bun scripts/migrate.ts <dev|staging|prod> [options]
  --dry                 list pending migrations and their SQL; apply nothing
  --yes                 confirm a production migration (or CONFIRM=prod in the environment)
  --allow-destructive   let production apply DROP TABLE/COLUMN, TRUNCATE or column type changes
  --migrations <dir>    migrations folder with meta/_journal.json (default: drizzle/)
  --pg-bin <dir>        where pg_dump and pg_restore live (default: PATH)`;

const OPTIONS = {
  dry: { type: "boolean" },
  yes: { type: "boolean" },
  "allow-destructive": { type: "boolean" },
  migrations: { type: "string" },
  "pg-bin": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function printAhead(status: MigrationStatus): void {
  if (status.unknown.length === 0) return;
  say(
    `! the database is ahead of the code: ${plural(status.unknown.length, "applied migration")} unknown here ` +
      `(${status.unknown.map((u) => `created_at ${u.createdAt}, hash ${u.hash.slice(0, 12)}`).join("; ")}). ` +
      "Deploy the newer code, or check --migrations.",
  );
}

function printPending(pending: MigrationFile[], withSql: boolean): void {
  say(`${plural(pending.length, "pending migration")}:`);
  for (const m of pending) {
    say(
      `  ${m.tag}  (${new Date(m.folderMillis).toISOString()}, ${plural(m.statements.length, "statement")})`,
    );
  }
  if (!withSql) return;
  for (const m of pending) {
    say("");
    say(`-- ${m.tag}`);
    for (const s of m.statements) say(`${s.replace(/;?\s*$/, "")};`);
  }
}

function printDestructive(pending: MigrationFile[]): number {
  const findings = findDestructive(pending);
  if (findings.length === 0) {
    say("destructive statements: none");
    return 0;
  }
  say(`destructive statements: ${findings.length}`);
  for (const f of findings) say(`  ! ${f.migration}: ${f.reason}: ${f.statement}`);
  return findings.length;
}

async function dryRun(db: TargetDb, folder: string): Promise<number> {
  const status = await migrationStatus(db.db, folder);
  say(`migrations: ${folder} (${status.applied.length} applied in the database)`);
  printAhead(status);
  if (status.pending.length === 0) {
    say("the database is up to date: nothing to apply");
    return 0;
  }
  printPending(status.pending, true);
  say("");
  printDestructive(status.pending);
  say("dry run: nothing was applied");
  return 0;
}

/** PostgreSQL's own message and the failing statement, from under drizzle's query wrapper. */
function rootCause(err: MigrationError): { reason: string; statement: string | null } {
  let statement: string | null = null;
  let e: unknown = err.cause;
  while (e instanceof Error) {
    const query = (e as { query?: unknown }).query;
    if (typeof query === "string") statement = query;
    if (!(e.cause instanceof Error)) break;
    e = e.cause;
  }
  return { reason: e instanceof Error ? e.message : String(e), statement };
}

/** BACKUP_DIR/<database>-<target>-<UTC timestamp>.dump */
function backupPath(backupDir: string, db: TargetDb, target: Target): string {
  const dir = resolve(backupDir);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const dbName = basename(new URL(db.url!).pathname) || "postgres";
  return join(dir, `${dbName}-${target}-${stamp}.dump`);
}

interface RunOptions {
  target: Target;
  folder: string;
  yes: boolean;
  allowDestructive: boolean;
  pgBin: string | undefined;
  backupDir: string;
  tls: PgTlsSettings;
}

async function takeBackup(db: TargetDb, o: RunOptions): Promise<VerifiedBackup & { ms: number }> {
  const started = performance.now();
  const server = await db.serverVersion();
  const pgDump = await findTool("pg_dump", server, o.pgBin);
  const pgRestore = await findTool("pg_restore", server, o.pgBin);
  const file = backupPath(o.backupDir, db, o.target);
  say(`backup: pg_dump ${pgDump.version} → ${file}`);
  await dumpDatabase(pgDump, db.url!, o.tls, file);
  const verified = await verifyBackup(pgRestore, file);
  const ms = performance.now() - started;
  say(
    `backup verified: ${formatBytes(verified.bytes)}, ${verified.entries} entries (${verified.tables} tables with data), ${formatMs(ms)}`,
  );
  return { ...verified, ms };
}

async function migrate(
  db: TargetDb,
  o: RunOptions,
  env: Record<string, string | undefined>,
): Promise<number> {
  const started = performance.now();
  if (db.kind === "postgres") {
    const got = rowsOf<{ ok: boolean }>(
      await db.db.execute(sql`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as ok`),
    );
    if (!got[0]?.ok) {
      say("waiting for another migration to finish (advisory lock)…");
      await db.db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    }
  }
  let backup: (VerifiedBackup & { ms: number }) | null = null;
  const applied: { tag: string; ms: number }[] = [];
  try {
    const status = await migrationStatus(db.db, o.folder);
    printAhead(status);
    if (status.pending.length === 0) {
      say(
        `the database is up to date (${plural(status.applied.length, "migration")} applied): nothing to do`,
      );
      return 0;
    }
    printPending(status.pending, false);
    const destructive = printDestructive(status.pending);
    if (o.target === "prod" && destructive > 0 && !o.allowDestructive) {
      throw new CliError(
        "refusing: production migrations with destructive statements need --allow-destructive " +
          "(review the statements above; a verified backup is still taken first). Nothing was applied.",
      );
    }
    if (o.target === "prod" && !o.yes && env.CONFIRM !== "prod") {
      if (
        !confirmOnTerminal(
          `Apply ${plural(status.pending.length, "migration")} to PRODUCTION (${db.label})?`,
          "prod",
        )
      ) {
        throw new CliError(
          "refusing: production needs confirmation (--yes or CONFIRM=prod). Nothing was applied.",
        );
      }
    }
    if (o.target !== "dev") backup = await takeBackup(db, o);

    const t0 = performance.now();
    try {
      await applyMigrations(db.db, {
        folder: o.folder,
        onApplied: (tag, ms) => {
          applied.push({ tag, ms });
          say(`applied ${tag} (${formatMs(ms)})`);
        },
      });
    } catch (err) {
      if (!(err instanceof MigrationError)) throw err;
      const failure = rootCause(err);
      const lines = [
        `migration ${err.migration} failed: ${failure.reason}`,
        ...(failure.statement
          ? [`  statement: ${failure.statement.replace(/\s+/g, " ").slice(0, 300)}`]
          : []),
        `  the schema is as it was before ${err.migration} (each migration runs in its own transaction)`,
        `  applied before the failure: ${applied.length ? applied.map((a) => a.tag).join(", ") : "none"}`,
      ];
      if (backup) {
        lines.push(`  backup taken before migrating: ${backup.file}`);
        lines.push(`  restore it with: bun run db:restore ${backup.file} --target ${o.target} --yes`);
      }
      throw new CliError(lines.join("\n"));
    }
    const migrationsMs = performance.now() - t0;
    say("");
    say("summary");
    say(`  target     ${o.target}  ${db.label}`);
    say(`  applied    ${applied.map((a) => a.tag).join(", ")}`);
    say(`  backup     ${backup ? `${backup.file} (${formatBytes(backup.bytes)}, verified)` : "none (dev)"}`);
    say(
      `  duration   ${formatMs(performance.now() - started)}` +
        `${backup ? ` (backup ${formatMs(backup.ms)}, migrations ${formatMs(migrationsMs)})` : ""}`,
    );
    return 0;
  } finally {
    if (db.kind === "postgres") {
      await db.db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
    }
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(Bun.argv.slice(2), OPTIONS, USAGE);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const target = positionals[0];
  if (positionals.length !== 1 || !isTarget(target)) throw new CliError(USAGE, EXIT_USAGE);
  // Scripts assemble their configuration source here and hand it to loadConfig (src/config/env.ts).
  const env = process.env;
  const { config, origin } = resolveTarget(target, env, process.cwd());
  const folder = resolve(values.migrations ?? MIGRATIONS_FOLDER);
  if (!existsSync(join(folder, "meta/_journal.json"))) {
    throw new CliError(`${folder} is not a migrations folder (no meta/_journal.json)`);
  }
  const db = await openTargetDb(target, config);
  try {
    say(`migrate ${target}${values.dry ? " (dry run)" : ""}: ${db.label}  [settings: ${origin}]`);
    if (values.dry) return await dryRun(db, folder);
    return await migrate(
      db,
      {
        target,
        folder,
        yes: Boolean(values.yes),
        allowDestructive: Boolean(values["allow-destructive"]),
        pgBin: values["pg-bin"],
        backupDir: config.BACKUP_DIR,
        tls: config,
      },
      env,
    );
  } finally {
    await db.close();
  }
}

runCli(main);
