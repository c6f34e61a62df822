import type { Registry } from "prom-client";
import { gaugeIn } from "../../lib/metrics";
import { withTimeout } from "../../lib/timeout";
import { diskUsage } from "./checks/disk";
import type { HealthReport } from "./health.types";
import type { VersionInfo } from "./version";

/** 1 ok, 0.5 warn or degraded, 0 down: one number per check that alerts can compare. */
const STATUS_VALUE: Record<string, number> = { ok: 1, warn: 0.5, degraded: 0.5, down: 0 };

/**
 * Health-check gauges, read at scrape time from the (cached) detailed report, so a scrape costs at
 * most one round of deep checks per cache period.
 */
export function registerHealthMetrics(registry: Registry, report: () => Promise<HealthReport>): void {
  // Gauges are collected concurrently; each reads the same cached report.
  gaugeIn(registry, {
    name: "courtflow_health_check_latency_seconds",
    help: "Latency of the last run of each health check",
    labelNames: ["check"] as const,
    async collect() {
      for (const c of Object.values((await report()).checks)) this.set({ check: c.name }, c.latencyMs / 1000);
    },
  });
  gaugeIn(registry, {
    name: "courtflow_health_check_status",
    help: "Last result of each health check: 1 ok, 0.5 warn, 0 down",
    labelNames: ["check"] as const,
    async collect() {
      for (const c of Object.values((await report()).checks))
        this.set({ check: c.name }, STATUS_VALUE[c.status] ?? 0);
    },
  });
  gaugeIn(registry, {
    name: "courtflow_health_status",
    help: "Overall health: 1 ok, 0.5 degraded, 0 down",
    async collect() {
      this.set(STATUS_VALUE[(await report()).status] ?? 0);
    },
  });
}

/** Live sessions from the session store; on a store failure the last value stays (the store's own gauges say why). */
export function registerSessionMetrics(
  registry: Registry,
  sessions: { countActive(): Promise<number> },
  timeoutMs = 1000,
): void {
  gaugeIn(registry, {
    name: "courtflow_sessions_active",
    help: "Sessions that have not expired",
    async collect() {
      try {
        this.set(await withTimeout(sessions.countActive(), timeoutMs, "session count"));
      } catch {
        // keep the previous value
      }
    },
  });
}

/** Constant 1 with what is running as labels; joins other series to a release in dashboards. */
export function registerBuildInfo(registry: Registry, version: () => VersionInfo): void {
  gaugeIn(registry, {
    name: "courtflow_build_info",
    help: "Always 1; labels name the running version and commit",
    labelNames: ["version", "commit"] as const,
    collect() {
      const v = version();
      this.set({ version: v.version, commit: v.commit ?? "unknown" }, 1);
    },
  });
}

/** Free and total bytes of the data directory's file system, for the disk-low alert (statfs is cheap). */
export function registerDiskMetrics(registry: Registry, dataDir: string): void {
  const gauge = (
    name: string,
    help: string,
    pick: (d: { freeBytes: number; totalBytes: number }) => number,
  ) =>
    gaugeIn(registry, {
      name,
      help,
      async collect() {
        try {
          this.set(pick(await diskUsage(dataDir)));
        } catch {
          // statfs failed: keep the last value; the disk health check says why
        }
      },
    });
  gauge(
    "courtflow_data_dir_free_bytes",
    "Bytes available on the file system of the data directory",
    (d) => d.freeBytes,
  );
  gauge(
    "courtflow_data_dir_size_bytes",
    "Size of the file system of the data directory",
    (d) => d.totalBytes,
  );
}
