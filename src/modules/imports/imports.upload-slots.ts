import { rateLimitKeys } from "../../redis/keys";
import { runScript, script } from "../../redis/scripts";
import type { RedisClient } from "../../redis/topology";

// How many uploads one user may be sending at once, across every API process: a sorted set per user
// in Redis (the rate-limit keyspace), one member per upload in progress, scored by the time it lapses
// (so a process that dies mid-upload frees its slot at the upload deadline). Embedded mode, one
// process, counts in memory.

export interface UploadSlots {
  /** A release function, or null when the user already has `max` uploads in progress. */
  acquire(userId: number): Promise<(() => Promise<void>) | null>;
}

/** KEYS[1] the user's set. ARGV: now ms, lapse ms, max, member, key ttl ms. 1 = taken, 0 = full. */
const takeSlot = script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`);

export function redisUploadSlots(client: RedisClient, opts: { max: number; lapseMs: number }): UploadSlots {
  return {
    async acquire(userId) {
      const key = rateLimitKeys.window(`import-uploads:${userId}`);
      const member = crypto.randomUUID();
      const now = Date.now();
      const taken = await runScript(client, takeSlot, key, [
        now,
        now + opts.lapseMs,
        opts.max,
        member,
        opts.lapseMs,
      ]);
      if (Number(taken) !== 1) return null;
      return async () => {
        await client.zrem(key, member).catch(() => {});
      };
    },
  };
}

export function memoryUploadSlots(opts: { max: number }): UploadSlots {
  const inProgress = new Map<number, number>();
  return {
    async acquire(userId) {
      const n = inProgress.get(userId) ?? 0;
      if (n >= opts.max) return null;
      inProgress.set(userId, n + 1);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        const left = (inProgress.get(userId) ?? 1) - 1;
        if (left <= 0) inProgress.delete(userId);
        else inProgress.set(userId, left);
      };
    },
  };
}
