import { withDevelopmentSecret } from "./config/dev-secret";
import { loadConfigOrExit } from "./config/env";
import { createLifecycle } from "./deps";
import { loggerFromConfig } from "./lib/logger";
import { exitOnSignals, listenWhileStarting, startServer } from "./server";
import { exitOnStartupFailure } from "./startup-failure";

// Only light modules are imported above: the port is bound and /api/system/health/live answers before
// the app's modules load and the database opens (see listenWhileStarting).

const config = withDevelopmentSecret(loadConfigOrExit(process.env, { serving: true }));
const logger = loggerFromConfig(config);
const lifecycle = createLifecycle();
const starting = listenWhileStarting(config, lifecycle);
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
  const deps = await buildDeps(config, logger, { lifecycle, onPhase: starting.phase });
  const app = createApp(deps);
  const running = startServer(app, deps, { server: starting.server });
  process.off("SIGTERM", onSignalWhileStarting);
  process.off("SIGINT", onSignalWhileStarting);
  exitOnSignals(running, logger);
  logger.info(
    {
      mode: deps.db.kind === "pglite" ? "embedded" : "services",
      database: deps.db.target,
      cache: deps.redis ? "redis" : "in-process",
      startMs: Date.now() - lifecycle.startedAt.getTime(),
    },
    "courtflow api ready",
  );
  if (stopSignal) process.kill(process.pid, stopSignal);
} catch (err) {
  starting.stop();
  exitOnStartupFailure(err, logger, "courtflow");
}
