import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ComparisonRow } from "./bench-compare";

// One table for every figure of `bun run bench`, printed and written as JSON. Throughput is
// requests/s for HTTP rows and rows/s for loads; a ratio is always against a baseline measured in
// the same run on the same machine, so runs on different machines compare by ratio, not by rate.

export interface BenchRow {
  name: string;
  /** Requests/s (HTTP) or rows/s (loads). */
  rate?: number;
  unit: "req/s" | "rows/s" | "-";
  p50Ms?: number;
  /** p99 for wrk runs; p95 for the sequential uncached measures (see `tailLabel`). */
  tailMs?: number;
  tailLabel?: "p99" | "p95";
  baseline?: string;
  ratio?: number;
  target?: string;
  pass?: boolean;
  /** wrk runs: requests made, and answers that were not 2xx/3xx or socket errors (should be 0). */
  requests?: number;
  errors?: number;
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  bun: string;
  postgres: string;
  redis: string;
  wrk: string;
}

export interface BenchReport {
  startedAt: string;
  wallSeconds: number;
  mode: "quick" | "full";
  cases: number;
  machine: Machine;
  settings: { threads: number; connections: number; durationS: number };
  /** Load average (1, 5, 15 min) when the run started and ended: other work on the machine. */
  load?: { atStart: number[]; atEnd: number[] };
  peer?: { stack: string; node: string | null };
  /** CourtFlow (1 and 2 processes), the same-work bare servers and the peer, endpoint by endpoint. */
  comparison?: ComparisonRow[];
  rows: BenchRow[];
}

const fmtRate = (v: number | undefined) => (v === undefined ? "" : Math.round(v).toLocaleString("en-US"));
const fmtMs = (v: number | undefined) => (v === undefined ? "" : v < 10 ? v.toFixed(2) : v.toFixed(1));

/** The table as Markdown (the terminal reads it fine, and docs/benchmarks.md takes it as is). */
export function formatTable(rows: BenchRow[]): string {
  const head = [
    "measurement",
    "rate",
    "p50 ms",
    "p99/p95 ms",
    "baseline",
    "ratio",
    "target",
    "result",
    "notes",
  ];
  const lines = rows.map((r) => [
    r.name,
    r.rate === undefined ? "" : `${fmtRate(r.rate)} ${r.unit}`,
    fmtMs(r.p50Ms),
    r.tailMs === undefined ? "" : `${fmtMs(r.tailMs)} (${r.tailLabel ?? "p99"})`,
    r.baseline ?? "",
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    r.target ?? "",
    r.pass === undefined ? "" : r.pass ? "pass" : "FAIL",
    r.note ?? "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [row(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(row)].join("\n");
}

export function formatMachine(m: Machine): string {
  return (
    `${m.cpu}, ${m.cores} cores, ${m.memoryGb.toFixed(0)} GB RAM, ${m.kernel}; ` +
    `Bun ${m.bun}, PostgreSQL ${m.postgres}, Redis ${m.redis}, ${m.wrk}`
  );
}

/** bench/results/<timestamp>.json; returns the path. */
export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.startedAt.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
