import { countKinds, type Outcome } from "./load";

// The suite's report: one row per scenario with what it sent, what came back by kind, what should
// not have come back, and the data checks. Each scenario records its row even when an assertion
// fails, so the table shows the whole run.

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ScenarioRow {
  scenario: string;
  requests: number;
  answers: Record<string, number>;
  unexpected: Record<string, number>;
  checks: Check[];
  seconds: number;
  recoverySeconds?: number | null;
  figures?: Record<string, string | number>;
}

const rows: ScenarioRow[] = [];

/** The last `n` non-empty lines of a process's output, each cut to 240 characters. */
function tail(output: string, n: number): string[] {
  return output
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-n)
    .map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l));
}

/**
 * Wraps a scenario's test body. A body that throws before recording its row (a wait that timed out,
 * a server that would not start) would leave no trace in the summary, which is all a CI log keeps of
 * a long suite: record a failed row naming the error and the last lines each process printed, then
 * rethrow so the test still fails.
 */
export function recorded(
  scenario: string,
  body: () => Promise<void>,
  processes: () => Record<string, { output(): string; alive?(): boolean } | undefined>,
): () => Promise<void> {
  return async () => {
    const t0 = performance.now();
    const before = rows.length;
    try {
      await body();
    } catch (err) {
      // A row the scenario recorded itself: add the output of any process that died under it (a
      // connection refused mid-scenario says nothing else about why).
      const own = rows.slice(before).find((r) => r.scenario === scenario);
      if (own) {
        for (const [name, p] of Object.entries(processes()))
          if (p?.alive && !p.alive())
            own.figures = {
              ...own.figures,
              [`${name} exited, output`]: ["", ...tail(p.output(), 12)].join("\n        "),
            };
      }
      if (!own) {
        const figures: Record<string, string> = {};
        for (const [name, p] of Object.entries(processes()))
          if (p) figures[`${name} output`] = ["", ...tail(p.output(), 12)].join("\n        ");
        rows.push({
          scenario,
          requests: 0,
          answers: {},
          unexpected: {},
          checks: [{ name: "the scenario ran to its end", ok: false, detail: String(err).slice(0, 600) }],
          seconds: (performance.now() - t0) / 1000,
          figures,
        });
      }
      throw err;
    }
  };
}

export function recordScenario(
  scenario: string,
  outcomes: Outcome[],
  unexpected: Outcome[],
  checks: Check[],
  seconds: number,
  extra: ScenarioFigures = {},
): ScenarioRow {
  const row = {
    scenario,
    requests: outcomes.length,
    answers: countKinds(outcomes),
    unexpected: countKinds(unexpected),
    checks,
    seconds,
    ...extra,
  };
  rows.push(row);
  return row;
}

const kinds = (m: Record<string, number>) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(", ") || "none";

function table(): string[] {
  const head = ["scenario", "requests", "unexpected answers", "data checks"];
  const body = rows.map((r) => [
    r.scenario,
    String(r.requests),
    kinds(r.unexpected),
    `${r.checks.filter((c) => c.ok).length}/${r.checks.length} ok`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)];
}

export interface ScenarioFigures {
  /** Seconds from the fault to the first success afterwards (or null when none was measured). */
  recoverySeconds?: number | null;
  /** Anything else the scenario measured, printed as `name: value`. */
  figures?: Record<string, string | number>;
}

export function formatSummary(title = "chaos summary"): string {
  const lines = ["", title, "", ...table(), ""];
  for (const r of rows) {
    const failed = r.checks.filter((c) => !c.ok);
    lines.push(
      `${failed.length || Object.keys(r.unexpected).length ? "FAIL" : "ok  "}  ${r.scenario}  (${r.requests} requests, ${r.seconds.toFixed(1)} s)`,
      `      answers:    ${kinds(r.answers)}`,
      `      unexpected: ${kinds(r.unexpected)}`,
    );
    if (r.recoverySeconds !== undefined)
      lines.push(
        `      recovery:   ${r.recoverySeconds === null ? "not measured" : `${r.recoverySeconds.toFixed(1)} s`}`,
      );
    for (const [k, v] of Object.entries(r.figures ?? {})) lines.push(`      ${k}: ${v}`);
    for (const c of r.checks)
      lines.push(`      ${c.ok ? "ok  " : "FAIL"} ${c.name}${c.detail ? ` — ${c.detail}` : ""}`);
    lines.push("");
  }
  return lines.join("\n");
}

export function printSummary(title?: string): void {
  process.stdout.write(`${formatSummary(title)}\n`);
}
