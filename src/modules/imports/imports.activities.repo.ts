import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { bigintArray, jsonRows } from "../../db/sql";
import { ACTIVITIES, type ActivityInput } from "./imports.columns";
import {
  assignments,
  dbList,
  fieldList,
  recordsetDef,
  STATUS_TYPES_SQL,
  tableList,
  type WriteColumn,
  writeColumns,
} from "./imports.sql";

// Set-based writes of a chunk of activities.csv rows, keyed by (court_id, source_id). The column
// lists come from the column spec (imports.columns.ts), plus the case the lookup found.

/** What an activity row writes: its case (found by court and case number), then the spec's columns. */
const WRITTEN: WriteColumn[] = [
  { field: "caseId", type: "int", db: "case_id" },
  ...writeColumns(ACTIVITIES.columns),
];
/** The natural key (court, source_id) finds the row and is never rewritten. */
const KEY = writeColumns(ACTIVITIES.columns.filter((c) => ACTIVITIES.key.includes(c.name)));
const UPDATED = WRITTEN.filter((w) => !KEY.some((k) => k.db === w.db));
/**
 * Taking over a derived event: the event already has the court and its slot (type and date), so the
 * activity brings the rest of its columns. Its case is the same, by the slot's definition.
 */
const SLOT = new Set(["court_id", "case_id", "type", "occurred_on"]);
const ADOPTED = WRITTEN.filter((w) => !SLOT.has(w.db));

export interface ActivityRow extends ActivityInput {
  /** Position in the chunk, to map results back to lines. */
  i: number;
  caseId: number;
}

/**
 * What the database already holds for each row: its case (by court and case number), its existing
 * activity (same court and source_id), and for a status event, the activity already holding the
 * case's (type, date) slot of the partial unique index, if another. One query per round of rows.
 */
export interface ActivityLookup {
  i: number;
  caseId: number | null;
  ownId: number | null;
  ownCaseId: number | null;
  holderId: number | null;
  holderSource: string | null;
}

export async function lookupActivities(
  tx: Database,
  rows: readonly (ActivityInput & { i: number })[],
): Promise<ActivityLookup[]> {
  if (rows.length === 0) return [];
  const input = rows.map((r) => ({
    i: r.i,
    courtId: r.courtId,
    caseNumber: r.caseNumber,
    sourceId: r.sourceId,
    type: r.type,
    occurredOn: r.occurredOn,
  }));
  const result = await tx.execute(sql`
    select x.i, c.id as "caseId", own.id as "ownId", own.case_id as "ownCaseId", h.id as "holderId",
      h.source_id as "holderSource"
    from json_to_recordset(${jsonRows(input)}) as x(i int, "courtId" int, "caseNumber" text, "sourceId" text,
      type activity_type, "occurredOn" date)
    left join cases c on c.court_id = x."courtId" and c.case_number = x."caseNumber"
    left join case_activities own on own.court_id = x."courtId" and own.source_id = x."sourceId"
    -- Lateral, so the slot is found through the case (the partial unique index) whatever the
    -- table statistics say while a large import is still filling the table.
    left join lateral (
      select h.id, h.source_id from case_activities h
      where x.type in ${STATUS_TYPES_SQL} and h.type in ${STATUS_TYPES_SQL}
        and h.case_id = c.id and h.type = x.type and h.occurred_on = x."occurredOn"
        and h.id is distinct from own.id
    ) h on true`);
  const id = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rowsOf<ActivityLookup>(result).map((r) => ({
    i: Number(r.i),
    caseId: id(r.caseId),
    ownId: id(r.ownId),
    ownCaseId: id(r.ownCaseId),
    holderId: id(r.holderId),
    holderSource: r.holderSource,
  }));
}

/**
 * A status event from activities.csv that matches one derived from cases.csv (same case, type and
 * date, no source_id) takes that row over instead of adding a second event.
 */
export async function adoptDerivedEvents(
  tx: Database,
  adoptions: readonly { holderId: number; row: ActivityRow }[],
): Promise<void> {
  if (adoptions.length === 0) return;
  const input = adoptions.map(({ holderId, row }) => pick(row, ADOPTED, { id: holderId }));
  await tx.execute(sql`
    update case_activities a
    set ${assignments(ADOPTED, "x")}, updated_at = now()
    from json_to_recordset(${jsonRows(input)}) as x(id bigint, ${recordsetDef(ADOPTED)})
    where a.id = x.id`);
}

/** Derived events that an existing sourced activity moves onto: the sourced one replaces them. */
export async function deleteActivities(tx: Database, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`delete from case_activities where id = any(${bigintArray(ids)})`);
}

export interface ActivityWrite {
  caseId: number;
  courtId: number;
}

/** The JSON row of `cols` for one activity row (and any extra keys first). */
function pick(row: ActivityRow, cols: readonly WriteColumn[], extra: Record<string, unknown> = {}) {
  const out: Record<string, unknown> = extra;
  for (const c of cols) out[c.field] = row[c.field as keyof ActivityRow];
  return out;
}

function activityInput(rows: readonly ActivityRow[], ids?: readonly number[]) {
  return rows.map((r, k) => pick(r, WRITTEN, ids ? { id: ids[k] } : {}));
}

const writes = (result: unknown) =>
  rowsOf<ActivityWrite>(result).map((r) => ({ caseId: Number(r.caseId), courtId: Number(r.courtId) }));

/**
 * Rows whose (court, source_id) is not in the database (the lookup said so): a plain INSERT, cheaper
 * than ON CONFLICT's speculative insertion. Should another batch insert the same source_id in
 * between, the unique index refuses it and the chunk is retried, then finds the row and updates it.
 */
export async function insertActivities(tx: Database, rows: readonly ActivityRow[]): Promise<ActivityWrite[]> {
  if (rows.length === 0) return [];
  return writes(
    await tx.execute(sql`
      insert into case_activities (${dbList(WRITTEN)})
      select ${fieldList(WRITTEN)}
      from json_to_recordset(${jsonRows(activityInput(rows))}) as x(${recordsetDef(WRITTEN)})
      returning case_id as "caseId", court_id as "courtId"`),
  );
}

/** Existing activities: rewritten only when a value differs, so the returned rows are the updated ones. */
export async function updateActivities(
  tx: Database,
  rows: readonly ActivityRow[],
  ids: readonly number[],
): Promise<ActivityWrite[]> {
  if (rows.length === 0) return [];
  return writes(
    await tx.execute(sql`
      update case_activities a set ${assignments(UPDATED, "x")}, updated_at = now()
      from json_to_recordset(${jsonRows(activityInput(rows, ids))}) as x(id bigint, ${recordsetDef(WRITTEN)})
      where a.id = x.id
        and (${tableList(UPDATED, "a")}) is distinct from (${fieldList(UPDATED, "x.")})
      returning a.case_id as "caseId", a.court_id as "courtId"`),
  );
}
