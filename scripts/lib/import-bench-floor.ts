import type postgres from "postgres";

// The floor of "rows landed" (issue 17): the same staged rows of a batch, inserted into empty copies
// of `cases` and `case_activities` (same columns, defaults, checks, indexes and foreign keys) by two
// plain INSERT … SELECT statements, court, judge and case ids resolved by joins as the import must.
// No validation, no counts, no checkpoints: what PostgreSQL alone needs to land these rows here.

export const FLOOR_SCHEMA = "bench_floor";
/** Rows landed must reach this share of the floor's rate (issue 17). */
export const FLOOR_TARGET = 0.6;

export interface FloorRun {
  cases: number;
  activities: number;
  casesMs: number;
  activitiesMs: number;
  rowsPerSecond: number;
}

/**
 * Empty copies of the two tables in FLOOR_SCHEMA: LIKE … INCLUDING ALL brings columns, defaults,
 * checks and indexes; foreign keys are not copied by LIKE, so each is added again from its own
 * definition, resolved with the floor schema first (case_id then points at the floor's cases, court
 * and judge ids at the real courts and judges).
 */
async function createFloorTables(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`drop schema if exists ${FLOOR_SCHEMA} cascade`);
  await sql.unsafe(`create schema ${FLOOR_SCHEMA}`);
  const fks = await sql<{ table: string; name: string; def: string }[]>`
    select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as def
    from pg_constraint c
    where c.contype = 'f' and c.conrelid in ('public.cases'::regclass, 'public.case_activities'::regclass)
    order by c.conname`;
  await sql.begin(async (tx) => {
    await tx.unsafe(`set local search_path = ${FLOOR_SCHEMA}, public`);
    for (const table of ["cases", "case_activities"]) {
      await tx.unsafe(`create table ${FLOOR_SCHEMA}.${table} (like public.${table} including all)`);
    }
    for (const fk of fks) {
      const table = fk.table.replace(/^public\./, "");
      await tx.unsafe(`alter table ${FLOOR_SCHEMA}.${table} add constraint ${fk.name} ${fk.def}`);
    }
  });
}

/** The copies' foreign keys, to show they are there (and which tables they point at). */
export async function floorForeignKeys(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ fk: string }[]>`
    select c.conrelid::regclass::text || ' → ' || c.confrelid::regclass::text as fk
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname = ${FLOOR_SCHEMA} order by 1`;
  return rows.map((r) => r.fk);
}

/**
 * Staged rows keep the file's columns in a fixed order (imports.format.ts) as a `json` array; each
 * row is cast to jsonb once (the OFFSET 0 keeps the subquery from being inlined, which would parse
 * the json again for every column).
 */
const CASES_SQL = `
  insert into ${FLOOR_SCHEMA}.cases (court_id, case_number, case_type, filed_on, status, status_on, judge_id,
    disposed_on, disposition, source_hash)
  -- source_hash as wide as the import's (an md5 in base64), so the rows are the same size.
  select co.id, s.d->>1, (s.d->>2)::case_type, (s.d->>3)::date, (s.d->>4)::case_status, (s.d->>5)::date, j.id,
    (s.d->>7)::date, (s.d->>8)::disposition,
    encode(decode(md5(s.d::text), 'hex'), 'base64')
  from (select data::jsonb as d from import_staged_rows
        where batch_id = $1 and file = 1 and json_typeof(data) = 'array' offset 0) s
  join courts co on co.code = s.d->>0
  left join judges j on j.code = s.d->>6`;

const ACTIVITIES_SQL = `
  insert into ${FLOOR_SCHEMA}.case_activities (case_id, court_id, source_id, type, occurred_on, outcome,
    judge_id, notes)
  select c.id, c.court_id, s.d->>0, (s.d->>3)::activity_type, (s.d->>4)::date, (s.d->>5)::activity_outcome,
    j.id, s.d->>7
  from (select data::jsonb as d from import_staged_rows
        where batch_id = $1 and file = 2 and json_typeof(data) = 'array' offset 0) s
  join courts co on co.code = s.d->>1
  join ${FLOOR_SCHEMA}.cases c on c.court_id = co.id and c.case_number = s.d->>2
  left join judges j on j.code = s.d->>6`;

/** Times the floor for one batch's staged rows; leaves the copies in place until `dropFloor`. */
export async function measureInsertSelectFloor(sql: postgres.Sql, batchId: number): Promise<FloorRun> {
  await createFloorTables(sql);
  let t0 = performance.now();
  const cases = await sql.unsafe(CASES_SQL, [batchId]);
  const casesMs = performance.now() - t0;
  t0 = performance.now();
  // Without statistics on the new cases the planner joins the activities to them by a nested loop
  // (36 s instead of 2 for 60 000 activities); the import ANALYZEs after a large file too, so the
  // floor pays for it in its time as well.
  await sql.unsafe(`analyze ${FLOOR_SCHEMA}.cases`);
  const activities = await sql.unsafe(ACTIVITIES_SQL, [batchId]);
  const activitiesMs = performance.now() - t0;
  const rows = cases.count + activities.count;
  return {
    cases: cases.count,
    activities: activities.count,
    casesMs,
    activitiesMs,
    rowsPerSecond: rows / ((casesMs + activitiesMs) / 1000),
  };
}

export async function dropFloor(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`drop schema if exists ${FLOOR_SCHEMA} cascade`);
}

/**
 * The line: rows landed against the floor, and PASS only when the floor inserted exactly the
 * rows the import did (otherwise the two rates are not of the same rows).
 */
export function floorLine(opts: {
  landedRowsPerSecond: number;
  floorRowsPerSecond: number;
  sameRows: boolean;
}): {
  ratio: number;
  pass: boolean;
  line: string;
} {
  const ratio = opts.landedRowsPerSecond / opts.floorRowsPerSecond;
  const pass = opts.sameRows && ratio >= FLOOR_TARGET;
  const n = (v: number) => Math.round(v).toLocaleString("en-US");
  const why = opts.sameRows ? `target ≥ ${FLOOR_TARGET}` : "the floor did not insert the same rows";
  return {
    ratio,
    pass,
    line: `rows landed: ${n(opts.landedRowsPerSecond)} rows/s vs INSERT…SELECT floor ${n(opts.floorRowsPerSecond)} rows/s = ${ratio.toFixed(2)}   ${pass ? "PASS" : "FAIL"} (${why})`,
  };
}
