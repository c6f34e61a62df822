import { rateLimitKeys, sessionKeys } from "./keys";
import { commandTimer, type RedisMetrics } from "./metrics";
import { rateLimitResult } from "./rate-limiter";
import { fixedWindowHitLua, runScriptKeys, type Script, script } from "./scripts";
import { decodeSession, isSessionId, pairsToRecord } from "./session-codec";
import { isDisconnected, type RedisClient } from "./topology";
import type { RateLimiter, RateLimitResult, Session, SessionManager } from "./types";
import { StoreUnavailableError } from "./types";

/** A rate limit to count: `key` as RateLimiter.hit takes it. */
export interface LimitSpec {
  key: string;
  max: number;
  windowSeconds: number;
}

export interface Admission {
  /** The session, read and touched (null: absent, expired or damaged). */
  session: Session | null;
  /** The rate limit after this hit; null when nothing was counted (no session, or another user's). */
  rate: RateLimitResult | null;
}

/**
 * What every authenticated request asks of the session and rate-limit stores: the session (read and
 * touched, as SessionManager.get) and, only when it exists and belongs to `userId`, one hit of the
 * caller's rate limit (as RateLimiter.hit). Both are security state, so a store that cannot answer
 * throws StoreUnavailableError, as they do.
 */
export interface RequestGate {
  admit(sessionId: string, userId: number, limit: LimitSpec): Promise<Admission>;
}

/** The two stores one after the other: embedded mode, Cluster, or sessions on a server of their own. */
export function sequentialGate(sessions: SessionManager, rateLimiter: RateLimiter): RequestGate {
  return {
    async admit(sessionId, userId, limit) {
      const session = await sessions.get(sessionId);
      if (!session || session.userId !== userId) return { session, rate: null };
      return { session, rate: await rateLimiter.hit(limit.key, limit.max, limit.windowSeconds) };
    },
  };
}

/**
 * sessionTouch and rateLimitHit in one script, so an authenticated request costs one Redis round trip
 * instead of two. KEYS: session hash, rate-limit counter. ARGV: lastAccessedAt (encoded), the userId
 * the session must hold (encoded), window ms. Returns nil when the session is absent, else
 * { HGETALL, count, ms until reset } — without the count (nothing counted, as before) when the session
 * is another user's or not a hash. A hash whose fields fail to decode in JS has had its hit counted.
 */
export const sessionTouchAndHit = script(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return false end
if kind ~= 'hash' then return { {} } end
redis.call('HSET', KEYS[1], 'lastAccessedAt', ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
if redis.call('HGET', KEYS[1], 'userId') ~= ARGV[2] then return { fields } end
${fixedWindowHitLua("KEYS[2]", "ARGV[3]")}
return { fields, count, ttl }`);

/**
 * The gate when sessions and rate limits live on the same server and database (the usual single
 * REDIS_URL, standalone or Sentinel; not Cluster, where the two keys hash to different slots). Same
 * keys and same counting as the session manager and the rate limiter, so other processes — and the
 * login limits — share the counters. A session that does not decode is left to `sessions.get`, which
 * removes it and its index entries and reads as absent.
 */
export function createRedisRequestGate(
  client: RedisClient,
  deps: { metrics: RedisMetrics; sessions: SessionManager },
  scriptOf: Script = sessionTouchAndHit,
): RequestGate {
  return {
    async admit(sessionId, userId, limit) {
      if (!isSessionId(sessionId)) {
        // Cannot exist; still "store down" while Redis is, like SessionManager.get.
        if (client.status !== "ready") throw new StoreUnavailableError();
        return { session: null, rate: null };
      }
      if (isDisconnected(client)) throw new StoreUnavailableError();
      const windowMs = Math.max(1, Math.round(limit.windowSeconds * 1000));
      const done = commandTimer(deps.metrics, "session");
      let reply: unknown;
      try {
        reply = await runScriptKeys(
          client,
          scriptOf,
          [sessionKeys.session(sessionId), rateLimitKeys.window(limit.key)],
          [JSON.stringify(new Date().toISOString()), JSON.stringify(userId), windowMs],
        );
      } catch (err) {
        throw new StoreUnavailableError("session store unavailable", { cause: err });
      } finally {
        done();
      }
      if (reply === null) return { session: null, rate: null };
      const [fields, count, ttlMs] = reply as [unknown, number | undefined, number | undefined];
      const session = decodeSession(sessionId, pairsToRecord(fields));
      if (!session) return { session: await deps.sessions.get(sessionId), rate: null };
      if (count === undefined || session.userId !== userId) return { session, rate: null };
      return { session, rate: rateLimitResult(Number(count), Number(ttlMs), limit.max) };
    },
  };
}
