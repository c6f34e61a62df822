import { rateLimitKeys } from "./keys";
import { commandTimer, type RedisMetrics } from "./metrics";
import { rateLimitHit, runScript } from "./scripts";
import { isDisconnected, type RedisClient } from "./topology";
import { type RateLimiter, type RateLimitResult, StoreUnavailableError } from "./types";

/** A window's count after a hit and the time until it resets, as the caller's verdict. */
export function rateLimitResult(count: number, ttlMs: number, limit: number): RateLimitResult {
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    retryAfterSeconds: Math.ceil(ttlMs / 1000),
  };
}

/**
 * Fixed-window rate limits on the main client (`cf:rl:<key>`), counted atomically in one Lua call.
 * When Redis cannot answer it throws StoreUnavailableError: the login limit guards against password
 * guessing, so it fails closed rather than letting every attempt through.
 */
export function createRedisRateLimiter(client: RedisClient, deps: { metrics: RedisMetrics }): RateLimiter {
  async function store<T>(fn: () => Promise<T>): Promise<T> {
    if (isDisconnected(client)) throw new StoreUnavailableError("rate limit store unavailable");
    const done = commandTimer(deps.metrics, "main");
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError("rate limit store unavailable", { cause: err });
    } finally {
      done();
    }
  }

  return {
    hit: (key, limit, windowSeconds) =>
      store(async (): Promise<RateLimitResult> => {
        const windowMs = Math.max(1, Math.round(windowSeconds * 1000));
        const reply = (await runScript(client, rateLimitHit, rateLimitKeys.window(key), [windowMs])) as [
          number,
          number,
        ];
        const [count, ttlMs] = reply.map(Number) as [number, number];
        return rateLimitResult(count, ttlMs, limit);
      }),
    reset: (key) =>
      store(async () => {
        await client.unlink(rateLimitKeys.window(key));
      }),
  };
}
