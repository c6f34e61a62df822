import { JOB_NAMES, type JobName, type QueueName } from "./queues";

// The repeating jobs. BullMQ gets them as job schedulers (upsertJobScheduler: registering the same
// id again updates it, so any number of workers starting registers each once); the in-process runner
// of embedded mode runs them on timers.

export type ScheduleTiming = { dailyAtUtc: string } | { everyMs: number };

export interface ScheduleDefinition {
  id: string;
  queue: QueueName;
  name: JobName;
  timing: ScheduleTiming;
}

export const SCHEDULES: readonly ScheduleDefinition[] = [
  // Just after midnight UTC: yesterday is complete.
  {
    id: "caseload-snapshot-nightly",
    queue: "maintenance",
    name: JOB_NAMES.caseloadSnapshot,
    timing: { dailyAtUtc: "00:20" },
  },
  // After the snapshot, before the working day: the first dashboard load of the day is a cache hit.
  {
    id: "measures-warmup-nightly",
    queue: "maintenance",
    name: JOB_NAMES.measuresWarmup,
    timing: { dailyAtUtc: "00:40" },
  },
  {
    id: "retention-nightly",
    queue: "maintenance",
    name: JOB_NAMES.retention,
    timing: { dailyAtUtc: "03:10" },
  },
  // Enqueues batches that were committed but never enqueued (Redis was down at upload time) and
  // settles batches whose job was lost; cheap, so every minute.
  {
    id: "imports-recover",
    queue: "maintenance",
    name: JOB_NAMES.importsRecover,
    timing: { everyMs: 60_000 },
  },
];

/** BullMQ repeat options of a timing: a cron pattern in UTC, or a fixed interval. */
export function repeatOptions(timing: ScheduleTiming): { pattern: string; tz: string } | { every: number } {
  if ("everyMs" in timing) return { every: timing.everyMs };
  const [h, m] = timing.dailyAtUtc.split(":").map(Number);
  return { pattern: `${m} ${h} * * *`, tz: "UTC" };
}

/** Milliseconds from `now` to the next run of a timing. */
export function msUntilNext(timing: ScheduleTiming, now = new Date()): number {
  if ("everyMs" in timing) return timing.everyMs;
  const [h, m] = timing.dailyAtUtc.split(":").map(Number);
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m));
  if (next.getTime() <= now.getTime()) next.setUTCDate(next.getUTCDate() + 1);
  return next.getTime() - now.getTime();
}
