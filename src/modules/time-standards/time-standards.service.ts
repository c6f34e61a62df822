import type { Database } from "../../db/client";
import { CASE_TYPES, type CaseType } from "../../db/schema/enums";
import { withTransaction } from "../../db/transaction";
import type { JobDispatcher } from "../../jobs/types";
import type { Logger } from "../../lib/logger";
import type { CacheManager } from "../../redis/types";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import { measuresCache, TIME_STANDARDS_TAG } from "../measures/measures.cache-keys";
import { listTimeStandardRows, replaceTiers } from "./time-standards.repo";
import type { TimeStandardJson } from "./time-standards.schemas";

const TTL_S = 600;

/**
 * Every case type with its stored tiers. A type without rows has no standard (maxDays null), exactly
 * as the measures see it: the backlog figure and the overStandard filter must agree.
 */
function assemble(rows: { caseType: CaseType; percent: number; days: number; updatedAt: Date }[]) {
  return CASE_TYPES.map((caseType): TimeStandardJson => {
    const stored = rows.filter((r) => r.caseType === caseType).sort((a, b) => a.percent - b.percent);
    return {
      caseType,
      tiers: stored.map((r) => ({ percent: r.percent, days: r.days })),
      maxDays: stored.length ? Math.max(...stored.map((r) => r.days)) : null,
      updatedAt: stored.length
        ? new Date(Math.max(...stored.map((r) => r.updatedAt.getTime()))).toISOString()
        : null,
    };
  });
}

export function createTimeStandardsService({
  db,
  cache,
  jobs,
  logger,
}: {
  db: Database;
  cache: CacheManager;
  /** Where an edit asks for the measure refresh (absent: a reader only). */
  jobs?: Pick<JobDispatcher, "enqueueMeasuresRefresh">;
  logger?: Logger;
}) {
  const refresh = { jobs, logger };
  const standardsCache = cache.withNamespace("time-standards");

  const all = (): Promise<TimeStandardJson[]> =>
    standardsCache.getOrSet("all", TTL_S, async () => assemble(await listTimeStandardRows(db)), {
      tags: ["time-standards"],
    });

  return {
    all,

    /** Largest tier days per case type with a standard: the backlog threshold. */
    async maxDaysByCaseType(): Promise<Partial<Record<CaseType, number>>> {
      return Object.fromEntries(
        (await all()).flatMap((s) => (s.maxDays === null ? [] : [[s.caseType, s.maxDays]])),
      );
    },

    async replace(
      caseType: CaseType,
      tiers: { percent: number; days: number }[],
      ctx: AuditContext,
    ): Promise<TimeStandardJson> {
      const before = (await all()).find((s) => s.caseType === caseType)!;
      const rows = await withTransaction(db, async (tx) => {
        const stored = await replaceTiers(tx, caseType, tiers);
        await insertAudit(tx, {
          ...ctx,
          action: "time_standard.replaced",
          entity: "time_standard",
          entityId: caseType,
          changes: { from: before.tiers, to: tiers },
        });
        return stored;
      });
      // Backlog and time-to-disposition figures depend on the tiers: drop every cached measure too.
      await Promise.all([
        standardsCache.invalidateTags(["time-standards"]),
        measuresCache(cache).invalidateTags([TIME_STANDARDS_TAG]),
      ]);
      // The rollups hold each case's backlog and 90%-tier days under the standard they were computed
      // with (measure_backlog_standards): until the refresh job recomputes the case type, the queries
      // that need them read the slower per-case facts (right, but slower). The job finds the stale
      // types itself, so a lost request is made good by the recovery sweep.
      try {
        await refresh.jobs?.enqueueMeasuresRefresh();
      } catch (err) {
        refresh.logger?.warn(
          { err, caseType },
          "could not enqueue the measure refresh; the recovery job will",
        );
      }
      return assemble(rows).find((s) => s.caseType === caseType)!;
    },
  };
}

export type TimeStandardsService = ReturnType<typeof createTimeStandardsService>;
