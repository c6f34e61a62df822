import type { Database } from "../../db/client";
import { courts } from "../../db/schema";
import type { CacheManager } from "../../redis/types";
import { courtSubtreeIds } from "../courts/courts.tree.repo";
import {
  ALL_COURTS_TAG,
  measureCacheTags,
  measuresCache,
  summaryCacheKey,
  TIME_STANDARDS_TAG,
} from "../measures/measures.cache-keys";
import { readDataAsOf } from "../measures/measures.freshness.repo";
import { summary } from "../measures/measures.service";

// Nightly warm-up of the dashboard's first screen: the summary KPIs, year to date, for every court
// and for the top two levels of the court tree, so the first load of the day is a cache hit. The
// entries carry the tags imports and time-standard edits invalidate (`court:<id>` of every court the
// figure covers, `time-standards`), so a warm entry is never a stale one.

const TTL_S = 26 * 3600;

export async function warmMeasureSummaries(
  deps: { db: Database; cache: CacheManager },
  today: string,
): Promise<{ entries: number }> {
  const cache = measuresCache(deps.cache);
  const from = `${today.slice(0, 4)}-01-01`;
  const all = await deps.db.select({ id: courts.id, parentId: courts.parentId }).from(courts);
  const topIds = new Set(all.filter((c) => c.parentId === null).map((c) => c.id));
  const second = all.filter((c) => c.parentId !== null && topIds.has(c.parentId)).map((c) => c.id);
  const targets = [null, ...topIds, ...second];
  let entries = 0;
  for (const courtId of targets) {
    const courtIds = courtId === null ? null : await courtSubtreeIds(deps.db, courtId);
    // As the measures routes cache it: the figures with the freshness they were read at.
    const dataAsOf = await readDataAsOf(deps.db);
    const value = { ...(await summary(deps.db, { from, to: today, asOf: today, courtIds })), dataAsOf };
    const tags = [...(courtIds === null ? [ALL_COURTS_TAG] : measureCacheTags(courtIds)), TIME_STANDARDS_TAG];
    await cache.set(summaryCacheKey(courtId, from, today, today), value, { ttlSeconds: TTL_S, tags });
    entries++;
  }
  return { entries };
}
