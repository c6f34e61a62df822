import { type SQL, sql } from "drizzle-orm";
import type { CourtIds } from "../../auth/scope";
import { type Database, rowsOf } from "../../db/client";
import { readDb } from "../../db/replicas";
import type { ActivityType, CaseStatus, CaseType, Disposition, Outcome } from "../../db/schema/enums";
import { intArray } from "../../db/sql";
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
  return rowsOf<CasePageRow>(await readDb(db).execute(casePageSql(f, sort, phase, cursor, limit))).map(
    (r) => ({
      ...r,
      id: Number(r.id),
      courtId: Number(r.courtId),
      judgeId: r.judgeId === null ? null : Number(r.judgeId),
    }),
  );
}

export async function countCases(db: Database, f: CaseFilters): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await readDb(db).execute(caseCountSql(f)));
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
  // Court and judge through LATERAL lookups (`limit 1` keeps PostgreSQL from flattening them back into
  // joins; a primary key matches one row anyway): joined directly, it hashed the whole (small) courts
  // and judges tables for the one case instead of reading their primary keys. Events and tiers come
  // back as text arrays ("type date", "percent days") rather than built JSON. Together about a quarter
  // less PostgreSQL CPU a request (pgbench, prepared, on the bench data).
  return sql`
    select c.id, c.case_number as "caseNumber", c.case_type::text as "caseType", c.filed_on::text as "filedOn",
      c.status::text as "status", c.status_on::text as "statusOn", c.disposed_on::text as "disposedOn",
      c.disposition::text as "disposition", c.version,
      to_json(c.created_at) #>> '{}' as "createdAt", to_json(c.updated_at) #>> '{}' as "updatedAt",
      ct.id as "courtId", ct.code as "courtCode", ct.name as "courtName",
      j.id as "judgeId", j.code as "judgeCode", j.name as "judgeName",
      array(
        select a.type::text || ' ' || a.occurred_on::text
        from case_activities a
        where a.case_id = c.id
          and a.type in ('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')
        order by a.occurred_on, a.id
      ) as "events",
      array(
        select t.percent::text || ' ' || t.days::text
        from time_standards t where t.case_type = c.case_type
        order by t.percent
      ) as "tiers"
    from cases c
    cross join lateral (select ct.id, ct.code, ct.name from courts ct where ct.id = c.court_id limit 1) ct
    left join lateral (select j.id, j.code, j.name from judges j where j.id = c.judge_id limit 1) j on true
    where c.id = ${id}::int and ${scopeCondition(scope)}`;
}

/** A text[] column: postgres.js and PGlite parse it; the literal form is tolerated for safety. */
function textArray(v: unknown): string[] {
  if (Array.isArray(v)) return v as string[];
  if (typeof v === "string" && v.startsWith("{") && v.endsWith("}")) {
    const body = v.slice(1, -1);
    return body === "" ? [] : body.split(",").map((s) => s.replace(/^"|"$/g, ""));
  }
  return [];
}

/** "a b" → [a, b] (the SQL joins two space-free values with one space). */
function pair(text: string): [string, string] {
  const at = text.indexOf(" ");
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * A case in scope with everything its detail page needs, in one round trip: court, judge, status
 * events (case_activities_status_event_uq) and its time standard.
 */
export async function findCaseDetail(
  db: Database,
  id: number,
  scope: CourtIds,
): Promise<CaseDetailRow | undefined> {
  const [row] = rowsOf<Omit<CaseDetailRow, "events" | "tiers"> & { events: unknown; tiers: unknown }>(
    await readDb(db).execute(caseDetailSql(id, scope)),
  );
  if (!row) return undefined;
  return {
    ...row,
    id: Number(row.id),
    version: Number(row.version),
    courtId: Number(row.courtId),
    judgeId: row.judgeId === null ? null : Number(row.judgeId),
    events: textArray(row.events).map((e): StatusEvent => {
      const [type, on] = pair(e);
      return { type: type as StatusEvent["type"], on };
    }),
    tiers: textArray(row.tiers).map((t) => {
      const [percent, days] = pair(t);
      return { percent: Number(percent), days: Number(days) };
    }),
  };
}

export async function caseExistsInScope(db: Database, id: number, scope: CourtIds): Promise<boolean> {
  const rows = rowsOf(
    await readDb(db).execute(sql`select 1 from cases c where c.id = ${id}::int and ${scopeCondition(scope)}`),
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
    await readDb(db).execute(sql`
      select a.id, a.type::text as "type", a.occurred_on::text as "occurredOn", a.outcome::text as "outcome",
        a.judge_id as "judgeId", j.name as "judgeName", a.notes, a.source_id as "sourceId"
      from case_activities a
      left join judges j on j.id = a.judge_id
      where a.case_id = ${caseId}::int ${after}
      order by a.occurred_on, a.id
      limit ${limit}::int`),
  ).map((r) => ({ ...r, id: Number(r.id), judgeId: r.judgeId === null ? null : Number(r.judgeId) }));
}
