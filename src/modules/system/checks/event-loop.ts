import { type ELDHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { CheckOutcome, HealthCheck } from "../health.types";

const SLOW_P99_MS = 200;

// One monitor per process: the event loop is a process-wide fact, and each monitor is a timer.
let monitor: ELDHistogram | null = null;

function eventLoopMonitor(): ELDHistogram {
  if (!monitor) {
    monitor = monitorEventLoopDelay({ resolution: 10 });
    monitor.enable();
  }
  return monitor;
}

const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;

/** Delay of the event loop since the previous check: high values mean CPU-bound work blocks requests. */
export function eventLoopCheck(): HealthCheck {
  const h = eventLoopMonitor();
  return {
    name: "eventLoop",
    async run(): Promise<CheckOutcome> {
      const details = {
        meanMs: ms(h.mean || 0),
        p50Ms: ms(h.percentile(50) || 0),
        p99Ms: ms(h.percentile(99) || 0),
        maxMs: ms(h.max || 0),
        samples: h.count,
      };
      h.reset();
      if (details.p99Ms > SLOW_P99_MS) {
        return { status: "warn", message: `event loop lag p99 ${details.p99Ms} ms`, details };
      }
      return { status: "ok", details };
    },
  };
}
