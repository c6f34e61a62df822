import { Writable } from "node:stream";
import { createApp } from "../../src/app";
import type { Config } from "../../src/config/env";
import type { DbHandle } from "../../src/db/client";
import { type AppDeps, createLifecycle } from "../../src/deps";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { openTestDb, testConfig } from "./db";

/** Collects the JSON log lines a test app writes, so tests can assert on logs. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.lines.push(...chunk.toString().split("\n").filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join("\n");
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l));
  }
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  logs: LogCapture;
  close(): Promise<void>;
}

/** The real app over real PostgreSQL, with logs captured in memory. */
export async function createTestApp(
  opts: { env?: Record<string, string>; db?: DbHandle; config?: Config } = {},
): Promise<TestApp> {
  const config = opts.config ?? testConfig({ LOG_LEVEL: "info", ...opts.env });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.LOG_LEVEL, destination: logs });
  const db = opts.db ?? (await openTestDb(opts.env));
  const lifecycle = createLifecycle();
  lifecycle.ready = true;
  const deps: AppDeps = {
    config,
    logger,
    db,
    metrics: createMetricsRegistry({ defaultMetrics: false }),
    lifecycle,
  };
  const app = createApp(deps);
  return {
    app,
    deps,
    logs,
    async close() {
      if (!opts.db) await db.close();
    },
  };
}
