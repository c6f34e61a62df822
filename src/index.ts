import { withDevelopmentSecret } from "./config/dev-secret";
import { loadConfigOrExit } from "./config/env";
import { createLifecycle } from "./deps";
import { loggerFromConfig } from "./lib/logger";
import { exitOnSignals, listenWhileStarting, type StartingServer, startServer } from "./server";
import { exitOnStartupFailure } from "./startup-failure";
import { type ChildReady, childIndexFrom, metricsPortOf, superviseApi } from "./supervisor";

// Only light modules are imported above: the port is bound and /api/system/health/live answers before
// the app's modules load and the database opens (see listenWhileStarting).
//
// API_PROCESSES > 1: this process supervises that many API processes sharing PORT (src/supervisor.ts);
// each child runs this file again with `--api-process <index>`.

const config = withDevelopmentSecret(loadConfigOrExit(process.env, { serving: true }));
const childIndex = childIndexFrom(process.argv);

if (config.apiProcesses > 1 && childIndex === null) {
  const logger = loggerFromConfig(config);
  await superviseApi(config, logger, import.meta.path);
} else {
  await serve(childIndex);
}

/** One API process: alone, or child `index` of the supervisor. */
async function serve(index: number | null): Promise<void> {
  const logger =
    index === null ? loggerFromConfig(config) : loggerFromConfig(config, { processIndex: index });
  const lifecycle = createLifecycle();
  // A supervised child binds only once ready: its siblings already serve the shared port, and a
  // starting listener would take connections only to answer 503.
  const starting: StartingServer | null = index === null ? listenWhileStarting(config, lifecycle) : null;
  if (starting)
    logger.info({ port: starting.server.port }, "courtflow api starting: answering health meanwhile");

  // A signal while starting: services mode has written nothing yet and exits at once; embedded mode
  // stops once PGlite is open and migrated, since killing it half-way through initdb or a migration
  // could leave a directory that no longer opens. A second Ctrl-C does not wait.
  let stopSignal: NodeJS.Signals | null = null;
  function onSignalWhileStarting(signal: NodeJS.Signals): void {
    if (!config.embeddedDatabase || stopSignal) process.exit(stopSignal ? 1 : 0);
    stopSignal = signal;
    logger.info({ signal }, "stopping as soon as the embedded database is open (again to stop at once)");
  }
  process.on("SIGTERM", onSignalWhileStarting);
  process.on("SIGINT", onSignalWhileStarting);

  try {
    const [{ buildDeps }, { createApp }] = await Promise.all([import("./bootstrap"), import("./app")]);
    const deps = await buildDeps(config, logger, {
      lifecycle,
      ...(starting ? { onPhase: starting.phase } : {}),
      ...(index !== null ? { processIndex: index } : {}),
    });
    const app = createApp(deps);
    const running = starting
      ? startServer(app, deps, { server: starting.server })
      : startServer(app, deps, {
          reusePort: true,
          metricsPort: metricsPortOf(config.METRICS_PORT, index ?? 0),
        });
    process.off("SIGTERM", onSignalWhileStarting);
    process.off("SIGINT", onSignalWhileStarting);
    exitOnSignals(running, logger);
    logger.info(
      {
        mode: deps.db.kind === "pglite" ? "embedded" : "services",
        database: deps.db.target,
        cache: deps.redis ? "redis" : "in-process",
        startMs: Date.now() - lifecycle.startedAt.getTime(),
        ...(index !== null ? { pid: process.pid, metricsPort: running.metricsPort } : {}),
      },
      "courtflow api ready",
    );
    if (index !== null) {
      process.send?.({ type: "ready", index, pid: process.pid } satisfies ChildReady);
      stopWhenOrphaned(() => process.kill(process.pid, "SIGTERM"));
    }
    if (stopSignal) process.kill(process.pid, stopSignal);
  } catch (err) {
    starting?.stop();
    exitOnStartupFailure(err, logger, "courtflow");
  }
}

/**
 * A supervisor killed outright (SIGKILL) cannot forward a signal: its children drain on their own. The
 * IPC channel closing says so at once; the parent pid changing is the fallback.
 */
function stopWhenOrphaned(stop: () => void): void {
  const parent = process.ppid;
  let stopped = false;
  const once = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    stop();
  };
  process.once("disconnect", once);
  const timer = setInterval(() => {
    if (process.ppid !== parent) once();
  }, 1000);
  timer.unref();
}
