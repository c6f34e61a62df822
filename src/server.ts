import type { Server } from "bun";
import type { App } from "./app";
import type { Config } from "./config/env";
import type { AppDeps, Lifecycle } from "./deps";
import { metricsListenerEnv } from "./lib/listener";
import { appVersion } from "./lib/version";

export interface RunningServer {
  port: number;
  /** The operators' listener (METRICS_PORT), when configured. */
  metricsPort: number | null;
  /** Stops accepting, lets in-flight requests finish within the deadline, then releases deps. */
  shutdown(reason: string): Promise<void>;
}

/** Long measure queries and uploads must not be cut by Bun's 10 s default idle timeout. */
const IDLE_TIMEOUT_S = 120;

export function startServer(
  app: Pick<App, "fetch">,
  deps: Pick<AppDeps, "config" | "logger" | "lifecycle"> & { close(): Promise<void> },
  opts: {
    port?: number;
    server?: Server<undefined>;
    /** One of API_PROCESSES > 1 children: share the port with its siblings (SO_REUSEPORT). */
    reusePort?: boolean;
    /** The operators' listener's port, when not METRICS_PORT (a child's: METRICS_PORT + index). */
    metricsPort?: number;
  } = {},
): RunningServer {
  const { config, logger, lifecycle } = deps;
  let server: Server<undefined>;
  if (opts.server) {
    // The listener of listenWhileStarting: the app takes over the socket, no connection is refused.
    server = opts.server;
    server.reload({ fetch: app.fetch });
  } else {
    server = Bun.serve({
      port: opts.port ?? config.PORT,
      hostname: config.HOST,
      fetch: app.fetch,
      idleTimeout: IDLE_TIMEOUT_S,
      ...(opts.reusePort ? { reusePort: true } : {}),
    });
  }
  // Metrics and the detailed report on their own port, for scraping from inside the network only.
  let metricsServer: ReturnType<typeof Bun.serve> | null = null;
  const metricsPort = opts.metricsPort ?? config.METRICS_PORT;
  if (metricsPort !== undefined) {
    try {
      metricsServer = Bun.serve({
        port: metricsPort,
        hostname: config.METRICS_HOST ?? config.HOST,
        fetch: (req, srv) => app.fetch(req, metricsListenerEnv(srv)),
      });
    } catch (err) {
      server.stop(true);
      throw err;
    }
    logger.info(
      { host: config.METRICS_HOST ?? config.HOST, port: metricsServer.port },
      "courtflow metrics listening",
    );
  }
  lifecycle.ready = true;
  logger.info({ host: config.HOST, port: server.port }, "courtflow api listening");

  let stopping: Promise<void> | null = null;
  async function shutdown(reason: string): Promise<void> {
    stopping ??= (async () => {
      logger.info({ reason }, "shutting down: draining in-flight requests");
      lifecycle.draining = true;
      lifecycle.ready = false;
      const deadline = config.SHUTDOWN_TIMEOUT_MS;
      const drained = await Promise.race([
        server.stop(false).then(() => true),
        Bun.sleep(deadline).then(() => false),
      ]);
      if (!drained) {
        logger.warn({ deadlineMs: deadline }, "shutdown deadline reached: closing remaining connections");
        await server.stop(true);
      }
      // Scrapes are short; the operators' port closes once the API has drained.
      await metricsServer?.stop(true);
      await deps.close().catch((err) => logger.error({ err }, "error while closing dependencies"));
      logger.info("shutdown complete");
    })();
    return stopping;
  }
  return { port: server.port ?? 0, metricsPort: metricsServer?.port ?? null, shutdown };
}

/** SIGTERM/SIGINT → graceful shutdown → exit 0 (1 if shutdown itself failed). */
export function exitOnSignals(running: RunningServer, logger: AppDeps["logger"]): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      running
        .shutdown(signal)
        .then(() => process.exit(0))
        .catch((err) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        });
    });
  }
}

export interface StartingServer {
  server: Server<undefined>;
  /** What start-up is doing now (said by /health and the 503s meanwhile). */
  phase(text: string): void;
  stop(): void;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  });

/**
 * Listens before the app is built. Opening a fresh embedded database (PGlite's initdb in WASM) and
 * migrating it takes seconds to tens of seconds on a busy machine, and a connection retry loop can
 * take as long in services mode: meanwhile liveness answers 200 (the process is fine: no orchestrator
 * should restart it), readiness and health 503 "starting", and every other route 503
 * SERVICE_UNAVAILABLE with Retry-After, in the API's error envelope. startServer() then hands the same
 * socket to the app.
 */
export function listenWhileStarting(
  config: Pick<Config, "PORT" | "HOST">,
  lifecycle: Lifecycle,
  opts: { port?: number } = {},
): StartingServer {
  let current = "loading the application";
  const uptimeSeconds = () => Math.round((Date.now() - lifecycle.startedAt.getTime()) / 1000);
  const server = Bun.serve({
    port: opts.port ?? config.PORT,
    hostname: config.HOST,
    idleTimeout: IDLE_TIMEOUT_S,
    fetch(req) {
      const path = new URL(req.url).pathname.replace(/\/+$/, "");
      const requestId = crypto.randomUUID();
      const ids = { "X-Request-Id": requestId };
      if (path === "/api/system/health/live")
        return json(200, { status: "ok", uptimeSeconds: uptimeSeconds(), starting: current }, ids);
      if (path === "/api/system/health/ready")
        return json(503, { status: "not_ready", reason: "starting", starting: current }, ids);
      if (path === "/api/system/health")
        return json(
          503,
          { status: "starting", uptimeSeconds: uptimeSeconds(), version: appVersion, reasons: [current] },
          ids,
        );
      return json(
        503,
        {
          error: {
            code: "SERVICE_UNAVAILABLE",
            message: `CourtFlow is starting (${current}); try again in a few seconds`,
            requestId,
          },
        },
        { ...ids, "Retry-After": "2" },
      );
    },
  });
  return {
    server,
    phase(text) {
      current = text;
    },
    stop() {
      server.stop(true);
    },
  };
}
