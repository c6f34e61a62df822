import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { bigintArray, jsonRows } from "../../db/sql";
import { STATUS_TYPES_SQL } from "./imports.sql";
import type { ActivityInput } from "./imports.validate";

// Set-based writes of a chunk of activities.csv rows, keyed by (court_id, source_id).

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
  const input = adoptions.map(({ holderId, row }) => ({
    id: holderId,
    sourceId: row.sourceId,
    outcome: row.outcome,
    judgeId: row.judgeId,
    notes: row.notes,
  }));
  await tx.execute(sql`
    update case_activities a
    set source_id = x."sourceId", outcome = x.outcome, judge_id = x."judgeId", notes = x.notes, updated_at = now()
    from json_to_recordset(${jsonRows(input)}) as x(id bigint, "sourceId" text, outcome activity_outcome,
      "judgeId" int, notes text)
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

const activityColumns = sql.raw(
  `"caseId" int, "courtId" int, "sourceId" text, type activity_type, "occurredOn" date, outcome activity_outcome, "judgeId" int, notes text`,
);

function activityInput(rows: readonly ActivityRow[], ids?: readonly number[]) {
  return rows.map((r, k) => ({
    ...(ids ? { id: ids[k] } : {}),
    caseId: r.caseId,
    courtId: r.courtId,
    sourceId: r.sourceId,
    type: r.type,
    occurredOn: r.occurredOn,
    outcome: r.outcome,
    judgeId: r.judgeId,
    notes: r.notes,
  }));
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
      insert into case_activities (case_id, court_id, source_id, type, occurred_on, outcome, judge_id, notes)
      select "caseId", "courtId", "sourceId", type, "occurredOn", outcome, "judgeId", notes
      from json_to_recordset(${jsonRows(activityInput(rows))}) as x(${activityColumns})
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
      update case_activities a set case_id = x."caseId", type = x.type, occurred_on = x."occurredOn",
        outcome = x.outcome, judge_id = x."judgeId", notes = x.notes, updated_at = now()
      from json_to_recordset(${jsonRows(activityInput(rows, ids))}) as x(id bigint, ${activityColumns})
      where a.id = x.id
        and (a.case_id, a.type, a.occurred_on, a.outcome, a.judge_id, a.notes)
          is distinct from (x."caseId", x.type, x."occurredOn", x.outcome, x."judgeId", x.notes)
      returning a.case_id as "caseId", a.court_id as "courtId"`),
  );
}
