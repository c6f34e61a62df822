import { prometheus } from "@hono/prometheus";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Registry } from "prom-client";
import type { AppEnv } from "../../app-env";
import { methodLabel, routeTemplate, UNMATCHED_ROUTE } from "./http-labels";
import { ResponseTimeWindow } from "./response-times";

export const SLOW_REQUEST_MS = 1000;

const HTTP_METRICS = ["courtflow_http_request_duration_seconds", "courtflow_http_requests_total"];

/** Probes and scrapes are frequent and fast; counting them would hide the API's real latency. */
function countsTowardsLatency(route: string): boolean {
  return route !== UNMATCHED_ROUTE && !route.startsWith("/api/system/");
}

/**
 * The request's route template, computed once: the metrics' labels, the response-time window and
 * the request log line all name it, and finding it walks the matched routes.
 */
export function routeLabel(c: Context<AppEnv>): string {
  let route = c.get("routeLabel");
  if (route === undefined) {
    route = routeTemplate(c);
    c.set("routeLabel", route);
  }
  return route;
}

/**
 * HTTP request metrics (@hono/prometheus, bounded labels), the recent response-time window behind
 * the detailed health report, and the slow-request warning on the request log line (hono-pino's,
 * written by the middleware outside this one).
 */
export function createHttpObservability(registry: Registry) {
  // prom-client refuses a second registration of a name, and createApp may run twice on one registry.
  for (const name of HTTP_METRICS) registry.removeSingleMetric(name);
  // Our labels override the library's own `route` and `method`, which would carry raw values.
  const customLabels = { route: routeLabel, method: methodLabel };
  const { registerMetrics } = prometheus({
    registry,
    prefix: "courtflow_",
    metricOptions: {
      requestDuration: {
        help: "HTTP request duration by method, route template and status",
        customLabels,
      },
      requestsTotal: { help: "HTTP requests by method, route template and status", customLabels },
    },
  });
  const responseTimes = new ResponseTimeWindow();

  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await registerMetrics(c, next);
    const ms = performance.now() - started;
    if (countsTowardsLatency(routeLabel(c))) responseTimes.record(ms);
    // 4xx and 5xx lines already log at warn/error; a slow success is raised to warn.
    if (ms > SLOW_REQUEST_MS && c.res.status < 400) {
      c.var.logger?.setResLevel("warn").setResMessage(`slow request: ${Math.round(ms)} ms`);
    }
  });
  return { middleware, responseTimes };
}

export type HttpObservability = ReturnType<typeof createHttpObservability>;
