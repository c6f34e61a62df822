import { type SQL, sql } from "drizzle-orm";
import type { CourtIds } from "../../auth/scope";
import { type Database, rowsOf } from "../../db/client";
import type { ActivityType, CaseStatus, CaseType, Disposition, Outcome } from "../../db/schema/enums";
import { intArray } from "../measures/measures.sql";
import type { StatusEvent } from "./cases.age";
import { type CaseFilters, type CasePageRow, type CasePhase, caseCountSql, casePageSql } from "./cases.query";
import type { CaseCursorValue, CaseSort } from "./cases.schemas";

export async function selectCasePage(
  db: Database,
  f: CaseFilters,
  sort: CaseSort,
  phase: CasePhase,
  cursor: CaseCursorValue | null,
  limit: number,
): Promise<CasePageRow[]> {
  return rowsOf<CasePageRow>(await db.execute(casePageSql(f, sort, phase, cursor, limit))).map((r) => ({
    ...r,
    id: Number(r.id),
    courtId: Number(r.courtId),
    judgeId: r.judgeId === null ? null : Number(r.judgeId),
  }));
}

export async function countCases(db: Database, f: CaseFilters): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await db.execute(caseCountSql(f)));
  return Number(row?.n ?? 0);
}

const scopeCondition = (scope: CourtIds): SQL =>
  scope === null ? sql`true` : scope.length > 0 ? sql`c.court_id = any(${intArray(scope)})` : sql`false`;

export interface CaseDetailRow {
  id: number;
  caseNumber: string;
  caseType: CaseType;
  filedOn: string;
  status: CaseStatus;
  statusOn: string | null;
  disposedOn: string | null;
  disposition: Disposition | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  courtId: number;
  courtCode: string;
  courtName: string;
  judgeId: number | null;
  judgeCode: string | null;
  judgeName: string | null;
  events: StatusEvent[];
  tiers: { percent: number; days: number }[];
}

export function caseDetailSql(id: number, scope: CourtIds): SQL {
  return sql`
    select c.id, c.case_number as "caseNumber", c.case_type::text as "caseType", c.filed_on::text as "filedOn",
      c.status::text as "status", c.status_on::text as "statusOn", c.disposed_on::text as "disposedOn",
      c.disposition::text as "disposition", c.version,
      to_json(c.created_at) #>> '{}' as "createdAt", to_json(c.updated_at) #>> '{}' as "updatedAt",
      ct.id as "courtId", ct.code as "courtCode", ct.name as "courtName",
      j.id as "judgeId", j.code as "judgeCode", j.name as "judgeName",
      coalesce((
        select json_agg(json_build_object('type', a.type, 'on', a.occurred_on) order by a.occurred_on, a.id)
        from case_activities a
        where a.case_id = c.id
          and a.type in ('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')
      ), '[]'::json) as "events",
      coalesce((
        select json_agg(json_build_object('percent', t.percent, 'days', t.days) order by t.percent)
        from time_standards t where t.case_type = c.case_type
      ), '[]'::json) as "tiers"
    from cases c
    join courts ct on ct.id = c.court_id
    left join judges j on j.id = c.judge_id
    where c.id = ${id}::int and ${scopeCondition(scope)}`;
}

/**
 * A case in scope with everything its detail page needs, in one round trip: court, judge, status
 * events (case_activities_case_date_idx) and its time standard.
 */
export async function findCaseDetail(
  db: Database,
  id: number,
  scope: CourtIds,
): Promise<CaseDetailRow | undefined> {
  const [row] = rowsOf<CaseDetailRow>(await db.execute(caseDetailSql(id, scope)));
  if (!row) return undefined;
  // PGlite hands json back parsed, postgres.js as parsed too; strings are tolerated for safety.
  const parse = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
  return {
    ...row,
    id: Number(row.id),
    version: Number(row.version),
    courtId: Number(row.courtId),
    judgeId: row.judgeId === null ? null : Number(row.judgeId),
    events: parse<StatusEvent[]>(row.events),
    tiers: parse<{ percent: number; days: number }[]>(row.tiers),
  };
}

export async function caseExistsInScope(db: Database, id: number, scope: CourtIds): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`select 1 from cases c where c.id = ${id}::int and ${scopeCondition(scope)}`),
  );
  return rows.length > 0;
}

export interface ActivityRow {
  id: number;
  type: ActivityType;
  occurredOn: string;
  outcome: Outcome | null;
  judgeId: number | null;
  judgeName: string | null;
  notes: string | null;
  sourceId: string | null;
}

/** The timeline in date order (ties by id), keyset on (occurred_on, id). */
export async function selectActivities(
  db: Database,
  caseId: number,
  cursor: { d: string; i: number } | null,
  limit: number,
): Promise<ActivityRow[]> {
  const after = cursor ? sql`and (a.occurred_on, a.id) > (${cursor.d}::date, ${cursor.i}::bigint)` : sql``;
  return rowsOf<ActivityRow>(
    await db.execute(sql`
      select a.id, a.type::text as "type", a.occurred_on::text as "occurredOn", a.outcome::text as "outcome",
        a.judge_id as "judgeId", j.name as "judgeName", a.notes, a.source_id as "sourceId"
      from case_activities a
      left join judges j on j.id = a.judge_id
      where a.case_id = ${caseId}::int ${after}
      order by a.occurred_on, a.id
      limit ${limit}::int`),
  ).map((r) => ({ ...r, id: Number(r.id), judgeId: r.judgeId === null ? null : Number(r.judgeId) }));
}
