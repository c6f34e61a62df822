import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * One registry per process, shared by the HTTP middleware and domain metrics. Created by the
 * process entry (or a test) and passed in deps, so tests get isolated registries.
 */
export function createMetricsRegistry(opts: { defaultMetrics?: boolean; process?: string } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: opts.process ?? "api" });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "courtflow_" });
  return registry;
}
