import { isConnectionError, sqlStateOf } from "../../db/errors";
import type {
  FileCounts,
  ImportCounts,
  ImportFilesInfo,
  ImportPhase,
} from "../../db/schema/daily-import-batches";

// What a failed batch tells its users (failure_reason): why processing stopped, in our words (never
// PostgreSQL's text, which quotes row values), and exactly which rows were applied before it did.
// Chunks commit in line order with their checkpoint, so "applied" is always a prefix of the files.

const SQLSTATE_IN_TEXT = /SQLSTATE ([0-9A-Z]{5})/;

/** Why processing stopped, from the error (or the job's stored failure text). */
export function failureCause(err: unknown): string {
  const code = typeof err === "string" ? (SQLSTATE_IN_TEXT.exec(err)?.[1] ?? null) : sqlStateOf(err);
  if (isConnectionError(code) || code === "53300")
    return "Processing stopped: the database could not be reached.";
  if (code === "57014") return "Processing stopped: a step took longer than its time limit.";
  if (code?.startsWith("53")) return "Processing stopped: the database ran out of resources.";
  const text = typeof err === "string" ? err : err instanceof Error ? err.message : "";
  if (/stalled/i.test(text)) return "Processing stopped: the worker running it stopped responding.";
  return "Processing stopped after repeated errors (the worker's log has the details under this batch's id).";
}

function described(c: FileCounts): string {
  return `${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged, ${c.failed} row errors`;
}

export interface BatchPosition {
  phase: ImportPhase;
  checkpointLine: number;
  counts: ImportCounts;
  files: ImportFilesInfo;
}

/** Which rows of the batch were applied, and which were not. */
export function appliedNote(b: BatchPosition): string {
  const has = { cases: Boolean(b.files.cases), activities: Boolean(b.files.activities) };
  const done = (f: "cases" | "activities") => `all of ${f}.csv (${described(b.counts[f])})`;
  const upTo = (f: "cases" | "activities") =>
    `${f}.csv up to line ${b.checkpointLine} (${described(b.counts[f])})`;
  const applied: string[] = [];
  const notApplied: string[] = [];
  if (b.phase === "cases") {
    if (has.cases && b.checkpointLine > 0) applied.push(upTo("cases"));
    if (has.cases)
      notApplied.push(b.checkpointLine > 0 ? `cases.csv after line ${b.checkpointLine}` : "cases.csv");
    if (has.activities) notApplied.push("activities.csv");
  } else if (b.phase === "activities") {
    if (has.cases) applied.push(done("cases"));
    if (has.activities && b.checkpointLine > 0) applied.push(upTo("activities"));
    if (has.activities)
      notApplied.push(
        b.checkpointLine > 0 ? `activities.csv after line ${b.checkpointLine}` : "activities.csv",
      );
  } else {
    for (const f of ["cases", "activities"] as const) if (has[f]) applied.push(done(f));
  }
  const parts = [applied.length ? `Applied: ${applied.join("; ")}.` : "No rows were applied."];
  if (notApplied.length) parts.push(`Not applied: ${notApplied.join(" and ")}.`);
  else
    parts.push(
      "Every row was applied; only the measure figures of the changed cases were still being updated.",
    );
  parts.push("A retry resumes after the last applied line.");
  return parts.join(" ");
}
