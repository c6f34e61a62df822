import type { Clock, RateLimiter, RateLimitResult } from "../types";

const SWEEP_INTERVAL_MS = 60_000;

/** Fixed-window limits in this process (embedded mode), with the Redis limiter's semantics. */
export function createMemoryRateLimiter(opts: { now?: Clock } = {}): RateLimiter {
  const clock = opts.now ?? Date.now;
  const windows = new Map<string, { count: number; resetAt: number }>();
  let sweptAt = clock();

  return {
    async hit(key, limit, windowSeconds): Promise<RateLimitResult> {
      const now = clock();
      if (now - sweptAt > SWEEP_INTERVAL_MS) {
        sweptAt = now;
        for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
      }
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + Math.max(1, Math.round(windowSeconds * 1000)) };
        windows.set(key, w);
      }
      w.count++;
      return {
        allowed: w.count <= limit,
        limit,
        remaining: Math.max(0, limit - w.count),
        retryAfterSeconds: Math.ceil((w.resetAt - now) / 1000),
      };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
