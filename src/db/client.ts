import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Config } from "../config/env";
import type { Logger } from "../lib/logger";
import { DbStats, instrumentPglite, instrumentPostgres } from "./instrument";
import { lockPgliteDir } from "./pglite-lock";
import { prepareParameterised } from "./prepare";
import { fallbackToPrimary, type ReplicaSet, replicaSetFor } from "./replicas";
import * as schema from "./schema";
import { permanentConnectFailure, resolvePgTls } from "./tls";

export type Schema = typeof schema;
/** The Drizzle database, the same type over postgres.js and PGlite. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DbHandle {
  db: Database;
  kind: "postgres" | "pglite";
  /** host:port/database (never the password) or the PGlite directory. */
  target: string;
  /** The raw postgres.js client, for COPY and streaming; null on PGlite. */
  sql: postgres.Sql | null;
  pglite: PGlite | null;
  /** Query timing and pool demand, fed by the instrumented clients (see instrument.ts). */
  stats: DbStats;
  /** The read replicas and their monitor (DATABASE_REPLICA_URLS); null without replicas. */
  replicas: ReplicaSet | null;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Why a failed first contact can never succeed as configured (TLS, pooler); null: worth a retry. */
  diagnose?(err: unknown): Promise<string | null>;
}

export type DbOptions = Pick<
  Config,
  | "DATABASE_URL"
  | "DATABASE_REPLICA_URLS"
  | "DATABASE_REPLICA_MAX_LAG_S"
  | "DATABASE_POOL_MAX"
  | "DATABASE_POOL_TIMEOUT_S"
  | "DATABASE_IDLE_TIMEOUT_S"
  | "DATABASE_QUERY_TIMEOUT_MS"
  | "DATABASE_SSL"
  | "DATABASE_SSL_CA"
  | "DATABASE_POOLER"
  | "DATABASE_PREPARE"
  | "PGLITE_DIR"
  | "NODE_ENV"
>;

/**
 * Host, port and database of a URL, for messages: the password never leaves this function. A
 * multi-host URL (`postgres://u@h1:5432,h2:5432/db?target_session_attrs=primary`) names every host.
 */
export function describeUrl(url: string): string {
  const m = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?([^/?#]*)(\/[^?#]*)?/.exec(url);
  if (!m?.[1]) return "(unparseable DATABASE_URL)";
  const hosts = m[1].split(",").map((h) => {
    try {
      const u = new URL(`postgres://${h}`);
      return `${u.hostname}:${u.port || "5432"}`;
    } catch {
      return "?";
    }
  });
  return `${hosts.join(",")}${m[2] ?? ""}`;
}

/**
 * Delay before a pool connection reconnects after an error. postgres.js's default grows to 20 s
 * (3^n/100 s with n counted across the whole pool), and queries wait for a connection meanwhile: in
 * the chaos suite a 4 s PostgreSQL restart left requests hanging 13–17 s, past the statement timeout,
 * and the pool took as long to come back. Capped at 1 s, a query during an outage fails within about
 * a second (503 DATABASE_UNAVAILABLE) and the pool is back within a second of the server.
 */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}

export function createPostgresClient(
  url: string,
  opts: DbOptions,
  overrides: { max?: number } = {},
): postgres.Sql {
  const tls = resolvePgTls(url, opts);
  // PgBouncer in transaction mode hands each transaction to any server connection: a prepared
  // statement may be missing there, and it refuses startup parameters other than a few (08P01).
  const pgbouncer = opts.DATABASE_POOLER === "pgbouncer";
  // Drizzle never prepares on its own: see prepare.ts (profiled in `bun run bench`).
  const client = postgres(tls.url, {
    max: overrides.max ?? opts.DATABASE_POOL_MAX,
    connect_timeout: opts.DATABASE_POOL_TIMEOUT_S,
    idle_timeout: opts.DATABASE_IDLE_TIMEOUT_S,
    prepare: opts.DATABASE_PREPARE && !pgbouncer,
    ssl: tls.ssl,
    onnotice: () => {},
    backoff: reconnectDelaySeconds,
    connection: {
      application_name: "courtflow",
      // Applied per connection, so a runaway query fails with 57014 instead of holding the pool.
      // Behind PgBouncer the role carries it instead (`bun run db:roles`; see checkQueryTimeout).
      ...(opts.DATABASE_QUERY_TIMEOUT_MS > 0 && !pgbouncer
        ? { statement_timeout: opts.DATABASE_QUERY_TIMEOUT_MS }
        : {}),
    },
  });
  return prepareParameterised(client);
}

export interface CreateDbHooks {
  /**
   * Builds a fresh PGlite directory (the API does it in a worker thread: pglite-create.ts), under the
   * directory's lock, before PGlite opens it on this thread.
   */
  createFreshPglite?: (dir: string) => Promise<void>;
}

/**
 * Deadlines every query gets on top of statement_timeout (see instrument.ts): a query that has not
 * reached a connection within the pool timeout fails with 503 instead of waiting out a failover, and
 * one sent to a server that went silent fails once statement_timeout has long passed.
 */
function deadlines(opts: DbOptions): { acquireTimeoutMs: number; answerTimeoutMs: number } {
  const acquireTimeoutMs = opts.DATABASE_POOL_TIMEOUT_S * 1000;
  const answerTimeoutMs =
    opts.DATABASE_QUERY_TIMEOUT_MS > 0 ? opts.DATABASE_QUERY_TIMEOUT_MS + acquireTimeoutMs : 0;
  return { acquireTimeoutMs, answerTimeoutMs };
}

export async function createDb(opts: DbOptions, hooks: CreateDbHooks = {}): Promise<DbHandle> {
  if (opts.DATABASE_URL) {
    const stats = new DbStats(opts.DATABASE_POOL_MAX * (1 + opts.DATABASE_REPLICA_URLS.length));
    const raw = createPostgresClient(opts.DATABASE_URL, opts);
    const client = instrumentPostgres(raw, stats, { target: "primary", ...deadlines(opts) });
    const primary = drizzlePostgres({ client, schema }) as unknown as Database;
    const replicas = replicaSetFor({ db: primary, raw }, opts, (url, onLost) => {
      const replicaRaw = createPostgresClient(url, opts);
      const target = describeUrl(url);
      const replicaClient = fallbackToPrimary(
        instrumentPostgres(replicaRaw, stats, { target, ...deadlines(opts) }),
        client,
        (sqlState) => onLost(target, sqlState),
      );
      return {
        target,
        raw: replicaRaw,
        db: drizzlePostgres({ client: replicaClient, schema }) as unknown as Database,
      };
    });
    return {
      db: replicas?.db ?? primary,
      kind: "postgres",
      target: describeUrl(opts.DATABASE_URL),
      sql: client,
      pglite: null,
      stats,
      replicas: replicas?.set ?? null,
      async ping() {
        await client`select 1`;
      },
      async close() {
        replicas?.set.stop();
        await Promise.all(
          [raw, ...(replicas?.set.nodes ?? []).map((n) => n.raw)].map((c) => c.end({ timeout: 5 })),
        );
      },
      diagnose: (err) => permanentConnectFailure(err, resolvePgTls(opts.DATABASE_URL!, opts)),
    };
  }
  if (opts.NODE_ENV === "production") {
    throw new Error("DATABASE_URL is required in production; embedded PGlite is for development only");
  }
  return createPgliteDb(opts.PGLITE_DIR, hooks);
}

/** True when the directory holds a database already (PostgreSQL's PG_VERSION file). */
export function pgliteExists(dir: string): boolean {
  return !dir.startsWith("memory://") && existsSync(join(dir, "PG_VERSION"));
}

/**
 * PGlite in a directory (or in memory with "memory://"). One process per directory, never two: the
 * directory's lock is taken first, and a second opener fails with DatabaseLockedError (pglite-lock.ts).
 */
export async function createPgliteDb(dir: string, hooks: CreateDbHooks = {}): Promise<DbHandle> {
  const inMemory = dir.startsWith("memory://");
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const lock = inMemory ? null : lockPgliteDir(dir);
  let client: PGlite;
  try {
    if (!inMemory && hooks.createFreshPglite && !pgliteExists(dir)) await hooks.createFreshPglite(dir);
    client = await PGlite.create(dir);
  } catch (err) {
    lock?.release();
    throw err;
  }
  const stats = new DbStats(1);
  const db = drizzlePglite({ client: instrumentPglite(client, stats), schema }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    target: dir,
    sql: null,
    pglite: client,
    stats,
    replicas: null,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      try {
        if (!client.closed) await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** Rows of a raw `db.execute()`: postgres.js returns an array, PGlite `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

export interface RetryOptions {
  retries: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
}

export class DatabaseUnreachableError extends Error {
  constructor(
    readonly target: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot reach PostgreSQL at ${target} after ${attempts} attempts: ${redactUrls(reason)}`, {
      cause,
    });
    this.name = "DatabaseUnreachableError";
  }
}

/** A first contact that cannot succeed as configured (see DbHandle.diagnose): no retries. */
export class DatabaseRefusedError extends DatabaseUnreachableError {
  constructor(target: string, reason: string, cause: unknown) {
    super(target, 1, cause);
    this.message = `cannot connect to PostgreSQL at ${target}: ${reason}`;
    this.name = "DatabaseRefusedError";
  }
}

function redactUrls(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:@/\s]+):[^@\s]+@/g, "$1:***@");
}

/** Exponential backoff with full jitter. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/** First contact at start-up: retries with backoff, then gives up naming the host. */
export async function connectWithRetry(handle: DbHandle, opts: RetryOptions): Promise<void> {
  const base = opts.baseDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 8000;
  let lastError: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    try {
      await handle.ping();
      if (attempt > 0) opts.logger?.info({ target: handle.target, attempt }, "database reachable");
      return;
    } catch (err) {
      lastError = err;
      const refused = await handle.diagnose?.(err);
      if (refused) throw new DatabaseRefusedError(handle.target, refused, err);
      if (attempt === opts.retries) break;
      const delay = backoffDelay(attempt, base, max);
      opts.logger?.warn(
        { target: handle.target, attempt: attempt + 1, retryInMs: delay, reason: (err as Error)?.message },
        "database not reachable yet",
      );
      await Bun.sleep(delay);
    }
  }
  throw new DatabaseUnreachableError(handle.target, opts.retries + 1, lastError);
}
