import type { CheckOutcome, HealthCheck } from "../health.types";
import type { ResponseTimeWindow } from "../response-times";

const SLOW_P95_MS = 1000;

/** p50/p95/p99 of API requests over the recent window (health and metrics requests excluded). */
export function responseTimesCheck(window: ResponseTimeWindow): HealthCheck {
  return {
    name: "responseTimes",
    async run(): Promise<CheckOutcome> {
      const details = window.summary();
      if (details.p95Ms !== null && details.p95Ms > SLOW_P95_MS) {
        return { status: "warn", message: `p95 response time ${details.p95Ms} ms`, details: { ...details } };
      }
      return { status: "ok", details: { ...details } };
    },
  };
}
