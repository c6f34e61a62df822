import type { WrkResult } from "./bench-wrk";

// The comparison table of `bun run bench`: each benchmarked endpoint served by CourtFlow (one process
// and API_PROCESSES=2), by a bare Bun.serve doing the same work (bench/bare), and by the Express peer
// (bench/peers/express), all measured with the same wrk settings in the same run.

export interface Cell {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers and socket errors: a cell with any is not a valid measurement. */
  errors: number;
  /** wrk's own CPU over the run, % of one core. */
  wrkCpuPct?: number;
}

export type Column = "courtflow1" | "courtflow2" | "sameWork" | "peer";

export const COLUMN_NAMES: Record<Column, string> = {
  courtflow1: "CourtFlow (1 proc)",
  courtflow2: "CourtFlow (2 procs)",
  sameWork: "same-work bare",
  peer: "peer (Express)",
};

export interface Check {
  name: string;
  ratio: number;
  target: string;
  pass: boolean;
}

export interface ComparisonRow {
  endpoint: string;
  cells: Partial<Record<Column, Cell>>;
  /** Why a column is empty (not run, failed to start…). */
  missing: Partial<Record<Column, string>>;
  /** Health's baseline: a bare Bun.serve answering a constant JSON. */
  bare?: { name: string; rate: number };
  checks: Check[];
}

export function cellOf(r: WrkResult): Cell {
  return {
    rate: r.requestsPerSecond,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    errors: r.non2xx + r.socketErrors,
    ...(r.wrkCpuSeconds !== undefined && r.durationS
      ? { wrkCpuPct: Math.round((r.wrkCpuSeconds / r.durationS) * 100) }
      : {}),
  };
}

const valid = (c: Cell | undefined): c is Cell => c !== undefined && c.errors === 0 && c.rate > 0;

/**
 * The targets: CourtFlow (1 process) ≥ 3× the peer's requests/s with a p99 no worse; case by id and the
 * cached summary ≥ 0.7× the same-work bare server; health ≥ 0.5× a bare Bun.serve.
 */
export function judge(row: ComparisonRow, kind: "health" | "case" | "summary"): ComparisonRow {
  const cf = row.cells.courtflow1;
  const checks: Check[] = [];
  const peer = row.cells.peer;
  if (valid(cf) && valid(peer)) {
    const ratio = cf.rate / peer.rate;
    checks.push({
      name: "vs peer",
      ratio,
      target: "≥ 3×, p99 ≤ peer's",
      pass: ratio >= 3 && cf.p99Ms <= peer.p99Ms,
    });
  }
  if (kind !== "health" && valid(cf) && valid(row.cells.sameWork)) {
    const ratio = cf.rate / row.cells.sameWork.rate;
    checks.push({ name: "vs same-work bare", ratio, target: "≥ 0.7×", pass: ratio >= 0.7 });
  }
  if (kind === "health" && valid(cf) && row.bare) {
    const ratio = cf.rate / row.bare.rate;
    checks.push({ name: `vs ${row.bare.name}`, ratio, target: "≥ 0.5×", pass: ratio >= 0.5 });
  }
  return { ...row, checks };
}

const fmtRate = (v: number) => Math.round(v).toLocaleString("en-US");
const fmtMs = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));

function fmtCell(c: Cell | undefined, why: string | undefined): string {
  if (!c) return why ? `(${why})` : "";
  const base = `${fmtRate(c.rate)} req/s, p99 ${fmtMs(c.p99Ms)} ms`;
  return c.errors > 0 ? `${base} — ${c.errors} errors: invalid` : base;
}

/** Markdown: one line per endpoint, then one per check. */
export function formatComparison(rows: ComparisonRow[]): string {
  const cols = Object.keys(COLUMN_NAMES) as Column[];
  const head = ["endpoint", ...cols.map((c) => COLUMN_NAMES[c]), "targets"];
  const lines = rows.map((r) => [
    r.endpoint,
    ...cols.map((c) => fmtCell(r.cells[c], r.missing[c])),
    r.checks.length === 0
      ? "not judged"
      : r.checks
          .map((k) => `${k.name} ${k.ratio.toFixed(2)}× (${k.target}): ${k.pass ? "pass" : "FAIL"}`)
          .join("; "),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [row(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(row)].join("\n");
}

/** wrk's CPU across the comparison runs: the share of the machine the load generator took. */
export function wrkCpuSummary(rows: ComparisonRow[]): string {
  const pcts = rows.flatMap((r) =>
    Object.values(r.cells).flatMap((c) => (c?.wrkCpuPct ? [c.wrkCpuPct] : [])),
  );
  if (pcts.length === 0) return "wrk CPU: not measured";
  return `wrk CPU: ${Math.min(...pcts)}–${Math.max(...pcts)} % of one core per run (2 threads)`;
}

/** The requests whose answers every compared server must give exactly as CourtFlow does. */
export function probePaths(kind: "health" | "case" | "summary", ids: { min: number; max: number }): string[] {
  if (kind === "health") return ["/api/system/health"];
  if (kind === "summary") return ["/api/measures/summary"];
  return [ids.min, Math.floor((ids.min + ids.max) / 2), ids.max].map((id) => `/api/cases/${id}`);
}

/** Status and body of one answer; the uptime, which differs between processes, set to 0. */
export async function answerOf(url: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(url, { headers });
  return `${res.status} ${(await res.text()).replace(/"uptimeSeconds":\d+/, '"uptimeSeconds":0')}`;
}

/** The first probe whose answer differs from CourtFlow's, described; null when all agree. */
export async function differingAnswer(
  base: string,
  reference: Map<string, string>,
  paths: string[],
  headers: Record<string, string>,
): Promise<string | null> {
  for (const path of paths) {
    const want = reference.get(path);
    const got = await answerOf(`${base}${path}`, headers);
    if (want !== got)
      return `${path} answered ${got.slice(0, 160)} where CourtFlow answered ${want?.slice(0, 160)}`;
  }
  return null;
}
