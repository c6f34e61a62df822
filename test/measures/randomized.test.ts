// Property test: on random case histories (including contradictory event orders and same-day
// events), every measure computed through the rollups equals the naive reference implementation,
// for random ranges, dates and filters, on PostgreSQL and on PGlite, and stays equal after random
// edits brought in by refreshMeasureRollups({ caseIds }) and ({ courtIds }).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, inArray, sql } from "drizzle-orm";
import { type DbHandle, rowsOf } from "../../src/db/client";
import { caseActivities, cases } from "../../src/db/schema";
import type { ActivityType, CaseType, Disposition, Outcome } from "../../src/db/schema/enums";
import { addDays } from "../../src/lib/dates";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import * as measures from "../../src/modules/measures/measures.service";
import type { Granularity, MeasureFilters } from "../../src/modules/measures/measures.types";
import * as ref from "./reference";
import { type Fixture, type FixtureActivity, loadFixture, TARGETS } from "./targets";

function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
type Rng = ReturnType<typeof rng>;

const TYPES: CaseType[] = ["felony", "misdemeanor", "traffic", "post_conviction", "probate"];
const DISPOSITIONS: (Disposition | null)[] = ["jury_trial", "bench_trial", "plea", "dismissed", null];
const OUTCOMES: (Outcome | null)[] = ["held", "continued", "vacated", "cancelled", null];
// Court tree: 1 STATE → 2 D1 → 4 D1-L; 1 → 3 D2.
const SUBTREES: (number[] | null)[] = [null, [1, 2, 3, 4], [2, 4], [3], [4], []];

/** A plausible life cycle with noise: gaps of 0 days (same-day events) and random event types. */
function caseHistory(r: Rng, caseId: number, filedOn: string): FixtureActivity[] {
  const out: FixtureActivity[] = [{ caseId, type: "filed", occurredOn: filedOn }];
  let state: "active" | "inactive" | "disposed" = "active";
  let day = filedOn;
  const steps = r.int(0, 6);
  for (let i = 0; i < steps; i++) {
    day = addDays(day, r.pick([0, 0, 1, 3, 10, 30, 45, 90, 200]));
    let type: ActivityType;
    if (r.chance(0.1)) type = r.pick(["filed", "reopened", "reactivated", "placed_inactive", "disposed"]);
    else if (state === "active") type = r.pick(["placed_inactive", "disposed", "disposed"]);
    else if (state === "inactive") type = r.pick(["reactivated", "disposed"]);
    else type = "reopened";
    state = type === "placed_inactive" ? "inactive" : type === "disposed" ? "disposed" : "active";
    if (!out.some((a) => a.type === type && a.occurredOn === day))
      out.push({ caseId, type, occurredOn: day });
  }
  for (let i = r.int(0, 4); i > 0; i--)
    out.push({
      caseId,
      type: r.pick(["hearing", "trial_setting", "trial_setting", "motion"]),
      occurredOn: addDays(filedOn, r.int(0, 400)),
      outcome: r.pick(OUTCOMES),
    });
  return out;
}

function randomFixture(seed: number, n: number): Fixture {
  const r = rng(seed);
  const fx: Fixture = {
    courts: [
      { id: 1, code: "STATE", level: "supreme", parentId: null },
      { id: 2, code: "D1", level: "trial", parentId: 1 },
      { id: 3, code: "D2", level: "trial", parentId: 1 },
      { id: 4, code: "D1-L", level: "limited", parentId: 2 },
    ],
    judges: [1, 2, 3, 4].map((id) => ({ id, code: `J${5 - id}`, name: `Judge ${id}`, courtId: r.int(1, 4) })),
    cases: [],
    activities: [],
    // No standard for probate: its pending cases can never be backlog.
    standards: [
      { caseType: "felony", percent: 75, days: 90 },
      { caseType: "felony", percent: 90, days: 180 },
      { caseType: "felony", percent: 98, days: 365 },
      { caseType: "misdemeanor", percent: 90, days: 90 },
      { caseType: "misdemeanor", percent: 98, days: 180 },
      { caseType: "traffic", percent: 90, days: 30 },
      { caseType: "post_conviction", percent: 98, days: 180 },
    ],
  };
  for (let id = 1; id <= n; id++) {
    const filedOn = addDays("2022-01-01", r.int(0, 900));
    fx.cases.push({
      id,
      courtId: r.int(1, 4),
      caseType: r.pick(TYPES),
      judgeId: r.chance(0.2) ? null : r.int(1, 4),
      disposition: r.pick(DISPOSITIONS),
      filedOn,
    });
    fx.activities.push(...caseHistory(r, id, filedOn));
  }
  return fx;
}

function randomFilters(r: Rng): { f: MeasureFilters; g: Granularity } {
  const from = addDays("2021-11-01", r.int(0, 1100));
  const to = r.chance(0.1) ? from : addDays(from, r.int(0, r.chance(0.5) ? 120 : 800));
  const f: MeasureFilters = {
    from,
    to,
    asOf: r.chance(0.5) ? to : addDays("2022-01-01", r.int(-30, 1200)),
    courtIds: r.pick(SUBTREES),
  };
  if (r.chance(0.3)) f.caseType = r.pick(TYPES);
  if (r.chance(0.3)) f.judgeId = r.int(1, 4);
  return { f, g: r.pick(["month", "quarter", "year", "total"] as const) };
}

async function expectSame(db: DbHandle["db"], model: ref.RefModel, f: MeasureFilters, g: Granularity) {
  const label = JSON.stringify({ ...f, g });
  expect({ label, v: await measures.clearance(db, f, g) }).toEqual({
    label,
    v: ref.refClearance(model, f, g),
  });
  expect({ label, v: await measures.caseflow(db, f, g) }).toEqual({ label, v: ref.refCaseflow(model, f, g) });
  expect({ label, v: await measures.timeToDisposition(db, f) }).toEqual({
    label,
    v: ref.refTimeToDisposition(model, f),
  });
  expect({ label, v: await measures.pendingAge(db, f) }).toEqual({ label, v: ref.refPendingAge(model, f) });
  expect({ label, v: await measures.backlog(db, f) }).toEqual({ label, v: ref.refBacklog(model, f) });
  expect({ label, v: await measures.trialDateCertainty(db, f) }).toEqual({
    label,
    v: ref.refTrialDateCertainty(model, f),
  });
  expect({ label, v: await measures.continuances(db, f) }).toEqual({
    label,
    v: ref.refContinuances(model, f),
  });
  expect({ label, v: await measures.judgeWorkload(db, f) }).toEqual({
    label,
    v: ref.refJudgeWorkload(model, f),
  });
  expect({ label, v: await measures.summary(db, f) }).toEqual({ label, v: ref.refSummary(model, f) });
}

function modelOf(fx: Fixture): ref.RefModel {
  const standards: ref.RefModel["standards"] = {};
  for (const s of fx.standards) {
    standards[s.caseType] = [...(standards[s.caseType] ?? []), { percent: s.percent, days: s.days }];
  }
  return {
    cases: fx.cases.map((c) => ({ ...c })),
    activities: fx.activities.map((a) => ({ ...a, outcome: a.outcome ?? null })),
    judges: fx.judges,
    standards,
  };
}

for (const target of TARGETS) {
  (target.available() ? describe : describe.skip)(`measures vs the reference on ${target.name}`, () => {
    let handle: DbHandle;
    const fx = randomFixture(20240601, 250);
    const model = modelOf(fx);
    beforeAll(async () => {
      handle = await target.open();
      await loadFixture(handle.db, fx);
      await refreshMeasureRollups(handle.db, {});
    });
    afterAll(async () => {
      await handle?.close();
    });

    test("random ranges and filters match after a full rebuild", async () => {
      const r = rng(7);
      for (let i = 0; i < 25; i++) {
        const { f, g } = randomFilters(r);
        await expectSame(handle.db, model, f, g);
      }
    }, 120_000);

    test("random edits refreshed by case ids and by court ids keep matching", async () => {
      const r = rng(11);
      const db = handle.db;
      for (let round = 0; round < 3; round++) {
        const touched = new Set<number>();
        const movedFrom = new Set<number>();
        for (let k = 0; k < 8; k++) {
          const c = r.pick(model.cases);
          touched.add(c.id);
          const edit = r.int(0, 4);
          if (edit === 0) {
            // Drop one activity.
            const mine = model.activities.filter((a) => a.caseId === c.id);
            const victim = mine.length ? r.pick(mine) : null;
            if (victim) {
              model.activities.splice(model.activities.indexOf(victim), 1);
              await db
                .delete(caseActivities)
                .where(
                  sql`${caseActivities.caseId} = ${c.id} and ${caseActivities.type} = ${victim.type} and ${caseActivities.occurredOn} = ${victim.occurredOn}`,
                );
            }
          } else if (edit === 1) {
            const extra = caseHistory(r, c.id, addDays("2022-06-01", r.int(0, 700))).filter(
              (a) =>
                !model.activities.some(
                  (b) => b.caseId === a.caseId && b.type === a.type && b.occurredOn === a.occurredOn,
                ),
            );
            model.activities.push(...extra.map((a) => ({ ...a, outcome: a.outcome ?? null })));
            const [{ courtId } = { courtId: 1 }] = await db
              .select({ courtId: cases.courtId })
              .from(cases)
              .where(eq(cases.id, c.id));
            if (extra.length)
              await db
                .insert(caseActivities)
                .values(extra.map((a) => ({ ...a, courtId, outcome: a.outcome ?? null })));
          } else if (edit === 2) {
            c.judgeId = r.chance(0.3) ? null : r.int(1, 4);
            c.caseType = r.pick(TYPES);
            await db
              .update(cases)
              .set({ judgeId: c.judgeId, caseType: c.caseType })
              .where(eq(cases.id, c.id));
          } else if (edit === 3) {
            movedFrom.add(c.courtId);
            c.courtId = r.int(1, 4);
            await db.update(cases).set({ courtId: c.courtId }).where(eq(cases.id, c.id));
          } else {
            c.disposition = r.pick(DISPOSITIONS);
            await db.update(cases).set({ disposition: c.disposition }).where(eq(cases.id, c.id));
          }
        }
        if (round === 1) {
          // By courts: the courts the cases are in now and the courts they left.
          const courtIds = await db
            .selectDistinct({ id: cases.courtId })
            .from(cases)
            .where(inArray(cases.id, [...touched]));
          await refreshMeasureRollups(db, {
            courtIds: [...new Set([...courtIds.map((x) => x.id), ...movedFrom])],
          });
        } else {
          await refreshMeasureRollups(db, { caseIds: [...touched] });
        }
        for (let i = 0; i < 8; i++) {
          const { f, g } = randomFilters(r);
          await expectSame(db, model, f, g);
        }
      }
    }, 180_000);

    test("an edited time standard counts at once (from the spans), and after refreshing its case types from the rollups", async () => {
      const db = handle.db;
      const r = rng(23);
      const check = async () => {
        for (let i = 0; i < 6; i++) {
          const { f } = randomFilters(r);
          expect(await measures.backlog(db, f)).toEqual(ref.refBacklog(model, f));
          expect(await measures.summary(db, f)).toEqual(ref.refSummary(model, f));
        }
      };
      // felony's largest tier 365 → 200; misdemeanor loses its standard; probate gets one.
      await db.execute(sql`update time_standards set days = 200 where case_type = 'felony' and percent = 98`);
      await db.execute(sql`delete from time_standards where case_type = 'misdemeanor'`);
      await db.execute(
        sql`insert into time_standards (case_type, percent, days) values ('probate', 98, 400)`,
      );
      model.standards.felony = model.standards.felony!.map((t) =>
        t.percent === 98 ? { ...t, days: 200 } : t,
      );
      delete model.standards.misdemeanor;
      model.standards.probate = [{ percent: 98, days: 400 }];
      await check();
      const refreshed = await refreshMeasureRollups(db, { caseTypes: ["felony", "misdemeanor", "probate"] });
      expect(refreshed.cases).toBe(
        model.cases.filter((c) => ["felony", "misdemeanor", "probate"].includes(c.caseType)).length,
      );
      const recorded = rowsOf<{ case_type: string; days: number }>(
        await db.execute(sql`select case_type::text, days from measure_backlog_standards order by 1`),
      );
      expect(recorded).toEqual([
        { case_type: "felony", days: 200 },
        { case_type: "post_conviction", days: 180 },
        { case_type: "probate", days: 400 },
        { case_type: "traffic", days: 30 },
      ]);
      await check();
    }, 120_000);

    test("after the incremental refreshes the rollups equal a full rebuild, with no zero rows left", async () => {
      const db = handle.db;
      const snapshot = async () => {
        const out: Record<string, unknown[]> = {};
        for (const table of [
          "measure_counts",
          "measure_ttd_hist",
          "measure_case_days",
          "measure_pending_spans",
          "measure_dispositions",
        ])
          out[table] = rowsOf(
            await db.execute(sql.raw(`select * from ${table} order by ${"1, 2, 3, 4, 5"}`)),
          ).map((r) => JSON.stringify(r));
        return out;
      };
      const incremental = await snapshot();
      await refreshMeasureRollups(db, {});
      const rebuilt = await snapshot();
      for (const table of Object.keys(rebuilt))
        expect({ table, rows: incremental[table] }).toEqual({ table, rows: rebuilt[table] });
      expect(incremental.measure_counts!.length).toBeGreaterThan(0);
    }, 60_000);
  });
}
