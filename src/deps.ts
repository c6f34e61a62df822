import type { Registry } from "prom-client";
import type { Config } from "./config/env";
import type { DbHandle } from "./db/client";
import type { Logger } from "./lib/logger";

/** Process state the health endpoints report: ready after start-up, draining during shutdown. */
export interface Lifecycle {
  startedAt: Date;
  ready: boolean;
  draining: boolean;
}

export function createLifecycle(): Lifecycle {
  return { startedAt: new Date(), ready: false, draining: false };
}

/** Everything the app needs, built by the process entry or a test; no module keeps a hidden global. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: DbHandle;
  metrics: Registry;
  lifecycle: Lifecycle;
}
