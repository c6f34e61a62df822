import type { CacheManager } from "../../redis/types";

// The measure cache's keys and tags, owned here. Measures are cached in one namespace; every entry is
// tagged with each court its figures cover (`court:<id>`, or `court:all` when computed over every
// court) and with `time-standards`. Whoever changes figures drops tags through these names: the
// measure refresh after imports (imports.rollups.ts), a time-standard edit, the operator commands.

export const MEASURES_CACHE_NAMESPACE = "measures";

/** Entries computed over every court (no court filter): any import changes them. */
export const ALL_COURTS_TAG = "court:all";

/** Every cached measure carries it: backlog and time-to-disposition figures depend on the standards. */
export const TIME_STANDARDS_TAG = "time-standards";

export function measureCacheTags(courtIds: readonly number[]): string[] {
  return [...new Set(courtIds)].map((id) => `court:${id}`);
}

/** The measures' namespace of a cache manager. */
export function measuresCache(cache: CacheManager): CacheManager {
  return cache.withNamespace(MEASURES_CACHE_NAMESPACE);
}

/**
 * The cache key of a summary; the measures routes and the nightly warm-up (measures-warmup.ts) share
 * it. The `2` is the shape of the value (2: with its dataAsOf): bump it when the cached summary changes.
 */
export function summaryCacheKey(courtId: number | null, from: string, to: string, asOf: string): string {
  return `summary:2:${courtId ?? "all"}:${from}:${to}:${asOf}`;
}
