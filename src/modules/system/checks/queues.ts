import type { MonitoredQueue } from "../../../jobs/metrics";
import type { CheckOutcome, HealthCheck } from "../health.types";

const STATES = ["waiting", "active", "delayed", "failed"] as const;

/** Waiting, active, delayed and failed jobs per queue; "no queues" until queues are registered. */
export function queuesCheck(queues: readonly MonitoredQueue[] | undefined): HealthCheck {
  return {
    name: "queues",
    timeoutMs: 1500,
    async run(): Promise<CheckOutcome> {
      if (!queues || queues.length === 0)
        return { status: "ok", message: "no queues", details: { queues: {} } };
      const counts = await Promise.all(queues.map((q) => q.getJobCounts(...STATES)));
      const details = Object.fromEntries(
        queues.map((q, i) => [q.name, Object.fromEntries(STATES.map((s) => [s, counts[i]?.[s] ?? 0]))]),
      );
      return { status: "ok", details: { queues: details } };
    },
  };
}
