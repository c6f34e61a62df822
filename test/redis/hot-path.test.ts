import { describe, expect, test } from "bun:test";
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

// Whether decoding skips the JSON.parse reviver (it ran for every value) is measured by
// `bun run bench:micro` (section codec); here, what a reader of the cache gets back.
describe("cached values: JSON decoding", () => {
  test("text without a tagged Date comes back as it was stored", () => {
    const text = encodeValue({ kpis: [{ name: "clearance", value: 0.98, trend: [1, 2, 3] }], n: null })!;
    expect(decodeValue(text)).toEqual({
      kpis: [{ name: "clearance", value: 0.98, trend: [1, 2, 3] }],
      n: null,
    });
  });

  test("Dates still come back as Dates, wherever they are", () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    const text = encodeValue({ at, list: [{ at }], invalid: new Date(Number.NaN) })!;
    const back = decodeValue<{ at: Date; list: { at: Date }[]; invalid: Date }>(text);
    expect(back.at).toEqual(at);
    expect(back.list[0]!.at).toBeInstanceOf(Date);
    expect(Number.isNaN(back.invalid.getTime())).toBe(true);
  });

  test("a string that merely looks like the Date tag's key stays a string", () => {
    const text = encodeValue({ note: "$cf:date", nested: { "$cf:date": "x", other: 1 } })!;
    expect(decodeValue(text)).toEqual({ note: "$cf:date", nested: { "$cf:date": "x", other: 1 } });
  });
});
