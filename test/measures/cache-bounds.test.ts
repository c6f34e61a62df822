// The measures cache is shared and lives in Redis beside sessions and queues, so no user may grow it
// without limit: only the ranges dashboards ask for are cached, each user adds a bounded number of
// entries an hour, and the namespace has a memory budget. Asserted as an attacker works: many distinct
// ranges, then what is in Redis, and whether the legitimate dashboard still hits.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Redis } from "ioredis";
import { addDays, addYears, todayIso } from "../../src/lib/dates";
import { MEASURES_CACHE_NAMESPACE } from "../../src/modules/measures/measures.cache-keys";
import { cacheableRange } from "../../src/modules/measures/measures.cache-policy";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import { createTestApp, type TestApp } from "../helpers/app";
import { freezeToday } from "../helpers/clock";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";
import { metricValue } from "../helpers/metrics";
import { parseMetrics } from "../system/prom-text";
import { FIXTURE } from "./fixture";
import { loadFixture } from "./targets";

// The app and the fixtures must agree on "today" (UTC midnight may pass during the file).
freezeToday();

const NS = MEASURES_CACHE_NAMESPACE;

describe("which ranges are cached", () => {
  const today = "2026-05-14";
  const ok = (from: string, to: string, asOf = to) => cacheableRange({ from, to, asOf }, today);
  test("the dashboard's presets are", () => {
    expect(ok(addYears(today, -1), today)).toBe(true); // the default: the last year to today
    expect(ok("2026-01-01", today)).toBe(true); // year to date (the nightly warm-up)
    expect(ok("2026-04-01", today)).toBe(true); // quarter to date
    expect(ok("2026-05-01", today)).toBe(true); // month to date
    expect(ok("2024-01-01", "2024-06-30")).toBe(true); // whole months
    expect(ok("2025-01-01", "2025-12-31")).toBe(true); // a year
    expect(ok("2026-01-01", "2026-12-31")).toBe(true); // this calendar year
    expect(ok("2024-03-01", "2024-03-31")).toBe(true);
    expect(ok("2024-02-01", "2024-02-29")).toBe(true); // leap February
  });
  test("arbitrary days, other asOf, far past and future are not", () => {
    expect(ok("2024-01-02", "2024-06-30")).toBe(false);
    expect(ok("2024-01-01", "2024-06-29")).toBe(false);
    expect(ok("2024-01-01", "2024-06-30", "2024-06-01")).toBe(false);
    expect(ok("2027-01-01", "2027-01-31")).toBe(false); // beyond this year
    expect(ok("2010-01-01", "2015-12-31")).toBe(false); // older than MAX_RANGE_YEARS
    expect(ok(addYears(today, -1), addDays(today, -1))).toBe(false);
  });
});

/** 500 distinct ranges the policy caches (whole months of the last ten years) and 500 it does not. */
function attackRanges(today: string): { aligned: string[]; unaligned: string[] } {
  const year = Number(today.slice(0, 4));
  const monthStarts: string[] = [];
  for (let y = year - 9; y <= year; y++)
    for (let m = 1; m <= 12; m++) monthStarts.push(`${y}-${String(m).padStart(2, "0")}-01`);
  const monthEnd = (start: string) => addDays(`${addDays(start, 32).slice(0, 8)}01`, -1);
  const aligned: string[] = [];
  outer: for (let i = 0; i < monthStarts.length; i++) {
    for (let j = i; j < monthStarts.length; j++) {
      aligned.push(`from=${monthStarts[i]}&to=${monthEnd(monthStarts[j]!)}`);
      if (aligned.length === 500) break outer;
    }
  }
  const unaligned: string[] = [];
  for (let i = 0; unaligned.length < 500; i++) {
    const from = addDays("2023-01-02", i);
    if (!from.endsWith("-01")) unaligned.push(`from=${from}&to=2025-06-15`);
  }
  for (const q of aligned) {
    const p = new URLSearchParams(q);
    expect(cacheableRange({ from: p.get("from")!, to: p.get("to")!, asOf: p.get("to")! }, today)).toBe(true);
  }
  return { aligned, unaligned };
}

async function measureKeys(redis: Redis): Promise<string[]> {
  return redis.keys(`cf:cache:${NS}:*`);
}

/** What Redis itself says the namespace's keys, tag sets and index take. */
async function redisBytes(redis: Redis): Promise<number> {
  let total = 0;
  for (const pattern of [`cf:cache:${NS}:*`, `cf:cache-tag:${NS}:*`, `cf:cache-budget:{${NS}}*`]) {
    for (const k of await redis.keys(pattern))
      total += Number(await redis.call("MEMORY", "USAGE", k, "SAMPLES", "0"));
  }
  return total;
}

async function seed(t: TestApp): Promise<Record<string, string>> {
  const db = t.deps.db.db;
  await resetDb(db);
  await resetRedis(t.deps.redis);
  await loadFixture(db, FIXTURE);
  await refreshMeasureRollups(db, {});
  await makeUser(db, { email: "analyst@example.test", role: "analyst" });
  await makeUser(db, { email: "attacker@example.test", role: "viewer", courtId: 2 });
  const tokens: Record<string, string> = {};
  for (const who of ["analyst", "attacker"])
    tokens[who] = (await login(t, `${who}@example.test`)).accessToken;
  return tokens;
}

const DASHBOARD = [
  "/api/measures/summary",
  "/api/measures/clearance?from=2024-01-01&to=2024-06-30",
  "/api/measures/backlog",
  `/api/measures/caseflow?from=${todayIso().slice(0, 4)}-01-01`,
];

describePgRedis("measures cache: an attacker's many ranges stay bounded", () => {
  const QUOTA = 25;
  let t: TestApp;
  let tokens: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp({
      env: { API_RATE_LIMIT_PER_MIN: "1000000", MEASURES_CACHE_WRITES_PER_USER_PER_HOUR: String(QUOTA) },
    });
    tokens = await seed(t);
  });
  afterAll(async () => {
    await t.close();
  });

  test("1 000 distinct ranges add at most the user's quota of entries; the dashboard still hits", async () => {
    const redis = t.deps.redis!.cache as Redis;
    for (const path of DASHBOARD) {
      const first = await call(t, "GET", path, { token: tokens.analyst });
      expect([path, first.status, first.headers.get("x-cache")]).toEqual([path, 200, "miss"]);
    }
    const before = (await measureKeys(redis)).length;
    expect(before).toBe(DASHBOARD.length);

    const { aligned, unaligned } = attackRanges(todayIso());
    const seen: Record<string, number> = {};
    // Twenty at a time, as a script would: every answer is a real 200 with figures.
    const all = [...unaligned, ...aligned];
    for (let i = 0; i < all.length; i += 20) {
      const answers = await Promise.all(
        all
          .slice(i, i + 20)
          .map((q) => call(t, "GET", `/api/measures/continuances?${q}`, { token: tokens.attacker })),
      );
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(typeof a.body.events).toBe("number");
        const x = a.headers.get("x-cache")!;
        seen[x] = (seen[x] ?? 0) + 1;
      }
    }
    expect(seen).toEqual({ bypass: 1000 - QUOTA, miss: QUOTA });
    const after = await measureKeys(redis);
    expect(after.length - before).toBe(QUOTA);

    const registry = t.deps.metrics;
    const bypass = (reason: string) =>
      metricValue(registry, "courtflow_cache_bypass_total", { namespace: NS, reason });
    expect(await bypass("uncacheable")).toBe(500);
    expect(await bypass("user_quota")).toBe(500 - QUOTA);

    // The analyst's dashboard was not pushed out and still answers from the cache.
    for (const path of DASHBOARD) {
      const again = await call(t, "GET", path, { token: tokens.analyst });
      expect([path, again.status, again.headers.get("x-cache")]).toEqual([path, 200, "hit"]);
    }
    // The bound is visible to Prometheus: keys and bytes of the namespace, and its budget.
    const { samples } = parseMetrics(await (await t.app.request("/api/system/metrics")).text());
    const gauge = (name: string) =>
      samples.find((s) => s.name === name && s.labels.namespace === NS)?.value ?? Number.NaN;
    expect(gauge("courtflow_cache_keys")).toBe(after.length);
    expect(gauge("courtflow_cache_bytes")).toBeGreaterThan(0);
    expect(gauge("courtflow_cache_max_bytes")).toBe(t.deps.config.CACHE_NAMESPACE_MAX_BYTES);
  }, 120_000);
});

describePgRedis("measures cache: the namespace's memory budget holds whatever the users do", () => {
  const BUDGET = 64 * 1024;
  let t: TestApp;
  let tokens: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        API_RATE_LIMIT_PER_MIN: "1000000",
        MEASURES_CACHE_WRITES_PER_USER_PER_HOUR: "100000",
        CACHE_NAMESPACE_MAX_BYTES: String(BUDGET),
      },
    });
    tokens = await seed(t);
  });
  afterAll(async () => {
    await t.close();
  });

  test("160 cacheable ranges: accounted and real bytes stay within the budget, the oldest go first", async () => {
    const redis = t.deps.redis!.cache as Redis;
    const { aligned } = attackRanges(todayIso());
    // About 1 KB each on the fixture: some 60 fit.
    const ranges = aligned.slice(0, 160);
    for (const q of ranges) {
      const res = await call(t, "GET", `/api/measures/judge-workload?${q}`, { token: tokens.attacker });
      expect(res.status).toBe(200);
    }
    const [usage] = (await t.deps.cache.usage()).filter((u) => u.namespace === NS);
    expect(usage!.bytes).toBeLessThanOrEqual(BUDGET);
    expect(usage!.keys).toBeLessThan(100);
    const keys = await measureKeys(redis);
    expect(keys.length).toBe(usage!.keys);
    // Redis's own count agrees (the accounting errs on the high side).
    const real = await redisBytes(redis);
    expect(real).toBeLessThanOrEqual(BUDGET);
    expect(real).toBeLessThanOrEqual(usage!.bytes);
    expect(await metricValue(t.deps.metrics, "courtflow_cache_evictions_total", { namespace: NS })).toBe(
      160 - usage!.keys,
    );
    // The newest range is cached, the first one was evicted.
    const last = await call(t, "GET", `/api/measures/judge-workload?${ranges.at(-1)}`, {
      token: tokens.attacker,
    });
    expect(last.headers.get("x-cache")).toBe("hit");
    const first = await call(t, "GET", `/api/measures/judge-workload?${ranges[0]}`, {
      token: tokens.attacker,
    });
    expect(first.headers.get("x-cache")).toBe("miss");
    // Evicted entries also left their tag sets: a tag names only keys that exist.
    const live = new Set(await measureKeys(redis));
    for (const tag of await redis.keys(`cf:cache-tag:${NS}:*`)) {
      for (const member of await redis.smembers(tag)) expect([tag, live.has(member)]).toEqual([tag, true]);
    }
    // An import's invalidation empties the accounting with the entries.
    await t.deps.cache.withNamespace(NS).invalidateTags(["court:2"]);
    expect(await measureKeys(redis)).toEqual([]);
    const [emptied] = (await t.deps.cache.usage()).filter((u) => u.namespace === NS);
    expect(emptied).toMatchObject({ keys: 0, bytes: 0 });
  }, 120_000);
});
