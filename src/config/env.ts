import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

// The one place that reads process.env. Everything else receives the parsed Config.

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

const bool = (defaultValue: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .optional()
    .transform((v) => (v === undefined ? defaultValue : ["true", "1", "yes"].includes(v)));

const int = (defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(defaultValue);

const duration = (defaultValue: string) =>
  z
    .string()
    .regex(/^\d+[smhd]$/, "must be a duration like 30s, 15m, 1h or 7d")
    .default(defaultValue);

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
  .optional();

const redisUrl = z
  .string()
  .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
  .optional();

const hostPortList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const items = (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const nodes: { host: string; port: number }[] = [];
    for (const item of items) {
      const m = /^([^:]+):(\d{1,5})$/.exec(item);
      if (!m) {
        ctx.addIssue({ code: "custom", message: `"${item}" is not host:port` });
        return z.NEVER;
      }
      nodes.push({ host: m[1]!, port: Number(m[2]) });
    }
    return nodes;
  });

/** An IPv4 or IPv6 address or a host name to bind a listener to (no port, no scheme). */
const bindAddress = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/,
    "must be an address like 127.0.0.1, 0.0.0.0 or ::",
  );

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  /**
   * Bind address of the API and of the worker's HTTP server. Loopback by default, so a developer's
   * embedded-mode API (public dev passwords) is not reachable from the network; the container image
   * sets 0.0.0.0.
   */
  HOST: bindAddress.default("127.0.0.1"),
  PORT: int(3001, 0, 65535),
  /**
   * API processes sharing PORT (SO_REUSEPORT): 1 is one plain process; N > 1 makes the entry a
   * supervisor of N children (src/supervisor.ts); `auto` is the number of cores.
   */
  API_PROCESSES: z
    .string()
    .regex(/^(auto|[1-9][0-9]{0,2})$/, "must be a whole number from 1 to 999, or auto")
    .default("1"),
  WORKER_PORT: int(3002, 0, 65535),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ALLOWED_ORIGINS: csv,
  BODY_LIMIT_BYTES: int(1024 * 1024, 1024),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
  GIT_SHA: z.string().optional(),
  /** ISO time the image was built (Docker build arg); reported by /api/system/version. */
  BUILD_TIME: z.string().optional(),
  /** The reference dashboard at /dashboard (src/modules/dashboard); off: the path is a 404. */
  DASHBOARD_ENABLED: bool(true),

  DATABASE_URL: postgresUrl,
  DIRECT_DATABASE_URL: postgresUrl,
  DATABASE_REPLICA_URLS: csv.pipe(z.array(z.string().regex(/^postgres(ql)?:\/\//, "must be postgres URLs"))),
  /** A replica further behind than this gets no reads (they go to the primary) until it catches up. */
  DATABASE_REPLICA_MAX_LAG_S: int(10, 1, 3600),
  DATABASE_POOL_MAX: int(10, 1, 1000),
  DATABASE_POOL_TIMEOUT_S: int(10, 1, 600),
  DATABASE_IDLE_TIMEOUT_S: int(30, 0, 3600),
  DATABASE_QUERY_TIMEOUT_MS: int(30_000, 0),
  /**
   * TLS to PostgreSQL. A URL's own `sslmode` may ask for more, never for less: the stricter of the
   * two applies (src/db/tls.ts). There is no `prefer`: a failed handshake never falls back to plain text.
   */
  DATABASE_SSL: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("disable"),
  /** PEM file of the CA(s) that sign the server certificate, for verify-ca / verify-full; else the system CAs. */
  DATABASE_SSL_CA: z.string().optional(),
  /**
   * `pgbouncer`: DATABASE_URL goes through PgBouncer in transaction mode, which refuses startup
   * parameters and prepared statements: statement_timeout comes from the role (`bun run db:roles`)
   * instead, and nothing is prepared.
   */
  DATABASE_POOLER: z.enum(["none", "pgbouncer"]).default("none"),
  DATABASE_PREPARE: bool(true),
  DATABASE_CONNECT_RETRIES: int(5, 0, 50),
  PGLITE_DIR: z.string().default(".data/pglite"),
  /** Cases of demo data an empty embedded database gets on its first start (0: none). */
  EMBEDDED_DEMO_CASES: int(5000, 0, 200_000),
  /**
   * Development state kept across restarts: the generated JWT secret (when JWT_SECRET is unset) and,
   * without Redis, the in-process sessions.
   */
  DATA_DIR: z.string().default(".data"),

  REDIS_URL: redisUrl,
  CACHE_REDIS_URL: redisUrl,
  SESSION_REDIS_URL: redisUrl,
  QUEUE_REDIS_URL: redisUrl,
  REDIS_SENTINELS: hostPortList,
  REDIS_SENTINEL_NAME: z.string().default("mymaster"),
  REDIS_CLUSTER_NODES: hostPortList,
  /** PEM CA file that signs the Redis servers' certificates (rediss:// URLs); else the system CAs. */
  REDIS_TLS_CA: z.string().optional(),
  /** Client certificate and key (PEM) for servers that require them (redis `tls-auth-clients yes`). */
  REDIS_TLS_CERT: z.string().optional(),
  REDIS_TLS_KEY: z.string().optional(),
  REDIS_COMMAND_TIMEOUT_MS: int(5000, 50),
  REDIS_CONNECT_TIMEOUT_MS: int(10_000, 100),
  CACHE_DEFAULT_TTL_S: int(300, 1),
  /**
   * Memory budget of each cache namespace on Redis (values, keys, tags and index); a write beyond it
   * evicts the namespace's entries closest to expiry. Keeps the cache from filling a shared Redis.
   */
  CACHE_NAMESPACE_MAX_BYTES: int(64 * 1024 * 1024, 64 * 1024),
  /**
   * New measure results one user may add to the cache per hour; beyond it their answers are computed
   * and served uncached (X-Cache: bypass), so one user cannot churn the cache everyone shares.
   */
  MEASURES_CACHE_WRITES_PER_USER_PER_HOUR: int(300, 0),
  MEMORY_CACHE_MAX_ENTRIES: int(10_000, 10),

  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  JWT_EXPIRES_IN: duration("1h"),
  JWT_REFRESH_EXPIRES_IN: duration("7d"),
  LOGIN_RATE_LIMIT_PER_MIN: int(5, 1),
  RATE_LIMIT_WINDOW_S: int(60, 1, 3600),
  API_RATE_LIMIT_PER_MIN: int(600, 1),
  // How long a process trusts what it read of a user's row (active, role, court) before reading it
  // again; bounds how late a change made directly in the database is noticed. 0 = every request.
  AUTH_USER_STATE_TTL_MS: int(5000, 0, 5000),
  // Behind a load balancer the client address is the left-most X-Forwarded-For entry; trusting it
  // without a proxy would let anyone pick the IP the login rate limit counts.
  TRUST_PROXY: bool(false),

  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Production only starts without METRICS_TOKEN when this says, explicitly, that metrics may be open. */
  METRICS_PUBLIC: bool(false),
  /** A second API listener that serves only metrics and the health endpoints (for internal scraping). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Bind address of the METRICS_PORT listener; defaults to HOST. */
  METRICS_HOST: bindAddress.optional(),

  WORKER_CONCURRENCY: int(2, 1, 64),
  IMPORT_MAX_BYTES: int(100 * 1024 * 1024, 1024),
  /** Whole upload body within this long (408 otherwise; nothing is kept). */
  IMPORT_UPLOAD_TIMEOUT_S: int(600, 1, 86_400),
  /** An upload slower than this over 30 s is cut (408); 0 = no minimum. */
  IMPORT_UPLOAD_MIN_BYTES_PER_S: int(4096, 0),
  /** Uploads one user may be sending at once (429 beyond). */
  IMPORT_MAX_UPLOADS_PER_USER: int(2, 1, 100),
  /** Batches one user may have queued or processing (429 beyond). */
  IMPORT_MAX_ACTIVE_BATCHES_PER_USER: int(3, 1, 1000),
  /** Bytes of uploaded files one user may have in staging (batches not yet completed; 429 beyond). */
  IMPORT_MAX_STAGED_BYTES_PER_USER: int(1024 * 1024 * 1024, 1024),
  /** Where uploads are spooled before they are copied into PostgreSQL (local disk, per process). */
  IMPORT_SPOOL_DIR: z.string().default(join(tmpdir(), "courtflow-uploads")),
  /** Staged rows per import transaction (each commits with its checkpoint). */
  IMPORT_CHUNK_SIZE: int(5000, 1, 100_000),
  /** Cases per measure-rollup refresh at the end of an import (each refresh has a fixed cost). */
  IMPORT_ROLLUP_CHUNK_SIZE: int(50_000, 1, 1_000_000),
  /** BullMQ job lock; a worker that dies loses its jobs to another after this long. */
  WORKER_LOCK_DURATION_MS: int(30_000, 1000, 600_000),
  /** Staged rows of failed and partly failed batches (a retry needs them); a completed batch's go at once. */
  RETENTION_STAGED_DAYS: int(7, 1),
  RETENTION_AUDIT_DAYS: int(730, 1),

  BACKUP_DIR: z.string().default("backups"),
  SEED_ADMIN_EMAIL: z.email().optional(),
  SEED_ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").optional(),
});

export type RawEnv = z.infer<typeof envSchema>;

export type Config = RawEnv & {
  /** True when no DATABASE_URL: PGlite in PGLITE_DIR (development only). */
  embeddedDatabase: boolean;
  /**
   * JWT secret: JWT_SECRET, else a random one for this process (src/index.ts swaps in the one kept in
   * DATA_DIR in development: see config/dev-secret.ts).
   */
  jwtSecret: string;
  /** Connection used by migrations: DIRECT_DATABASE_URL, else DATABASE_URL. */
  migrationDatabaseUrl: string | undefined;
  /** API_PROCESSES as a number (`auto`: the cores this machine has). */
  apiProcesses: number;
  warnings: string[];
};

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

export interface LoadOptions {
  /**
   * The API and the worker, which serve HTTP: production then also needs a decision about who may
   * read metrics and the detailed health report. Scripts (migrate, seed) serve nothing.
   */
  serving?: boolean;
}

/** Rules for processes that listen: metrics and the detailed report expose internals. */
function servingProblems(env: RawEnv): string[] {
  if (env.METRICS_TOKEN && env.METRICS_PUBLIC) {
    return ["METRICS_PUBLIC: true contradicts METRICS_TOKEN (metrics would still need the token); unset one"];
  }
  if (env.NODE_ENV === "production" && !env.METRICS_TOKEN && !env.METRICS_PUBLIC) {
    return [
      "METRICS_TOKEN: required in production to protect metrics and /health/detailed (database host, pool, Redis memory, queue failures); set METRICS_PUBLIC=true only to leave them open on purpose",
    ];
  }
  return [];
}

/** API_PROCESSES as a count: `auto` is the cores this process may use. */
export function apiProcessCount(value: string, cores = navigator.hardwareConcurrency): number {
  return value === "auto" ? Math.max(1, cores) : Number(value);
}

/**
 * Several API processes share one port and nothing else: each has its own memory, so everything two
 * requests of one user must agree on lives in PostgreSQL and Redis.
 */
function multiProcessProblems(env: RawEnv, n: number): string[] {
  const problems: string[] = [];
  const what = `API_PROCESSES=${env.API_PROCESSES} (${n} processes)`;
  if (!env.DATABASE_URL)
    problems.push(
      `API_PROCESSES: ${what} needs DATABASE_URL: embedded mode's PGlite directory is owned by one process; set API_PROCESSES=1 or use PostgreSQL`,
    );
  if (!env.REDIS_URL)
    problems.push(
      `API_PROCESSES: ${what} needs REDIS_URL: without Redis, sessions and rate limits live in each process's memory, so a login on one process would be unknown to the others`,
    );
  if (!env.JWT_SECRET && env.NODE_ENV !== "development")
    problems.push(
      `JWT_SECRET: ${what} needs one secret for all of them (without it each process would make its own, and a token from one would fail on the others)`,
    );
  if (env.PORT === 0)
    problems.push(`PORT: ${what} needs a fixed port to share (0 would give each process its own)`);
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT + n - 1 > 65535)
    problems.push(
      `METRICS_PORT: process i listens on METRICS_PORT + i, and ${env.METRICS_PORT} + ${n - 1} is past 65535`,
    );
  return problems;
}

/**
 * The environment without its empty values: `FOO=` (or `FOO=   # comment`, as in .env.example) in a
 * .env file means unset, like a missing line, everywhere the environment is read.
 */
export function withoutEmptyValues(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ""),
  );
}

/**
 * drizzle-kit's database (drizzle.config.ts, which runs outside the app): the migration URL
 * (DIRECT_DATABASE_URL, else DATABASE_URL) exactly as the app and the scripts pick it, else the
 * embedded PGlite directory.
 */
export function drizzleKitDatabase(
  source: Record<string, string | undefined> = process.env,
): { url: string } | { pgliteDir: string } {
  const env = withoutEmptyValues(source);
  const url = env.DIRECT_DATABASE_URL ?? env.DATABASE_URL;
  return url ? { url } : { pgliteDir: env.PGLITE_DIR ?? envSchema.shape.PGLITE_DIR.parse(undefined) };
}

/** Parses an environment; throws EnvError naming every bad field. */
export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  opts: LoadOptions = {},
): Config {
  // Empty strings mean "unset" so that `FOO=` in a .env file behaves like a missing line.
  const cleaned = withoutEmptyValues(source);
  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join(".") || "(env)"}: ${issue.message}`);
    }
    throw new EnvError(problems);
  }
  const env = parsed.data;
  if (env.NODE_ENV === "production") {
    if (!env.DATABASE_URL)
      problems.push("DATABASE_URL: required in production (embedded mode is for development)");
    if (!env.JWT_SECRET) problems.push("JWT_SECRET: required in production");
  }
  if (Boolean(env.REDIS_TLS_CERT) !== Boolean(env.REDIS_TLS_KEY))
    problems.push("REDIS_TLS_CERT: set together with REDIS_TLS_KEY (a client certificate needs its key)");
  if (opts.serving) problems.push(...servingProblems(env));
  const apiProcesses = apiProcessCount(env.API_PROCESSES);
  if (apiProcesses > 1) problems.push(...multiProcessProblems(env, apiProcesses));
  if (problems.length) throw new EnvError(problems);

  const warnings: string[] = [];
  if (opts.serving && env.NODE_ENV === "production" && cleaned.HOST === undefined) {
    warnings.push(
      "HOST is not set: listening on 127.0.0.1 only; set HOST=0.0.0.0 to accept connections from other machines",
    );
  }
  if (opts.serving && env.NODE_ENV === "production" && env.REDIS_URL && !env.CACHE_REDIS_URL) {
    warnings.push(
      "CACHE_REDIS_URL is not set: the cache shares the queue's Redis (which must not evict); each namespace stays within CACHE_NAMESPACE_MAX_BYTES, but a separate Redis with maxmemory and allkeys-lru is recommended",
    );
  }
  if (opts.serving && env.METRICS_PUBLIC) {
    warnings.push(
      "METRICS_PUBLIC=true: metrics and /health/detailed answer anyone who reaches the port; keep them on METRICS_PORT behind the firewall",
    );
  }
  if (opts.serving && apiProcesses > 1 && env.METRICS_PORT === undefined) {
    warnings.push(
      `API_PROCESSES=${apiProcesses} without METRICS_PORT: a scrape of PORT reaches one process chosen by the kernel; set METRICS_PORT so process i answers on METRICS_PORT + i (docs/scaling.md)`,
    );
  }
  if (env.NODE_ENV === "production" && env.ALLOWED_ORIGINS.length === 0)
    warnings.push("ALLOWED_ORIGINS is empty: no browser origin may call this API (CORS)");
  let jwtSecret = env.JWT_SECRET;
  if (!jwtSecret) {
    jwtSecret = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
    warnings.push(
      "JWT_SECRET is not set: using a random per-process secret; tokens will not survive a restart",
    );
  }
  return {
    ...env,
    embeddedDatabase: !env.DATABASE_URL,
    jwtSecret,
    migrationDatabaseUrl: env.DIRECT_DATABASE_URL ?? env.DATABASE_URL,
    apiProcesses,
    warnings,
  };
}

/** For process entries: prints one line per bad field (no stack) and exits 1. */
export function loadConfigOrExit(
  source: Record<string, string | undefined> = process.env,
  opts: LoadOptions = {},
): Config {
  try {
    return loadConfig(source, opts);
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write("courtflow: invalid configuration\n");
      for (const p of err.problems) process.stderr.write(`  ${p}\n`);
      process.exit(1);
    }
    throw err;
  }
}
