import type { Config } from "../../config/env";
import type { DbHandle } from "../../db/client";
import type { Lifecycle } from "../../deps";
import type { MonitoredQueue } from "../../jobs/metrics";
import type { RedisClients } from "../../redis/types";
import { databaseCheck } from "./checks/database";
import { diskCheck, diskDirsOf } from "./checks/disk";
import { eventLoopCheck } from "./checks/event-loop";
import { memoryCheck } from "./checks/memory";
import { queuesCheck } from "./checks/queues";
import { NO_REDIS_REASON, redisChecks } from "./checks/redis";
import { responseTimesCheck } from "./checks/response-times";
import { cachedRunner, runCheck, runChecks } from "./health.runner";
import type { HealthCheck, HealthReport, HealthStatus } from "./health.types";
import type { ResponseTimeWindow } from "./response-times";

/** What the health service reads. `redis` undefined = no Redis layer in these deps (see redisChecks). */
export interface HealthDeps {
  config: Pick<Config, "embeddedDatabase" | "PGLITE_DIR" | "BACKUP_DIR">;
  db: Pick<DbHandle, "db" | "kind" | "target" | "stats" | "ping"> & Partial<Pick<DbHandle, "replicas">>;
  lifecycle: Lifecycle;
  redis?: RedisClients | null;
}

export interface HealthServiceOptions {
  /** How long a database ping result serves the quick check and the probes. */
  quickTtlMs?: number;
  /** How long a detailed report is reused (health/detailed and metrics scrapes). */
  detailedTtlMs?: number;
  queues?: () => readonly MonitoredQueue[];
  responseTimes?: ResponseTimeWindow;
  /** More checks for the detailed report (the worker's, or a test's). */
  extraChecks?: HealthCheck[];
}

/**
 * The open endpoints say what is wrong, not the driver's message: that names hosts and ports, and is
 * in the (token-protected) detailed report.
 */
export const DATABASE_DOWN = "database not answering";

export interface QuickHealth {
  status: HealthStatus;
  uptimeSeconds: number;
  reasons: string[];
}

/**
 * A report that is not ok is kept only briefly: a probe must see a recovered dependency within a
 * second, while an ok report may be reused for the whole period (a flood of probes stays cheap).
 */
const NOT_OK_TTL_MS = 500;
function downFirst(okTtlMs: number): (report: { status: string }) => number {
  return (report) => (report.status === "ok" ? okTtlMs : Math.min(okTtlMs, NOT_OK_TTL_MS));
}

export function createHealthService(deps: HealthDeps, opts: HealthServiceOptions = {}) {
  const { lifecycle } = deps;
  // The quick path: one cheap SELECT 1 at most every quickTtlMs, bounded at 1 s.
  const ping = cachedRunner(
    () =>
      runCheck({
        name: "database",
        critical: true,
        timeoutMs: 1000,
        run: async () => {
          await deps.db.ping();
          return { status: "ok" };
        },
      }),
    downFirst(opts.quickTtlMs ?? 2000),
  );

  function checks(): HealthCheck[] {
    return [
      databaseCheck(deps.db),
      ...redisChecks(deps.redis),
      queuesCheck(opts.queues?.() ?? []),
      memoryCheck(),
      diskCheck(diskDirsOf(deps.config)),
      eventLoopCheck(),
      ...(opts.responseTimes ? [responseTimesCheck(opts.responseTimes)] : []),
      ...(opts.extraChecks ?? []),
    ];
  }

  // Draining is applied by the callers at answer time, so a cached report never carries it over.
  const detailed = cachedRunner(() => runChecks(checks()), downFirst(opts.detailedTtlMs ?? 5000));

  function uptimeSeconds(): number {
    return Math.round((Date.now() - lifecycle.startedAt.getTime()) / 1000);
  }

  /** Redis from the clients' own connection state: no I/O on the load balancer's path. */
  function redisReasons(): string[] {
    if (deps.redis === undefined) return [];
    if (deps.redis === null) return [NO_REDIS_REASON];
    return Object.entries(deps.redis.state())
      .filter(([, state]) => state === "down")
      .map(([role]) => `redis ${role} down`);
  }

  return {
    /** Load balancers: down when draining or the database did not answer; degraded without Redis. */
    async quick(): Promise<QuickHealth> {
      if (lifecycle.draining)
        return { status: "down", uptimeSeconds: uptimeSeconds(), reasons: ["draining"] };
      const db = await ping.get();
      if (db.status !== "ok") {
        return {
          status: "down",
          uptimeSeconds: uptimeSeconds(),
          reasons: [DATABASE_DOWN],
        };
      }
      const reasons = redisReasons();
      return { status: reasons.length ? "degraded" : "ok", uptimeSeconds: uptimeSeconds(), reasons };
    },
    /** Readiness: started, not draining, database answering. */
    async ready(): Promise<{ ready: boolean; reason?: string }> {
      if (lifecycle.draining) return { ready: false, reason: "draining" };
      if (!lifecycle.ready) return { ready: false, reason: "starting" };
      const db = await ping.get();
      return db.status === "ok" ? { ready: true } : { ready: false, reason: DATABASE_DOWN };
    },
    detailed: (): Promise<HealthReport> => detailed.get(),
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
