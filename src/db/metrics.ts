import type { Registry } from "prom-client";
import { counterIn, gaugeIn, histogramIn } from "../lib/metrics";
import type { DbHandle } from "./client";
import type { DbStats } from "./instrument";
import type { ReplicaSet } from "./replicas";

/** Seconds; from a primary-key lookup to a long measure query near statement_timeout. */
const QUERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const bound = new WeakMap<Registry, DbStats>();

/**
 * Exposes a handle's pool figures and query timings (see instrument.ts for what the pool figures
 * mean). Pool gauges are read at scrape time; queries are observed as they finish. Returns the
 * function that stops observing.
 */
export function bindDbMetrics(
  registry: Registry,
  db: Pick<DbHandle, "stats"> & Partial<Pick<DbHandle, "replicas">>,
): () => void {
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
  // Label values: "primary" and each configured replica's host:port/database (a bounded set).
  const queries = counterIn(registry, {
    name: "courtflow_db_queries_total",
    help: "Database queries by the server that ran them (primary, or a read replica's host:port/database)",
    labelNames: ["target"] as const,
  });
  const stop = stats.onQuery((e) => {
    duration.observe({ operation: e.operation }, e.seconds);
    queries.inc({ target: e.target });
    if (e.errorClass) errors.inc({ class: e.errorClass });
  });
  const stopRoutes = bindReplicaMetrics(registry, db.replicas ?? null);
  return () => {
    stop();
    stopRoutes();
    bound.delete(registry);
  };
}

/**
 * Replica state and read routing. Registered without replicas too (no series then), so one
 * dashboard fits every deployment.
 */
function bindReplicaMetrics(registry: Registry, replicas: ReplicaSet | null): () => void {
  gaugeIn(registry, {
    name: "courtflow_db_replica_up",
    help: "1 when a read replica answers its probe and is a standby; 0 when it is down",
    labelNames: ["replica"] as const,
    collect() {
      for (const r of replicas?.status() ?? []) this.set({ replica: r.target }, r.state === "down" ? 0 : 1);
    },
  });
  gaugeIn(registry, {
    name: "courtflow_db_replica_lag_seconds",
    help: "Age of the oldest primary write a replica has not replayed (0: caught up); absent while it is down",
    labelNames: ["replica"] as const,
    collect() {
      for (const r of replicas?.status() ?? []) {
        if (r.lagSeconds === null) this.remove({ replica: r.target });
        else this.set({ replica: r.target }, r.lagSeconds);
      }
    },
  });
  const routed = counterIn(registry, {
    name: "courtflow_db_read_routes_total",
    help: "Routed reads by destination and reason (replica; or primary because the request wrote, a fence was not yet replayed, no replica was usable, or outside a request)",
    labelNames: ["target", "reason"] as const,
  });
  return replicas?.onRoute((target, reason) => routed.inc({ target, reason })) ?? (() => {});
}
