// Queue and job names, and the options every job gets. The prefix is a Redis Cluster hash tag, so all
// of a queue's keys land in one slot (BullMQ's Lua scripts touch several keys at once).

export const QUEUE_PREFIX = "{courtflow}";

export const QUEUE_NAMES = ["imports", "maintenance", "measures"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * Jobs at once per process where WORKER_CONCURRENCY is not the limit: the measure refresh runs one at
 * a time (each run takes everything owed; a second would only wait on the refresh lock).
 */
export const QUEUE_CONCURRENCY: Partial<Record<QueueName, number>> = { measures: 1 };

export const JOB_NAMES = {
  import: "import",
  caseloadSnapshot: "caseload-snapshot",
  measuresWarmup: "measures-warmup",
  retention: "retention",
  importsRecover: "imports-recover",
  measuresRefresh: "measures-refresh",
} as const;
export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];

export const JOB_ATTEMPTS = 5;
/** First retry after 2 s, then 4, 8, 16 s. */
export const JOB_BACKOFF = { type: "exponential" as const, delay: 2000 };

/**
 * Every job: 5 attempts with exponential backoff; finished jobs are kept for inspection but bounded
 * in number and age, so Redis (noeviction) never fills up with history.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: JOB_ATTEMPTS,
  backoff: JOB_BACKOFF,
  removeOnComplete: { count: 1000, age: 7 * 24 * 3600 },
  removeOnFail: { count: 5000, age: 30 * 24 * 3600 },
};

/**
 * One job per batch and processing run. BullMQ ignores an add whose id exists, which makes enqueueing
 * idempotent (the recovery sweep may enqueue a batch the API already did); a retry is a new run, so it
 * gets a new id even while the previous run's job is still kept in the failed set.
 */
export function importJobId(batchId: number, run: number): string {
  return `import-${batchId}-${run}`;
}

/**
 * The measure refresh is coalesced: its to-do is in PostgreSQL (import_touched_cases), so one run
 * does whatever is owed when it runs. Enqueued with this deduplication id, a burst of requests makes
 * one waiting job; the worker releases the id when the job starts (queue-workers.ts), so a request
 * that arrives during a run queues exactly one more run after it, and none is lost.
 */
export const MEASURES_REFRESH_DEDUP_ID = "measures-refresh";
