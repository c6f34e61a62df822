// The pending caseload is read per span length class (measure_pending_spans.len_class): a span of
// class c is found only among those started in the last 2^(c+4) days. Spans whose length sits
// exactly on a class limit must still be found on their last active day, and not on their end day,
// through both query paths (with a judge filter: per-case spans; without: open spans pre-counted).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DbHandle } from "../../src/db/client";
import { CASE_TYPES } from "../../src/db/schema/enums";
import { addDays } from "../../src/lib/dates";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import { pendingAge } from "../../src/modules/measures/measures.service";
import type { MeasureFilters } from "../../src/modules/measures/measures.types";
import { type Fixture, loadFixture, TARGETS } from "./targets";

const START = "2001-03-01";
// Span lengths (days from filed to disposed); null = never disposed. One case type and judge each.
const LENGTHS = [1, 15, 16, 17, 32, 33, 64, 65, 4096, 4097, null] as const;

const fixture: Fixture = {
  courts: [{ id: 1, code: "C", level: "trial", parentId: null }],
  judges: LENGTHS.map((_, i) => ({ id: i + 1, code: `J${i + 1}`, name: `Judge ${i + 1}`, courtId: 1 })),
  cases: LENGTHS.map((_, i) => ({
    id: i + 1,
    courtId: 1,
    caseType: CASE_TYPES[i]!,
    judgeId: i + 1,
    disposition: null,
    filedOn: START,
  })),
  activities: LENGTHS.flatMap((length, i) => [
    { caseId: i + 1, type: "filed" as const, occurredOn: START },
    ...(length === null
      ? []
      : [{ caseId: i + 1, type: "disposed" as const, occurredOn: addDays(START, length) }]),
  ]),
  standards: [],
};

for (const target of TARGETS) {
  (target.available() ? describe : describe.skip)(`pending spans on class limits on ${target.name}`, () => {
    let handle: DbHandle;
    beforeAll(async () => {
      handle = await target.open();
      await loadFixture(handle.db, fixture);
      await refreshMeasureRollups(handle.db, {});
    });
    afterAll(async () => {
      await handle?.close();
    });

    test("found from the filing day to the day before disposal, with the right age", async () => {
      for (const [i, length] of LENGTHS.entries()) {
        const last = length === null ? addDays(START, 5000) : addDays(START, length - 1);
        const probes: [string, number][] = [
          [addDays(START, -1), 0],
          [START, 1],
          [last, 1],
          ...(length === null ? [] : ([[addDays(START, length), 0]] as [string, number][])),
        ];
        for (const [asOf, expected] of probes) {
          const base: MeasureFilters = { from: asOf, to: asOf, asOf, courtIds: null };
          for (const f of [
            { ...base, caseType: CASE_TYPES[i]! },
            { ...base, judgeId: i + 1 },
          ]) {
            const r = await pendingAge(handle.db, f);
            expect({ length, asOf, n: r.activePending }).toEqual({ length, asOf, n: expected });
            if (expected === 1) expect(r.medianAgeDays).toBe(asOf === START ? 0 : (length ?? 5001) - 1);
          }
        }
      }
    }, 60_000);
  });
}
