import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { intArray, jsonRows } from "../../db/sql";
import { CASES, type CaseInput } from "./imports.columns";
import {
  assignments,
  dbList,
  fieldList,
  recordsetDef,
  STATUS_TYPES_SQL,
  type WriteColumn,
  writeColumns,
} from "./imports.sql";

// Set-based writes of a chunk of cases.csv rows. One statement upserts the chunk; rows whose
// source_hash did not change are not rewritten (the WHERE of DO UPDATE), so they are not returned
// and count as unchanged. `xmax = 0` tells an inserted row from an updated one.

export interface CaseRow extends CaseInput {
  sourceHash: string;
}

/** What the upsert writes: the spec's columns, then the hash of their values. */
const WRITTEN: WriteColumn[] = [
  ...writeColumns(CASES.columns),
  { field: "sourceHash", type: "text", db: "source_hash" },
];
/** The natural key (court, case number): the ON CONFLICT target, never rewritten. */
const KEY = writeColumns(CASES.columns.filter((c) => CASES.key.includes(c.name)));
const UPDATED = WRITTEN.filter((w) => !KEY.some((k) => k.db === w.db));

export interface CaseWrite {
  id: number;
  courtId: number;
  caseNumber: string;
  inserted: boolean;
}

/** Rows must have distinct (court, case number): one statement cannot update a row twice. */
export async function upsertCases(tx: Database, rows: readonly CaseRow[]): Promise<CaseWrite[]> {
  if (rows.length === 0) return [];
  const result = await tx.execute(sql`
    insert into cases as c (${dbList(WRITTEN)})
    select ${fieldList(WRITTEN)}
    from json_to_recordset(${jsonRows(rows)}) as x(${recordsetDef(WRITTEN)})
    on conflict (${dbList(KEY)}) do update set ${assignments(UPDATED, "excluded")},
      version = c.version + 1, updated_at = now()
    where c.source_hash is distinct from excluded.source_hash
    returning c.id, c.court_id as "courtId", c.case_number as "caseNumber", (c.xmax = 0) as inserted`);
  return rowsOf<CaseWrite>(result);
}

/**
 * docs/imports.md: each case has a `filed` event on filed_on and, when disposed_on is set, a `disposed`
 * event on it. Status events from a cases file carry no source_id. A derived event the case row no
 * longer supports is removed first: a filed event on another date (a case is filed once, so that was
 * a correction), and a disposed event on another date unless the case was reopened after it (then it
 * is history, not a correction). Events from an activities file are never touched.
 *
 * Runs at the end of a batch for every case it touched, after the activities file: a status event
 * that file carries is then already there with its source_id, and the derived one is not needed
 * (writing it first and then handing it over to the activity would write those rows twice).
 */
export async function syncDerivedEvents(tx: Database, caseIds: readonly number[]): Promise<void> {
  if (caseIds.length === 0) return;
  await tx.execute(sql`
      delete from case_activities a using cases c
      where c.id = any(${intArray(caseIds)}) and a.case_id = c.id and a.source_id is null
        and a.type in ('filed', 'disposed')
        and ((a.type = 'filed' and a.occurred_on <> c.filed_on)
          or (a.type = 'disposed' and a.occurred_on is distinct from c.disposed_on
            and not exists (
              select 1 from case_activities r
              where r.case_id = a.case_id and r.type = 'reopened' and r.occurred_on >= a.occurred_on)))`);
  await tx.execute(sql`
    insert into case_activities (case_id, court_id, type, occurred_on)
    select c.id, c.court_id, e.type::activity_type, e.d
    from cases c cross join lateral (values ('filed', c.filed_on), ('disposed', c.disposed_on)) as e(type, d)
    where c.id = any(${intArray(caseIds)}) and e.d is not null
    on conflict (case_id, type, occurred_on) where type in ${STATUS_TYPES_SQL} do nothing`);
}
