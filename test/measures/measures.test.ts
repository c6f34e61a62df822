// Every measure on the hand-made fixture of ./fixture.ts (44 cases), with each figure worked out by
// hand below, on PostgreSQL and on PGlite, and the two must agree to the last decimal.
//
// Period P = 2024-01-01 .. 2024-06-30 (both included, 182 days), asOf = 2024-06-30.
// Day counts used throughout (2024 is a leap year): Jan 1 → Jun 30 = 181 days; 2023-01-01 →
// 2024-01-01 = 365; 2023-06-30 → 2024-06-30 = 366 (it spans 2024-02-29).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import type { DbHandle } from "../../src/db/client";
import { caseActivities, cases } from "../../src/db/schema";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import * as measures from "../../src/modules/measures/measures.service";
import type { MeasureFilters } from "../../src/modules/measures/measures.types";
import { FIXTURE } from "./fixture";
import { loadFixture, TARGETS } from "./targets";

const P: MeasureFilters = { from: "2024-01-01", to: "2024-06-30", asOf: "2024-06-30", courtIds: null };
const D1_SUBTREE = [2, 4];

/** Trial date certainty's distribution: cases with 0, 1, 2, 3 and 4+ settings. */
const settings = (...counts: number[]) =>
  ["0", "1", "2", "3", "4+"].map((label, i) => ({ label, count: counts[i] ?? 0 }));

// ---- Clearance, P, all courts. Status events per month (f filed, r reopened, a reactivated;
// i placed_inactive, d disposed; Cn = case n):
//   Jan in: C1f C2f C7f C13f C31f C32f = 6       out: C1d C8i C22d C28d(Jan 1 = from) C41d C42d = 6
//   Feb in: C6f C11r C22r C23f C40f = 5          out: C3d C7i C10d C13d C15d = 5
//   Mar in: C7a C9f C36f C37a = 4                out: C2d C11d C14d C20d C21d C22d C36d C40d = 8
//   Apr in: C13r C38f C44f = 3                   out: C4d C7d C9i C17d = 4
//   May in: C9a C12r C33f C34f C35f = 5          out: C13i C16d C39d = 3
//   Jun in: C13a C26f(Jun 30 = to) C43f = 3      out: C5d C13d C18d C33d (Jun 30) C38d C43d = 6
// Left out: C25f 2023-12-31 (the day before from); C6d C19d C25d C27f on 2024-07-01 (the day after to).
const CLEARANCE_BY_MONTH = [
  { period: "2024-01", incoming: 6, outgoing: 6, clearanceRate: 100 },
  { period: "2024-02", incoming: 5, outgoing: 5, clearanceRate: 100 },
  { period: "2024-03", incoming: 4, outgoing: 8, clearanceRate: 200 },
  { period: "2024-04", incoming: 3, outgoing: 4, clearanceRate: 133.33 }, // 4/3 = 1.3333…
  { period: "2024-05", incoming: 5, outgoing: 3, clearanceRate: 60 },
  { period: "2024-06", incoming: 3, outgoing: 6, clearanceRate: 200 },
];
// Q1: 6+5+4 = 15 in, 6+5+8 = 19 out → 126.67 (1.26666…); Q2: 3+5+3 = 11 in, 4+3+6 = 13 out → 118.18.
// Total: 26 in, 32 out → 32/26 = 1.230769… → 123.08.
const CLEARANCE_TOTAL = { incoming: 26, outgoing: 32, clearanceRate: 123.08 };

// ---- Active pending at the end of a day (latest status event filed/reopened/reactivated).
// At 2023-12-31: C3 C4 C5 C8 C14 C15 C16 C17 C18 C19 C20 C21 C22 C24 C25 (filed that day) C28 C29 C30
// C39 C41 C42 = 21 (C10 and C37 are inactive, C11 and C12 disposed in 2023).
// At 2024-03-31: C4 C5 C6 C7 C9 C16 C17 C18 C19 C23 C24 C25 C29 C30 C31 C32 C37 C39 = 18
// (Q1: 21 + 15 − 19 = 17, plus C10 disposed while inactive: outgoing without leaving the caseload).
// At 2024-06-30 (asOf), with ages = asOf − start − inactive days:
//   C6  felony   filed 02-01              → Feb 1→Mar 1 29 + Mar 1→Jun 30 121            = 150
//   C9  felony   filed 03-01, inactive 04-01→05-01 (30)  → 121 − 30                      =  91
//   C12 misd.    reopened 05-01 (start)   → May 1→Jun 30 = 30 + 30                        =  60
//   C19 civil    filed 2023-12-15         → 17 + 181                                      = 198
//   C23 misd.    filed 02-01                                                              = 150
//   C24 probate  filed 2022-01-01         → 365 + 365 + 181                               = 911
//   C25 felony   filed 2023-12-31         → 1 + 181                                       = 182
//   C26 felony   filed 06-30 (= asOf)                                                     =   0
//   C29 felony   filed 2023-01-01         → 365 + 181                                     = 546
//   C30 misd.    filed 2023-12-01         → 31 + 181                                      = 212
//   C31 misd.    filed 01-02              → 181 − 1                                       = 180
//   C32 misd.    filed 01-01                                                              = 181
//   C34 felony   filed 05-31              → 1 + 29                                        =  30
//   C35 felony   filed 05-30                                                              =  31
//   C37 civil    filed 2023-07-01 (→ asOf 365), inactive 2023-09-01→2024-03-01
//                (Sep 30 + Oct 31 + Nov 30 + Dec 31 + Jan 31 + Feb 29 = 182)  → 365 − 182 = 183
//   C44 felony   filed 04-20              → 10 + 31 + 30                                  =  71
// Not pending at asOf: C5 C18 C33 disposed on 06-30 itself, C8 inactive, C27 filed 07-01.
// 16 cases. Sorted: 0 30 31 60 71 91 150 150 | 180 181 182 183 198 212 546 911 → median (150+180)/2 = 165.

// ---- Time to disposition: disposed events in P, days = disposed − start − inactive.
//  felony:  C1 30 (Jan 1→31) · C2 60 (21+29+10) · C3 90 (31+31+28) · C4 183 (Oct..Mar: 31+30+31+31+29+31)
//           · C5 366 · C7 72 (Jan 5→Apr 15 = 27+29+31+14 = 101, minus inactive Feb 1→Mar 1 = 29)
//           · C10 31 (filed 2023-05-01, inactive from 2023-06-01 to the disposal with no reactivation:
//             days = disposal − start − (disposal − 2023-06-01) = 31) · C28 579 (2022-06-01 → 2023-06-01
//             365 + → 2024-01-01 214) · C33 60 (30+30) · C36 0 (same day) · C43 28
//    sorted 0 28 30 31 60 60 72 90 183 366 579 (n 11): sum 1499 → mean 136.27; median 6th = 60;
//    p90 = ⌈9.9⌉ = 10th = 366; ≤90: 8 → 72.73; ≤180: 8 → 72.73; ≤365: 9 → 81.82.
//  misdemeanor: C11 30 (start = reopened 02-01 → Mar 2: 29+1) · C13 30 (Jan 20→Feb 19: 12+18) ·
//           C13 40 (start = reopened 04-01 → Jun 11 = 30+31+10 = 71, minus inactive May 1→Jun 1 = 31) ·
//           C40 20 (Feb 10→Mar 1: 19+1) · C41 60 (30+30) · C42 122 (31+30+31+30)
//    sorted 20 30 30 40 60 122 (n 6): sum 302 → 50.33; median (30+40)/2 = 35; p90 = ⌈5.4⌉ = 6th = 122;
//    ≤60: 5 → 83.33; ≤90: 5 → 83.33; ≤180: 6 → 100.
//  civil_general: C14 201 (Sep..Feb 182 + 19) · C15 127 (31+30+31+31 + 4) · C16 274 · C17 316 (305+11)
//           · C18 242 (30+31 + 181) · C20 102 (11+31+31+29) · C21 143 (17+30+31+31+29 + 5) · C22 42
//           (31+11) · C22 33 (start = reopened 02-01 → Mar 5: 29+4) · C38 75 (30+31+14) · C39 516 (365+151)
//    sorted 33 42 75 102 127 143 201 242 274 316 516 (n 11): sum 2071 → 188.27; median 143; p90 316;
//    ≤180: 6 → 54.55; ≤365: 10 → 90.91; ≤540: 11 → 100.
//  all: n 28, sum 1499+302+2071 = 3872 → 138.29; merged order
//    0 20 28 30 30 30 31 33 40 42 60 60 60 [72 75] 90 102 122 127 143 183 201 242 274 316 366 516 579
//    → median (72+75)/2 = 73.5; p90 = ⌈25.2⌉ = 26th = 366.
// Left out: C6 C19 C25 disposed 07-01; C11 and C12 disposed in 2023.

// ---- Trial date certainty: cases disposed by jury/bench trial in P, settings on or before the
// (last in P) disposed event: C14 2 · C15 1 · C16 0 · C17 4 (2023-12-01 counts: on or before) ·
// C18 2 (07-15 is after) · C21 3 · C22 2 (disposed twice in P: counted once, at 03-05).
// C19 is disposed 07-01 (out); C20 is settled. → 7 cases; first-setting 1/(7−1) = 16.67;
// mean (2+1+0+4+2+3+2)/7 = 14/7 = 2.

// ---- Continuances: hearing and trial_setting events in P with an outcome (continued):
// settings C14 2 (1) · C15 1 (0) · C17 3 (2) [2023-12-01 out] · C18 2 (0) [07-15 has none] · C19 1 (1)
// · C20 1 (0) · C21 3 (2) · C22 2 (0) · C44 1 (1) = 16 (7); hearings C23 3 (2) [05-15 has none] ·
// C24 1 (1) [06-30 in; 2023-12-31 and 07-01 out] = 4 (3). Total 20 events, 10 continued → 50.

describe.each(TARGETS.filter((t) => t.available()).map((t) => [t.name, t] as const))(
  "measures on %s",
  (_, target) => {
    let handle: DbHandle;
    beforeAll(async () => {
      handle = await target.open();
      await loadFixture(handle.db, FIXTURE);
      await refreshMeasureRollups(handle.db, {});
    });
    afterAll(async () => {
      await handle?.close();
    });
    const db = () => handle.db;

    test("clearance per month, quarter and in total", async () => {
      const total = { granularity: "month", data: CLEARANCE_BY_MONTH, total: CLEARANCE_TOTAL };
      expect(await measures.clearance(db(), P, "month")).toEqual(total as never);
      expect(await measures.clearance(db(), P, "quarter")).toEqual({
        granularity: "quarter",
        data: [
          { period: "2024-Q1", incoming: 15, outgoing: 19, clearanceRate: 126.67 },
          { period: "2024-Q2", incoming: 11, outgoing: 13, clearanceRate: 118.18 },
        ],
        total: CLEARANCE_TOTAL,
      });
      expect(await measures.clearance(db(), P, "year")).toEqual({
        granularity: "year",
        data: [{ period: "2024", ...CLEARANCE_TOTAL }],
        total: CLEARANCE_TOTAL,
      });
      expect(await measures.clearance(db(), P, "total")).toEqual({
        granularity: "total",
        data: [{ period: "total", ...CLEARANCE_TOTAL }],
        total: CLEARANCE_TOTAL,
      });
    });

    test("an empty period has zeros and null rates in every period", async () => {
      const empty = { ...P, from: "2025-01-01", to: "2025-03-31", asOf: "2025-03-31" };
      expect(await measures.clearance(db(), empty, "month")).toEqual({
        granularity: "month",
        data: ["2025-01", "2025-02", "2025-03"].map((period) => ({
          period,
          incoming: 0,
          outgoing: 0,
          clearanceRate: null,
        })),
        total: { incoming: 0, outgoing: 0, clearanceRate: null },
      });
      expect(await measures.timeToDisposition(db(), empty)).toEqual({
        data: [],
        total: { count: 0, meanDays: null, medianDays: null, p90Days: null },
      });
      expect(await measures.continuances(db(), empty)).toEqual({
        events: 0,
        continued: 0,
        continuanceRate: null,
      });
      expect(await measures.trialDateCertainty(db(), empty)).toEqual({
        casesTried: 0,
        distribution: settings(0, 0, 0, 0, 0),
        firstSettingRate: null,
        meanSettings: null,
      });
    });

    test("from, to and a one-day range include both ends", async () => {
      // 2024-06-30 alone: in C26f; out C5d C18d C33d → 3/1 = 300.
      const lastDay = { ...P, from: "2024-06-30", to: "2024-06-30" };
      expect((await measures.clearance(db(), lastDay, "total")).total).toEqual({
        incoming: 1,
        outgoing: 3,
        clearanceRate: 300,
      });
      // 2024-01-01 alone: in C1f C32f; out C28d → 1/2 = 50.
      const firstDay = { ...P, from: "2024-01-01", to: "2024-01-01" };
      expect((await measures.clearance(db(), firstDay, "total")).total).toEqual({
        incoming: 2,
        outgoing: 1,
        clearanceRate: 50,
      });
      // The day before from: C25f only → 0/1 = 0. The day after to: C27f in; C6 C19 C25 out → 300.
      const before = { ...P, from: "2023-12-31", to: "2023-12-31" };
      expect((await measures.clearance(db(), before, "total")).total).toEqual({
        incoming: 1,
        outgoing: 0,
        clearanceRate: 0,
      });
      const after = { ...P, from: "2024-07-01", to: "2024-07-01" };
      expect((await measures.clearance(db(), after, "total")).total).toEqual({
        incoming: 1,
        outgoing: 3,
        clearanceRate: 300,
      });
      // Dispositions on 2024-06-30: C5 366, C18 242, C33 60 → sorted 60 242 366, median 242, mean 668/3.
      expect((await measures.timeToDisposition(db(), lastDay)).total).toEqual({
        count: 3,
        meanDays: 222.67,
        medianDays: 242,
        p90Days: 366,
      });
    });

    test("court hierarchy, judge and case type filters on clearance", async () => {
      // D1 and its child D1-L (cases 1–10, 21–23, 28, 29, 31, 32, 36, 38–40, 44):
      //   Jan in C1 C2 C7f C31 C32 = 5, out C1 C8i C22 C28 = 4 → 80
      //   Feb in C6 C22r C23 C40 = 4, out C3 C7i C10 = 3 → 75
      //   Mar in C7a C9f C36 = 3, out C2 C21 C22 C36 C40 = 5 → 166.67
      //   Apr in C38 C44 = 2, out C4 C7d C9i = 3 → 150
      //   May in C9a = 1, out C39 = 1 → 100
      //   Jun in 0, out C5 C38 = 2 → null (no incoming)
      //   total 15 in, 18 out → 120
      const d1 = { ...P, courtIds: D1_SUBTREE };
      expect(await measures.clearance(db(), d1, "month")).toEqual({
        granularity: "month",
        data: [
          { period: "2024-01", incoming: 5, outgoing: 4, clearanceRate: 80 },
          { period: "2024-02", incoming: 4, outgoing: 3, clearanceRate: 75 },
          { period: "2024-03", incoming: 3, outgoing: 5, clearanceRate: 166.67 },
          { period: "2024-04", incoming: 2, outgoing: 3, clearanceRate: 150 },
          { period: "2024-05", incoming: 1, outgoing: 1, clearanceRate: 100 },
          { period: "2024-06", incoming: 0, outgoing: 2, clearanceRate: null },
        ],
        total: { incoming: 15, outgoing: 18, clearanceRate: 120 },
      });
      // Judge J3 (C7–C10, C31, C32): Jan 3/1 · Feb 0/2 · Mar 2/0 · Apr 0/2 · May 1/0 · Jun 0/0;
      // total 6 in, 5 out → 83.33.
      expect(await measures.clearance(db(), { ...P, judgeId: 3 }, "month")).toEqual({
        granularity: "month",
        data: [
          { period: "2024-01", incoming: 3, outgoing: 1, clearanceRate: 33.33 },
          { period: "2024-02", incoming: 0, outgoing: 2, clearanceRate: null },
          { period: "2024-03", incoming: 2, outgoing: 0, clearanceRate: 0 },
          { period: "2024-04", incoming: 0, outgoing: 2, clearanceRate: null },
          { period: "2024-05", incoming: 1, outgoing: 0, clearanceRate: 0 },
          { period: "2024-06", incoming: 0, outgoing: 0, clearanceRate: null },
        ],
        total: { incoming: 6, outgoing: 5, clearanceRate: 83.33 },
      });
      // Misdemeanor: in C13f C31 C32 (Jan), C11r C23 C40 (Feb), C13r, C12r, C13a = 9;
      // out C41 C42 (Jan), C13d (Feb), C11d C40 (Mar), C13i (May), C13d (Jun) = 7 → 77.78.
      expect((await measures.clearance(db(), { ...P, caseType: "misdemeanor" }, "total")).total).toEqual({
        incoming: 9,
        outgoing: 7,
        clearanceRate: 77.78,
      });
      // D1-L alone, judge J1: no case → zeros; nothing visible ([]) → zeros.
      expect((await measures.clearance(db(), { ...P, courtIds: [4], judgeId: 1 }, "total")).total).toEqual({
        incoming: 0,
        outgoing: 0,
        clearanceRate: null,
      });
      expect((await measures.clearance(db(), { ...P, courtIds: [] }, "total")).total).toEqual({
        incoming: 0,
        outgoing: 0,
        clearanceRate: null,
      });
    });

    test("time to disposition per case type and in total", async () => {
      expect(await measures.timeToDisposition(db(), P)).toEqual({
        data: [
          {
            caseType: "felony",
            count: 11,
            meanDays: 136.27,
            medianDays: 60,
            p90Days: 366,
            withinStandard: [
              { percent: 75, days: 90, withinRate: 72.73 },
              { percent: 90, days: 180, withinRate: 72.73 },
              { percent: 98, days: 365, withinRate: 81.82 },
            ],
          },
          {
            caseType: "misdemeanor",
            count: 6,
            meanDays: 50.33,
            medianDays: 35,
            p90Days: 122,
            withinStandard: [
              { percent: 75, days: 60, withinRate: 83.33 },
              { percent: 90, days: 90, withinRate: 83.33 },
              { percent: 98, days: 180, withinRate: 100 },
            ],
          },
          {
            caseType: "civil_general",
            count: 11,
            meanDays: 188.27,
            medianDays: 143,
            p90Days: 316,
            withinStandard: [
              { percent: 75, days: 180, withinRate: 54.55 },
              { percent: 90, days: 365, withinRate: 90.91 },
              { percent: 98, days: 540, withinRate: 100 },
            ],
          },
        ],
        total: { count: 28, meanDays: 138.29, medianDays: 73.5, p90Days: 366 },
      });
    });

    test("time to disposition with judge and court filters", async () => {
      // J3: C7 72, C10 31 → mean = median = 51.5; p90 = ⌈1.8⌉ = 2nd = 72; all within every felony tier.
      const j3 = await measures.timeToDisposition(db(), { ...P, judgeId: 3 });
      expect(j3.total).toEqual({ count: 2, meanDays: 51.5, medianDays: 51.5, p90Days: 72 });
      expect(j3.data.map((d) => [d.caseType, d.withinStandard.map((w) => w.withinRate)])).toEqual([
        ["felony", [100, 100, 100]],
      ]);
      // Every court listed is the same as no court filter (the root's subtree).
      const all = await measures.timeToDisposition(db(), { ...P, courtIds: [1, 2, 3, 4] });
      expect(all).toEqual(await measures.timeToDisposition(db(), P));
      // D2 (cases 11–20, 24–27, 30, 33–35, 37, 41–43): felony C33 60, C43 28; misdemeanor C11 30,
      // C13 30 and 40, C41 60, C42 122; civil C14 201, C15 127, C16 274, C17 316, C18 242, C20 102.
      // n 13; sorted 28 30 30 40 60 60 [102] 122 127 201 242 274 316 → median 102; sum
      // 88 + 282 + 1262 = 1632 → 125.54; p90 = ⌈11.7⌉ = 12th = 274.
      expect((await measures.timeToDisposition(db(), { ...P, courtIds: [3] })).total).toEqual({
        count: 13,
        meanDays: 125.54,
        medianDays: 102,
        p90Days: 274,
      });
    });

    test("age of the active pending caseload at asOf", async () => {
      expect(await measures.pendingAge(db(), P)).toEqual({
        activePending: 16,
        medianAgeDays: 165,
        // 0-30: C26 0, C34 30 · 31-60: C35 31, C12 60 · 61-90: C44 71 · 91-180: C9 91, C6 150, C23 150,
        // C31 180 · 181-365: C32 181, C25 182, C37 183, C19 198, C30 212 · 366+: C29 546, C24 911.
        buckets: [
          { label: "0-30", count: 2 },
          { label: "31-60", count: 2 },
          { label: "61-90", count: 1 },
          { label: "91-180", count: 4 },
          { label: "181-365", count: 5 },
          { label: "366+", count: 2 },
        ],
        byCaseType: [
          // felony 0 30 31 71 | 91 150 182 546 → (71+91)/2 = 81
          { caseType: "felony", activePending: 8, medianAgeDays: 81 },
          // misdemeanor 60 150 180 181 212 → 180
          { caseType: "misdemeanor", activePending: 5, medianAgeDays: 180 },
          // civil_general 183 198 → 190.5
          { caseType: "civil_general", activePending: 2, medianAgeDays: 190.5 },
          { caseType: "probate", activePending: 1, medianAgeDays: 911 },
        ],
      });
    });

    test("asOf includes its own day: events on asOf count, later ones do not", async () => {
      // 2024-06-29: C26 (filed 06-30) not yet; C5 C18 C33 (disposed 06-30) still pending → 16 − 1 + 3.
      expect((await measures.pendingAge(db(), { ...P, asOf: "2024-06-29" })).activePending).toBe(18);
      // 2024-07-01: C6 C19 C25 disposed that day leave; C27 filed that day joins → 16 − 3 + 1.
      expect((await measures.pendingAge(db(), { ...P, asOf: "2024-07-01" })).activePending).toBe(14);
      // D1-L: C9 91, C31 180, C32 181 → median 180.
      const d1l = await measures.pendingAge(db(), { ...P, courtIds: [4] });
      expect([d1l.activePending, d1l.medianAgeDays, d1l.buckets.map((b) => b.count)]).toEqual([
        3,
        180,
        [0, 0, 0, 2, 1, 0],
      ]);
    });

    test("backlog: older than the case type's largest tier", async () => {
      // felony > 365: C29 546 → 1 of 8 = 12.5. misdemeanor > 180: C30 212, C32 181 (C31 at exactly
      // 180 is not) → 2 of 5 = 40. civil_general > 540: none of 2. probate: no standard.
      // Total 3 of 16 = 18.75.
      expect(await measures.backlog(db(), P)).toEqual({
        activePending: 16,
        backlog: 3,
        backlogRate: 18.75,
        byCaseType: [
          { caseType: "felony", standardDays: 365, activePending: 8, backlog: 1, backlogRate: 12.5 },
          { caseType: "misdemeanor", standardDays: 180, activePending: 5, backlog: 2, backlogRate: 40 },
          { caseType: "civil_general", standardDays: 540, activePending: 2, backlog: 0, backlogRate: 0 },
          { caseType: "probate", standardDays: null, activePending: 1, backlog: 0, backlogRate: 0 },
        ],
      });
      // Misdemeanor of D1 and below: C23 150, C31 180, C32 181 → 1 of 3 = 33.33.
      const misdD1 = await measures.backlog(db(), { ...P, caseType: "misdemeanor", courtIds: D1_SUBTREE });
      expect([misdD1.activePending, misdD1.backlog, misdD1.backlogRate]).toEqual([3, 1, 33.33]);
    });

    test("trial date certainty", async () => {
      expect(await measures.trialDateCertainty(db(), P)).toEqual({
        casesTried: 7,
        distribution: settings(1, 1, 3, 1, 1),
        firstSettingRate: 16.67,
        meanSettings: 2,
      });
      // Up to 2024-01-31 only C22 (disposed 01-12, 1 setting on 01-10) → 100% on first setting.
      expect(await measures.trialDateCertainty(db(), { ...P, to: "2024-01-31" })).toEqual({
        casesTried: 1,
        distribution: settings(0, 1, 0, 0, 0),
        firstSettingRate: 100,
        meanSettings: 1,
      });
    });

    test("continuance rate", async () => {
      expect(await measures.continuances(db(), P)).toEqual({
        events: 20,
        continued: 10,
        continuanceRate: 50,
      });
      // D1 and below: C21 3 (2), C22 2 (0), C23 3 (2), C44 1 (1) → 9 events, 5 continued → 55.56.
      expect(await measures.continuances(db(), { ...P, courtIds: D1_SUBTREE })).toEqual({
        events: 9,
        continued: 5,
        continuanceRate: 55.56,
      });
    });

    test("caseflow per quarter", async () => {
      expect(await measures.caseflow(db(), P, "quarter")).toEqual({
        granularity: "quarter",
        data: [
          { period: "2024-Q1", beginPending: 21, incoming: 15, outgoing: 19, endPending: 18 },
          { period: "2024-Q2", beginPending: 18, incoming: 11, outgoing: 13, endPending: 16 },
        ],
      });
    });

    test("judge workload", async () => {
      // J1 (C1–C6, C21–C23, C28, C29, C36, C38, C44): in C1 C2 C6 C22r C23 C36 C38 C44 = 8; out C1 C2 C3
      //   C4 C5 C21 C22×2 C28 C36 C38 = 11 → 137.5; pending at to: C6 C23 C29 C44 = 4.
      // J2: in C11r C12r C13f C13r C13a C26 C33 C34 C37a C43 = 10; out C11 C13×2 C13i C14 C15 C16 C17 C18
      //   C20 C33 C41 C42 C43 = 14 → 140; pending: C12 C19 C25 C26 C30 C34 C37 = 7.
      // J3: 6 in, 5 out → 83.33; pending C9 C31 C32 = 3. (No judge: C24 C35 C39 C40, left out.)
      expect(await measures.judgeWorkload(db(), P)).toEqual({
        data: [
          {
            judgeId: 1,
            judgeCode: "J1",
            judgeName: "Judge One",
            incoming: 8,
            outgoing: 11,
            clearanceRate: 137.5,
            activePending: 4,
          },
          {
            judgeId: 2,
            judgeCode: "J2",
            judgeName: "Judge Two",
            incoming: 10,
            outgoing: 14,
            clearanceRate: 140,
            activePending: 7,
          },
          {
            judgeId: 3,
            judgeCode: "J3",
            judgeName: "Judge Three",
            incoming: 6,
            outgoing: 5,
            clearanceRate: 83.33,
            activePending: 3,
          },
        ],
      });
      // Felony only, J1: in C1 C2 C6 C36 C44 = 5; out C1 C2 C3 C4 C5 C28 C36 = 7 → 140; pending C6 C29 C44.
      expect(await measures.judgeWorkload(db(), { ...P, caseType: "felony", judgeId: 1 })).toEqual({
        data: [
          {
            judgeId: 1,
            judgeCode: "J1",
            judgeName: "Judge One",
            incoming: 5,
            outgoing: 7,
            clearanceRate: 140,
            activePending: 3,
          },
        ],
      });
    });

    test("summary against the previous period of the same length", async () => {
      // Previous period: the 182 days before 2024-01-01 = 2023-07-03 .. 2023-12-31, asOf 2023-12-31.
      //   Clearance: filed C3 C4 C8 C14 C15 C16 C18 C19 C20 C21 C22 C25 C30 C41 C42 = 15 in (C37 was
      //   filed 07-01, before); out: C37 placed inactive 09-01 = 1 → 6.67. Change 123.08 − 6.67 = 116.41.
      //   Pending at 2023-12-31: 21 (see caseflow). Backlog then: C28 (felony, 2022-06-01 → 578 days);
      //   C29 is 364, C39 364 (civil, 540), C24 has no standard → 1/21 = 4.76. Change 18.75 − 4.76.
      //   No disposition in the previous period: median and share null, change null.
      // Share within the 90% tier now: felony ≤180 8, misdemeanor ≤90 5, civil ≤365 10 → 23/28 = 82.14.
      expect(await measures.summary(db(), P)).toEqual({
        period: { from: "2024-01-01", to: "2024-06-30", asOf: "2024-06-30" },
        previousPeriod: { from: "2023-07-03", to: "2023-12-31", asOf: "2023-12-31" },
        clearanceRate: { value: 123.08, previous: 6.67, change: 116.41 },
        activePending: { value: 16, previous: 21, change: -5 },
        backlogRate: { value: 18.75, previous: 4.76, change: 13.99 },
        medianDaysToDisposition: { value: 73.5, previous: null, change: null },
        within90TierRate: { value: 82.14, previous: null, change: null },
      });
    });

    test("refreshMeasureRollups brings in changed activities and case attributes", async () => {
      // C26 is disposed on 06-30 after all; C8 gets reactivated on 06-01; C29 moves from J1 to J2.
      const c26 = await db()
        .insert(caseActivities)
        .values({ caseId: 26, courtId: 3, type: "disposed", occurredOn: "2024-06-30" })
        .returning({ id: caseActivities.id });
      await db()
        .insert(caseActivities)
        .values({ caseId: 8, courtId: 4, type: "reactivated", occurredOn: "2024-06-01" });
      await db().update(cases).set({ judgeId: 2 }).where(eq(cases.id, 29));
      // Nothing changes until the rollups are refreshed…
      expect((await measures.pendingAge(db(), P)).activePending).toBe(16);
      const result = await refreshMeasureRollups(db(), { caseIds: [26, 8, 29] });
      expect(result).toMatchObject({ mode: "cases", cases: 3 });
      // …then: C26 leaves the caseload, C8 returns with age (2023-11-01 → 06-30 = 30+31+181 = 242) minus
      // inactive 01-15 → 06-01 (17+29+31+30+31 = 138) = 104, in 91-180. Pending 16 − 1 + 1 = 16.
      const pending = await measures.pendingAge(db(), P);
      expect(pending.activePending).toBe(16);
      expect(pending.buckets.map((b) => b.count)).toEqual([1, 2, 1, 5, 5, 2]);
      // June: incoming + C8 reactivated = 4, outgoing + C26 disposed = 7.
      const june = (await measures.clearance(db(), { ...P, from: "2024-06-01" }, "month")).data[0];
      expect(june).toEqual({ period: "2024-06", incoming: 4, outgoing: 7, clearanceRate: 175 });
      // TTD gains C26's 0 days: felony n 12; all n 29, sum 3872 → 133.52.
      expect((await measures.timeToDisposition(db(), P)).total).toMatchObject({
        count: 29,
        meanDays: 133.52,
      });
      // Workload: C29 (pending) moves J1 → J2; C8 (pending again) is J3's.
      const workload = (await measures.judgeWorkload(db(), P)).data.map((j) => [
        j.judgeCode,
        j.activePending,
      ]);
      expect(workload).toEqual([
        ["J1", 3],
        ["J2", 7],
        ["J3", 4],
      ]);
      // Undo everything, and the figures return to the hand-worked ones.
      await db().delete(caseActivities).where(eq(caseActivities.id, c26[0]!.id));
      await db().delete(caseActivities).where(sql`case_id = 8 and type = 'reactivated'`);
      await db().update(cases).set({ judgeId: 1 }).where(eq(cases.id, 29));
      await refreshMeasureRollups(db(), { caseIds: [26, 8, 29] });
      expect(await measures.clearance(db(), P, "total")).toMatchObject({ total: CLEARANCE_TOTAL });
      expect((await measures.pendingAge(db(), P)).medianAgeDays).toBe(165);
      expect((await measures.judgeWorkload(db(), P)).data.map((j) => j.activePending)).toEqual([4, 7, 3]);
    });
  },
);

describe("PostgreSQL and PGlite agree", () => {
  const available = TARGETS.filter((t) => t.available());
  (available.length === 2 ? test : test.skip)(
    "every measure, figure for figure",
    async () => {
      const results: unknown[] = [];
      for (const target of available) {
        const handle = await target.open();
        try {
          await loadFixture(handle.db, FIXTURE);
          await refreshMeasureRollups(handle.db, {});
          const out: unknown[] = [];
          for (const f of [
            P,
            { ...P, courtIds: D1_SUBTREE },
            { ...P, judgeId: 2, caseType: "civil_general" as const },
          ]) {
            out.push(
              await measures.clearance(handle.db, f, "month"),
              await measures.caseflow(handle.db, f, "quarter"),
              await measures.timeToDisposition(handle.db, f),
              await measures.pendingAge(handle.db, f),
              await measures.backlog(handle.db, f),
              await measures.trialDateCertainty(handle.db, f),
              await measures.continuances(handle.db, f),
              await measures.judgeWorkload(handle.db, f),
              await measures.summary(handle.db, f),
            );
          }
          results.push(out);
        } finally {
          await handle.close();
        }
      }
      expect(results[1]).toEqual(results[0]);
    },
    60_000,
  );
});
