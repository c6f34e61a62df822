import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { freePort, tempDir } from "../../test/helpers/process";

// A throw-away PostgreSQL cluster for one chaos or topology scenario: initdb into a temporary
// directory, trust authentication for the superuser `root`, loopback only, on a free port. The
// scenario may stop and start it at will; the machine's shared PostgreSQL (5432) is never touched.
// A standby of it (pg_basebackup -R, streaming replication) is one call away: startStandby().

/** CHAOS_PG_BIN, else the newest Debian-style /usr/lib/postgresql/<major>/bin, else initdb on PATH. */
function findPgBin(): string {
  if (process.env.CHAOS_PG_BIN) return process.env.CHAOS_PG_BIN;
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => existsSync(join(root, d, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0]) return join(root, majors[0], "bin");
  const initdb = Bun.which("initdb");
  return initdb ? dirname(initdb) : join(root, "15", "bin");
}

const PG_BIN = findPgBin();

export function postgresBinariesPresent(): boolean {
  return existsSync(join(PG_BIN, "initdb")) && existsSync(join(PG_BIN, "pg_ctl"));
}

/** pg_basebackup too: the topology suite's replicas need it. */
export function replicationBinariesPresent(): boolean {
  return postgresBinariesPresent() && existsSync(join(PG_BIN, "pg_basebackup"));
}

/** PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` system user. */
function runAs(): { prefix: string[]; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("running as root needs a `postgres` system user to own the chaos cluster");
  const [, , uid, gid] = line.split(":");
  return { prefix: ["runuser", "-u", "postgres", "--"], uid: Number(uid), gid: Number(gid) };
}

export interface PrivatePostgres {
  port: number;
  dir: string;
  url(database?: string): string;
  /** Fast shutdown: sessions are terminated, as in a failover or a restart by an operator. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGKILL of the postmaster: a crash (the next start runs crash recovery). */
  kill(): Promise<void>;
  /** Immediate shutdown (no checkpoint): the way a primary vanishes in a failover drill. */
  crash(): Promise<void>;
  /** A standby: `pg_ctl promote`, waiting until it accepts writes. */
  promote(): Promise<void>;
  /** One statement as the superuser on the `postgres` database (replay pause/resume, settings). */
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** More server options for this node only (`-c name=value …`); a standby does not inherit them. */
  serverArgs?: string;
}

async function run(cmd: string[], what: string): Promise<void> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${what} failed (${code}): ${err || out}`);
}

function node(dir: string, port: number, opts: PrivatePostgresOptions): PrivatePostgres {
  const prefix = runAs()?.prefix ?? [];
  const data = join(dir, "data");
  // Durability is not under test here (the scenarios stop the server cleanly or restart it), speed is.
  const serverOptions = `-k ${dir} -c listen_addresses=127.0.0.1 -p ${port} -c fsync=off -c full_page_writes=off -c max_connections=200 ${opts.serverArgs ?? ""}`;
  const pgCtl = (...args: string[]) => [...prefix, join(PG_BIN, "pg_ctl"), "-D", data, ...args];
  const url = (database = "postgres") => `postgres://root@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    url,
    start: () =>
      run(
        pgCtl("-o", serverOptions, "-l", join(dir, "server.log"), "-w", "-t", "30", "start"),
        "pg_ctl start",
      ),
    stop: () => run(pgCtl("-m", "fast", "-w", "-t", "30", "stop"), "pg_ctl stop"),
    crash: () => run(pgCtl("-m", "immediate", "-w", "-t", "30", "stop"), "pg_ctl stop -m immediate"),
    promote: () => run(pgCtl("-w", "-t", "30", "promote"), "pg_ctl promote"),
    async kill() {
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      process.kill(pid, "SIGKILL");
      while (existsSync(`/proc/${pid}`)) await Bun.sleep(20);
    },
    async query<T>(text: string): Promise<T[]> {
      const sql = postgres(url(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        return (await sql.unsafe(text)) as unknown as T[];
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
    async destroy() {
      await run(pgCtl("-m", "immediate", "-w", "stop"), "pg_ctl stop").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A temp directory for a server's data, owned by the user the server runs as, and the command prefix. */
function serverDir(name: string): { dir: string; prefix: string[] } {
  const owner = runAs();
  const dir = tempDir(name);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return { dir, prefix: owner?.prefix ?? [] };
}

export async function startPrivatePostgres(opts: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const { dir, prefix } = serverDir("chaos-pg");
  await run(
    [
      ...prefix,
      join(PG_BIN, "initdb"),
      "-D",
      join(dir, "data"),
      "-U",
      "root",
      "--auth=trust",
      "-E",
      "UTF8",
      "--no-sync",
      "--no-instructions",
    ],
    "initdb",
  );
  const pg = node(dir, freePort(), opts);
  await pg.start();
  return pg;
}

/**
 * A streaming-replication standby of `primary` (PostgreSQL 15's defaults already allow it: wal_level
 * replica, max_wal_senders 10, and initdb's trust rules include `replication` from loopback).
 * `pg_basebackup -R` writes standby.signal and primary_conninfo; the port and the other settings come
 * from this node's own command line, so the primary's `serverArgs` (synchronous_standby_names…) stay
 * the primary's.
 */
export async function startStandby(
  primary: PrivatePostgres,
  opts: PrivatePostgresOptions & { applicationName?: string } = {},
): Promise<PrivatePostgres> {
  const { dir, prefix } = serverDir("chaos-pg-standby");
  await run(
    [
      ...prefix,
      join(PG_BIN, "pg_basebackup"),
      "-h",
      "127.0.0.1",
      "-p",
      String(primary.port),
      "-U",
      "root",
      "-D",
      join(dir, "data"),
      "-R",
      "-X",
      "stream",
      "-c",
      "fast",
      "-d",
      `application_name=${opts.applicationName ?? "standby"}`,
    ],
    "pg_basebackup",
  );
  const standby = node(dir, freePort(), opts);
  await standby.start();
  return standby;
}
