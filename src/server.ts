import type { App } from "./app";
import type { AppDeps } from "./deps";

export interface RunningServer {
  port: number;
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
    hostname: "0.0.0.0",
    fetch: app.fetch,
    // Long measure queries and uploads must not be cut by Bun's 10 s default idle timeout.
    idleTimeout: 120,
  });
  lifecycle.ready = true;
  logger.info({ port: server.port }, "courtflow api listening");

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
      await deps.close().catch((err) => logger.error({ err }, "error while closing dependencies"));
      logger.info("shutdown complete");
    })();
    return stopping;
  }
  return { port: server.port ?? 0, shutdown };
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
