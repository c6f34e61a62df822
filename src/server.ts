import type { App } from "./app";
import type { AppDeps } from "./deps";
import { metricsListenerEnv } from "./lib/listener";

export interface RunningServer {
  port: number;
  /** The operators' listener (METRICS_PORT), when configured. */
  metricsPort: number | null;
  /** Stops accepting, lets in-flight requests finish within the deadline, then releases deps. */
  shutdown(reason: string): Promise<void>;
}

export function startServer(
  app: Pick<App, "fetch">,
  deps: Pick<AppDeps, "config" | "logger" | "lifecycle"> & { close(): Promise<void> },
  opts: { port?: number } = {},
): RunningServer {
  const { config, logger, lifecycle } = deps;
  const server = Bun.serve({
    port: opts.port ?? config.PORT,
    hostname: config.HOST,
    fetch: app.fetch,
    // Long measure queries and uploads must not be cut by Bun's 10 s default idle timeout.
    idleTimeout: 120,
  });
  // Metrics and the detailed report on their own port, for scraping from inside the network only.
  let metricsServer: ReturnType<typeof Bun.serve> | null = null;
  if (config.METRICS_PORT !== undefined) {
    try {
      metricsServer = Bun.serve({
        port: config.METRICS_PORT,
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
