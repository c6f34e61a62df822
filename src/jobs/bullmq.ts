import { type ConnectionOptions, Queue } from "bullmq";
import type { Logger } from "../lib/logger";
import {
  DEFAULT_JOB_OPTIONS,
  importJobId,
  JOB_NAMES,
  type JobName,
  MEASURES_REFRESH_DEDUP_ID,
  QUEUE_NAMES,
  QUEUE_PREFIX,
  type QueueName,
} from "./queues";
import { SCHEDULES } from "./schedules";
import type { JobDispatcher, QueueReport } from "./types";

// The BullMQ side of the dispatcher: one Queue (producer) per queue name over the process's `queue`
// connection (no offline queue, so an enqueue fails fast while Redis is away instead of piling up).

const REPORT_STATES = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
  "failed",
  "completed",
] as const;

const queueOfJob: Record<JobName, QueueName> = Object.fromEntries(
  SCHEDULES.map((s) => [s.name, s.queue]).concat([
    [JOB_NAMES.import, "imports"],
    [JOB_NAMES.measuresRefresh, "measures"],
  ]),
) as Record<JobName, QueueName>;

export interface BullDispatcher extends JobDispatcher {
  readonly mode: "bullmq";
  /** The Queue objects (bull-board, schedulers). */
  bullQueues(): Queue[];
}

export function createQueues(connection: ConnectionOptions): Record<QueueName, Queue> {
  return Object.fromEntries(
    QUEUE_NAMES.map((name) => [
      name,
      new Queue(name, { connection, prefix: QUEUE_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
    ]),
  ) as Record<QueueName, Queue>;
}

export async function queueReport(queue: Queue, failedLimit: number): Promise<QueueReport> {
  const [counts, failed, schedulers] = await Promise.all([
    queue.getJobCounts(...REPORT_STATES),
    failedLimit > 0 ? queue.getFailed(0, failedLimit - 1) : Promise.resolve([]),
    queue.getJobSchedulers(0, 99, true),
  ]);
  return {
    name: queue.name,
    counts,
    failed: failed
      .filter((j) => j)
      .map((j) => ({
        id: String(j.id),
        name: j.name,
        data: j.data,
        failedReason: j.failedReason ?? "",
        attemptsMade: j.attemptsMade,
        failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
      })),
    schedulers: schedulers.map((s) => ({
      id: String(s.key),
      name: s.name,
      pattern: s.pattern ?? null,
      every: s.every ? Number(s.every) : null,
      next: s.next ? new Date(s.next).toISOString() : null,
    })),
  };
}

export function createBullDispatcher(connection: ConnectionOptions, logger: Logger): BullDispatcher {
  const queues = createQueues(connection);
  for (const q of Object.values(queues)) {
    // A producer's errors (Redis away) surface on the enqueue that failed; this keeps them off stderr.
    q.on("error", (err) => logger.debug({ err, queue: q.name }, "queue connection error"));
  }
  return {
    mode: "bullmq",
    async enqueueImport(batchId, run) {
      await queues.imports.add(JOB_NAMES.import, { batchId }, { jobId: importJobId(batchId, run) });
    },
    async enqueue(name, data) {
      await queues[queueOfJob[name]].add(name, data);
    },
    async enqueueMeasuresRefresh() {
      await queues.measures.add(
        JOB_NAMES.measuresRefresh,
        {},
        { deduplication: { id: MEASURES_REFRESH_DEDUP_ID } },
      );
    },
    async importJobState(batchId, run) {
      const job = await queues.imports.getJob(importJobId(batchId, run));
      if (!job) return { state: "missing" };
      const state = await job.getState();
      if (state === "failed") return { state: "failed", reason: job.failedReason ?? "failed" };
      if (state === "completed") return { state: "completed" };
      return { state: state === "unknown" ? "missing" : "pending" };
    },
    queues: () => Object.values(queues),
    bullQueues: () => Object.values(queues),
    report: (failedLimit) => Promise.all(Object.values(queues).map((q) => queueReport(q, failedLimit))),
    async close() {
      // The connection is shared (the process's `queue` client): Queue.close() leaves it open.
      await Promise.all(Object.values(queues).map((q) => q.close().catch(() => {})));
    },
  };
}
