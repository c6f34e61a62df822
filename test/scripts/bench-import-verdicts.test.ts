// The import benchmark's issue-17 verdicts: rows landed against the INSERT…SELECT floor, and ten
// courts' batches at once against one batch of the same rows. Pure arithmetic and printed lines.
import { describe, expect, test } from "bun:test";
import { concurrencyFigures, concurrencyLines } from "../../scripts/lib/import-bench-concurrency-figures";
import { floorLine } from "../../scripts/lib/import-bench-floor";

describe("floorLine", () => {
  test("rows landed at 0.6× the floor or more passes", () => {
    const v = floorLine({ landedRowsPerSecond: 12_000, floorRowsPerSecond: 20_000, sameRows: true });
    expect(v.pass).toBe(true);
    expect(v.line).toBe(
      "rows landed: 12,000 rows/s vs INSERT…SELECT floor 20,000 rows/s = 0.60   PASS (target ≥ 0.6)",
    );
  });

  test("below 0.6× fails", () => {
    const v = floorLine({ landedRowsPerSecond: 11_000, floorRowsPerSecond: 20_000, sameRows: true });
    expect([v.ratio, v.pass]).toEqual([0.55, false]);
    expect(v.line).toEndWith("= 0.55   FAIL (target ≥ 0.6)");
  });

  test("a floor that did not insert the import's rows never passes", () => {
    const v = floorLine({ landedRowsPerSecond: 30_000, floorRowsPerSecond: 20_000, sameRows: false });
    expect(v.pass).toBe(false);
    expect(v.line).toEndWith("FAIL (the floor did not insert the same rows)");
  });
});

const batch = (id: number, finished: number, refreshed: number, status = "completed") => ({
  id,
  status,
  finishedAtMs: finished,
  measuresRefreshedAtMs: refreshed,
});

describe("concurrencyFigures", () => {
  const ten = Array.from({ length: 10 }, (_, i) => batch(i + 1, 1_000 + i * 100, 5_000));

  test("ratio of the times and the lag of the last batch to complete", () => {
    // Batch 10 finished last (1 900); batch 3's refresh came later than everyone's.
    const batches = [...ten.slice(0, 9), batch(10, 1_900, 4_000)].map((b) =>
      b.id === 3 ? { ...b, measuresRefreshedAtMs: 6_000 } : b,
    );
    const f = concurrencyFigures({ ms: 40_000, status: "completed" }, 50_000, batches);
    expect(f).toMatchObject({
      batches: 10,
      ratio: 1.25,
      lagMs: 2_100,
      allRefreshedLagMs: 4_100,
      allCompleted: true,
      ratioPass: true,
      lagPass: true,
    });
    expect(concurrencyLines(f, 40_000)).toEqual([
      "one batch of 400,000 rows, measures refreshed   40,000 ms",
      "10 batches of 40,000 rows (10 courts), all measures refreshed   50,000 ms",
      "concurrency: 10 batches 50.0 s vs one batch 40.0 s = 1.25   PASS (target ≤ 1.3)",
      "measures lag after the last batch completed: 2.1 s   PASS (target ≤ 30 s; all 10 refreshed 4.1 s after it)",
    ]);
  });

  test("over 1.3× or a lag over 30 s fails", () => {
    const late = [...ten.slice(0, 9), batch(10, 2_000, 32_001)];
    const f = concurrencyFigures({ ms: 10_000, status: "completed" }, 13_100, late);
    expect([f.ratioPass, f.lagPass]).toEqual([false, false]);
    const [, , ratio, lag] = concurrencyLines(f, 4_000);
    expect(ratio).toEndWith("= 1.31   FAIL (target ≤ 1.3)");
    expect(lag).toStartWith("measures lag after the last batch completed: 30.0 s   FAIL");
  });

  test("a batch with row errors fails the comparison whatever the times", () => {
    const f = concurrencyFigures({ ms: 10_000, status: "completed" }, 5_000, [
      ...ten.slice(1),
      batch(1, 1_000, 5_000, "completed_with_errors"),
    ]);
    expect([f.allCompleted, f.ratioPass]).toEqual([false, false]);
    expect(concurrencyLines(f, 4_000)[2]).toContain("not every batch completed without row errors");
  });
});
