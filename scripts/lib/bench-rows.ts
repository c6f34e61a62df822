import type { BenchRow } from "./bench-report";
import { runWrk, type WrkResult } from "./bench-wrk";

// How a wrk run becomes a row of the table, and how a row is judged against its baseline.

export interface Load {
  threads: number;
  connections: number;
  durationS: number;
  warmupS: number;
}

/** A warm-up run (discarded), then the measured one. */
export async function measure(
  load: Load,
  url: string,
  opts: { script?: string; headers?: Record<string, string> } = {},
): Promise<WrkResult> {
  await runWrk({ ...load, ...opts, url, durationS: load.warmupS });
  return runWrk({ ...load, ...opts, url });
}

export function httpRow(name: string, r: WrkResult, extra: Partial<BenchRow> = {}): BenchRow {
  const errors = r.non2xx + r.socketErrors;
  return {
    name,
    rate: r.requestsPerSecond,
    unit: "req/s",
    p50Ms: r.p50Ms,
    tailMs: r.p99Ms,
    tailLabel: "p99",
    requests: r.requests,
    errors,
    ...extra,
    ...(errors > 0 ? { pass: false, note: `${errors} non-2xx/socket errors: not a valid measurement` } : {}),
  };
}

/** Ratio against a baseline row, with a pass when ≥ `min`. */
export function against(baseline: BenchRow, value: number, min: number): Partial<BenchRow> {
  const ratio = value / baseline.rate!;
  return { baseline: baseline.name, ratio, target: `≥ ${min}×`, pass: ratio >= min };
}
