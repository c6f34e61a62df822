import type { Context, MiddlewareHandler } from "hono";
import { some } from "hono/combine";
import { bindDbMetrics } from "../../db/metrics";
import type { AppDeps } from "../../deps";
import { jobMetricsFor, type MonitoredQueue } from "../../jobs/metrics";
import { createRouter } from "../../lib/validation";
import { appVersion } from "../../lib/version";
import type { RedisClients } from "../../redis/types";
import { dataDirOf } from "./checks/disk";
import { createHealthService } from "./health.service";
import { requireMetricsToken } from "./metrics-auth";
import type { ResponseTimeWindow } from "./response-times";
import {
  registerBuildInfo,
  registerDiskMetrics,
  registerHealthMetrics,
  registerSessionMetrics,
} from "./system.metrics";
import { versionResolver } from "./version";

/** What the system module reads from the app's deps; the Redis layer and queues are optional. */
export type SystemDeps = Pick<AppDeps, "config" | "db" | "metrics" | "lifecycle"> & {
  redis?: RedisClients | null;
  sessions?: { countActive(): Promise<number> } | null;
  queues?: readonly MonitoredQueue[];
};

const noStore = (c: Context) => c.header("Cache-Control", "no-store");

export interface SystemRouteOptions {
  responseTimes?: ResponseTimeWindow;
  /**
   * Admits a signed-in admin (bearer access token) to the detailed report as well as the metrics
   * token: the reference dashboard's operators page shows it without handing the scrape secret to a
   * browser. Metrics themselves stay behind the token only.
   */
  adminGuard?: MiddlewareHandler;
}

export function systemRoutes(deps: SystemDeps, opts: SystemRouteOptions = {}) {
  const jobs = jobMetricsFor(deps.metrics);
  jobs.registerQueues(deps.queues ?? []);
  bindDbMetrics(deps.metrics, deps.db);
  const health = createHealthService(deps, { queues: jobs.queues, responseTimes: opts.responseTimes });
  const version = versionResolver(deps.config, deps.lifecycle);
  registerHealthMetrics(deps.metrics, health.detailed);
  registerBuildInfo(deps.metrics, version);
  registerDiskMetrics(deps.metrics, dataDirOf(deps.config));
  if (deps.sessions) registerSessionMetrics(deps.metrics, deps.sessions);

  const guard = requireMetricsToken(deps.config.METRICS_TOKEN);
  // Tried in order; the first that admits the request wins, else the last refusal is the answer.
  const detailedGuard = opts.adminGuard ? some(guard, opts.adminGuard) : guard;
  const router = createRouter();

  router.get("/health", async (c) => {
    const r = await health.quick();
    noStore(c);
    const body = {
      status: r.status,
      uptimeSeconds: r.uptimeSeconds,
      version: appVersion,
      ...(r.reasons.length ? { reasons: r.reasons } : {}),
    };
    return c.json(body, r.status === "down" ? 503 : 200);
  });

  // Liveness: the process answers. Never depends on the database, or an outage would restart every pod.
  router.get("/health/live", (c) => {
    noStore(c);
    return c.json({
      status: "ok",
      uptimeSeconds: Math.round((Date.now() - deps.lifecycle.startedAt.getTime()) / 1000),
    });
  });

  router.get("/health/ready", async (c) => {
    const r = await health.ready();
    noStore(c);
    return r.ready ? c.json({ status: "ready" }) : c.json({ status: "not_ready", reason: r.reason }, 503);
  });

  router.get("/health/detailed", detailedGuard, async (c) => {
    const report = await health.detailed();
    const status = deps.lifecycle.draining ? "down" : report.status;
    noStore(c);
    return c.json({ ...report, status, version: version() }, status === "down" ? 503 : 200);
  });

  router.get("/metrics", guard, async (c) => {
    const text = await deps.metrics.metrics();
    noStore(c);
    return c.body(text, 200, { "Content-Type": deps.metrics.contentType });
  });

  // Open: what is deployed, for the dashboard's footer and support. The runtime's exact version helps
  // only someone matching it against advisories, so it stays in the (protected) detailed report.
  router.get("/version", (c) => {
    const { bunVersion: _runtime, ...open } = version();
    return c.json(open);
  });

  return router;
}
