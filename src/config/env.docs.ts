import type { RawEnv } from "./env";

// What each variable of the env schema (env.ts) means, for docs/configuration.md. `bun run docs:config`
// writes that page from this table and the schema itself (types, bounds, defaults), and a test fails
// when the page is stale. The Record type makes a new variable without a description a type error.

export const ENV_SECTIONS = [
  "Process",
  "PostgreSQL",
  "Redis",
  "Authentication and rate limits",
  "Jobs and imports",
  "Operator scripts",
] as const;

export type EnvSection = (typeof ENV_SECTIONS)[number];

export interface EnvDoc {
  section: EnvSection;
  /** One or two sentences, Markdown. */
  text: string;
}

export const ENV_DOCS: Record<keyof RawEnv, EnvDoc> = {
  NODE_ENV: {
    section: "Process",
    text:
      "`production` refuses to start without `DATABASE_URL` and `JWT_SECRET` (no embedded database, no " +
      "throw-away secret) and marks the queue-board cookie `Secure`; `development` pretty-prints logs and " +
      "migrates a PostgreSQL `DATABASE_URL` when the API starts.",
  },
  PORT: { section: "Process", text: "Port of the API." },
  API_PROCESSES: {
    section: "Process",
    text:
      "API processes serving `PORT` together (`SO_REUSEPORT`, the kernel spreads connections): `1` is one " +
      "plain process; `N > 1` makes `bun src/index.ts` a supervisor of N children that forwards " +
      "`SIGTERM`/`SIGINT` and restarts a child that exits (docs/scaling.md); `auto` is the number of cores. " +
      "N > 1 needs `DATABASE_URL`, `REDIS_URL` and a fixed `PORT`; process i serves metrics on " +
      "`METRICS_PORT` + i.",
  },
  HOST: {
    section: "Process",
    text: "Bind address of the API and of the worker's HTTP server. The default `127.0.0.1` keeps a bare process (embedded mode seeds public dev passwords) off the network; the container image sets `0.0.0.0`.",
  },
  DASHBOARD_ENABLED: {
    section: "Process",
    text:
      "Serve the reference dashboard at `/dashboard` (docs/dashboard.md). `false`: `/dashboard` answers " +
      "`404` like any unknown path; the API is the same either way.",
  },
  WORKER_PORT: {
    section: "Process",
    text: "Port of the worker process's own `/health`, `/health/detailed` and `/metrics`.",
  },
  LOG_LEVEL: { section: "Process", text: "pino level of every log line; `silent` turns logging off." },
  ALLOWED_ORIGINS: {
    section: "Process",
    text:
      "Browser origins (the dashboard's) that CORS lets call `/api/*`, e.g. " +
      "`https://dashboard.courts.example`. Empty: no cross-origin access.",
  },
  BODY_LIMIT_BYTES: {
    section: "Process",
    text:
      "Largest request body; a bigger one answers `413 PAYLOAD_TOO_LARGE`. Import uploads have their own " +
      "limit, `IMPORT_MAX_BYTES`.",
  },
  SHUTDOWN_TIMEOUT_MS: {
    section: "Process",
    text:
      "After SIGTERM or SIGINT, how long in-flight requests (API) or running jobs (worker) get before " +
      "the process closes them by force.",
  },
  GIT_SHA: {
    section: "Process",
    text: "Commit reported by `GET /api/system/version`; unset or `unknown`: read from git at start.",
  },
  BUILD_TIME: {
    section: "Process",
    text: "Image build time (a Docker build argument), reported by `GET /api/system/version`.",
  },

  DATABASE_URL: {
    section: "PostgreSQL",
    text:
      "The PostgreSQL database. Unset: **embedded mode**, PGlite in `PGLITE_DIR` (development only; " +
      "refused when `NODE_ENV=production`).",
  },
  DIRECT_DATABASE_URL: {
    section: "PostgreSQL",
    text:
      "Connection for migrations and the operator scripts, bypassing a connection pooler; defaults to " +
      "`DATABASE_URL`.",
  },
  DATABASE_REPLICA_URLS: {
    section: "PostgreSQL",
    text:
      "Read replicas (Drizzle `withReplicas`). Only query-builder reads (`db.select`, " +
      "`db.query`) go to a replica; raw SQL (`db.execute`: every measure, the case list and case detail), " +
      "writes and transactions use `DATABASE_URL`.",
  },
  DATABASE_REPLICA_MAX_LAG_S: {
    section: "PostgreSQL",
    text: "A replica further behind the primary than this many seconds gets no reads until it catches up (reads go to the primary meanwhile, and detailed health names it and its lag). Also bounds how long a read-your-writes fence lives.",
  },
  DATABASE_POOL_MAX: {
    section: "PostgreSQL",
    text: "Connections per pool and process (each replica has its own pool of this size).",
  },
  DATABASE_POOL_TIMEOUT_S: { section: "PostgreSQL", text: "Connect timeout of a new connection, seconds." },
  DATABASE_IDLE_TIMEOUT_S: {
    section: "PostgreSQL",
    text: "An idle connection is closed after this many seconds (0: never).",
  },
  DATABASE_QUERY_TIMEOUT_MS: {
    section: "PostgreSQL",
    text:
      "`statement_timeout` of every pool connection: a longer query is cancelled and the request answers " +
      "`504 QUERY_TIMEOUT`. 0: no limit. Import job transactions set their own (15 min).",
  },
  DATABASE_SSL: {
    section: "PostgreSQL",
    text:
      "TLS to PostgreSQL, for the API, the worker and every operator script. `require` encrypts without " +
      "verifying; `verify-ca` checks the CA; `verify-full` also checks the host name. A URL's own `sslmode` " +
      "may ask for more, never less; a failed handshake never falls back to plain text ([security](security.md)).",
  },
  DATABASE_SSL_CA: {
    section: "PostgreSQL",
    text: "PEM file of the CA(s) that sign the server certificate, for `verify-ca`/`verify-full`; else the system CAs.",
  },
  DATABASE_POOLER: {
    section: "PostgreSQL",
    text:
      "`pgbouncer`: `DATABASE_URL` goes through PgBouncer in transaction mode: nothing is prepared and no " +
      "startup parameters are sent (`statement_timeout` comes from the role set by `db:roles`); migrations " +
      "and scripts then need `DIRECT_DATABASE_URL`.",
  },
  DATABASE_PREPARE: {
    section: "PostgreSQL",
    text: "Named prepared statements. Ignored (off) with `DATABASE_POOLER=pgbouncer`.",
  },
  DATABASE_CONNECT_RETRIES: {
    section: "PostgreSQL",
    text:
      "Connection attempts retried at start-up (exponential backoff with jitter) before the process " +
      "exits with `cannot reach PostgreSQL …`.",
  },
  PGLITE_DIR: {
    section: "PostgreSQL",
    text:
      "Embedded database directory (no `DATABASE_URL`). Never open it from two processes at once; " +
      "`memory://` keeps it in memory.",
  },
  EMBEDDED_DEMO_CASES: {
    section: "PostgreSQL",
    text:
      "Embedded mode only: how many demo cases an empty embedded database is seeded with on its first " +
      "start, in the background (with the demo logins, courts, judges and their measures). `0`: none — " +
      "an empty database, for `users:create-admin` and your own imports. Read once, on the first start.",
  },

  DATA_DIR: {
    section: "Process",
    text: "Development state kept across restarts: the generated JWT secret (when `JWT_SECRET` is unset, file mode 0600) and, without Redis, the in-process sessions, so a `--watch` restart does not log everyone out.",
  },
  REDIS_URL: {
    section: "Redis",
    text:
      "`redis://[user:password@]host:port/db`, `rediss://` for TLS. Unset: cache, sessions and rate " +
      "limits live in the process and jobs run in the API process (one process only).",
  },
  CACHE_REDIS_URL: {
    section: "Redis",
    text: "A separate Redis for the cache (it may evict, `allkeys-lru`); defaults to `REDIS_URL`.",
  },
  SESSION_REDIS_URL: {
    section: "Redis",
    text:
      "A separate Redis for sessions (must not evict); defaults to `REDIS_URL`. Rate limits stay on " +
      "`REDIS_URL`.",
  },
  QUEUE_REDIS_URL: {
    section: "Redis",
    text: "The BullMQ Redis; must run `maxmemory-policy noeviction`. Defaults to `REDIS_URL`.",
  },
  REDIS_SENTINELS: {
    section: "Redis",
    text:
      "`host:port,host:port`: reach the roles that follow `REDIS_URL` through Sentinel (`REDIS_URL` still " +
      "gives TLS, credentials and the database).",
  },
  REDIS_SENTINEL_NAME: { section: "Redis", text: "The Sentinel master group." },
  REDIS_CLUSTER_NODES: {
    section: "Redis",
    text:
      "`host:port,host:port`: use Redis Cluster for the roles that follow `REDIS_URL` (which still gives " +
      "TLS and credentials; Cluster has one database).",
  },
  REDIS_TLS_CA: {
    section: "Redis",
    text: "PEM CA file that signs the Redis servers' certificates (`rediss://` URLs); else the system CAs.",
  },
  REDIS_TLS_CERT: {
    section: "Redis",
    text: "Client certificate (PEM) for servers that require one (`tls-auth-clients yes`); set with `REDIS_TLS_KEY`.",
  },
  REDIS_TLS_KEY: { section: "Redis", text: "Key (PEM) of `REDIS_TLS_CERT`." },
  REDIS_COMMAND_TIMEOUT_MS: {
    section: "Redis",
    text:
      "The longest a cache, session or rate-limit command may take before it counts as failed (worker " +
      "connections have no command timeout).",
  },
  REDIS_CONNECT_TIMEOUT_MS: { section: "Redis", text: "Connect timeout of a Redis connection." },
  CACHE_DEFAULT_TTL_S: { section: "Redis", text: "TTL of a cache entry written without its own." },
  CACHE_NAMESPACE_MAX_BYTES: {
    section: "Redis",
    text: "Memory budget of each cache namespace on Redis (values, keys, tags and index); a write beyond it evicts the namespace's entries closest to expiry, so the cache cannot fill a shared Redis.",
  },
  MEASURES_CACHE_WRITES_PER_USER_PER_HOUR: {
    section: "Redis",
    text: "New measure results one user may add to the cache per hour; beyond it their answers are computed and served uncached (`X-Cache: bypass`), so one user cannot churn the cache everyone shares.",
  },
  MEMORY_CACHE_MAX_ENTRIES: {
    section: "Redis",
    text: "Size of the in-process cache (no `REDIS_URL`); the least recently used entries go first.",
  },

  JWT_SECRET: {
    section: "Authentication and rate limits",
    text:
      "HS256 key of access and refresh tokens (the queue-board cookie key is derived from it). Required in " +
      "production; unset in development: a random key per process, so tokens die with it.",
  },
  JWT_EXPIRES_IN: {
    section: "Authentication and rate limits",
    text: "Lifetime of an access token.",
  },
  JWT_REFRESH_EXPIRES_IN: {
    section: "Authentication and rate limits",
    text: "Lifetime of a refresh token and of the session it belongs to.",
  },
  LOGIN_RATE_LIMIT_PER_MIN: {
    section: "Authentication and rate limits",
    text:
      "Login attempts per client IP, and separately per email, in each `RATE_LIMIT_WINDOW_S` window; " +
      "more answer `429 RATE_LIMITED` with `Retry-After`.",
  },
  RATE_LIMIT_WINDOW_S: {
    section: "Authentication and rate limits",
    text: "Window of both rate limits, seconds (the `*_PER_MIN` names assume the default of 60).",
  },
  API_RATE_LIMIT_PER_MIN: {
    section: "Authentication and rate limits",
    text: "Authenticated requests per user in each `RATE_LIMIT_WINDOW_S` window.",
  },
  AUTH_USER_STATE_TTL_MS: {
    section: "Authentication and rate limits",
    text:
      "How long each process trusts what it read of a user's row (active, role, court) before reading it " +
      "again; bounds how late a change made directly in the database is noticed. Changes through the API " +
      "take effect at once (they end the user's sessions). `0` reads the row on every request.",
  },
  TRUST_PROXY: {
    section: "Authentication and rate limits",
    text:
      "Take the client IP (login rate limit, sessions, audit log) from the left-most `X-Forwarded-For` " +
      "entry. Only behind a load balancer that sets it: otherwise a client picks its own IP.",
  },
  METRICS_TOKEN: {
    section: "Authentication and rate limits",
    text:
      "When set, `/api/system/metrics`, `/api/system/health/detailed` and the worker's `/metrics` and " +
      "`/health/detailed` need `Authorization: Bearer <token>`.",
  },

  METRICS_PUBLIC: {
    section: "Process",
    text: "Production refuses to start without `METRICS_TOKEN` unless this says, explicitly, that metrics and `/health/detailed` may be open to anyone who reaches the port.",
  },
  METRICS_PORT: {
    section: "Process",
    text: "A second API listener that serves only metrics and the health endpoints (for scraping on an internal port); metrics then answer 404 on `PORT`.",
  },
  METRICS_HOST: {
    section: "Process",
    text: "Bind address of the `METRICS_PORT` listener; defaults to `HOST`.",
  },
  WORKER_CONCURRENCY: {
    section: "Jobs and imports",
    text:
      "Jobs run at once per queue in a worker process (embedded mode: in the API process, all queues " +
      "together).",
  },
  IMPORT_MAX_BYTES: {
    section: "Jobs and imports",
    text: "Largest import upload: `413` from `Content-Length`, or as soon as the streamed bytes pass it.",
  },
  IMPORT_UPLOAD_TIMEOUT_S: {
    section: "Jobs and imports",
    text: "The whole upload body must arrive within this many seconds, else `408 REQUEST_TIMEOUT` and nothing is kept. Uploads are read to local disk first and take a database connection only once complete.",
  },
  IMPORT_UPLOAD_MIN_BYTES_PER_S: {
    section: "Jobs and imports",
    text: "An upload slower than this, measured over 30-second windows, is cut with `408` (a trickling client cannot hold a worker slot); `0` = no minimum.",
  },
  IMPORT_MAX_UPLOADS_PER_USER: {
    section: "Jobs and imports",
    text: "Uploads one user may be sending at once; beyond it `429`.",
  },
  IMPORT_MAX_ACTIVE_BATCHES_PER_USER: {
    section: "Jobs and imports",
    text: "Batches one user may have queued or processing; beyond it `429`.",
  },
  IMPORT_MAX_STAGED_BYTES_PER_USER: {
    section: "Jobs and imports",
    text: "Bytes of uploaded files one user may have in staging (batches not yet completed); beyond it `429`.",
  },
  IMPORT_SPOOL_DIR: {
    section: "Jobs and imports",
    text: "Local directory where uploads are spooled before they are copied into PostgreSQL (per process; emptied as each upload ends).",
  },
  IMPORT_CHUNK_SIZE: {
    section: "Jobs and imports",
    text: "Staged rows per import transaction; each commits with the batch's checkpoint.",
  },
  IMPORT_ROLLUP_CHUNK_SIZE: {
    section: "Jobs and imports",
    text:
      "Cases per step of the measure refresh that follows imports (derived status events and measure " +
      "rollups of the cases of every waiting batch); larger is cheaper per case, each step is one transaction.",
  },
  WORKER_LOCK_DURATION_MS: {
    section: "Jobs and imports",
    text: "BullMQ job lock: the job of a worker that died is taken over by another after this long.",
  },
  RETENTION_STAGED_DAYS: {
    section: "Jobs and imports",
    text:
      "Staged rows of a failed or partly failed import are deleted this many days after it finished (a " +
      "retry needs them until then); a completed batch's staged rows go as soon as it completes.",
  },
  RETENTION_AUDIT_DAYS: {
    section: "Jobs and imports",
    text: "Audit log rows older than this many days are deleted by the nightly retention job.",
  },

  BACKUP_DIR: {
    section: "Operator scripts",
    text:
      "Where `migrate:staging` and `migrate:prod` write their verified `pg_dump` backups; also the " +
      "directory whose free space the disk health check reports in services mode.",
  },
  SEED_ADMIN_EMAIL: {
    section: "Operator scripts",
    text: "Email of the first admin that `db:seed:prod` creates.",
  },
  SEED_ADMIN_PASSWORD: {
    section: "Operator scripts",
    text: "That admin's password.",
  },
};
