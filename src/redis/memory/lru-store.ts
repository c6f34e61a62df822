import type { Clock } from "../types";

/**
 * A bounded map with per-entry expiry: the embedded-mode stand-in for a Redis with `allkeys-lru`.
 * A Map iterates in insertion order, so re-inserting on read keeps the least recently used first.
 */
export class LruStore<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number | null }>();

  constructor(
    private readonly maxEntries: number,
    /** Told about every key that leaves the store (deleted, expired or evicted). */
    private readonly onRemove: (key: string) => void = () => {},
    /** The time expiries are compared with. */
    private readonly now: Clock = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The live entry, refreshed as most recently used; expired entries are removed on the way. */
  entry(key: string, now = this.now()): { value: V; expiresAt: number | null } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== null && e.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  get(key: string): V | undefined {
    return this.entry(key)?.value;
  }

  /** The live value without refreshing its recency (for reporting). */
  peek(key: string, now = this.now()): V | undefined {
    const e = this.entries.get(key);
    return e && (e.expiresAt === null || e.expiresAt > now) ? e.value : undefined;
  }

  set(key: string, value: V, expiresAt: number | null): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  /** Changes the expiry of a live key without changing its recency. */
  setExpiry(key: string, expiresAt: number | null): boolean {
    const e = this.entries.get(key);
    if (!e || (e.expiresAt !== null && e.expiresAt <= this.now())) return false;
    e.expiresAt = expiresAt;
    return true;
  }

  delete(key: string): boolean {
    const had = this.entries.delete(key);
    if (had) this.onRemove(key);
    return had;
  }

  /** Live keys (expired ones are dropped while iterating). */
  *keys(): Generator<string> {
    const now = this.now();
    for (const [key, e] of [...this.entries]) {
      if (e.expiresAt !== null && e.expiresAt <= now) this.delete(key);
      else yield key;
    }
  }
}
