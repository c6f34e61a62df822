import type { RedisClient } from "./topology";

// Lua scripts. Each here touches exactly one key (KEYS[1]) so it also runs on Redis Cluster (the one
// two-key script, in request-gate.ts, is used only off Cluster). They are sent by SHA (EVALSHA) and
// loaded on demand after a restart or failover empties the script cache.

export interface Script {
  lua: string;
  sha: string;
}

export function script(lua: string): Script {
  return { lua, sha: new Bun.CryptoHasher("sha1").update(lua).digest("hex") };
}

export function runScript(
  client: RedisClient,
  s: Script,
  key: string,
  args: (string | number)[],
): Promise<unknown> {
  return runScriptKeys(client, s, [key], args);
}

/** A script over several keys: all must live on one server (and, on Cluster, in one slot). */
export async function runScriptKeys(
  client: RedisClient,
  s: Script,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    return client.eval(s.lua, keys.length, ...keys, ...args);
  }
}

/** INCRBY that sets the TTL only when it creates the counter. ARGV: by, ttl ms. */
export const incrWithTtl = script(`
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`);

/** Returns a tag's members and removes the tag in one step, so a key tagged meanwhile is not lost. */
export const takeSet = script(`
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members`);

/**
 * Lua that counts a fixed-window hit on `key` (window `windowMs` ms) into the locals `count` and
 * `ttl` (ms until reset). Shared with the request gate's script, so both count the same way.
 */
export function fixedWindowHitLua(key: string, windowMs: string): string {
  return `local count = redis.call('INCR', ${key})
local ttl = redis.call('PTTL', ${key})
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', ${key}, ${windowMs})
  ttl = tonumber(${windowMs})
end`;
}

/**
 * Fixed window: counts a hit and starts the window on the first one. A counter found without a TTL
 * (it cannot happen through this script, but would lock a caller out forever) gets one. ARGV: window ms.
 * Returns { count, ms until reset }.
 */
export const rateLimitHit = script(`
${fixedWindowHitLua("KEYS[1]", "ARGV[1]")}
return { count, ttl }`);

/** Session read that also records the access. ARGV: lastAccessedAt (encoded). Nil when absent. */
export const sessionTouch = script(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return false end
if kind ~= 'hash' then return {} end
redis.call('HSET', KEYS[1], 'lastAccessedAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])`);

/** Updates fields of an existing session only (never recreates a deleted one). ARGV: field, value… */
export const sessionPatch = script(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return false end
if kind ~= 'hash' then return {} end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return redis.call('HGETALL', KEYS[1])`);

/**
 * Refresh rotation as compare-and-set. ARGV: expected refreshJti, next refreshJti (both encoded).
 * Returns 1 rotated, 0 when the session accepts another token, nil when it does not exist.
 */
export const sessionRotateRefresh = script(`
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then return false end
if redis.call('HGET', KEYS[1], 'refreshJti') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'refreshJti', ARGV[2])
return 1`);

/** New lifetime for an existing session. ARGV: ttl ms, expiresAt (encoded). Returns its userId field. */
export const sessionExtend = script(`
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], 'expiresAt', ARGV[2])
return redis.call('HGET', KEYS[1], 'userId') or ''`);

/** Deletes a session; returns its userId field ('' if unreadable), nil when it did not exist. */
export const sessionRemove = script(`
local uid = ''
if redis.call('TYPE', KEYS[1])['ok'] == 'hash' then uid = redis.call('HGET', KEYS[1], 'userId') or '' end
if redis.call('DEL', KEYS[1]) == 0 then return false end
return uid`);

/**
 * Adds (or re-scores) a member of an expiry-scored index, drops expired members, and lets the index
 * itself expire with its last member. ARGV: member, expiry ms, now ms.
 */
export const indexAdd = script(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
return 1`);
