import { describe, expect, test } from "bun:test";
import { backoffMs, CHILD_FLAG, childIndexFrom, metricsPortOf } from "../../src/supervisor";

describe("supervisor rules (src/supervisor.ts)", () => {
  test("restart backoff: 0.5 s, doubled per consecutive failure, at most 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(backoffMs)).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  test("a child is told its index on the command line; anything else is not a child", () => {
    expect(childIndexFrom(["bun", "src/index.ts", CHILD_FLAG, "3"])).toBe(3);
    expect(childIndexFrom(["bun", "src/index.ts"])).toBeNull();
    expect(childIndexFrom(["bun", "src/index.ts", CHILD_FLAG, "x"])).toBeNull();
    expect(childIndexFrom(["bun", "src/index.ts", CHILD_FLAG, "-1"])).toBeNull();
  });

  test("process i serves metrics on METRICS_PORT + i; 0 lets each pick its own; unset stays unset", () => {
    expect(metricsPortOf(9464, 0)).toBe(9464);
    expect(metricsPortOf(9464, 3)).toBe(9467);
    expect(metricsPortOf(0, 3)).toBe(0);
    expect(metricsPortOf(undefined, 1)).toBeUndefined();
  });
});
