// The worker's own /health and /metrics on WORKER_PORT: Prometheus scrapes each worker directly,
// and the container health check asks /health.
import { Hono } from "hono";
import type { Registry } from "prom-client";
import type { Config } from "../src/config/env";
import type { DbHandle } from "../src/db/client";
import { bindDbMetrics } from "../src/db/metrics";
import type { Lifecycle } from "../src/deps";
import { type JobMetrics, jobMetricsFor } from "../src/jobs/metrics";
import type { Logger } from "../src/lib/logger";
import { dataDirOf } from "../src/modules/system/checks/disk";
import { createHealthService, type HealthService } from "../src/modules/system/health.service";
import { metricsAuthorized } from "../src/modules/system/metrics-auth";
import {
  registerBuildInfo,
  registerDiskMetrics,
  registerHealthMetrics,
} from "../src/modules/system/system.metrics";
import { versionResolver } from "../src/modules/system/version";
import type { RedisClients } from "../src/redis/types";

export interface WorkerObservabilityDeps {
  config: Config;
  logger: Logger;
  db: DbHandle;
  metrics: Registry;
  lifecycle: Lifecycle;
  /** The worker's Redis clients once the queue layer exists; undefined until then. */
  redis?: RedisClients | null;
}

export function createWorkerHttpApp(deps: WorkerObservabilityDeps): {
  app: Hono;
  health: HealthService;
  jobs: JobMetrics;
} {
  const { config, metrics, lifecycle } = deps;
  // The imports code registers its queues and workers here: jobMetricsFor(metrics) is this instance.
  const jobs = jobMetricsFor(metrics);
  bindDbMetrics(metrics, deps.db);
  const health = createHealthService(deps, { queues: jobs.queues });
  const version = versionResolver(config, lifecycle);
  registerHealthMetrics(metrics, health.detailed);
  registerBuildInfo(metrics, version);
  registerDiskMetrics(metrics, dataDirOf(config));

  const app = new Hono();
  const unauthorized = () =>
    new Response(
      JSON.stringify({ error: { code: "UNAUTHENTICATED", message: "A valid metrics token is required" } }),
      {
        status: 401,
        headers: {
          "Content-Type": "application/json",
          "WWW-Authenticate": 'Bearer realm="courtflow-metrics"',
        },
      },
    );

  app.get("/health", async (c) => {
    const r = await health.quick();
    c.header("Cache-Control", "no-store");
    const body = {
      status: r.status,
      uptimeSeconds: r.uptimeSeconds,
      version: version().version,
      queues: jobs.queues().map((q) => q.name),
    };
    return c.json(r.reasons.length ? { ...body, reasons: r.reasons } : body, r.status === "down" ? 503 : 200);
  });
  app.get("/health/detailed", async (c) => {
    if (!metricsAuthorized(config.METRICS_TOKEN, c.req.header("authorization"))) return unauthorized();
    const report = await health.detailed();
    const status = lifecycle.draining ? "down" : report.status;
    return c.json({ ...report, status, version: version() }, status === "down" ? 503 : 200);
  });
  app.get("/metrics", async (c) => {
    if (!metricsAuthorized(config.METRICS_TOKEN, c.req.header("authorization"))) return unauthorized();
    return c.body(await metrics.metrics(), 200, {
      "Content-Type": metrics.contentType,
      "Cache-Control": "no-store",
    });
  });
  app.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((err, c) => {
    deps.logger.error({ err, path: c.req.path }, "worker http request failed");
    return c.json({ error: { code: "INTERNAL", message: "Internal server error" } }, 500);
  });
  return { app, health, jobs };
}

/** Starts the server; stop() closes it (the worker drains its jobs separately). */
export function startWorkerHttp(deps: WorkerObservabilityDeps, port: number) {
  const { app, jobs } = createWorkerHttpApp(deps);
  const server = Bun.serve({ port, hostname: deps.config.HOST, fetch: app.fetch });
  deps.logger.info({ host: deps.config.HOST, port: server.port }, "worker /health and /metrics listening");
  return {
    port: server.port ?? port,
    jobs,
    stop: () => server.stop(true),
  };
}
