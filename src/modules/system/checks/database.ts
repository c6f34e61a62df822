import type { DbHandle } from "../../../db/client";
import { migrationStatus } from "../../../db/migrate";
import type { CheckOutcome, HealthCheck } from "../health.types";

/**
 * Connect + SELECT 1 (critical: without the database nothing works), then the pool figures and
 * whether this code's migrations are all applied. Pool semantics are described in db/instrument.ts.
 */
export function databaseCheck(
  db: Pick<DbHandle, "db" | "kind" | "target" | "stats" | "ping"> & Partial<Pick<DbHandle, "replicas">>,
): HealthCheck {
  return {
    name: "database",
    critical: true,
    timeoutMs: 2000,
    async run(): Promise<CheckOutcome> {
      const started = performance.now();
      await db.ping();
      const selectMs = Math.round((performance.now() - started) * 10) / 10;
      const pool = db.stats.snapshot();
      const details: Record<string, unknown> = { kind: db.kind, target: db.target, selectMs, pool };
      const problems: string[] = [];
      try {
        const status = await migrationStatus(db.db);
        details.migrations = {
          upToDate: status.upToDate,
          applied: status.applied.length,
          pending: status.pending.map((m) => m.tag),
          unknownToThisVersion: status.unknown.length,
        };
        if (!status.upToDate) problems.push(`${status.pending.length} migration(s) pending`);
      } catch (err) {
        problems.push(`migration status unavailable: ${(err as Error).message}`);
      }
      // Replicas never fail the check: reads fall back to the primary. The report names each one that
      // is down or over the lag limit, with its lag.
      if (db.replicas) {
        const replicas = db.replicas.status();
        details.replicas = replicas;
        for (const r of replicas) {
          if (r.state === "lagging")
            problems.push(
              `replica ${r.target} lags ${r.lagSeconds} s (limit ${db.replicas.maxLagSeconds} s): its reads go to the primary`,
            );
          if (r.state === "down")
            problems.push(`replica ${r.target} down (${r.reason}): its reads go to the primary`);
        }
      }
      if (pool.waiting > 0)
        problems.push(`pool saturated: ${pool.waiting} waiting beyond ${pool.max} connections`);
      return problems.length
        ? { status: "warn", message: problems.join("; "), details }
        : { status: "ok", details };
    },
  };
}
