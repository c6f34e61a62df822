import type { Server } from "bun";
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "./errors";

// With METRICS_PORT set, the API listens twice: the public port (the data API and the probes) and an
// operators' port (metrics, the detailed report and the probes). One app serves both; what the
// request came in on is told by the env Bun hands to fetch: the public listener passes its Server,
// the operators' listener this marker (see src/server.ts).

export interface MetricsListenerEnv {
  listener: "metrics";
  /** The socket address, as Bun's Server gives it (for client-ip.ts). */
  requestIP(req: Request): { address: string } | null;
}

export function metricsListenerEnv(server: Pick<Server<undefined>, "requestIP">): MetricsListenerEnv {
  return { listener: "metrics", requestIP: (req) => server.requestIP(req) };
}

export function onMetricsListener(c: Context): boolean {
  return (c.env as Partial<MetricsListenerEnv> | undefined)?.listener === "metrics";
}

/** Metrics and the detailed report: on the operators' listener only, when there is one. */
export const OPERATOR_PATHS: readonly string[] = ["/api/system/metrics", "/api/system/health/detailed"];
/** The probes answer on both listeners (an orchestrator may check either). */
const PROBE_PATHS: readonly string[] = [
  "/api/system/health",
  "/api/system/health/live",
  "/api/system/health/ready",
];

const notFound = (c: Context) => new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`);

/**
 * Splits the routes between the listeners when METRICS_PORT is set: the public port answers 404 for
 * metrics and the detailed report, as if they did not exist, and the operators' port serves nothing else.
 */
export function listenerGate(): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (onMetricsListener(c)) {
      if (!OPERATOR_PATHS.includes(path) && !PROBE_PATHS.includes(path)) throw notFound(c);
    } else if (OPERATOR_PATHS.includes(path)) {
      throw notFound(c);
    }
    await next();
  };
}
