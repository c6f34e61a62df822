import { LRUCache } from "lru-cache";
import type { Clock } from "../types";

interface Entry<V> {
  value: V;
  expiresAt: number | null;
}

/**
 * A bounded map with per-entry expiry: the embedded-mode stand-in for a Redis with `allkeys-lru`.
 * Recency and eviction are lru-cache's (a hand-written Map re-inserted on every read was 10× slower
 * under churn: `bun run bench:micro`, docs/benchmarks.md). Expiry stays here, as an absolute time read
 * from the injected clock, because the cache manager sets and moves it like Redis's PEXPIREAT and the
 * tests drive that clock; lru-cache's own TTL runs on performance.now().
 */
export class LruStore<V> {
  private readonly entries: LRUCache<string, Entry<V>>;

  constructor(
    maxEntries: number,
    /** Told about every key that leaves the store (deleted, expired or evicted). */
    onRemove: (key: string) => void = () => {},
    /** The time expiries are compared with. */
    private readonly now: Clock = Date.now,
  ) {
    this.entries = new LRUCache<string, Entry<V>>({
      max: maxEntries,
      // "set" is a key overwritten in place: it stays in the store.
      dispose: (_entry, key, reason) => {
        if (reason !== "set") onRemove(key);
      },
    });
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live entry, refreshed as most recently used; expired entries are removed on the way. */
  entry(key: string, now = this.now()): Entry<V> | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== null && e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  get(key: string): V | undefined {
    return this.entry(key)?.value;
  }

  /** The live value without refreshing its recency (for reporting). */
  peek(key: string, now = this.now()): V | undefined {
    const e = this.entries.peek(key);
    return e && (e.expiresAt === null || e.expiresAt > now) ? e.value : undefined;
  }

  set(key: string, value: V, expiresAt: number | null): void {
    this.entries.set(key, { value, expiresAt });
  }

  /** Changes the expiry of a live key without changing its recency. */
  setExpiry(key: string, expiresAt: number | null): boolean {
    const e = this.entries.peek(key);
    if (!e || (e.expiresAt !== null && e.expiresAt <= this.now())) return false;
    e.expiresAt = expiresAt;
    return true;
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  /** Live keys (expired ones are dropped while iterating). */
  *keys(): Generator<string> {
    const now = this.now();
    for (const [key, e] of [...this.entries.entries()]) {
      if (e.expiresAt !== null && e.expiresAt <= now) this.entries.delete(key);
      else yield key;
    }
  }
}
