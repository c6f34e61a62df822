import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { type PgTlsSettings, resolvePgTls } from "../../src/db/tls";
import { CliError } from "./cli";

// pg_dump / pg_restore as child processes. The connection goes through libpq's environment
// (PGPASSWORD, PGSSLMODE) rather than the command line, so the password never shows in `ps`.

export interface ServerVersion {
  /** e.g. "15.20" */
  version: string;
  major: number;
}

export interface Tool {
  path: string;
  version: string;
  major: number;
}

/** `server_version_num` (150020) → 15.20. */
export function serverVersionOf(versionNum: number): ServerVersion {
  const major = Math.floor(versionNum / 10_000);
  return { major, version: `${major}.${versionNum % 10_000}` };
}

function findExecutable(name: string, binDir: string | undefined): string | null {
  if (!binDir) return Bun.which(name);
  const path = join(binDir, name);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

async function run(cmd: string[], env: Record<string, string> = {}) {
  // The child inherits the environment, as any spawn does (libpq reads PGSSLROOTCERT, PGSERVICE, …
  // from it), plus the connection variables above.
  const proc = Bun.spawn(cmd, { env: { ...Bun.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

/**
 * Finds a PostgreSQL client tool that can work with this server. pg_dump refuses servers newer than
 * itself, and a dump from an older pg_dump may miss what the server has, so: same major or newer.
 */
export async function findTool(
  name: "pg_dump" | "pg_restore",
  server: ServerVersion,
  binDir: string | undefined,
): Promise<Tool> {
  const where = binDir ? `in ${binDir}` : "on PATH";
  const install = `install the PostgreSQL ${server.major} client tools (postgresql-client-${server.major}) or pass --pg-bin <dir>`;
  const path = findExecutable(name, binDir);
  if (!path) throw new CliError(`${name} not found ${where}: ${install}; stopping (no backup, no migration)`);
  const { stdout, code } = await run([path, "--version"]);
  const m = /(\d+)(?:\.(\d+))?/.exec(stdout);
  if (code !== 0 || !m) throw new CliError(`${path} --version failed: cannot tell its version; stopping`);
  const tool = { path, version: m[2] ? `${m[1]}.${m[2]}` : m[1]!, major: Number(m[1]) };
  if (tool.major < server.major) {
    throw new CliError(
      `${name} ${tool.version} (${path}) is older than the server (PostgreSQL ${server.version}): ` +
        `it cannot take a reliable backup of this database; ${install}; stopping (no backup, no migration)`,
    );
  }
  return tool;
}

/**
 * libpq connection: the URL without its password and TLS parameters; the password, SSL mode and CA
 * file in the environment, resolved as the app resolves them (src/db/tls.ts). Without a CA file,
 * libpq's verify modes use ~/.postgresql/root.crt, not the system CAs.
 */
export function libpqConnection(
  url: string,
  settings: PgTlsSettings,
): { dbname: string; env: Record<string, string> } {
  const tls = resolvePgTls(url, settings);
  const u = new URL(tls.url);
  const env: Record<string, string> = {};
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = "";
  if (tls.mode !== "disable") env.PGSSLMODE = tls.mode;
  if (tls.caFile) env.PGSSLROOTCERT = tls.caFile;
  return { dbname: u.toString(), env };
}

export async function dumpDatabase(
  pgDump: Tool,
  url: string,
  tls: PgTlsSettings,
  file: string,
): Promise<void> {
  const conn = libpqConnection(url, tls);
  const r = await run([pgDump.path, "--format=custom", "--file", file, "--dbname", conn.dbname], conn.env);
  if (r.code !== 0) throw new CliError(`pg_dump failed (exit ${r.code}): ${r.stderr.trim()}`);
}

export interface VerifiedBackup {
  file: string;
  bytes: number;
  /** Entries in the archive's table of contents (tables, indexes, data, …). */
  entries: number;
  /** Tables whose data the archive holds. */
  tables: number;
}

/** A backup counts only when it is not empty and pg_restore can read its table of contents. */
export async function verifyBackup(pgRestore: Tool, file: string): Promise<VerifiedBackup> {
  let bytes = 0;
  try {
    bytes = statSync(file).size;
  } catch {
    throw new CliError(`backup ${file} was not written`);
  }
  if (bytes === 0) throw new CliError(`backup ${file} is empty`);
  const r = await run([pgRestore.path, "--list", file]);
  if (r.code !== 0) throw new CliError(`backup ${file} is unreadable: pg_restore --list: ${r.stderr.trim()}`);
  // An empty database (a first migration) dumps to a header and no entries: still a valid backup.
  const lines = r.stdout.split("\n").filter((l) => l.trim() && !l.startsWith(";"));
  return { file, bytes, entries: lines.length, tables: lines.filter((l) => / TABLE DATA /.test(l)).length };
}

/**
 * Restores an archive: objects it contains are dropped and recreated, in one transaction, so a
 * failed restore leaves the target as it was.
 */
export async function restoreDatabase(
  pgRestore: Tool,
  url: string,
  tls: PgTlsSettings,
  file: string,
): Promise<void> {
  const conn = libpqConnection(url, tls);
  const r = await run(
    [
      pgRestore.path,
      "--clean",
      "--if-exists",
      "--no-owner",
      "--single-transaction",
      "--exit-on-error",
      "--dbname",
      conn.dbname,
      file,
    ],
    conn.env,
  );
  if (r.code !== 0)
    throw new CliError(`pg_restore failed (exit ${r.code}); the target is unchanged: ${r.stderr.trim()}`);
}
