import type { Worker } from "bullmq";
import type { Registry } from "prom-client";
import { counterIn, gaugeIn, histogramIn } from "../lib/metrics";
import { withTimeout } from "../lib/timeout";

/** The part of a BullMQ Queue the metrics and health checks read; a BullMQ `Queue` satisfies it. */
export interface MonitoredQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

export type JobOutcome = "completed" | "failed";

export const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "failed", "completed"] as const;

/** Seconds; from a quick recompute to a large nightly import. */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export interface JobMetrics {
  /** Exports the depth of these queues (by name; registering a name again replaces it). */
  registerQueues(queues: readonly MonitoredQueue[]): void;
  queues(): readonly MonitoredQueue[];
  /** Times every completed and failed job of a BullMQ worker from its processedOn/finishedOn. */
  watchWorker(worker: Pick<Worker, "on">, queueName: string): void;
  /** For the in-process runner (embedded mode), which has no BullMQ events. */
  observeJob(queue: string, outcome: JobOutcome, seconds: number): void;
  /** Rows an import processed, for the import throughput panel. */
  recordImportRows(outcome: "accepted" | "rejected", rows: number): void;
}

const perRegistry = new WeakMap<Registry, JobMetrics>();

/**
 * Queue and job metrics of one registry. The same instance comes back for the same registry, so the
 * imports code and the system module share one queue list without passing it around.
 */
export function jobMetricsFor(registry: Registry, opts: { countTimeoutMs?: number } = {}): JobMetrics {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const countTimeoutMs = opts.countTimeoutMs ?? 1000;
  const queues = new Map<string, MonitoredQueue>();

  gaugeIn(registry, {
    name: "courtflow_queue_jobs",
    help: "Jobs per queue and state at scrape time (BullMQ: from Redis; embedded mode: the in-process runner, completed since start)",
    labelNames: ["queue", "state"] as const,
    async collect() {
      await Promise.all(
        [...queues.values()].map(async (q) => {
          try {
            const counts = await withTimeout(
              q.getJobCounts(...QUEUE_STATES),
              countTimeoutMs,
              `queue ${q.name}`,
            );
            for (const state of QUEUE_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
          } catch {
            // Redis unreachable: drop the series rather than repeat stale numbers as current.
            for (const state of QUEUE_STATES) this.remove({ queue: q.name, state });
          }
        }),
      );
    },
  });
  const duration = histogramIn(registry, {
    name: "courtflow_job_duration_seconds",
    help: "Job processing time by queue and outcome",
    labelNames: ["queue", "outcome"] as const,
    buckets: JOB_BUCKETS,
  });
  const importRows = counterIn(registry, {
    name: "courtflow_import_rows_total",
    help: "Rows processed by imports, by outcome",
    labelNames: ["outcome"] as const,
  });

  const metrics: JobMetrics = {
    registerQueues(list) {
      for (const q of list) queues.set(q.name, q);
    },
    queues: () => [...queues.values()],
    watchWorker(worker, queueName) {
      const observe = (
        job: { processedOn?: number; finishedOn?: number } | undefined,
        outcome: JobOutcome,
      ) => {
        if (job?.processedOn === undefined) return;
        const seconds = ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000;
        duration.observe({ queue: queueName, outcome }, Math.max(0, seconds));
      };
      worker.on("completed", (job) => observe(job, "completed"));
      worker.on("failed", (job) => observe(job, "failed"));
    },
    observeJob(queue, outcome, seconds) {
      duration.observe({ queue, outcome }, seconds);
    },
    recordImportRows(outcome, rows) {
      if (rows > 0) importRows.inc({ outcome }, rows);
    },
  };
  perRegistry.set(registry, metrics);
  return metrics;
}
