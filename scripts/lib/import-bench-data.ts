import { CASE_TYPES, DISPOSITIONS } from "../../src/db/schema/enums";
import { createPrng } from "../../src/db/seed/prng";

// Deterministic import files for the benchmark: the same seed gives the same bytes on every machine.
// Every case gets exactly `activitiesPerCase` activities: its `filed` event (which takes over the
// event derived from the cases file), a hearing, and then its `disposed` event (again a derived one)
// or further court events — the mix of the real daily extract.

export const BENCH_COURTS = Array.from({ length: 12 }, (_, i) => `B${String(i + 1).padStart(2, "0")}`);
export const BENCH_JUDGES = Array.from({ length: 60 }, (_, i) => `BJ${String(i + 1).padStart(3, "0")}`);

/** The judges whose home court is `court` (the bench seed gives judge i the court i mod 12). */
export function benchJudgesOf(court: string): string[] {
  const c = BENCH_COURTS.indexOf(court);
  return BENCH_JUDGES.filter((_, i) => i % BENCH_COURTS.length === c);
}

const DAY_MS = 86_400_000;
const START = Date.UTC(2022, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Writes cases.csv and activities.csv with a buffered writer; returns their sizes. */
export async function writeBenchFiles(
  dir: string,
  opts: {
    cases: number;
    activitiesPerCase: number;
    seed: number;
    /** Courts the cases are spread over (default: every bench court). */
    courts?: readonly string[];
    /** Judges the cases are given (default: every bench judge). */
    judges?: readonly string[];
    /**
     * Case numbers are `<prefix>-0000001`… and source ids `<prefix>-S1`…: distinct prefixes keep the
     * cases and activities of several files apart (a court's source ids are unique across its files).
     */
    numberPrefix?: string;
  },
): Promise<{ casesPath: string; activitiesPath: string; bytes: number }> {
  const rng = createPrng(opts.seed);
  const casesPath = `${dir}/cases.csv`;
  const activitiesPath = `${dir}/activities.csv`;
  const cases = Bun.file(casesPath).writer({ highWaterMark: 1 << 20 });
  const activities = Bun.file(activitiesPath).writer({ highWaterMark: 1 << 20 });
  cases.write(
    "court_code,case_number,case_type,filed_on,status,status_on,judge_code,disposed_on,disposition\n",
  );
  activities.write("source_id,court_code,case_number,type,occurred_on,outcome,judge_code,notes\n");
  let source = 0;
  const sourcePrefix = opts.numberPrefix ? `${opts.numberPrefix}-S` : "S";
  for (let i = 0; i < opts.cases; i++) {
    const courts = opts.courts ?? BENCH_COURTS;
    const court = courts[i % courts.length]!;
    const number = `${opts.numberPrefix ?? "BN"}-${String(i).padStart(7, "0")}`;
    const type = rng.pick(CASE_TYPES);
    const filed = START + rng.int(0, 1300) * DAY_MS;
    const judge = rng.chance(0.9) ? rng.pick(opts.judges ?? BENCH_JUDGES) : "";
    const disposed = rng.chance(0.55) ? filed + rng.int(5, 500) * DAY_MS : null;
    const status = disposed ? "disposed" : rng.chance(0.08) ? "inactive" : "active";
    const disposition = disposed ? rng.pick(DISPOSITIONS) : "";
    cases.write(
      `${court},${number},${type},${iso(filed)},${status},,${judge},${disposed ? iso(disposed) : ""},${disposition}\n`,
    );
    const events: string[] = [];
    events.push(`${court},${number},filed,${iso(filed)},,${judge},`);
    events.push(
      `${court},${number},hearing,${iso(filed + 14 * DAY_MS)},${rng.pick(["held", "continued"])},${judge},"first appearance, ${type}"`,
    );
    for (let k = 2; k < opts.activitiesPerCase; k++) {
      if (k === opts.activitiesPerCase - 1 && disposed)
        events.push(`${court},${number},disposed,${iso(disposed)},,${judge},`);
      else
        events.push(
          `${court},${number},${rng.pick(["motion", "order", "trial_setting"])},${iso(filed + (20 + k) * DAY_MS)},,${judge},`,
        );
    }
    for (const e of events) activities.write(`${sourcePrefix}${++source},${e}\n`);
  }
  await cases.end();
  await activities.end();
  return { casesPath, activitiesPath, bytes: Bun.file(casesPath).size + Bun.file(activitiesPath).size };
}
