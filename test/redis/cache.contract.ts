import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Registry } from "prom-client";
import type { CacheManager } from "../../src/redis/types";
import type { TimeSource } from "../helpers/clock";
import { metricValue } from "../helpers/metrics";

/** describe(), or a guard like describeRedis that skips when the service is missing. */
export type Describe = (name: string, fn: () => void) => void;

/** What the contract needs from an implementation. */
export interface CacheSubject {
  /** The root cache (default TTL 300 s), on a store shared by every namespace. */
  cache: CacheManager;
  registry: Registry;
  /** How time passes for this store (a moved clock in process; real waiting on Redis). */
  time: TimeSource;
  close(): Promise<void>;
}

let counter = 0;
/** A namespace no other test (or earlier run against the same Redis db) has used. */
export const freshNamespace = () => `t${Date.now().toString(36)}${(counter++).toString(36)}`;

/**
 * The behaviour every CacheManager must show, written once and run against Redis and the in-process
 * implementation alike. Each test works in its own namespace, so runs never see each other's keys.
 */
export function cacheContract(describeFn: Describe, name: string, open: () => Promise<CacheSubject>) {
  describeFn(`CacheManager contract: ${name}`, () => {
    let subject: CacheSubject;
    const used: CacheManager[] = [];
    const ns = () => {
      const c = subject.cache.withNamespace(freshNamespace());
      used.push(c);
      return c;
    };
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(async () => {
      for (const c of used) await c.invalidatePattern("*");
      await subject.close();
    });

    test("a value is read back equal but as a copy; a missing key reads as null", async () => {
      const c = ns();
      const value = { court: "D01", counts: [1, 2, 3], nested: { ok: true, none: null } };
      await c.set("v", value);
      const read = await c.get<typeof value>("v");
      expect(read).toEqual(value);
      read!.counts.push(4);
      expect(await c.get("v")).toEqual(value);
      expect(await c.get("missing")).toBeNull();
      for (const scalar of ["text", 42, 0, false, [] as unknown[]]) {
        await c.set("s", scalar);
        expect(await c.get("s")).toEqual(scalar);
      }
    });

    test("dates come back as Dates at any depth, and ISO-looking strings stay strings", async () => {
      const c = ns();
      const at = new Date("2026-03-04T05:06:07.089Z");
      await c.set("d", { at, list: [at, { deeper: at }], label: "2026-03-04T05:06:07.089Z" });
      await c.set("top", at);
      const read = await c.get<{ at: Date; list: [Date, { deeper: Date }]; label: string }>("d");
      expect(read!.at).toBeInstanceOf(Date);
      expect(read!.at.getTime()).toBe(at.getTime());
      expect(read!.list[0]).toEqual(at);
      expect(read!.list[1].deeper).toEqual(at);
      expect(read!.label).toBe("2026-03-04T05:06:07.089Z");
      expect(await c.get<Date>("top")).toEqual(at);
    });

    test("del removes keys and counts only those that existed; exists tells", async () => {
      const c = ns();
      await c.set("a", 1);
      await c.set("b", 2);
      expect(await c.exists("a")).toBe(true);
      expect(await c.del("a", "b", "never")).toBe(2);
      expect(await c.exists("a")).toBe(false);
      expect(await c.get("b")).toBeNull();
      expect(await c.del("a")).toBe(0);
    });

    test("entries expire after their TTL; without one they get the default TTL", async () => {
      const c = ns();
      await c.set("short", "x", { ttlSeconds: 0.3 });
      await c.set("default", "y");
      expect(await c.get("short")).toBe("x");
      expect(await c.ttl("default")).toBeGreaterThanOrEqual(299);
      expect(await c.ttl("default")).toBeLessThanOrEqual(300);
      await subject.time.advance(450);
      expect(await c.get("short")).toBeNull();
      expect(await c.exists("short")).toBe(false);
      expect(await c.get("default")).toBe("y");
    });

    test("ttl, expire and persist follow Redis semantics", async () => {
      const c = ns();
      expect(await c.ttl("missing")).toBe(-2);
      expect(await c.expire("missing", 10)).toBe(false);
      expect(await c.persist("missing")).toBe(false);
      await c.set("k", "v", { ttlSeconds: 100 });
      expect(await c.ttl("k")).toBe(100);
      expect(await c.expire("k", 20)).toBe(true);
      expect(await c.ttl("k")).toBe(20);
      expect(await c.persist("k")).toBe(true);
      expect(await c.ttl("k")).toBe(-1);
      expect(await c.persist("k")).toBe(false);
      expect(await c.expire("k", 0.2)).toBe(true);
      await subject.time.advance(350);
      expect(await c.get("k")).toBeNull();
      await c.set("gone", "v");
      expect(await c.expire("gone", 0)).toBe(true);
      expect(await c.exists("gone")).toBe(false);
    });

    test("mget answers in order with null for misses; mset writes every entry with its own TTL", async () => {
      const c = ns();
      expect(await c.mget([])).toEqual([]);
      await c.mset<unknown>([
        { key: "a", value: { n: 1 } },
        { key: "b", value: new Date(0), ttlSeconds: 0.3 },
        { key: "c", value: "three", ttlSeconds: 50 },
      ]);
      expect(await c.mget(["a", "x", "b", "c"])).toEqual([{ n: 1 }, null, new Date(0), "three"]);
      expect(await c.ttl("c")).toBe(50);
      expect(await c.ttl("a")).toBe(300);
      await subject.time.advance(450);
      expect(await c.mget(["a", "b"])).toEqual([{ n: 1 }, null]);
    });

    test("getOrSet loads on a miss, then answers from the cache with the TTL it was given", async () => {
      const c = ns();
      let loads = 0;
      const load = async () => ({ loaded: ++loads, at: new Date(1000) });
      expect(await c.getOrSet("k", 60, load)).toEqual({ loaded: 1, at: new Date(1000) });
      await Bun.sleep(20); // the write is not awaited by getOrSet
      expect(await c.getOrSet("k", 60, load)).toEqual({ loaded: 1, at: new Date(1000) });
      expect(loads).toBe(1);
      expect(await c.ttl("k")).toBe(60);
    });

    test("100 concurrent getOrSet calls for one key run load once and all get its value", async () => {
      const c = ns();
      let loads = 0;
      const load = async () => {
        loads++;
        await Bun.sleep(50);
        return { value: 7 };
      };
      const results = await Promise.all(Array.from({ length: 100 }, () => c.getOrSet("hot", 60, load)));
      expect(loads).toBe(1);
      expect(results).toHaveLength(100);
      for (const r of results) expect(r).toEqual({ value: 7 });
    });

    test("a failing load rejects every waiter, caches nothing, and the next call loads again", async () => {
      const c = ns();
      let calls = 0;
      const failing = async () => {
        calls++;
        await Bun.sleep(20);
        throw new Error("database said no");
      };
      const settled = await Promise.allSettled(Array.from({ length: 5 }, () => c.getOrSet("k", 60, failing)));
      expect(settled.every((s) => s.status === "rejected")).toBe(true);
      expect(calls).toBe(1);
      expect(await c.exists("k")).toBe(false);
      expect(await c.getOrSet("k", 60, async () => "ok")).toBe("ok");
    });

    test("invalidatePattern removes 10 000 matching keys in batches and leaves the rest", async () => {
      const c = ns();
      const other = ns();
      const keys = Array.from({ length: 10_000 }, (_, i) => `measure:court:${i}`);
      for (let i = 0; i < keys.length; i += 1000) {
        await c.mset(keys.slice(i, i + 1000).map((key, j) => ({ key, value: i + j })));
      }
      await c.set("measure-list", "keep");
      await c.set("courts:1", "keep");
      await other.set("measure:court:1", "other namespace");
      expect(await c.get("measure:court:9999")).toBe(9999);

      const started = performance.now();
      expect(await c.invalidatePattern("measure:court:*")).toBe(10_000);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(await c.mget(["measure:court:0", "measure:court:5000", "measure:court:9999"])).toEqual([
        null,
        null,
        null,
      ]);
      expect(await c.get("measure-list")).toBe("keep");
      expect(await c.get("courts:1")).toBe("keep");
      expect(await other.get("measure:court:1")).toBe("other namespace");
      expect(await c.invalidatePattern("measure:court:*")).toBe(0);
    });

    test("invalidatePattern understands ? and [...] like Redis", async () => {
      const c = ns();
      await c.mset(["a1", "a2", "a3", "ab", "a10"].map((key) => ({ key, value: key })));
      expect(await c.invalidatePattern("a[12]")).toBe(2);
      expect(await c.invalidatePattern("a?")).toBe(2);
      expect(await c.mget(["a1", "a3", "ab", "a10"])).toEqual([null, null, null, "a10"]);
    });

    test("invalidateTags removes every key set with any of the tags, within the namespace only", async () => {
      const c = ns();
      const other = ns();
      await c.set("clearance:12", 1, { tags: ["court:12", "measures"] });
      await c.set("backlog:12", 2, { tags: ["court:12"] });
      await c.set("clearance:13", 3, { tags: ["court:13", "measures"] });
      await c.set("untagged", 4);
      await other.set("clearance:12", 5, { tags: ["court:12"] });

      expect(await c.invalidateTags(["court:12"])).toBe(2);
      expect(await c.mget(["clearance:12", "backlog:12", "clearance:13", "untagged"])).toEqual([
        null,
        null,
        3,
        4,
      ]);
      expect(await other.get("clearance:12")).toBe(5);
      expect(await c.invalidateTags(["court:12", "measures"])).toBe(1);
      expect(await c.get("clearance:13")).toBeNull();
      expect(await c.invalidateTags(["nothing"])).toBe(0);
    });

    test("getOrSet with tags: the loaded value is dropped by invalidateTags", async () => {
      const c = ns();
      let loads = 0;
      const load = async () => ++loads;
      await c.getOrSet("scope:1", 60, load, { tags: ["courts"] });
      await Bun.sleep(20);
      expect(await c.invalidateTags(["courts"])).toBe(1);
      expect(await c.getOrSet("scope:1", 60, load, { tags: ["courts"] })).toBe(2);
    });

    test("incr, decr and incrBy are atomic and set the TTL on the first increment only", async () => {
      const c = ns();
      expect(await c.incr("n", 100)).toBe(1);
      expect(await c.ttl("n")).toBe(100);
      expect(await c.incr("n", 5)).toBe(2);
      expect(await c.ttl("n")).toBe(100);
      expect(await c.incrBy("n", 10)).toBe(12);
      expect(await c.decr("n")).toBe(11);
      expect(await c.get("n")).toBe(11);
      expect(await c.decr("fresh")).toBe(-1);
      expect(await c.ttl("fresh")).toBe(300);

      await Promise.all(Array.from({ length: 100 }, () => c.incr("race", 60)));
      expect(await c.get("race")).toBe(100);

      await c.incr("brief", 0.3);
      await subject.time.advance(450);
      expect(await c.incr("brief", 0.3)).toBe(1);
    });

    test("incrementing a key that holds a non-number is an error counted, not thrown", async () => {
      const c = ns();
      await c.set("word", "hello");
      const before = await metricValue(subject.registry, "courtflow_cache_errors_total", {
        namespace: c.namespace,
      });
      expect(await c.incr("word")).toBe(0);
      expect(
        await metricValue(subject.registry, "courtflow_cache_errors_total", { namespace: c.namespace }),
      ).toBe(before + 1);
      expect(await c.get("word")).toBe("hello");
      expect(() => c.incrBy("word", 1.5)).toThrow(TypeError);
    });

    test("a value without a JSON form is skipped and counted, never thrown", async () => {
      const c = ns();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await c.set("cyclic", cyclic);
      await c.mset([{ key: "big", value: 10n }]);
      expect(await c.mget(["cyclic", "big"])).toEqual([null, null]);
      expect(
        await metricValue(subject.registry, "courtflow_cache_errors_total", { namespace: c.namespace }),
      ).toBe(2);
      expect(await c.getOrSet("big", 60, async () => 10n)).toBe(10n);
    });

    test("namespaces do not see each other's keys", async () => {
      const a = ns();
      const b = ns();
      await a.set("same", "a");
      expect(await b.get("same")).toBeNull();
      await b.set("same", "b");
      expect(await a.get("same")).toBe("a");
      expect(a.withNamespace(b.namespace).namespace).toBe(b.namespace);
      expect(() => a.withNamespace("bad:name")).toThrow();
    });

    test("hits and misses are counted per namespace", async () => {
      const c = ns();
      const labels = { namespace: c.namespace };
      await c.set("x", 1);
      await c.get("x");
      await c.get("x");
      await c.get("nope");
      await c.mget(["x", "nope", "nope2"]);
      expect(await metricValue(subject.registry, "courtflow_cache_hits_total", labels)).toBe(3);
      expect(await metricValue(subject.registry, "courtflow_cache_misses_total", labels)).toBe(3);
      expect(await metricValue(subject.registry, "courtflow_cache_errors_total", labels)).toBe(0);
    });
  });
}
