import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import type { CaseType } from "../../db/schema/enums";
import { intArray } from "../../db/sql";
import { withTransaction } from "../../db/transaction";
import type { JobDispatcher } from "../../jobs/types";
import type { Logger } from "../../lib/logger";
import type { CacheManager } from "../../redis/types";
import { ALL_COURTS_TAG, MEASURES_CACHE_NAMESPACE, measureCacheTags } from "../measures/measures.cache-keys";
import { MEASURE_REFRESH_LOCK_KEY, refreshMeasureRollups } from "../measures/measures.rollups.repo";
import { syncDerivedEvents } from "./imports.cases.repo";
import { courtsWithAncestors, prepareJobTransaction } from "./imports.progress.repo";

// The second phase of an import: the derived status events and measure rollups of the cases it
// touched. A batch is done as soon as its rows are committed (imports.process.ts); this runs after,
// in the refresh job (src/processors/measures-refresh.processor.ts), for EVERY batch waiting at
// once: ten courts importing together are refreshed in one pass, a case touched by several of them
// once. The to-do is durable (import_touched_cases, filled by the chunks), drained in committed steps
// that delete what they handled: a crash loses nothing and a resumed run never does a case twice.
// A batch's measures_refreshed_at is set (and the cached measures of its courts dropped) once none of
// its cases is left. The same run also brings the rollups up to date after a time-standard edit.

/** Batches whose rows are in and whose measures are not refreshed yet (and that no run is writing). */
const OWED = sql`measures_refreshed_at is null and status in ('completed', 'completed_with_errors', 'failed')`;

export interface RefreshStep {
  /** Cases refreshed (0: nothing left). */
  cases: number;
  /** Courts the step's batches touched: their cached measures are out of date. */
  courts: number[];
}

/**
 * One committed step over up to `limit` owed cases of all waiting batches, in the caller's
 * transaction. The refresh lock comes first, so concurrent runs take turns and never pick the same
 * cases; the waiting batches are locked too, so a retry cannot restart one (and add its cases again)
 * while this step deletes them from the to-do.
 */
export async function refreshStep(tx: Database, limit: number): Promise<RefreshStep> {
  await tx.execute(sql`select pg_advisory_xact_lock(${MEASURE_REFRESH_LOCK_KEY}::bigint)`);
  const batches = rowsOf<{ id: number; touched_court_ids: unknown }>(
    await tx.execute(sql`
      select id, touched_court_ids from daily_import_batches where ${OWED}
      order by id limit 1000 for update`),
  );
  if (batches.length === 0) return { cases: 0, courts: [] };
  const batchIds = batches.map((b) => Number(b.id));
  const ids = rowsOf<{ case_id: number }>(
    await tx.execute(sql`
      select distinct case_id from import_touched_cases where batch_id = any(${intArray(batchIds)})
      order by case_id limit ${limit}::int`),
  ).map((r) => Number(r.case_id));
  if (ids.length === 0) return { cases: 0, courts: [] };
  await syncDerivedEvents(tx, ids);
  await refreshMeasureRollups(tx, { caseIds: ids });
  const cleared = rowsOf<{ batch_id: number }>(
    await tx.execute(sql`
      delete from import_touched_cases
      where batch_id = any(${intArray(batchIds)}) and case_id = any(${intArray(ids)})
      returning batch_id`),
  );
  const involved = new Set(cleared.map((r) => Number(r.batch_id)));
  const courts = new Set<number>();
  for (const b of batches) {
    if (!involved.has(Number(b.id))) continue;
    for (const c of courtList(b.touched_court_ids)) courts.add(c);
  }
  return { cases: ids.length, courts: [...courts] };
}

function courtList(v: unknown): number[] {
  if (Array.isArray(v)) return v.map(Number);
  // A driver that returns the array as text: {1,2,3}.
  if (typeof v === "string" && v.startsWith("{"))
    return v.slice(1, -1).split(",").filter(Boolean).map(Number);
  return [];
}

/**
 * Waiting batches none of whose cases is left: their courts' cached measures are dropped, then they
 * are marked refreshed. In that order, so a crash between the two repeats the (idempotent) drop on
 * the next run rather than leaving stale figures cached.
 */
async function settleRefreshedBatches(db: Database, cache: CacheManager): Promise<number[]> {
  const owedNothing = sql`${OWED} and not exists (select 1 from import_touched_cases t where t.batch_id = b.id)`;
  const ready = rowsOf<{ id: number; touched_court_ids: unknown }>(
    await db.execute(sql`
      select id, touched_court_ids from daily_import_batches b where ${owedNothing} order by id limit 1000`),
  );
  if (ready.length === 0) return [];
  await invalidateMeasureCaches(db, cache, [
    ...new Set(ready.flatMap((b) => courtList(b.touched_court_ids))),
  ]);
  const marked = rowsOf<{ id: number }>(
    await db.execute(sql`
      update daily_import_batches b set measures_refreshed_at = now(), updated_at = now()
      where b.id = any(${intArray(ready.map((b) => Number(b.id)))}) and ${owedNothing}
      returning id`),
  );
  return marked.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * Case types whose time standard differs from the one the rollups were computed with (an edit not
 * yet refreshed): their backlog and 90%-tier figures are read from the slower per-case facts until then.
 */
export async function staleStandardCaseTypes(db: Database): Promise<CaseType[]> {
  const rows = rowsOf<{ case_type: CaseType }>(
    await db.execute(sql`
      select coalesce(s.case_type, r.case_type)::text as case_type
      from (select case_type, max(days) as days, max(days) filter (where percent = 90) as t90
            from time_standards group by case_type) s
      full join measure_backlog_standards r on r.case_type = s.case_type
      where s.days is distinct from r.days or s.t90 is distinct from r.tier90_days
      order by 1`),
  );
  return rows.map((r) => r.case_type);
}

/** True when a refresh run has something to do (the recovery sweep asks this every minute). */
export async function measuresRefreshOwed(db: Database): Promise<boolean> {
  const rows = rowsOf(await db.execute(sql`select 1 from daily_import_batches where ${OWED} limit 1`));
  return rows.length > 0 || (await staleStandardCaseTypes(db)).length > 0;
}

export interface RefreshRunOptions {
  /** Cases per step; larger is cheaper per case (each refresh has a fixed cost). */
  stepSize: number;
  /** Checked between steps: true stops the run at that safe point (shutdown). */
  shouldStop?: () => boolean;
  /** Called after each committed step (tests: a crash right after a step landed). */
  afterStep?: (step: RefreshStep) => unknown;
}

export interface RefreshRunResult {
  state: "done" | "paused";
  cases: number;
  steps: number;
  /** Batches whose measures_refreshed_at this run set. */
  batches: number[];
  /** Case types recomputed after a time-standard edit. */
  caseTypes: CaseType[];
}

/**
 * One run of the refresh: the case types whose standard changed, then every owed case of every
 * waiting batch in committed steps (batches that finish during the run join it), then the batches
 * left with nothing owed are marked refreshed. Idempotent: a run after a crash finishes the work.
 */
export async function refreshOwedMeasures(
  deps: { db: Database; cache: CacheManager; logger?: Logger },
  opts: RefreshRunOptions,
): Promise<RefreshRunResult> {
  const { db, cache } = deps;
  const result: RefreshRunResult = { state: "done", cases: 0, steps: 0, batches: [], caseTypes: [] };
  const stale = await staleStandardCaseTypes(db);
  if (stale.length > 0) {
    // One transaction whatever the size: every case of a type must move to the new standard together
    // (measure_backlog_standards records one per type). Until it commits, queries fall back to the
    // per-case facts, so no figure is wrong meanwhile; cached figures stay right too.
    await withTransaction(db, async (txn) => {
      const tx = txn as unknown as Database;
      await prepareJobTransaction(tx);
      await refreshMeasureRollups(tx, { caseTypes: stale });
    });
    result.caseTypes = stale;
  }
  for (;;) {
    if (opts.shouldStop?.()) return { ...result, state: "paused" };
    const step = await withTransaction(db, async (txn) => {
      const tx = txn as unknown as Database;
      await prepareJobTransaction(tx);
      return refreshStep(tx, opts.stepSize);
    });
    if (step.cases === 0) break;
    result.cases += step.cases;
    result.steps++;
    await opts.afterStep?.(step);
    // The figures of these courts changed: drop their cached measures now rather than at the end.
    await invalidateMeasureCaches(db, cache, step.courts);
  }
  result.batches = await settleRefreshedBatches(db, cache);
  if (result.cases > 0 || result.batches.length > 0 || result.caseTypes.length > 0)
    deps.logger?.info(result, "measures refreshed");
  return result;
}

/**
 * Asks for a refresh run; a failure to enqueue is logged, not thrown: the batch is committed and the
 * recovery sweep (every minute) asks again while anything is owed.
 */
export async function requestMeasuresRefresh(
  jobs: Pick<JobDispatcher, "enqueueMeasuresRefresh"> | undefined,
  logger: Logger,
): Promise<void> {
  try {
    await jobs?.enqueueMeasuresRefresh();
  } catch (err) {
    logger.warn({ err }, "could not enqueue the measure refresh; the recovery job will");
  }
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
