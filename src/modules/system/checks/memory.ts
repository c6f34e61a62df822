import { freemem, totalmem } from "node:os";
import type { CheckOutcome, HealthCheck } from "../health.types";

/** Below this share of free system memory the OOM killer is near. */
const LOW_FREE_RATIO = 0.05;

export function memoryCheck(): HealthCheck {
  return {
    name: "memory",
    async run(): Promise<CheckOutcome> {
      const p = process.memoryUsage();
      const total = totalmem();
      const free = freemem();
      const details = {
        process: {
          rssBytes: p.rss,
          heapUsedBytes: p.heapUsed,
          heapTotalBytes: p.heapTotal,
          externalBytes: p.external,
        },
        system: { totalBytes: total, freeBytes: free },
      };
      if (total > 0 && free / total < LOW_FREE_RATIO) {
        return {
          status: "warn",
          message: `system memory low: ${Math.round((free / total) * 100)}% free`,
          details,
        };
      }
      return { status: "ok", details };
    },
  };
}
