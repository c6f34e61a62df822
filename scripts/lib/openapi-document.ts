import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config/env";
import { createDb } from "../../src/db/client";
import { createLifecycle } from "../../src/deps";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { buildRedisDeps } from "../../src/redis/build";

/**
 * The OpenAPI document exactly as the API serves it, without a database or Redis: the app is built
 * over a PostgreSQL pool that is never queried (postgres.js connects on the first query) and the
 * in-memory stores, and only GET /api/openapi.json is asked. The document depends on the code only.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATABASE_URL: "postgres://openapi@127.0.0.1:9/never-connected",
    JWT_SECRET: "openapi-document-only-not-a-real-secret",
    DASHBOARD_ENABLED: "false",
  });
  const logger = createLogger({ level: "silent" });
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const db = await createDb(config);
  const { close, ...redis } = buildRedisDeps(config, logger, metrics);
  try {
    const app = createApp({ config, logger, db, metrics, lifecycle: createLifecycle(), ...redis });
    const res = await app.request("/api/openapi.json");
    if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await close();
    await db.close();
  }
}
