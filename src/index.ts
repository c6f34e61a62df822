import { createApp } from "./app";
import { buildDeps } from "./bootstrap";
import { loadConfigOrExit } from "./config/env";
import { loggerFromConfig } from "./lib/logger";
import { exitOnSignals, startServer } from "./server";
import { exitOnStartupFailure } from "./startup-failure";

const config = loadConfigOrExit(process.env, { serving: true });
const logger = loggerFromConfig(config);

try {
  const deps = await buildDeps(config, logger);
  const app = createApp(deps);
  const running = startServer(app, deps);
  exitOnSignals(running, logger);
  logger.info(
    {
      mode: deps.db.kind === "pglite" ? "embedded" : "services",
      database: deps.db.target,
      cache: deps.redis ? "redis" : "in-process",
    },
    "courtflow api ready",
  );
} catch (err) {
  exitOnStartupFailure(err, logger, "courtflow");
}
