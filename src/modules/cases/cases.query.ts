import { type SQL, sql } from "drizzle-orm";
import type { CourtIds } from "../../auth/scope";
import type { CaseStatus, CaseType, Disposition } from "../../db/schema/enums";
import { intArray } from "../../db/sql";
import { addDays } from "../../lib/dates";
import type { CaseCursorValue, CaseSort } from "./cases.schemas";

// SQL of the case list. A case's age today comes from the measures' rollup of active pending spans
// (measure_pending_spans, maintained by refreshMeasureRollups whenever a case's events change): its
// open span (active_to null) carries age_base = start date + inactive days so far, so
// age today = today - age_base, and every age filter is a range on age_base, served by the partial
// index measure_pending_spans_open_age_idx (age_base, case_id) where active_to is null. The list thus
// agrees with the pending-age and backlog measures by construction.

export interface CaseFilters {
  /** Allowed courts (scope ∩ the courtId filter's subtree); null = every court. */
  courtIds: CourtIds;
  judgeId?: number;
  caseType?: CaseType;
  status?: CaseStatus;
  filedFrom?: string;
  filedTo?: string;
  disposedFrom?: string;
  disposedTo?: string;
  minAgeDays?: number;
  maxAgeDays?: number;
  overStandard?: boolean;
  search?: string;
  /** YYYY-MM-DD the ages are computed at. */
  today: string;
  /** Largest tier days per case type that has a standard. */
  maxDays: Partial<Record<CaseType, number>>;
}

/**
 * Which rows a page query reads: `all` for the date and case-number sorts; for the age sorts first
 * `aged` (cases with an age, in age order) and then `rest` (the others, by id).
 */
export type CasePhase = "all" | "aged" | "rest";

export const hasAgeFilter = (f: CaseFilters) =>
  f.minAgeDays !== undefined || f.maxAgeDays !== undefined || f.overStandard !== undefined;

/** LIKE pattern for a prefix, with the wildcards of the input escaped. */
function prefixPattern(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/** The case number as the index stores it: lower-cased, compared byte-wise. */
const CASE_KEY = sql`(lower(c.case_number) collate "C")`;

function overStandardSql(f: CaseFilters): SQL {
  const limits = Object.entries(f.maxDays) as [CaseType, number][];
  if (limits.length === 0) return sql`false`;
  const perType = limits.map(
    ([type, maxDays]) =>
      sql`(c.case_type = ${type}::case_type and s.age_base < ${addDays(f.today, -maxDays)}::date)`,
  );
  // The loosest bound alone, so the planner can use a range on age_base before the per-type check.
  const loosest = addDays(f.today, -Math.min(...limits.map(([, d]) => d)));
  return sql`(s.age_base < ${loosest}::date and (${sql.join(perType, sql` or `)}))`;
}

export function filterConditions(f: CaseFilters): SQL[] {
  const where: SQL[] = [];
  if (f.courtIds !== null)
    where.push(f.courtIds.length > 0 ? sql`c.court_id = any(${intArray(f.courtIds)})` : sql`false`);
  if (f.judgeId !== undefined) where.push(sql`c.judge_id = ${f.judgeId}::int`);
  if (f.caseType !== undefined) where.push(sql`c.case_type = ${f.caseType}::case_type`);
  if (f.status !== undefined) where.push(sql`c.status = ${f.status}::case_status`);
  if (f.filedFrom !== undefined) where.push(sql`c.filed_on >= ${f.filedFrom}::date`);
  if (f.filedTo !== undefined) where.push(sql`c.filed_on <= ${f.filedTo}::date`);
  if (f.disposedFrom !== undefined) where.push(sql`c.disposed_on >= ${f.disposedFrom}::date`);
  if (f.disposedTo !== undefined) where.push(sql`c.disposed_on <= ${f.disposedTo}::date`);
  if (f.search !== undefined) where.push(sql`${CASE_KEY} like ${prefixPattern(f.search)}`);
  // age >= n  <=>  today - age_base >= n  <=>  age_base <= today - n
  if (f.minAgeDays !== undefined) where.push(sql`s.age_base <= ${addDays(f.today, -f.minAgeDays)}::date`);
  if (f.maxAgeDays !== undefined) where.push(sql`s.age_base >= ${addDays(f.today, -f.maxAgeDays)}::date`);
  if (f.overStandard === true) where.push(overStandardSql(f));
  if (f.overStandard === false) where.push(sql`not ${overStandardSql(f)}`);
  return where;
}

/** The case's open span when it started on or before today: present exactly when the case has an age. */
function spanJoin(f: CaseFilters, phase: CasePhase): SQL {
  const kind = phase === "aged" || hasAgeFilter(f) ? sql`join` : sql`left join`;
  return sql`${kind} measure_pending_spans s
    on s.case_id = c.id and s.active_to is null and s.active_from <= ${f.today}::date`;
}

function keyset(sort: CaseSort, phase: CasePhase, cursor: CaseCursorValue | null): SQL | null {
  if (!cursor) return null;
  if (phase === "rest") return sql`c.id > ${cursor.i}::int`;
  switch (sort) {
    case "filedOn":
      return sql`(c.filed_on, c.id) > (${cursor.k}::date, ${cursor.i}::int)`;
    case "-filedOn":
      return sql`(c.filed_on, c.id) < (${cursor.k}::date, ${cursor.i}::int)`;
    case "caseNumber":
      return sql`(${CASE_KEY}, c.id) > (${cursor.k}, ${cursor.i}::int)`;
    // Youngest first: the latest age_base first.
    case "ageDays":
      return sql`(s.age_base, s.case_id) < (${cursor.k}::date, ${cursor.i}::int)`;
    case "-ageDays":
      return sql`(s.age_base, s.case_id) > (${cursor.k}::date, ${cursor.i}::int)`;
  }
}

function orderBy(sort: CaseSort, phase: CasePhase): SQL {
  if (phase === "rest") return sql`c.id`;
  switch (sort) {
    case "filedOn":
      return sql`c.filed_on, c.id`;
    case "-filedOn":
      return sql`c.filed_on desc, c.id desc`;
    case "caseNumber":
      return sql`${CASE_KEY}, c.id`;
    case "ageDays":
      return sql`s.age_base desc, s.case_id desc`;
    case "-ageDays":
      return sql`s.age_base, s.case_id`;
  }
}

export interface CasePageRow {
  id: number;
  courtId: number;
  courtCode: string;
  caseNumber: string;
  caseType: CaseType;
  filedOn: string;
  status: CaseStatus;
  statusOn: string | null;
  judgeId: number | null;
  judgeName: string | null;
  disposedOn: string | null;
  disposition: Disposition | null;
  ageBase: string | null;
  caseKey: string;
}

/** One page of cases (limit rows), in sort order after the cursor. */
export function casePageSql(
  f: CaseFilters,
  sort: CaseSort,
  phase: CasePhase,
  cursor: CaseCursorValue | null,
  limit: number,
): SQL {
  const where = filterConditions(f);
  if (phase === "rest") where.push(sql`s.case_id is null`);
  const after = keyset(sort, phase, cursor);
  if (after) where.push(after);
  return sql`
    select c.id, c.court_id as "courtId", ct.code as "courtCode", c.case_number as "caseNumber",
      c.case_type::text as "caseType", c.filed_on::text as "filedOn", c.status::text as "status",
      c.status_on::text as "statusOn", c.judge_id as "judgeId", j.name as "judgeName",
      c.disposed_on::text as "disposedOn", c.disposition::text as "disposition",
      s.age_base::text as "ageBase", ${CASE_KEY} as "caseKey"
    from cases c
    join courts ct on ct.id = c.court_id
    left join judges j on j.id = c.judge_id
    ${spanJoin(f, phase)}
    where ${where.length > 0 ? sql.join(where, sql` and `) : sql`true`}
    order by ${orderBy(sort, phase)}
    limit ${limit}::int`;
}

/** Every case matching the filters, ignoring pagination. */
export function caseCountSql(f: CaseFilters): SQL {
  const where = filterConditions(f);
  const join = hasAgeFilter(f)
    ? sql`join measure_pending_spans s
        on s.case_id = c.id and s.active_to is null and s.active_from <= ${f.today}::date`
    : sql``;
  return sql`select count(*)::int as n from cases c ${join}
    where ${where.length > 0 ? sql.join(where, sql` and `) : sql`true`}`;
}
