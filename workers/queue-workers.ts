import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from "bullmq";
import { createBullDispatcher } from "../src/jobs/bullmq";
import { describeJobError } from "../src/jobs/errors";
import { jobMetricsFor } from "../src/jobs/metrics";
import {
  DEFAULT_JOB_OPTIONS,
  JOB_BACKOFF,
  JOB_NAMES,
  type JobName,
  QUEUE_CONCURRENCY,
  QUEUE_NAMES,
  QUEUE_PREFIX,
} from "../src/jobs/queues";
import { repeatOptions, SCHEDULES } from "../src/jobs/schedules";
import { type AnyJobDefinition, JobPausedError, type ProcessorDeps } from "../src/jobs/types";
import { JOB_DEFINITIONS } from "../src/processors";
import type { RedisClients } from "../src/redis/types";

// The worker process's BullMQ side: one Worker per queue, the job schedulers, and a shutdown that
// cannot hang. Jobs are idempotent (an import resumes from its committed checkpoint), so BullMQ's
// at-least-once delivery — retries, stalled-job recovery after a crash — loses and doubles nothing.

export interface QueueWorkers {
  workers: Worker[];
  queues: Queue[];
  /** Stops taking jobs; running ones stop at their next safe point, then everything closes within the deadline. */
  close(deadlineMs: number): Promise<void>;
}

/** Registers the schedulers (an upsert per id: any number of workers starting keeps one of each) and drops retired ones. */
export async function registerSchedulers(queues: Queue[]): Promise<void> {
  const byName = new Map(queues.map((q) => [q.name, q]));
  for (const s of SCHEDULES) {
    await byName.get(s.queue)!.upsertJobScheduler(s.id, repeatOptions(s.timing), {
      name: s.name,
      data: {},
      opts: {
        attempts: 3,
        backoff: JOB_BACKOFF,
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 500 },
      },
    });
  }
  const known = new Set(SCHEDULES.map((s) => s.id));
  for (const q of queues) {
    for (const existing of await q.getJobSchedulers(0, -1)) {
      if (!known.has(String(existing.key))) await q.removeJobScheduler(String(existing.key));
    }
  }
}

export async function startQueueWorkers(
  deps: Omit<ProcessorDeps, "jobs"> & { redis: RedisClients },
  opts: { definitions?: readonly AnyJobDefinition[]; schedulers?: boolean } = {},
): Promise<QueueWorkers> {
  const { config, logger } = deps;
  const definitions = opts.definitions ?? JOB_DEFINITIONS;
  const dispatcher = createBullDispatcher(deps.redis.queue, logger);
  const processorDeps: ProcessorDeps = { ...deps, jobs: dispatcher };
  const metrics = jobMetricsFor(deps.metrics);
  let stopping = false;

  const workers = QUEUE_NAMES.map((queueName) => {
    const byName = new Map(
      definitions.filter((d) => d.queue === queueName).map((d) => [d.name as string, d]),
    );

    const processor = async (job: Job, token?: string) => {
      const def = byName.get(job.name);
      if (!def) throw new UnrecoverableError(`no processor for job ${job.name} on queue ${queueName}`);
      const parsed = def.payload.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(
          `invalid payload: ${parsed.error.issues.map((i) => i.message).join("; ")}`,
        );
      }
      const jobLogger = logger.child({ job: job.id, name: job.name, attempt: job.attemptsMade + 1 });
      // A deduplicated job (the measure refresh) covers requests made until it starts: from now on a
      // new request must queue another run, or a request made during this run would be lost.
      if (job.deduplicationId) await job.removeDeduplicationKey().catch(() => false);
      try {
        return await def.run(
          {
            id: String(job.id),
            name: job.name as JobName,
            data: parsed.data,
            attemptsMade: job.attemptsMade,
            // Progress is informative: a Redis blip must not fail the job.
            updateProgress: (p) => job.updateProgress(p).catch(() => {}),
            shouldStop: () => stopping,
            logger: jobLogger,
          },
          processorDeps,
        );
      } catch (err) {
        if (err instanceof JobPausedError) {
          // Back to the queue without using an attempt; another worker (or this one restarted) resumes it.
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError();
        }
        // BullMQ stores the message as the job's failedReason: make it the database's own words.
        if (err instanceof Error) err.message = describeJobError(err);
        throw err;
      }
    };

    const worker = new Worker(queueName, processor, {
      connection: deps.redis.createWorkerConnection(),
      prefix: QUEUE_PREFIX,
      concurrency: QUEUE_CONCURRENCY[queueName] ?? config.WORKER_CONCURRENCY,
      // A job whose worker died is moved back to wait once its lock lapses (stalled-job recovery).
      lockDuration: config.WORKER_LOCK_DURATION_MS,
      stalledInterval: config.WORKER_LOCK_DURATION_MS,
      maxStalledCount: 2,
      removeOnComplete: DEFAULT_JOB_OPTIONS.removeOnComplete,
      removeOnFail: DEFAULT_JOB_OPTIONS.removeOnFail,
    });
    worker.on("error", (err) => logger.error({ err, queue: queueName }, "worker error"));
    worker.on("stalled", (jobId) =>
      logger.warn({ queue: queueName, jobId }, "job stalled: its worker stopped renewing the lock"),
    );
    worker.on("failed", (job, err) => {
      if (!job) return;
      const final =
        job.attemptsMade >= (job.opts.attempts ?? 1) ||
        err.name === "UnrecoverableError" ||
        /stalled more than/.test(err.message);
      const entry = { queue: queueName, jobId: job.id, name: job.name, attemptsMade: job.attemptsMade, err };
      if (!final) {
        logger.warn(entry, "job failed; will retry");
        return;
      }
      logger.error(entry, "job failed for good");
      const def = byName.get(job.name);
      def
        ?.onFinalFailure?.(job.data, err, processorDeps)
        .catch((e) => logger.error({ err: e, jobId: job.id }, "final-failure handler failed"));
    });
    metrics.watchWorker(worker, queueName);
    return worker;
  });

  const queues = dispatcher.bullQueues();
  if (opts.schedulers !== false) await registerSchedulers(queues);
  // Whatever was left unfinished (an upload whose enqueue failed, a batch of a dead embedded API)
  // is picked up now rather than at the next minute.
  await dispatcher
    .enqueue(JOB_NAMES.importsRecover, {})
    .catch((err) => logger.warn({ err }, "could not enqueue recovery"));
  // Last: /health lists the queues once the worker is fully started.
  metrics.registerQueues(queues);

  return {
    workers,
    queues,
    async close(deadlineMs) {
      stopping = true;
      // worker.close() waits for running jobs and can hang for good when Redis is unreachable: race it.
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => true);
      const closed = await Promise.race([graceful, Bun.sleep(deadlineMs).then(() => false)]);
      if (!closed) {
        logger.warn({ deadlineMs }, "workers did not close in time: forcing");
        await Promise.race([Promise.all(workers.map((w) => w.close(true).catch(() => {}))), Bun.sleep(1000)]);
      }
      await Promise.race([dispatcher.close(), Bun.sleep(1000)]);
    },
  };
}
