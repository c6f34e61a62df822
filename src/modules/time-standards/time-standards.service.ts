import type { Database } from "../../db/client";
import { CASE_TYPES, type CaseType } from "../../db/schema/enums";
import { withTransaction } from "../../db/transaction";
import type { CacheManager } from "../../redis/types";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import { listTimeStandardRows, replaceTiers } from "./time-standards.repo";
import type { TimeStandardJson } from "./time-standards.schemas";

const TTL_S = 600;
/** The measures engineer tags every cached measure with this, in the "measures" namespace. */
const MEASURES_TAG = "time-standards";

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

export function createTimeStandardsService({ db, cache }: { db: Database; cache: CacheManager }) {
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
        cache.withNamespace("measures").invalidateTags([MEASURES_TAG]),
      ]);
      return assemble(rows).find((s) => s.caseType === caseType)!;
    },
  };
}

export type TimeStandardsService = ReturnType<typeof createTimeStandardsService>;
