import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config/env";
import { createDb } from "../../src/db/client";
import { createLifecycle } from "../../src/deps";
import { OPENAPI_PATH } from "../../src/lib/docs";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { buildRedisDeps } from "../../src/redis/build";

// The OpenAPI document as GET /api/openapi.json serves it, without any service: the app is built over
// a database URL it never connects to (createApp does no I/O) and the in-process stores.

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATABASE_URL: "postgres://openapi@127.0.0.1:9/never-connected",
    DASHBOARD_ENABLED: "false",
  });
  const logger = createLogger({ level: "silent" });
  const db = await createDb(config);
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const { close, ...redis } = buildRedisDeps(config, logger, metrics);
  try {
    const app = createApp({ config, logger, db, metrics, lifecycle: createLifecycle(), ...redis });
    const res = await app.request(OPENAPI_PATH);
    if (res.status !== 200) throw new Error(`${OPENAPI_PATH} answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await close();
    await db.close();
  }
}
