import type { Context } from "hono";
import type { Registry } from "prom-client";
import type { AppEnv } from "../../app-env";
import type { Config } from "../../config/env";
import { todayIso } from "../../lib/dates";
import { AppError } from "../../lib/errors";
import { redisMetrics } from "../../redis/metrics";
import type { CacheManager, RateLimiter } from "../../redis/types";
import {
  ALL_COURTS_TAG,
  MEASURES_CACHE_NAMESPACE,
  measureCacheTags,
  summaryCacheKey,
  TIME_STANDARDS_TAG,
} from "./measures.cache-keys";
import { cacheableRange } from "./measures.cache-policy";
import type { MeasureFilters } from "./measures.types";

// Measure results are cached in Redis keyed by the measure and its normalised parameters. The key
// holds the *effective* court set (the caller's scope intersected with the courtId filter), so two
// callers share an entry exactly when they would see the same figures, and a scoped user can never
// read an entry computed over courts outside their scope. Entries are tagged with every court they
// cover (imports drop those tags) and with "time-standards" (a standard edit drops them all).
//
// The cache is shared and bounded, so what enters it is limited (docs/security.md): only the ranges
// dashboards ask for (measures.cache-policy.ts) are cached, each user adds at most
// MEASURES_CACHE_WRITES_PER_USER_PER_HOUR new entries, and the namespace has a memory budget
// (CACHE_NAMESPACE_MAX_BYTES). Anything else is computed and served with `X-Cache: bypass`.

const TTL_SECONDS = 6 * 3600;

/**
 * Part of every key but the summary's: bump it when a cached measure's shape changes, so a deploy
 * never serves figures cached in the old shape (2: distributions as lists, judgeName, no asOf; 3: the
 * figures carry their dataAsOf). The
 * summary's keys are shared with the nightly warm-up (measures-warmup.ts): change both together.
 */
const SHAPE_VERSION = 3;

export interface MeasureCacheRequest {
  measure: string;
  filters: MeasureFilters;
  /** Extra parameters that change the figures (granularity). */
  extra?: Record<string, string>;
  /** The courtId filter as given, so the summary can reuse the nightly warm-up entries. */
  courtId?: number;
  /** The courtId filter's full subtree (null without a filter), to recognise warm-up keys. */
  subtree: number[] | null;
}

function keyOf(r: MeasureCacheRequest): string {
  const f = r.filters;
  const plainSummary = r.measure === "summary" && !f.caseType && !f.judgeId && !r.extra;
  if (plainSummary && f.courtIds === null) return summaryCacheKey(null, f.from, f.to, f.asOf);
  if (plainSummary && r.courtId !== undefined && sameSet(f.courtIds, r.subtree)) {
    return summaryCacheKey(r.courtId, f.from, f.to, f.asOf);
  }
  const normalised = JSON.stringify([
    SHAPE_VERSION,
    f.from,
    f.to,
    f.asOf,
    f.caseType ?? null,
    f.judgeId ?? null,
    f.courtIds === null ? null : [...f.courtIds].sort((a, b) => a - b),
    r.extra ?? null,
  ]);
  return `${r.measure}:${new Bun.CryptoHasher("sha256").update(normalised).digest("hex").slice(0, 32)}`;
}

function sameSet(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

export interface MeasureCacheDeps {
  cache: CacheManager;
  rateLimiter: RateLimiter;
  metrics: Registry;
  config: Pick<Config, "MEASURES_CACHE_WRITES_PER_USER_PER_HOUR">;
  /** Today's date (UTC), injectable for tests. */
  today?: () => string;
}

export function createMeasureCache(deps: MeasureCacheDeps) {
  const cache = deps.cache.withNamespace(MEASURES_CACHE_NAMESPACE);
  const bypassed = redisMetrics(deps.metrics).cacheBypass;
  const today = deps.today ?? (() => todayIso());
  const perHour = deps.config.MEASURES_CACHE_WRITES_PER_USER_PER_HOUR;

  /** One more entry from this user, if their hourly quota allows it; a store failure says no. */
  async function admit(c: Context<AppEnv>): Promise<boolean> {
    const userId = c.get("user")?.id;
    if (userId === undefined || perHour === 0) return false;
    try {
      return (await deps.rateLimiter.hit(`measures-cache-writes:${userId}`, perHour, 3600)).allowed;
    } catch {
      return false;
    }
  }

  function bypass<T>(c: Context<AppEnv>, reason: "uncacheable" | "user_quota", value: T): T {
    bypassed.inc({ namespace: MEASURES_CACHE_NAMESPACE, reason });
    c.header("X-Cache", "bypass");
    return value;
  }

  return {
    /** The cached figures, or load() (always load() with fresh=true, which only admins and analysts may ask). */
    async get<T>(c: Context<AppEnv>, r: MeasureCacheRequest, load: () => Promise<T>): Promise<T> {
      const fresh = c.req.query("fresh") === "true";
      if (fresh) {
        const role = c.get("user")?.role;
        if (role !== "admin" && role !== "analyst") {
          throw new AppError("FORBIDDEN", "fresh=true is for admins and analysts");
        }
      }
      if (!cacheableRange(r.filters, today())) return bypass(c, "uncacheable", await load());
      const key = keyOf(r);
      const tags = [
        ...(r.filters.courtIds === null ? [ALL_COURTS_TAG] : measureCacheTags(r.filters.courtIds)),
        TIME_STANDARDS_TAG,
      ];
      if (fresh) {
        const value = await load();
        if (await admit(c)) await cache.set(key, value, { ttlSeconds: TTL_SECONDS, tags });
        c.header("X-Cache", "bypass");
        return value;
      }
      let outcome = "hit" as "hit" | "miss" | "refused";
      const value = await cache.getOrSet(
        key,
        TTL_SECONDS,
        async () => {
          outcome = "miss";
          return load();
        },
        {
          tags,
          admit: async () => {
            const ok = await admit(c);
            if (!ok) outcome = "refused";
            return ok;
          },
        },
      );
      if (outcome === "refused") return bypass(c, "user_quota", value);
      c.header("X-Cache", outcome);
      return value;
    },
  };
}

/** A strong validator of the figures: same figures, same ETag, whoever computed them. */
export function etagOf(measure: string, value: unknown): string {
  return `"${measure}-${Bun.hash(JSON.stringify(value)).toString(36)}"`;
}

/** True when the client's If-None-Match already names this ETag (then the answer is 304). */
export function notModified(c: Context, etag: string): boolean {
  const header = c.req.header("if-none-match");
  if (!header) return false;
  return header === "*" || header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}
