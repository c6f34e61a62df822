import { type SQL, sql } from "drizzle-orm";
import { CASE_TYPES } from "../../db/schema/enums";
import { intArray } from "../../db/sql";
import type { GrainPiece } from "./measures.grains";
import { MEASURE_GRAIN } from "./measures.grains";
import type { Granularity, KeyFilters } from "./measures.types";

// SQL fragments shared by the measure repos. Every rollup table names its case attributes
// court_id, case_type and judge_id, so one filter builder serves them all.

/** The court / case type / judge filters on a per-case fact table (optionally through an alias). */
export function keyFilter(f: KeyFilters, alias?: string): SQL {
  const col = (name: string) => sql.raw(alias ? `${alias}.${name}` : name);
  const parts: SQL[] = [];
  // [] = the caller may see no court: match nothing rather than everything.
  if (f.courtIds !== null)
    parts.push(f.courtIds.length > 0 ? sql`${col("court_id")} = any(${intArray(f.courtIds)})` : sql`false`);
  if (f.caseType !== undefined) parts.push(sql`${col("case_type")} = ${f.caseType}::case_type`);
  if (f.judgeId !== undefined) parts.push(sql`${col("judge_id")} = ${f.judgeId}::int`);
  return parts.length > 0 ? sql.join(parts, sql` and `) : sql`true`;
}

/**
 * The measure_counts slice of the filters: rows for the judge (or the all-judges rows) and for the
 * case type (or the all-types rows), and the courts. Exactly one slice matches, so nothing counts
 * twice. `judge` replaces the judge condition (judge workload: each judge's own rows); `perType`
 * reads the per-case-type rows even without a caseType filter (to group by case type).
 */
export function sliceFilter(f: KeyFilters, opts: { judge?: SQL; perType?: boolean } = {}): SQL {
  const parts: SQL[] = [
    opts.judge ?? (f.judgeId === undefined ? sql`judge_id is null` : sql`judge_id = ${f.judgeId}::int`),
    f.caseType !== undefined
      ? sql`case_type = ${f.caseType}::case_type`
      : opts.perType
        ? // Every type listed, not "is not null": a btree descends once per value and keeps the
          // bucket range as an index condition, where "is not null" would read every type's history.
          sql`case_type = any(${`{${CASE_TYPES.join(",")}}`}::case_type[])`
        : sql`case_type is null`,
  ];
  if (f.courtIds !== null)
    parts.push(f.courtIds.length > 0 ? sql`court_id = any(${intArray(f.courtIds)})` : sql`false`);
  return sql.join(parts, sql` and `);
}

/** measure_counts rows covering exactly the days of a decomposed range. */
export function piecesFilter(pieces: readonly GrainPiece[]): SQL {
  if (pieces.length === 0) return sql`false`;
  const ors = pieces.map((p) =>
    p.from === null
      ? sql`(grain = ${p.grain}::smallint and bucket <= ${p.to}::date)`
      : sql`(grain = ${p.grain}::smallint and bucket between ${p.from}::date and ${p.to}::date)`,
  );
  return sql`(${sql.join(ors, sql` or `)})`;
}

/** The largest measure_counts grain whose rows never straddle two periods of a granularity. */
export function maxGrainFor(granularity: Granularity) {
  return granularity === "month" || granularity === "quarter" ? MEASURE_GRAIN.month : MEASURE_GRAIN.year;
}

/** Period label of a row from its bucket: 2024-01, 2024-Q1, 2024 or total. */
export function periodLabelSql(granularity: Granularity): SQL {
  switch (granularity) {
    case "month":
      return sql`to_char(bucket, 'YYYY-MM')`;
    case "quarter":
      return sql`to_char(bucket, 'YYYY-"Q"Q')`;
    case "year":
      return sql`to_char(bucket, 'YYYY')`;
    case "total":
      return sql`'total'`;
  }
}
