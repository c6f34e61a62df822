import { describeJobError } from "./errors";
import { jobMetricsFor, type MonitoredQueue } from "./metrics";
import {
  importJobId,
  JOB_ATTEMPTS,
  JOB_BACKOFF,
  JOB_NAMES,
  type JobName,
  QUEUE_CONCURRENCY,
  QUEUE_NAMES,
  type QueueName,
} from "./queues";
import { msUntilNext, SCHEDULES } from "./schedules";
import {
  type AnyJobDefinition,
  type FailedJobInfo,
  type JobDispatcher,
  JobPausedError,
  type ProcessorDeps,
  type QueueReport,
} from "./types";

// Embedded mode (no Redis): the same processors run in the API process. Jobs live in memory, which
// is fine because what matters is durable elsewhere: an import batch is in PostgreSQL, and start()
// enqueues the recovery job, which picks up every batch left queued or processing. Same semantics as
// the BullMQ side where it counts: job ids deduplicate, 5 attempts with exponential backoff, a paused
// job goes back to the queue, schedules repeat.

interface RunnerJob {
  id: string;
  def: AnyJobDefinition;
  data: unknown;
  attemptsMade: number;
  runAt: number;
}

export interface InProcessRunner extends JobDispatcher {
  readonly mode: "in-process";
  /** Enqueues the recovery job (unfinished batches) and starts the schedules. */
  start(opts?: { schedules?: boolean }): void;
  /** Resolves once nothing is queued, delayed or running. */
  idle(): Promise<void>;
}

const FAILED_KEPT = 50;

export function createInProcessRunner(opts: {
  definitions: readonly AnyJobDefinition[];
  deps: Omit<ProcessorDeps, "jobs">;
  concurrency: number;
  attempts?: number;
  backoffMs?: number;
  /** How long close() waits for running jobs to reach a safe point. */
  closeTimeoutMs?: number;
}): InProcessRunner {
  const { deps } = opts;
  const logger = deps.logger.child({ component: "job-runner" });
  const metrics = jobMetricsFor(deps.metrics);
  const attempts = opts.attempts ?? JOB_ATTEMPTS;
  const backoffMs = opts.backoffMs ?? JOB_BACKOFF.delay;
  const byName = new Map(opts.definitions.map((d) => [d.name, d]));

  const waiting: RunnerJob[] = [];
  const active = new Map<string, RunnerJob>();
  const known = new Set<string>();
  const failed: FailedJobInfo[] = [];
  // Jobs completed by this process, per queue (BullMQ's count is of the completed jobs it keeps).
  const completed = new Map<QueueName, number>();
  // When each schedule fires next, once start() has armed it.
  const nextRun = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let wake: ReturnType<typeof setTimeout> | null = null;
  let stopping = false;
  let seq = 0;
  let idleWaiters: (() => void)[] = [];

  const runner: InProcessRunner = {
    mode: "in-process",
    async enqueueImport(batchId, run) {
      add(JOB_NAMES.import, { batchId }, importJobId(batchId, run));
    },
    async enqueue(name, data) {
      add(name, data);
    },
    async enqueueMeasuresRefresh() {
      // As BullMQ's deduplication with the id released when the job starts: one waiting run at most.
      if (waiting.some((j) => j.def.name === JOB_NAMES.measuresRefresh && j.attemptsMade === 0)) return;
      add(JOB_NAMES.measuresRefresh, {});
    },
    async importJobState(batchId, run) {
      // Finished jobs are forgotten here; a failed import marks its batch failed itself.
      return { state: known.has(importJobId(batchId, run)) ? "pending" : "missing" };
    },
    queues: () => QUEUE_NAMES.map(monitored),
    async report() {
      return QUEUE_NAMES.map((q) => reportOf(q));
    },
    start(startOpts = {}) {
      add(JOB_NAMES.importsRecover, {});
      if (startOpts.schedules === false) return;
      for (const s of SCHEDULES) {
        const fire = () => {
          add(s.name, {});
          arm();
        };
        const arm = () => {
          const ms = msUntilNext(s.timing);
          const t = setTimeout(fire, ms);
          t.unref?.();
          timers.add(t);
          nextRun.set(s.id, Date.now() + ms);
        };
        arm();
      }
    },
    idle() {
      if (waiting.length === 0 && active.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      nextRun.clear();
      if (wake) clearTimeout(wake);
      const deadline = Date.now() + (opts.closeTimeoutMs ?? 10_000);
      while (active.size > 0 && Date.now() < deadline) await Bun.sleep(20);
      if (active.size > 0) logger.warn({ jobs: [...active.keys()] }, "jobs still running at shutdown");
    },
  };
  const fullDeps: ProcessorDeps = { ...deps, jobs: runner };

  function add(name: JobName, data: unknown, id?: string) {
    const def = byName.get(name);
    if (!def) throw new Error(`no processor for job ${name}`);
    const jobId = id ?? `${name}-${++seq}`;
    if (known.has(jobId)) return;
    known.add(jobId);
    waiting.push({ id: jobId, def, data, attemptsMade: 0, runAt: Date.now() });
    pump();
  }

  function pump() {
    if (stopping) return;
    const now = Date.now();
    // A queue with its own limit (the measure refresh: one at a time) waits for its running job, whose
    // end pumps again.
    const free = (q: QueueName) =>
      [...active.values()].filter((j) => j.def.queue === q).length <
      (QUEUE_CONCURRENCY[q] ?? opts.concurrency);
    while (active.size < opts.concurrency) {
      const i = waiting.findIndex((j) => j.runAt <= now && free(j.def.queue));
      if (i < 0) break;
      const job = waiting.splice(i, 1)[0]!;
      active.set(job.id, job);
      void execute(job);
    }
    // Wake up for the earliest delayed retry.
    if (wake) clearTimeout(wake);
    wake = null;
    const next = Math.min(...waiting.filter((j) => free(j.def.queue)).map((j) => j.runAt));
    if (Number.isFinite(next) && active.size < opts.concurrency) {
      wake = setTimeout(pump, Math.max(0, next - now));
      wake.unref?.();
    }
    if (waiting.length === 0 && active.size === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const resolve of w) resolve();
    }
  }

  async function execute(job: RunnerJob) {
    const { def } = job;
    const started = performance.now();
    let requeued = false;
    const jobLogger = logger.child({ job: job.id, name: def.name });
    try {
      const parsed = def.payload.safeParse(job.data);
      if (!parsed.success) {
        // A bad payload never gets better: fail at once.
        job.attemptsMade = attempts - 1;
        throw new Error(`invalid payload: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
      }
      await def.run(
        {
          id: job.id,
          name: def.name,
          data: parsed.data,
          attemptsMade: job.attemptsMade,
          updateProgress: async () => {},
          shouldStop: () => stopping,
          logger: jobLogger,
        },
        fullDeps,
      );
      completed.set(def.queue, (completed.get(def.queue) ?? 0) + 1);
      metrics.observeJob(def.queue, "completed", (performance.now() - started) / 1000);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (!(error instanceof JobPausedError)) error.message = describeJobError(error);
      if (error instanceof JobPausedError) {
        requeued = true;
        waiting.push({ ...job, runAt: Date.now() });
      } else if (job.attemptsMade + 1 < attempts) {
        requeued = true;
        const delay = backoffMs * 2 ** job.attemptsMade;
        jobLogger.warn(
          { err: error, attempt: job.attemptsMade + 1, retryInMs: delay },
          "job failed; will retry",
        );
        waiting.push({ ...job, attemptsMade: job.attemptsMade + 1, runAt: Date.now() + delay });
      } else {
        metrics.observeJob(def.queue, "failed", (performance.now() - started) / 1000);
        jobLogger.error({ err: error, attempts: job.attemptsMade + 1 }, "job failed for good");
        failed.unshift({
          id: job.id,
          name: def.name,
          data: job.data,
          failedReason: error.message,
          attemptsMade: job.attemptsMade + 1,
          failedAt: new Date().toISOString(),
        });
        failed.length = Math.min(failed.length, FAILED_KEPT);
        await def
          .onFinalFailure?.(job.data, error, fullDeps)
          .catch((e) => jobLogger.error({ err: e }, "final-failure handler failed"));
      }
    } finally {
      active.delete(job.id);
      if (!requeued) known.delete(job.id);
      pump();
    }
  }

  function countsOf(queue: QueueName): Record<string, number> {
    const now = Date.now();
    const mine = waiting.filter((j) => j.def.queue === queue);
    return {
      waiting: mine.filter((j) => j.runAt <= now).length,
      delayed: mine.filter((j) => j.runAt > now).length,
      active: [...active.values()].filter((j) => j.def.queue === queue).length,
      failed: failed.filter((f) => byName.get(f.name as JobName)?.queue === queue).length,
      completed: completed.get(queue) ?? 0,
      prioritized: 0,
    };
  }

  function monitored(queue: QueueName): MonitoredQueue {
    return { name: queue, getJobCounts: async () => countsOf(queue) };
  }

  function reportOf(queue: QueueName): QueueReport {
    return {
      name: queue,
      counts: countsOf(queue),
      failed: failed.filter((f) => byName.get(f.name as JobName)?.queue === queue),
      schedulers: SCHEDULES.filter((s) => s.queue === queue).map((s) => ({
        id: s.id,
        name: s.name,
        pattern: "dailyAtUtc" in s.timing ? `daily ${s.timing.dailyAtUtc} UTC` : null,
        every: "everyMs" in s.timing ? s.timing.everyMs : null,
        next: nextRun.has(s.id) ? new Date(nextRun.get(s.id)!).toISOString() : null,
      })),
    };
  }

  return runner;
}
