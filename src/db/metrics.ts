import type { Registry } from "prom-client";
import { counterIn, gaugeIn, histogramIn } from "../lib/metrics";
import type { DbHandle } from "./client";
import type { DbStats } from "./instrument";

/** Seconds; from a primary-key lookup to a long measure query near statement_timeout. */
const QUERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const bound = new WeakMap<Registry, DbStats>();

/**
 * Exposes a handle's pool figures and query timings (see instrument.ts for what the pool figures
 * mean). Pool gauges are read at scrape time; queries are observed as they finish. Returns the
 * function that stops observing.
 */
export function bindDbMetrics(registry: Registry, db: Pick<DbHandle, "stats">): () => void {
  const { stats } = db;
  // A handle shared by several apps on one registry (tests) must not count each query twice.
  if (bound.get(registry) === stats) return () => {};
  bound.set(registry, stats);
  gaugeIn(registry, {
    name: "courtflow_db_pool_max_connections",
    help: "Configured connection limit of the database pool (primary plus replicas)",
    collect() {
      this.set(stats.maxConnections);
    },
  });
  gaugeIn(registry, {
    name: "courtflow_db_pool_connections",
    help: "Pool connections by state: busy = needed by in-flight queries and open transactions, idle = spare capacity",
    labelNames: ["state"] as const,
    collect() {
      const s = stats.snapshot();
      this.set({ state: "busy" }, s.busy);
      this.set({ state: "idle" }, s.idle);
    },
  });
  gaugeIn(registry, {
    name: "courtflow_db_pool_waiting_queries",
    help: "Queries and transactions beyond the pool's parallel capacity (queued or pipelined)",
    collect() {
      this.set(stats.snapshot().waiting);
    },
  });
  const duration = histogramIn(registry, {
    name: "courtflow_db_query_duration_seconds",
    help: "Database query duration, from first await to result, by statement keyword",
    labelNames: ["operation"] as const,
    buckets: QUERY_BUCKETS,
  });
  const errors = counterIn(registry, {
    name: "courtflow_db_errors_total",
    help: "Failed database queries by SQLSTATE class (08 includes socket-level connection failures)",
    labelNames: ["class"] as const,
  });
  const stop = stats.onQuery((e) => {
    duration.observe({ operation: e.operation }, e.seconds);
    if (e.errorClass) errors.inc({ class: e.errorClass });
  });
  return () => {
    stop();
    bound.delete(registry);
  };
}
