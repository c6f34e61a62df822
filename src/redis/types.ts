// Interfaces of the Redis layer. Redis-backed and in-process (embedded mode) implementations both
// satisfy them, and the rest of the app depends only on these.

export interface CacheSetOptions {
  /** Seconds; defaults to the manager's default TTL. */
  ttlSeconds?: number;
  /** Tags for group invalidation, e.g. `court:12`, `time-standards`. */
  tags?: string[];
}

/**
 * A namespaced cache (keys live under `cf:cache:<namespace>:`). It never throws because Redis is
 * down or slow: reads become misses and writes are skipped within the command timeout.
 */
export interface CacheManager {
  readonly namespace: string;
  /** Another namespace over the same store and metrics. */
  withNamespace(namespace: string): CacheManager;
  get<T>(key: string): Promise<T | null>;
  set<T>(key: string, value: T, opts?: CacheSetOptions): Promise<void>;
  del(...keys: string[]): Promise<number>;
  exists(key: string): Promise<boolean>;
  mget<T>(keys: string[]): Promise<(T | null)[]>;
  mset<T>(entries: { key: string; value: T; ttlSeconds?: number }[]): Promise<void>;
  /**
   * Read-through; concurrent misses of one key run `load` once (single flight). `admit`, when given,
   * decides whether the loaded value is written (it is returned either way).
   */
  getOrSet<T>(
    key: string,
    ttlSeconds: number,
    load: () => Promise<T>,
    opts?: { tags?: string[]; admit?: (value: T) => Promise<boolean> },
  ): Promise<T>;
  /** Glob pattern within the namespace, SCAN + UNLINK in batches. Returns keys removed. */
  invalidatePattern(pattern: string): Promise<number>;
  /** Removes every key set with any of the tags. Returns keys removed. */
  invalidateTags(tags: string[]): Promise<number>;
  /** Seconds to live; -1 no expiry; -2 missing (Redis semantics). */
  ttl(key: string): Promise<number>;
  expire(key: string, ttlSeconds: number): Promise<boolean>;
  persist(key: string): Promise<boolean>;
  /** Atomic; the TTL is set on the first increment only. */
  incr(key: string, ttlSeconds?: number): Promise<number>;
  decr(key: string, ttlSeconds?: number): Promise<number>;
  incrBy(key: string, by: number, ttlSeconds?: number): Promise<number>;
  /** Keys and bytes of every namespace derived from this store's root (empty when it cannot say). */
  usage(): Promise<import("./metrics").CacheUsageSample[]>;
}

export interface SessionData {
  userId: number;
  role: "admin" | "court_admin" | "analyst" | "viewer";
  courtId: number | null;
  ip: string | null;
  userAgent: string | null;
  /** jti of the only refresh token that may still be used (rotation / reuse detection). */
  refreshJti: string | null;
}

export interface Session extends SessionData {
  id: string;
  createdAt: string;
  lastAccessedAt: string;
  expiresAt: string;
}

/** Thrown by SessionManager and RateLimiter when the store cannot answer: callers fail closed. */
export class StoreUnavailableError extends Error {
  constructor(message = "session store unavailable", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/** Sessions are security state: every method throws StoreUnavailableError rather than guess. */
export interface SessionManager {
  /** New session with an unguessable id (256 random bits, base64url). */
  create(userId: number, data: Omit<SessionData, "userId">, ttlSeconds: number): Promise<Session>;
  /** The session (validated with zod; a corrupt value counts as absent and is removed); touches lastAccessedAt. */
  get(id: string): Promise<Session | null>;
  update(id: string, partial: Partial<Omit<SessionData, "userId">>): Promise<Session | null>;
  /**
   * Compare-and-set of the refresh token a session accepts: sets `next` only while the session still
   * accepts `expected`, atomically, so of two refreshes presenting the same token only one rotates.
   */
  rotateRefresh(id: string, expected: string, next: string): Promise<"rotated" | "mismatch" | "missing">;
  delete(id: string): Promise<boolean>;
  /** Through the per-user index; no SCAN over every session. Returns sessions removed. */
  deleteAllForUser(userId: number): Promise<number>;
  listForUser(userId: number): Promise<Session[]>;
  extend(id: string, ttlSeconds: number): Promise<boolean>;
  /** Number of live sessions (for the active-sessions gauge). */
  countActive(): Promise<number>;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

/** Fixed-window counter under `cf:rl:`, atomic (Lua or MULTI). */
export interface RateLimiter {
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  reset(key: string): Promise<void>;
}

/** The roles a Redis connection plays; each may point at a different server. */
export type RedisRole = "main" | "session" | "cache" | "queue";

/**
 * The process's Redis connections (services mode). `main`: general purpose and rate limits;
 * `session`: sessions; `cache`: CacheManager; `queue`: BullMQ producer connection
 * (enableOfflineQueue: false). Workers create their own blocking connections with
 * createWorkerConnection() (maxRetriesPerRequest: null). Typed loosely so Cluster fits too.
 */
export interface RedisClients {
  main: import("ioredis").Redis | import("ioredis").Cluster;
  session: import("ioredis").Redis | import("ioredis").Cluster;
  cache: import("ioredis").Redis | import("ioredis").Cluster;
  queue: import("ioredis").Redis | import("ioredis").Cluster;
  createWorkerConnection(): import("ioredis").Redis | import("ioredis").Cluster;
  /** Last known state per role, updated on connect/close events (not per command). */
  state(): Record<RedisRole, "up" | "down">;
  close(): Promise<void>;
}

/**
 * Milliseconds since the epoch, as Date.now(). The in-process stores (embedded mode) own their expiry
 * and read the time through this, so a test can move their clock instead of waiting.
 */
export type Clock = () => number;
