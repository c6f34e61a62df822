import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from "prom-client";

/**
 * One registry per process, shared by the HTTP middleware and domain metrics. Created by the
 * process entry (or a test) and passed in deps, so tests get isolated registries.
 */
export function createMetricsRegistry(
  opts: { defaultMetrics?: boolean; process?: string; labels?: Record<string, string> } = {},
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ ...opts.labels, process: opts.process ?? "api" });
  if (opts.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: "courtflow_" });
    // prom-client names these gauges `_total`, which `promtool check metrics` rejects (a `_total`
    // suffix promises a counter); the same counts remain without the suffix.
    for (const kind of ["handles", "requests", "resources"]) {
      registry.removeSingleMetric(`courtflow_nodejs_active_${kind}_total`);
    }
  }
  return registry;
}

// Get-or-create helpers: prom-client throws when a name is registered twice, and the same wiring may
// run twice against one registry (createApp in tests, code shared by the API and the worker). The
// first registration wins, so a metric's labels and collect() are those of its first caller.

export function counterIn<T extends string>(registry: Registry, cfg: CounterConfiguration<T>): Counter<T> {
  return (
    (registry.getSingleMetric(cfg.name) as Counter<T> | undefined) ??
    new Counter({ ...cfg, registers: [registry] })
  );
}

export function gaugeIn<T extends string>(registry: Registry, cfg: GaugeConfiguration<T>): Gauge<T> {
  return (
    (registry.getSingleMetric(cfg.name) as Gauge<T> | undefined) ??
    new Gauge({ ...cfg, registers: [registry] })
  );
}

export function histogramIn<T extends string>(
  registry: Registry,
  cfg: HistogramConfiguration<T>,
): Histogram<T> {
  return (
    (registry.getSingleMetric(cfg.name) as Histogram<T> | undefined) ??
    new Histogram({ ...cfg, registers: [registry] })
  );
}
