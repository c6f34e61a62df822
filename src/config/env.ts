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

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: int(3001, 0, 65535),
  WORKER_PORT: int(3002, 0, 65535),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ALLOWED_ORIGINS: csv,
  BODY_LIMIT_BYTES: int(1024 * 1024, 1024),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
  GIT_SHA: z.string().optional(),
  /** ISO time the image was built (Docker build arg); reported by /api/system/version. */
  BUILD_TIME: z.string().optional(),

  DATABASE_URL: postgresUrl,
  DIRECT_DATABASE_URL: postgresUrl,
  DATABASE_REPLICA_URLS: csv.pipe(z.array(z.string().regex(/^postgres(ql)?:\/\//, "must be postgres URLs"))),
  /** A replica further behind than this gets no reads (they go to the primary) until it catches up. */
  DATABASE_REPLICA_MAX_LAG_S: int(10, 1, 3600),
  DATABASE_POOL_MAX: int(10, 1, 1000),
  DATABASE_POOL_TIMEOUT_S: int(10, 1, 600),
  DATABASE_IDLE_TIMEOUT_S: int(30, 0, 3600),
  DATABASE_QUERY_TIMEOUT_MS: int(30_000, 0),
  DATABASE_SSL: z.enum(["disable", "require", "verify-full"]).default("disable"),
  DATABASE_PREPARE: bool(true),
  DATABASE_CONNECT_RETRIES: int(5, 0, 50),
  PGLITE_DIR: z.string().default(".data/pglite"),

  REDIS_URL: redisUrl,
  CACHE_REDIS_URL: redisUrl,
  SESSION_REDIS_URL: redisUrl,
  QUEUE_REDIS_URL: redisUrl,
  REDIS_SENTINELS: hostPortList,
  REDIS_SENTINEL_NAME: z.string().default("mymaster"),
  REDIS_CLUSTER_NODES: hostPortList,
  REDIS_COMMAND_TIMEOUT_MS: int(5000, 50),
  REDIS_CONNECT_TIMEOUT_MS: int(10_000, 100),
  CACHE_DEFAULT_TTL_S: int(300, 1),
  MEMORY_CACHE_MAX_ENTRIES: int(10_000, 10),

  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  JWT_EXPIRES_IN: duration("1h"),
  JWT_REFRESH_EXPIRES_IN: duration("7d"),
  LOGIN_RATE_LIMIT_PER_MIN: int(5, 1),
  RATE_LIMIT_WINDOW_S: int(60, 1, 3600),
  API_RATE_LIMIT_PER_MIN: int(600, 1),
  // Behind a load balancer the client address is the left-most X-Forwarded-For entry; trusting it
  // without a proxy would let anyone pick the IP the login rate limit counts.
  TRUST_PROXY: bool(false),

  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),

  WORKER_CONCURRENCY: int(2, 1, 64),
  IMPORT_MAX_BYTES: int(100 * 1024 * 1024, 1024),
  /** Staged rows per import transaction (each commits with its checkpoint). */
  IMPORT_CHUNK_SIZE: int(5000, 1, 100_000),
  /** Cases per measure-rollup refresh at the end of an import (each refresh has a fixed cost). */
  IMPORT_ROLLUP_CHUNK_SIZE: int(50_000, 1, 1_000_000),
  /** BullMQ job lock; a worker that dies loses its jobs to another after this long. */
  WORKER_LOCK_DURATION_MS: int(30_000, 1000, 600_000),
  RETENTION_STAGED_DAYS: int(14, 1),
  RETENTION_AUDIT_DAYS: int(730, 1),

  BACKUP_DIR: z.string().default("backups"),
  SEED_ADMIN_EMAIL: z.email().optional(),
  SEED_ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").optional(),
});

export type RawEnv = z.infer<typeof envSchema>;

export type Config = RawEnv & {
  /** True when no DATABASE_URL: PGlite in PGLITE_DIR (development only). */
  embeddedDatabase: boolean;
  /** JWT secret, generated per process in development when unset. */
  jwtSecret: string;
  /** Connection used by migrations: DIRECT_DATABASE_URL, else DATABASE_URL. */
  migrationDatabaseUrl: string | undefined;
  warnings: string[];
};

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment; throws EnvError naming every bad field. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" so that `FOO=` in a .env file behaves like a missing line.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
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
  if (problems.length) throw new EnvError(problems);

  const warnings: string[] = [];
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
    warnings,
  };
}

/** For process entries: prints one line per bad field (no stack) and exits 1. */
export function loadConfigOrExit(source: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(source);
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write("courtflow: invalid configuration\n");
      for (const p of err.problems) process.stderr.write(`  ${p}\n`);
      process.exit(1);
    }
    throw err;
  }
}
