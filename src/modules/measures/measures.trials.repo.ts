import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { readDb } from "../../db/replicas";
import { keyFilter } from "./measures.sql";
import type { KeyFilters } from "./measures.types";

export interface TrialSettingCounts {
  casesTried: number;
  /** Cases by number of trial settings: 0, 1, 2, 3, 4 or more. */
  bySettings: [number, number, number, number, number];
  totalSettings: number;
}

/**
 * Cases disposed by trial (jury or bench) with a disposed event in from..to. A case disposed twice
 * in the period counts once, with the settings on or before its last disposed event in the period.
 */
export async function trialSettingCounts(
  db: Database,
  f: KeyFilters,
  from: string,
  to: string,
): Promise<TrialSettingCounts> {
  const rows = rowsOf<Record<string, unknown>>(
    await readDb(db).execute(sql`
      with tried as (
        -- The case's last disposed event in the period: its next disposal (if any) comes after the period.
        select trial_settings as k
        from measure_dispositions
        where by_trial and disposed_on between ${from}::date and ${to}::date
          and (next_disposed_on is null or next_disposed_on > ${to}::date) and ${keyFilter(f)}
      )
      select count(*)::int as cases,
        count(*) filter (where k = 0)::int as s0, count(*) filter (where k = 1)::int as s1,
        count(*) filter (where k = 2)::int as s2, count(*) filter (where k = 3)::int as s3,
        count(*) filter (where k >= 4)::int as s4, coalesce(sum(k), 0)::int as total
      from tried`),
  );
  const r = rows[0] ?? {};
  return {
    casesTried: Number(r.cases ?? 0),
    bySettings: [
      Number(r.s0 ?? 0),
      Number(r.s1 ?? 0),
      Number(r.s2 ?? 0),
      Number(r.s3 ?? 0),
      Number(r.s4 ?? 0),
    ],
    totalSettings: Number(r.total ?? 0),
  };
}
