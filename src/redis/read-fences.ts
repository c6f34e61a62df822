import { fenceKeys } from "./keys";
import { runScript, script } from "./scripts";
import { isDisconnected, type RedisClient } from "./topology";
import { StoreUnavailableError } from "./types";

// Read-your-writes for read replicas. After a write, the primary's WAL position is kept as a fence:
// reads that must see the write go only to replicas whose replay has passed it (src/db/replicas.ts).
// A user's fence covers their own writes; the global fence is raised before every cache invalidation,
// so that a read refilling an invalidated entry does not refill it from a replica that is still
// behind the change. Fences live in Redis (every API process sees them) for the replica lag limit
// plus the monitor's resolution: after that, a replica that has not replayed the write is over the
// lag limit and gets no reads anyway.

/** WAL positions as fixed-width hex (src/db/replicas.ts formatLsn), so Lua compares them as strings. */
export interface ReadFences {
  readonly ttlSeconds: number;
  /** The highest fence over a user's reads (theirs and the global one); null when none is set. */
  lookup(userId: number | null): Promise<string | null>;
  /** Raises a fence (never lowers it: two writes finishing out of order keep the later position). */
  raise(scope: { userId: number } | "global", lsn: string): Promise<void>;
}

/** SET if higher than the stored value (or absent), and (re)arm the TTL. ARGV: value, ttl ms. */
const raiseFence = script(`
local cur = redis.call('GET', KEYS[1])
if (not cur) or ARGV[1] > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`);

const keyOf = (scope: { userId: number } | "global") =>
  scope === "global" ? fenceKeys.global() : fenceKeys.user(scope.userId);

const highest = (values: (string | null | undefined)[]) =>
  values.reduce<string | null>((a, b) => (b && (!a || b > a) ? b : a), null);

/**
 * Fences in Redis (the main connection: one key per command, so Cluster works). A lookup that fails
 * throws StoreUnavailableError: the caller then reads from the primary rather than guess.
 */
export function createRedisReadFences(client: RedisClient, ttlSeconds: number): ReadFences {
  const ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
  return {
    ttlSeconds,
    async lookup(userId) {
      if (isDisconnected(client)) throw new StoreUnavailableError("read fences unavailable");
      try {
        const keys = [fenceKeys.global(), ...(userId === null ? [] : [fenceKeys.user(userId)])];
        return highest(await Promise.all(keys.map((k) => client.get(k))));
      } catch (err) {
        throw new StoreUnavailableError("read fences unavailable", { cause: err });
      }
    },
    async raise(scope, lsn) {
      await runScript(client, raiseFence, keyOf(scope), [lsn, ttlMs]);
    },
  };
}

/** Embedded mode (no Redis): one process, so the fences can live in it. */
export function createMemoryReadFences(ttlSeconds: number, now: () => number = Date.now): ReadFences {
  const fences = new Map<string, { lsn: string; until: number }>();
  const live = (key: string) => {
    const f = fences.get(key);
    if (f && f.until > now()) return f.lsn;
    fences.delete(key);
    return null;
  };
  return {
    ttlSeconds,
    async lookup(userId) {
      return highest([live(fenceKeys.global()), userId === null ? null : live(fenceKeys.user(userId))]);
    },
    async raise(scope, lsn) {
      const key = keyOf(scope);
      const cur = live(key);
      fences.set(key, { lsn: cur && cur > lsn ? cur : lsn, until: now() + ttlSeconds * 1000 });
    },
  };
}
