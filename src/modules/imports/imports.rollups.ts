import type { Database } from "../../db/client";
import { withTransaction } from "../../db/transaction";
import type { CacheManager } from "../../redis/types";
import { refreshMeasureRollups } from "../measures/measures.rollups.repo";
import { ALL_COURTS_TAG, MEASURES_CACHE_NAMESPACE, measureCacheTags } from "./imports.cache";
import { syncDerivedEvents } from "./imports.cases.repo";
import {
  clearTouchedCases,
  courtsWithAncestors,
  lockBatch,
  pendingTouchedCases,
  prepareJobTransaction,
  touchBatch,
} from "./imports.progress.repo";

// The end of an import, per case it changed: the derived status events, then the measure rollups;
// then the cached measures of the courts it touched. The rollup refresh (the measures module's) costs
// about 0.25-0.75 ms per case here, more than writing the rows, so it runs once per case at the end of
// the batch rather than per chunk (a case touched by both files would be refreshed twice), in
// committed steps that delete what they handled: resumable, and never doing a case twice.

/**
 * One step over up to `limit` cases the batch touched, in the caller's transaction: their derived
 * status events (imports.cases.repo.ts), then their measure rollups. Returns how many.
 */
export async function refreshOwedRollups(tx: Database, batchId: number, limit: number): Promise<number> {
  const ids = await pendingTouchedCases(tx, batchId, limit);
  if (ids.length === 0) return 0;
  await syncDerivedEvents(tx, ids);
  await refreshMeasureRollups(tx, { caseIds: ids });
  await clearTouchedCases(tx, batchId, ids);
  await touchBatch(tx, batchId);
  return ids.length;
}

/** Drops cached measures of the courts and their ancestors (whose figures include them). */
export async function invalidateMeasureCaches(
  db: Database,
  cache: CacheManager,
  courtIds: readonly number[],
) {
  if (courtIds.length === 0) return;
  const tags = [...measureCacheTags(await courtsWithAncestors(db, courtIds)), ALL_COURTS_TAG];
  await cache.withNamespace(MEASURES_CACHE_NAMESPACE).invalidateTags(tags);
}

/**
 * A batch that failed after some chunks committed still changed those rows: bring their measures up
 * to date (called by the recovery job, so it happens even if the failing process died).
 */
export async function settleFailedBatch(
  deps: { db: Database; cache: CacheManager },
  batchId: number,
  limit: number,
): Promise<number> {
  let refreshed = 0;
  let courts: number[] = [];
  for (;;) {
    const n = await withTransaction(deps.db, async (txn) => {
      const tx = txn as unknown as Database;
      await prepareJobTransaction(tx);
      const state = await lockBatch(tx, batchId);
      if (state?.status !== "failed") return 0;
      courts = state.touchedCourtIds;
      return refreshOwedRollups(tx, batchId, limit);
    });
    if (n === 0) break;
    refreshed += n;
  }
  if (refreshed > 0) await invalidateMeasureCaches(deps.db, deps.cache, courts);
  return refreshed;
}
