import type { Database } from "../../db/client";
import { STATUS_EVENT_TYPES } from "../../db/schema/enums";
import {
  type ActivityRow,
  adoptDerivedEvents,
  deleteActivities,
  insertActivities,
  lookupActivities,
  updateActivities,
} from "./imports.activities.repo";
import type { Lookups } from "./imports.cells";
import { type ChunkResult, emptyResult, fail, mergeResult, rounds } from "./imports.chunk";
import { ACTIVITIES, type ActivityInput, positionsOf } from "./imports.columns";
import { refusedRowMessage, writeRows } from "./imports.isolate";
import type { StagedRow } from "./imports.progress.repo";
import { validateActivity } from "./imports.validate";

const STATUS_TYPES = new Set<string>(STATUS_EVENT_TYPES);
const AT = positionsOf(ACTIVITIES);

type Candidate = ActivityInput & { i: number; line: number; courtCode: string };

type Slots = Map<string, { sourceId: string; line: number }>;

/**
 * One round of rows (distinct keys) against the database. Everything it finds goes into `out` and
 * `slots` only after its last statement, so a round that PostgreSQL refuses leaves no trace.
 */
async function applyRound(
  tx: Database,
  round: readonly Candidate[],
  slots: Slots,
  out: ChunkResult,
): Promise<void> {
  const result = emptyResult();
  const claimed: Slots = new Map();
  const found = new Map((await lookupActivities(tx, round)).map((l) => [l.i, l]));
  const adoptions: { holderId: number; row: ActivityRow }[] = [];
  const replaced: number[] = [];
  const inserts: ActivityRow[] = [];
  const updates: ActivityRow[] = [];
  const updateIds: number[] = [];
  for (const r of round) {
    const l = found.get(r.i)!;
    if (l.caseId === null) {
      fail(result, "activities", r.line, [
        {
          field: "case_number",
          message: `case ${r.caseNumber} of court ${r.courtCode} is in neither the cases file nor the database`,
        },
      ]);
      continue;
    }
    const row: ActivityRow = { ...r, caseId: l.caseId };
    if (STATUS_TYPES.has(r.type)) {
      const slot = `${l.caseId}|${r.type}|${r.occurredOn}`;
      const first = slots.get(slot) ?? claimed.get(slot);
      const clash = first && first.sourceId !== r.sourceId ? `${first.sourceId}, line ${first.line}` : null;
      const held = l.holderId !== null && l.holderSource !== null ? l.holderSource : null;
      if (clash || held) {
        fail(result, "activities", r.line, [
          {
            field: "type",
            message: `case ${r.caseNumber} already has a ${r.type} event on ${r.occurredOn} (source_id ${clash ?? held})`,
          },
        ]);
        continue;
      }
      claimed.set(slot, { sourceId: r.sourceId, line: r.line });
    }
    if (l.holderId !== null && l.ownId === null) {
      adoptions.push({ holderId: l.holderId, row });
      continue;
    }
    // An existing activity moving onto a derived event's slot replaces that event.
    if (l.holderId !== null) replaced.push(l.holderId);
    if (l.ownId === null) inserts.push(row);
    else {
      updates.push(row);
      updateIds.push(l.ownId);
      if (l.ownCaseId !== null && l.ownCaseId !== l.caseId) result.touchedCases.add(l.ownCaseId);
    }
  }
  await adoptDerivedEvents(tx, adoptions);
  await deleteActivities(tx, replaced);
  const inserted = await insertActivities(tx, inserts);
  const updated = await updateActivities(tx, updates, updateIds);
  // Taking over a derived event adds the source's activity: for the file it is a new row.
  result.counts.inserted += adoptions.length + inserted.length;
  result.counts.updated += updated.length;
  result.counts.unchanged += updates.length - updated.length;
  for (const w of [...inserted, ...updated]) {
    result.touchedCases.add(w.caseId);
    result.touchedCourts.add(w.courtId);
  }
  // The round's rows are counted by the caller (total); here only what they did.
  mergeResult(out, result);
  for (const [k, v] of claimed) slots.set(k, v);
}

/**
 * A chunk of activities.csv rows. The case must exist (cases were applied first, so "in the file"
 * means "in the database" now). A case holds one status event of a type per date: a status event
 * taking the slot of one derived from a cases file (no source_id) takes that row over; one clashing
 * with another source's event is a row error. With `isolate`, a row PostgreSQL refuses becomes a row
 * error instead of failing the chunk (see imports.isolate.ts).
 */
export async function processActivityChunk(
  tx: Database,
  staged: readonly StagedRow[],
  lookups: Lookups,
  isolate = false,
): Promise<ChunkResult> {
  const result = emptyResult();
  const valid: Candidate[] = [];
  for (const { line, data } of staged) {
    result.counts.total++;
    if (typeof data === "string") {
      fail(result, "activities", line, [{ field: null, message: data }]);
      continue;
    }
    const v = validateActivity(data, lookups);
    if (!v.ok) fail(result, "activities", line, v.errors);
    else valid.push({ ...v.value, i: valid.length, line, courtCode: data[AT.court_code] ?? "" });
  }
  // The first line claiming a status slot in this chunk; a later line of another source clashes.
  const slots: Slots = new Map();
  for (const round of rounds(valid, (r) => `${r.courtId}\u0000${r.sourceId}`)) {
    await writeRows(
      tx,
      round,
      isolate,
      (db, rows) => applyRound(db, rows, slots, result),
      (row, err) => fail(result, "activities", row.line, [{ field: null, message: refusedRowMessage(err) }]),
    );
  }
  // Row errors come out in line order, whatever order the rounds found them in.
  result.errors.sort((a, b) => a.line - b.line || a.seq - b.seq);
  return result;
}
