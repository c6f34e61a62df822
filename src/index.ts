import { createApp } from "./app";
import { buildDeps } from "./bootstrap";
import { loadConfigOrExit } from "./config/env";
import { DatabaseUnreachableError } from "./db/client";
import { loggerFromConfig } from "./lib/logger";
import { exitOnSignals, startServer } from "./server";

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
  if (err instanceof DatabaseUnreachableError) {
    process.stderr.write(`courtflow: ${err.message}\n`);
  } else {
    logger.fatal({ err }, "start-up failed");
  }
  process.exit(1);
}
