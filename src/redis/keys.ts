// Every Redis key the API writes is built here, so the keyspace of each role can be read in one place
// and a separate or shared Redis never mixes data. BullMQ owns its own `{courtflow}` prefix and is
// given connections without an ioredis `keyPrefix` (BullMQ forbids one).

export const KEY_PREFIXES = {
  cache: "cf:cache:",
  /** Tag indexes live beside, not under, `cf:cache:` so a namespace-wide pattern never matches them. */
  cacheTag: "cf:cache-tag:",
  /** Per-namespace memory accounting of the cache (cache-budget.ts); beside `cf:cache:` for the same reason. */
  cacheBudget: "cf:cache-budget:",
  session: "cf:sess:",
  rateLimit: "cf:rl:",
  /** Read-your-writes fences for read replicas (WAL positions; see read-fences.ts). */
  fence: "cf:fence:",
} as const;

/** Namespaces are chosen in code; keeping them plain means `ns:*` can never match another namespace. */
const NAMESPACE = /^[A-Za-z0-9_-]+$/;

export function assertNamespace(namespace: string): void {
  if (!NAMESPACE.test(namespace)) {
    throw new Error(`cache namespace "${namespace}" must match ${NAMESPACE} (no ':' or glob characters)`);
  }
}

export const cacheKeys = {
  value: (namespace: string, key: string) => `${KEY_PREFIXES.cache}${namespace}:${key}`,
  /** A Redis glob within one namespace; the caller's pattern is appended as written. */
  pattern: (namespace: string, glob: string) => `${KEY_PREFIXES.cache}${namespace}:${glob}`,
  tag: (namespace: string, tag: string) => `${KEY_PREFIXES.cacheTag}${namespace}:${tag}`,
  /** The namespace of a full value key, or null for a key that is not one. */
  namespaceOf(fullKey: string): string | null {
    if (!fullKey.startsWith(KEY_PREFIXES.cache)) return null;
    const rest = fullKey.slice(KEY_PREFIXES.cache.length);
    const i = rest.indexOf(":");
    return i > 0 ? rest.slice(0, i) : null;
  },
  /**
   * A namespace's accounting: entries by expiry, each entry's size and tags, the byte total. One hash
   * tag, so the scripts that keep them consistent run on a Cluster too.
   */
  budget: (namespace: string) => {
    const base = `${KEY_PREFIXES.cacheBudget}{${namespace}}`;
    return { expiry: `${base}:expiry`, entries: `${base}:entries`, bytes: `${base}:bytes` };
  },
};

export const sessionKeys = {
  session: (id: string) => `${KEY_PREFIXES.session}id:${id}`,
  /** Sorted set of a user's session ids, scored by expiry (ms), so logout-everywhere needs no SCAN. */
  user: (userId: number) => `${KEY_PREFIXES.session}user:${userId}`,
  /** Sorted set of every live session id, scored by expiry (ms), for the active-sessions gauge. */
  active: () => `${KEY_PREFIXES.session}active`,
};

export const rateLimitKeys = {
  window: (key: string) => `${KEY_PREFIXES.rateLimit}${key}`,
};

export const fenceKeys = {
  user: (userId: number) => `${KEY_PREFIXES.fence}user:${userId}`,
  /** Raised before every cache invalidation: what any cached read may depend on. */
  global: () => `${KEY_PREFIXES.fence}global`,
};
