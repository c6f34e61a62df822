import { cacheKeys } from "./keys";
import { runScriptKeys, script } from "./scripts";
import type { CommandArgs, RedisClient } from "./topology";

// A memory budget per cache namespace on Redis. The cache may share a `noeviction` Redis with BullMQ
// and the sessions, where a cache that only grows would end in OOM errors for jobs and logins; even on
// its own evicting Redis, one namespace must not push the others out. So each namespace keeps an
// index of its entries (expiry, accounted size, tags) and admits a write only within its budget,
// removing the entries closest to expiry first. The index lives under one hash tag, so these scripts
// touch one slot and also run on a Cluster; the values and tag sets they name are cleaned up by the
// caller with ordinary commands.

export interface BudgetEntry {
  key: string;
  value: string;
  ttlMs: number;
  tagKeys: string[];
}

/** An entry that left the index: its value key (if still there) and its tag memberships must go too. */
export interface DroppedEntry {
  key: string;
  tagKeys: string[];
  /** The previous version of a key written now: its value is being replaced, not removed. */
  replaced: boolean;
}

export interface AdmitResult {
  admitted: BudgetEntry[];
  /** Entries removed from the index: expired, evicted, or the previous version of a rewritten key. */
  dropped: DroppedEntry[];
  /** Entries that do not fit even after eviction (larger than the budget, or too much to evict at once). */
  rejected: BudgetEntry[];
  /** Live entries removed early to make room. */
  evicted: number;
}

export interface NamespaceUsage {
  namespace: string;
  keys: number;
  bytes: number;
  maxBytes: number;
}

/** jemalloc's size class for an allocation of n bytes: 16-byte steps to 128, then four per doubling. */
export function allocationSize(n: number): number {
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** Math.floor(Math.log2(n - 1)) / 4;
  return Math.ceil(n / step) * step;
}

/**
 * Bytes an entry costs Redis, counted generously: the value and its key, the key again in each tag
 * set and twice in the index, plus per-object overheads measured on Redis 7 (docs/security.md).
 */
export function entryCost(e: Pick<BudgetEntry, "key" | "value" | "tagKeys">): number {
  const key = Buffer.byteLength(e.key);
  const meta = e.tagKeys.reduce((n, t) => n + Buffer.byteLength(t) + 3, 16);
  // The value's string is one allocation (its bytes and a header of up to 9), rounded up to
  // jemalloc's size class: up to 25 % more just above a power of two, which a flat percentage missed
  // when the cached figures grew by a field.
  const value = allocationSize(Buffer.byteLength(e.value) + 9);
  return value + key + 96 + e.tagKeys.length * (key + 56) + 2 * key + meta + 160;
}

// Shared by the scripts: `drop(member, kind)` removes an entry from the index, lowers the total and
// records it in `dropped` (member, meta, kind triples) for the caller's cleanup. Kind `replaced`: the
// previous version of a key being written now (its value is being overwritten); `gone`: expired,
// evicted or deleted (its value must go).
const DROP = `
local total = tonumber(redis.call('GET', KEYS[3]) or '0')
local dropped = {}
local function drop(member, kind)
  local meta = redis.call('HGET', KEYS[2], member)
  if not meta then return end
  redis.call('HDEL', KEYS[2], member)
  redis.call('ZREM', KEYS[1], member)
  total = total - tonumber(string.match(meta, '^%d+'))
  dropped[#dropped + 1] = member
  dropped[#dropped + 1] = meta
  dropped[#dropped + 1] = kind or 'gone'
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function prune(limit)
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)) do drop(m) end
end
local function save()
  if total < 0 then total = 0 end
  redis.call('SET', KEYS[3], total)
end`;

/**
 * KEYS: expiry zset, entries hash, byte total. ARGV: max bytes, max steps, then per entry: key, cost,
 * ttl ms, tags JSON. Returns { dropped triples, rejected keys, evicted count }.
 */
const admitScript = script(`${DROP}
local max, steps = tonumber(ARGV[1]), tonumber(ARGV[2])
local rejected, evicted = {}, 0
prune(steps)
for i = 3, #ARGV, 4 do
  local key, cost, ttl, tags = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), ARGV[i + 3]
  drop(key, 'replaced')
  local n = 0
  -- An entry that can never fit evicts nothing.
  if cost > max then n = steps end
  while total + cost > max and n < steps do
    local first = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
    if not first then break end
    drop(first)
    evicted = evicted + 1
    n = n + 1
  end
  if total + cost > max then
    rejected[#rejected + 1] = key
  else
    redis.call('ZADD', KEYS[1], now + ttl, key)
    redis.call('HSET', KEYS[2], key, cost .. ' ' .. tags)
    total = total + cost
  end
end
save()
return { dropped, rejected, evicted }`);

/** KEYS as above. ARGV: keys that were deleted. Returns the dropped triples. */
const forgetScript = script(`${DROP}
for i = 1, #ARGV do drop(ARGV[i]) end
save()
return dropped`);

/** KEYS as above. ARGV: key, ttl ms (-1: no expiry). Moves a live entry's expiry. */
const reexpireScript = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local score = ttl < 0 and '+inf' or tostring(now + ttl)
return redis.call('ZADD', KEYS[1], 'XX', score, ARGV[1])`);

/** KEYS as above. ARGV: max steps. Prunes expired entries, returns { entries, bytes, dropped triples }. */
const usageScript = script(`${DROP}
prune(tonumber(ARGV[1]))
save()
return { redis.call('ZCARD', KEYS[1]), total, dropped }`);

function budgetKeys(namespace: string): string[] {
  const k = cacheKeys.budget(namespace);
  return [k.expiry, k.entries, k.bytes];
}

function droppedOf(flat: unknown): DroppedEntry[] {
  const list = (flat as string[]) ?? [];
  const out: DroppedEntry[] = [];
  for (let i = 0; i + 2 < list.length; i += 3) {
    const meta = list[i + 1]!;
    let tagKeys: string[] = [];
    try {
      tagKeys = JSON.parse(meta.slice(meta.indexOf(" ") + 1)) as string[];
    } catch {
      // an index line we cannot read: its value key still goes
    }
    out.push({ key: list[i]!, tagKeys, replaced: list[i + 2] === "replaced" });
  }
  return out;
}

/** Entries per admission script: bounds the script's run time (and its argument list). */
const ADMIT_BATCH = 200;
/** Index entries a script removes at most per step: bounds the work one write can trigger. */
const MAX_STEPS = 64;

/** One admission script call: the command to pipeline, and what it was about. */
export interface AdmissionBatch {
  namespace: string;
  entries: BudgetEntry[];
  keys: string[];
  args: (string | number)[];
}

export function createCacheBudget(client: RedisClient, maxBytes: number) {
  return {
    maxBytes,

    /** The admission calls for these entries of one namespace (EVALSHA, to pipeline with the writes). */
    batches(namespace: string, entries: BudgetEntry[]): AdmissionBatch[] {
      const out: AdmissionBatch[] = [];
      for (let i = 0; i < entries.length; i += ADMIT_BATCH) {
        const batch = entries.slice(i, i + ADMIT_BATCH);
        const args: (string | number)[] = [maxBytes, MAX_STEPS];
        for (const e of batch) args.push(e.key, entryCost(e), e.ttlMs, JSON.stringify(e.tagKeys));
        out.push({ namespace, entries: batch, keys: budgetKeys(namespace), args });
      }
      return out;
    },

    command: (b: AdmissionBatch): CommandArgs => [
      "EVALSHA",
      admitScript.sha,
      b.keys.length,
      ...b.keys,
      ...b.args,
    ],

    /** Runs one admission on its own (after NOSCRIPT in a pipeline: EVAL loads the script). */
    run: (b: AdmissionBatch): Promise<unknown> => runScriptKeys(client, admitScript, b.keys, b.args),

    /** What an admission answered; an error (the script never ran) refuses the whole batch. */
    result(b: AdmissionBatch, raw: unknown): AdmitResult {
      if (raw instanceof Error || !Array.isArray(raw)) {
        return { admitted: [], rejected: b.entries, dropped: [], evicted: 0 };
      }
      const [dropped, rejected, evicted] = raw as [string[], string[], number];
      const refused = new Set(rejected);
      return {
        admitted: b.entries.filter((e) => !refused.has(e.key)),
        rejected: b.entries.filter((e) => refused.has(e.key)),
        dropped: droppedOf(dropped),
        evicted: Number(evicted),
      };
    },

    async forget(namespace: string, keys: string[]): Promise<DroppedEntry[]> {
      const dropped: DroppedEntry[] = [];
      for (let i = 0; i < keys.length; i += 500) {
        const flat = await runScriptKeys(client, forgetScript, budgetKeys(namespace), keys.slice(i, i + 500));
        dropped.push(...droppedOf(flat));
      }
      return dropped;
    },

    async reexpire(namespace: string, key: string, ttlMs: number | null): Promise<void> {
      await runScriptKeys(client, reexpireScript, budgetKeys(namespace), [key, ttlMs ?? -1]);
    },

    async usage(namespace: string): Promise<{ usage: NamespaceUsage; dropped: DroppedEntry[] }> {
      const [keys, bytes, dropped] = (await runScriptKeys(client, usageScript, budgetKeys(namespace), [
        MAX_STEPS * 16,
      ])) as [number, number, string[]];
      return {
        usage: { namespace, keys: Number(keys), bytes: Number(bytes), maxBytes },
        dropped: droppedOf(dropped),
      };
    },
  };
}

/**
 * After the values were written with their admission: removes what left the index (values of `gone`
 * entries, stale tag memberships) and the refused entries that were written optimistically.
 */
export function cleanupCommands(r: Pick<AdmitResult, "dropped" | "rejected" | "admitted">): CommandArgs[] {
  const commands: CommandArgs[] = [];
  const newTags = new Map<string, Set<string>>();
  for (const e of r.admitted) newTags.set(e.key, new Set(e.tagKeys));
  for (const d of r.dropped) {
    if (!d.replaced) commands.push(["UNLINK", d.key]);
    // A rewrite keeps the tags it still has; its old ones go.
    const keep = d.replaced ? newTags.get(d.key) : undefined;
    for (const tag of d.tagKeys) if (!keep?.has(tag)) commands.push(["SREM", tag, d.key]);
  }
  for (const e of r.rejected) {
    commands.push(["UNLINK", e.key]);
    for (const tag of e.tagKeys) commands.push(["SREM", tag, e.key]);
  }
  return commands;
}

export type CacheBudget = ReturnType<typeof createCacheBudget>;
