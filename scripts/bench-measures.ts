// `bun scripts/bench-measures.ts [--runs 40] [--from YYYY-MM-DD --to YYYY-MM-DD] [--court ID] [--refresh 1000]`
// Uncached latency of every measure (service + SQL: no HTTP, no cache) against DATABASE_URL, for all
// courts over the year ending today by default: p50 and p95 per measure, next to a raw baseline
// measured in the same run (clearance straight from the activities, no rollups), so that a busy
// machine shows up as a slower baseline too. With --refresh N it also times refreshMeasureRollups
// for N random existing cases (that only rewrites their rollup rows, to the same values).
// Run it on a seeded database, e.g. after `bun run db:seed:staging`.
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { loadConfigOrExit } from "../src/config/env";
import { createDb, rowsOf } from "../src/db/client";
import { addYears, todayIso } from "../src/lib/dates";
import { refreshMeasureRollups } from "../src/modules/measures/measures.rollups.repo";
import * as measures from "../src/modules/measures/measures.service";
import type { MeasureFilters } from "../src/modules/measures/measures.types";
import { timeRuns } from "./lib/bench-measures-uncached";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "40" },
    from: { type: "string" },
    to: { type: "string" },
    refresh: { type: "string" },
    court: { type: "string" },
  },
});

const config = loadConfigOrExit();
if (!config.DATABASE_URL) {
  console.error("bench-measures needs DATABASE_URL (a seeded PostgreSQL database)");
  process.exit(1);
}
const handle = await createDb({ ...config, DATABASE_QUERY_TIMEOUT_MS: 0 });
const db = handle.db;
const to = args.to ?? todayIso();
const filters: MeasureFilters = {
  from: args.from ?? addYears(to, -1),
  to,
  asOf: to,
  courtIds: args.court ? [Number(args.court)] : null,
};
const runs = Number(args.runs);

const raw = () =>
  db.execute(sql`
    select count(*) filter (where a.type in ('filed', 'reopened', 'reactivated')) as incoming,
      count(*) filter (where a.type in ('placed_inactive', 'disposed')) as outgoing
    from case_activities a join cases c on c.id = a.case_id
    where a.type in ('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')
      and a.occurred_on between ${filters.from}::date and ${filters.to}::date`);

const cases: [string, () => Promise<unknown>][] = [
  ["raw clearance (baseline)", raw],
  ["clearance (month)", () => measures.clearance(db, filters, "month")],
  ["clearance (total)", () => measures.clearance(db, filters, "total")],
  ["time-to-disposition", () => measures.timeToDisposition(db, filters)],
  ["pending-age", () => measures.pendingAge(db, filters)],
  ["backlog", () => measures.backlog(db, filters)],
  ["trial-date-certainty", () => measures.trialDateCertainty(db, filters)],
  ["continuances", () => measures.continuances(db, filters)],
  ["caseflow (month)", () => measures.caseflow(db, filters, "month")],
  ["judge-workload", () => measures.judgeWorkload(db, filters)],
  ["summary", () => measures.summary(db, filters)],
];

const fmt = (v: number) => v.toFixed(1).padStart(8);

const [{ n } = { n: 0 }] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from cases`));
console.log(`${n} cases; ${filters.from} .. ${filters.to}, asOf ${filters.asOf}; ${runs} runs per measure`);
console.log(`${"measure".padEnd(26)}  p50 ms   p95 ms   max ms  p95 vs baseline`);
let baseline = 0;
for (const [name, run] of cases) {
  const t = await timeRuns(name, runs, async () => {
    await run();
  });
  baseline ||= t.p95Ms;
  const ratio = `${((100 * t.p95Ms) / baseline).toFixed(0)}%`.padStart(9);
  console.log(`${name.padEnd(26)}${fmt(t.p50Ms)} ${fmt(t.p95Ms)} ${fmt(t.maxMs)} ${ratio}`);
}

if (args.refresh) {
  const size = Number(args.refresh);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ids = rowsOf<{ id: number }>(
      await db.execute(sql`select id from cases order by random() limit ${size}`),
    ).map((r) => Number(r.id));
    const t0 = performance.now();
    await refreshMeasureRollups(db, { caseIds: ids });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`refresh of ${size} random cases: median ${fmt(times[2]!)} ms, max ${fmt(times[4]!)} ms`);
}
await handle.close();
