// Worker process entry. The BullMQ workers, schedulers, /health and /metrics arrive with the imports
// issue; until then the process starts, connects to the database and shuts down cleanly.
import { loadConfigOrExit } from "../src/config/env";
import { connectWithRetry, createDb } from "../src/db/client";
import { loggerFromConfig } from "../src/lib/logger";

const config = loadConfigOrExit();
const logger = loggerFromConfig(config).child({ process: "worker" });
const db = await createDb(config);
await connectWithRetry(db, { retries: config.DATABASE_CONNECT_RETRIES, logger });
logger.info({ database: db.target }, "courtflow worker started (no queues registered yet)");

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    logger.info({ signal }, "worker shutting down");
    await db.close().catch(() => {});
    process.exit(0);
  });
}
