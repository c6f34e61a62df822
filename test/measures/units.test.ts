// The pure parts of the measures: calendar arithmetic, range decomposition, rounding, validation.
import { describe, expect, test } from "bun:test";
import { addDays, addYears, fromDayNumber, isIsoDate, toDayNumber } from "../../src/lib/dates";
import { periodsOf } from "../../src/modules/measures/measures.dates";
import { decompose, MEASURE_GRAIN } from "../../src/modules/measures/measures.grains";
import { change, mean, median, percent } from "../../src/modules/measures/measures.math";
import {
  MeasureGranularityQuery,
  MeasureQuery,
  resolveDates,
} from "../../src/modules/measures/measures.schemas";

describe("calendar arithmetic", () => {
  test("whole days, leap years, real dates only", () => {
    expect(toDayNumber("2024-03-01") - toDayNumber("2024-02-01")).toBe(29);
    expect(toDayNumber("2023-03-01") - toDayNumber("2023-02-01")).toBe(28);
    expect(fromDayNumber(toDayNumber("1999-12-31") + 1)).toBe("2000-01-01");
    expect(addDays("2024-01-01", -1)).toBe("2023-12-31");
    expect(addYears("2024-02-29", -1)).toBe("2023-02-28");
    expect(addYears("2025-06-30", -1)).toBe("2024-06-30");
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("2024-2-1")).toBe(false);
    for (const bad of ["2024-+1-05", "2024-13-01", "2024-00-10", "2024-04-31", "2100-02-29", "2024-01-01x"]) {
      expect({ bad, ok: isIsoDate(bad) }).toEqual({ bad, ok: false });
    }
    expect(isIsoDate("2000-02-29")).toBe(true);
  });

  test("periods cover the range, the first and last clipped, with dashboard labels", () => {
    expect(periodsOf("2024-02-15", "2024-07-10", "quarter")).toEqual([
      { label: "2024-Q1", from: "2024-02-15", to: "2024-03-31" },
      { label: "2024-Q2", from: "2024-04-01", to: "2024-06-30" },
      { label: "2024-Q3", from: "2024-07-01", to: "2024-07-10" },
    ]);
    expect(periodsOf("2023-12-31", "2024-01-01", "month").map((p) => p.label)).toEqual([
      "2023-12",
      "2024-01",
    ]);
    expect(periodsOf("2023-12-31", "2025-01-01", "year").map((p) => p.label)).toEqual([
      "2023",
      "2024",
      "2025",
    ]);
    expect(periodsOf("2024-05-05", "2024-05-05", "total")).toEqual([
      { label: "total", from: "2024-05-05", to: "2024-05-05" },
    ]);
  });
});

describe("decompose", () => {
  const daysOf = (pieces: ReturnType<typeof decompose>, floor: string) => {
    const out: string[] = [];
    for (const p of pieces) {
      const step = p.grain === MEASURE_GRAIN.day ? "day" : p.grain === MEASURE_GRAIN.month ? "month" : "year";
      for (let b = p.from ?? floor; b <= p.to; ) {
        const next =
          step === "day"
            ? addDays(b, 1)
            : step === "month"
              ? `${addDays(`${b.slice(0, 7)}-01`, 32).slice(0, 8)}01`
              : `${Number(b.slice(0, 4)) + 1}-01-01`;
        for (let d = b; d < next; d = addDays(d, 1)) out.push(d);
        b = next;
      }
    }
    return out.sort();
  };

  test("every day of a range exactly once, in the fewest rows", () => {
    let seed = 17;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 120; i++) {
      const lo = addDays("2019-01-01", rand(2500));
      const hi = addDays(lo, rand(900));
      for (const grain of [MEASURE_GRAIN.day, MEASURE_GRAIN.month, MEASURE_GRAIN.year] as const) {
        const expected: string[] = [];
        for (let d = lo; d <= hi; d = addDays(d, 1)) expected.push(d);
        expect(daysOf(decompose(lo, hi, grain), lo)).toEqual(expected);
      }
    }
  });

  test("a prefix from the beginning of time ends with whole years, months, then days", () => {
    expect(decompose(null, "2024-03-15", MEASURE_GRAIN.year)).toEqual([
      { grain: MEASURE_GRAIN.year, from: null, to: "2023-01-01" },
      { grain: MEASURE_GRAIN.month, from: "2024-01-01", to: "2024-02-01" },
      { grain: MEASURE_GRAIN.day, from: "2024-03-01", to: "2024-03-15" },
    ]);
    expect(decompose("2024-01-01", "2024-12-31", MEASURE_GRAIN.year)).toEqual([
      { grain: MEASURE_GRAIN.year, from: "2024-01-01", to: "2024-01-01" },
    ]);
    expect(decompose("2024-03-02", "2024-03-01", MEASURE_GRAIN.year)).toEqual([]);
  });
});

describe("rounding", () => {
  test("percentages to 2 decimals, halves up, null without a denominator", () => {
    expect(percent(1, 3)).toBe(33.33);
    expect(percent(2, 3)).toBe(66.67);
    expect(percent(1, 32)).toBe(3.13); // 3.125
    expect(percent(1, 64)).toBe(1.56); // 1.5625
    expect(percent(201, 200)).toBe(100.5);
    expect(percent(0, 5)).toBe(0);
    expect(percent(3, 0)).toBeNull();
  });

  test("means, medians and changes", () => {
    expect(mean(1, 8)).toBe(0.13); // 0.125
    expect(mean(1499, 11)).toBe(136.27);
    expect(mean(-1, 8)).toBe(-0.13);
    expect(mean(5, 0)).toBeNull();
    expect(median(72, 75)).toBe(73.5);
    expect(median(null, null)).toBeNull();
    expect(change(123.08, 6.67)).toBe(116.41);
    expect(change(0.3, 0.1)).toBe(0.2);
    expect(change(5, null)).toBeNull();
  });
});

describe("query validation", () => {
  const paths = (input: Record<string, string>) => {
    const r = MeasureQuery.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
  };

  test("accepts the filters and coerces ids", () => {
    const r = MeasureQuery.parse({ from: "2024-01-01", to: "2024-06-30", courtId: "4", judgeId: "2" });
    expect(r).toEqual({ from: "2024-01-01", to: "2024-06-30", courtId: 4, judgeId: 2 });
    expect(MeasureGranularityQuery.parse({}).granularity).toBe("month");
  });

  test("names the field: from after to, a range over 10 years, unknown case type, bad dates", () => {
    expect(paths({ from: "2024-07-01", to: "2024-06-30" })).toEqual(["from"]);
    expect(paths({ from: "2014-06-29", to: "2024-06-30" })).toEqual(["from"]);
    expect(paths({ from: "2014-06-30", to: "2024-06-30" })).toEqual([]);
    expect(paths({ caseType: "parking" })).toEqual(["caseType"]);
    expect(paths({ to: "2024-02-30" })).toEqual(["to"]);
    expect(paths({ asOf: "yesterday" })).toEqual(["asOf"]);
    expect(paths({ courtId: "0" })).toEqual(["courtId"]);
    expect(MeasureGranularityQuery.safeParse({ granularity: "week" }).error?.issues[0]?.path).toEqual([
      "granularity",
    ]);
  });

  test("defaults: to = today, from = a year before to, asOf = to", () => {
    expect(resolveDates({}, "2024-06-30")).toEqual({
      from: "2023-06-30",
      to: "2024-06-30",
      asOf: "2024-06-30",
    });
    expect(resolveDates({ to: "2024-02-29" }, "2030-01-01")).toEqual({
      from: "2023-02-28",
      to: "2024-02-29",
      asOf: "2024-02-29",
    });
    expect(resolveDates({ from: "2024-01-01", asOf: "2024-03-01" }, "2024-06-30")).toEqual({
      from: "2024-01-01",
      to: "2024-06-30",
      asOf: "2024-03-01",
    });
  });
});
