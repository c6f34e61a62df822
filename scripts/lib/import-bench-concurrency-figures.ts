// The concurrency case's figures and verdicts (issue 17), kept apart from the processes that produce
// them so a unit test can check the arithmetic and the printed lines.

/** Ten batches must finish, measures included, within this multiple of one batch of the same rows. */
export const CONCURRENCY_TARGET_RATIO = 1.3;
/** The measures may lag the last batch's completion by at most this. */
export const LAG_TARGET_MS = 30_000;

/** One batch as the database saw it (server clock, epoch ms). */
export interface BatchTimes {
  id: number;
  status: string;
  finishedAtMs: number;
  measuresRefreshedAtMs: number;
}

export interface ConcurrencyFigures {
  batches: number;
  /** Upload start → measuresRefreshedAt of the one big batch. */
  singleMs: number;
  /** Upload start of the first → measuresRefreshedAt of the last of the ten. */
  concurrentMs: number;
  ratio: number;
  /** The last batch to complete: its measuresRefreshedAt − its finishedAt. */
  lagMs: number;
  /** Every batch's measures in: the latest measuresRefreshedAt − the latest finishedAt. */
  allRefreshedLagMs: number;
  /** Every batch of both sides `completed` (no row failed): otherwise the sides did not import the same rows. */
  allCompleted: boolean;
  ratioPass: boolean;
  lagPass: boolean;
}

export function concurrencyFigures(
  single: { ms: number; status: string },
  concurrentMs: number,
  batches: readonly BatchTimes[],
) {
  if (batches.length === 0) throw new Error("no batches");
  const singleMs = single.ms;
  const allCompleted = single.status === "completed" && batches.every((b) => b.status === "completed");
  const last = batches.reduce((a, b) => (b.finishedAtMs > a.finishedAtMs ? b : a));
  const latestRefresh = Math.max(...batches.map((b) => b.measuresRefreshedAtMs));
  const ratio = concurrentMs / singleMs;
  const lagMs = last.measuresRefreshedAtMs - last.finishedAtMs;
  return {
    batches: batches.length,
    singleMs,
    concurrentMs,
    ratio,
    lagMs,
    allRefreshedLagMs: latestRefresh - last.finishedAtMs,
    allCompleted,
    ratioPass: allCompleted && ratio <= CONCURRENCY_TARGET_RATIO,
    lagPass: lagMs <= LAG_TARGET_MS,
  } satisfies ConcurrencyFigures;
}

const n = (v: number) => Math.round(v).toLocaleString("en-US");
const s = (ms: number) => (ms / 1000).toFixed(1);
const verdict = (pass: boolean) => (pass ? "PASS" : "FAIL");

/** The lines bench-import prints for the case (bench-import-run.ts reads them back). */
export function concurrencyLines(f: ConcurrencyFigures, rowsPerBatch: number): string[] {
  return [
    `one batch of ${n(rowsPerBatch * f.batches)} rows, measures refreshed   ${n(f.singleMs)} ms`,
    `${f.batches} batches of ${n(rowsPerBatch)} rows (${f.batches} courts), all measures refreshed   ${n(f.concurrentMs)} ms`,
    `concurrency: ${f.batches} batches ${s(f.concurrentMs)} s vs one batch ${s(f.singleMs)} s = ${f.ratio.toFixed(2)}   ${verdict(f.ratioPass)} (target ≤ ${CONCURRENCY_TARGET_RATIO}${f.allCompleted ? "" : "; not every batch completed without row errors"})`,
    `measures lag after the last batch completed: ${s(f.lagMs)} s   ${verdict(f.lagPass)} (target ≤ ${LAG_TARGET_MS / 1000} s; all ${f.batches} refreshed ${s(f.allRefreshedLagMs)} s after it)`,
  ];
}
