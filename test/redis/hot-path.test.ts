import { afterEach, describe, expect, test } from "bun:test";
import { decodeValue, encodeValue } from "../../src/redis/codec";
import { connectionSpec } from "../../src/redis/options";
import { redisTestConfig } from "./subjects";

// Per-request costs of the Redis layer that `bun run bench` profiled.

describe("Redis connections: auto-pipelining", () => {
  test("the request path's connections (main, session, cache) batch commands issued in one tick", () => {
    const config = redisTestConfig({}, "redis://127.0.0.1:6379/4");
    for (const role of ["main", "session", "cache"] as const) {
      const spec = connectionSpec(config, role);
      expect(spec.topology === "cluster" ? false : spec.options.enableAutoPipelining).toBe(true);
    }
  });

  test("BullMQ's connections (queue producer, blocking workers) do not", () => {
    const config = redisTestConfig({}, "redis://127.0.0.1:6379/4");
    for (const role of ["queue", "worker"] as const) {
      const spec = connectionSpec(config, role);
      expect(spec.topology === "cluster" ? undefined : spec.options.enableAutoPipelining).toBe(false);
    }
  });

  test("on Cluster the nodes batch too", () => {
    const config = redisTestConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000" }, "redis://127.0.0.1:6379");
    const spec = connectionSpec(config, "session");
    expect(spec.topology).toBe("cluster");
    if (spec.topology === "cluster") expect(spec.options.redisOptions?.enableAutoPipelining).toBe(true);
  });
});

describe("cached values: JSON decoding", () => {
  const parse = JSON.parse;
  let revivers = 0;
  afterEach(() => {
    JSON.parse = parse;
  });
  function countRevivers(): void {
    revivers = 0;
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      if (reviver) revivers++;
      return parse(text, reviver);
    }) as typeof JSON.parse;
  }

  test("text without a tagged Date is parsed without a reviver (it ran for every value)", () => {
    const text = encodeValue({ kpis: [{ name: "clearance", value: 0.98, trend: [1, 2, 3] }], n: null })!;
    countRevivers();
    expect(decodeValue(text)).toEqual({
      kpis: [{ name: "clearance", value: 0.98, trend: [1, 2, 3] }],
      n: null,
    });
    expect(revivers).toBe(0);
  });

  test("Dates still come back as Dates, wherever they are", () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    const text = encodeValue({ at, list: [{ at }], invalid: new Date(Number.NaN) })!;
    countRevivers();
    const back = decodeValue<{ at: Date; list: { at: Date }[]; invalid: Date }>(text);
    expect(revivers).toBe(1);
    expect(back.at).toEqual(at);
    expect(back.list[0]!.at).toBeInstanceOf(Date);
    expect(Number.isNaN(back.invalid.getTime())).toBe(true);
  });
});
