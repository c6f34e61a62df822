// Measure caching as the dashboard sees it: X-Cache miss then hit, ETag + 304, fresh=true for admins
// and analysts only, entries per effective court scope, and invalidation by time-standard edits and
// by imports' court tags.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MEASURES_CACHE_NAMESPACE, measureCacheTags } from "../../src/modules/measures/measures.cache-keys";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";
import { FIXTURE } from "./fixture";
import { loadFixture } from "./targets";

const P = "from=2024-01-01&to=2024-06-30";

describePgRedis("measures cache, ETags and fresh", () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    const db = t.deps.db.db;
    await resetDb(db);
    await resetRedis(t.deps.redis);
    await loadFixture(db, FIXTURE);
    await refreshMeasureRollups(db, {});
    await makeUser(db, { email: "admin@example.test", role: "admin" });
    await makeUser(db, { email: "analyst@example.test", role: "analyst" });
    await makeUser(db, { email: "d1@example.test", role: "viewer", courtId: 2 });
    await makeUser(db, { email: "d2@example.test", role: "viewer", courtId: 3 });
    for (const who of ["admin", "analyst", "d1", "d2"]) {
      tokens[who] = (await login(t, `${who}@example.test`)).accessToken;
    }
  });
  afterAll(async () => {
    await t.close();
  });

  test("a second identical request is a cache hit with the same figures; the entry lives in Redis", async () => {
    const first = await call(t, "GET", `/api/measures/clearance?${P}&granularity=quarter`, {
      token: tokens.analyst,
    });
    const second = await call(t, "GET", `/api/measures/clearance?${P}&granularity=quarter`, {
      token: tokens.analyst,
    });
    expect(first.headers.get("x-cache")).toBe("miss");
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(second.body).toEqual(first.body);
    const keys = await t.deps.redis!.cache.keys(`cf:cache:${MEASURES_CACHE_NAMESPACE}:clearance:*`);
    expect(keys.length).toBeGreaterThanOrEqual(1);
  });

  test("ETag on every answer; If-None-Match with it → 304 and no body", async () => {
    const res = await call(t, "GET", `/api/measures/backlog?${P}`, { token: tokens.admin });
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"backlog-/);
    const again = await call(t, "GET", `/api/measures/backlog?${P}`, {
      token: tokens.admin,
      headers: { "if-none-match": etag! },
    });
    expect(again.status).toBe(304);
    expect(again.body).toBeNull();
    const other = await call(t, "GET", `/api/measures/backlog?${P}`, {
      token: tokens.admin,
      headers: { "if-none-match": '"something-else"' },
    });
    expect(other.status).toBe(200);
  });

  test("dataAsOf: in the body and the Data-As-Of header (CSV and 304 too); a cached answer keeps the one it was computed with", async () => {
    const url = `/api/measures/continuances?${P}&courtId=3`;
    const first = await call(t, "GET", url, { token: tokens.analyst });
    expect(first.headers.get("x-cache")).toBe("miss");
    const asOf = first.body.dataAsOf as string;
    expect(asOf).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(first.headers.get("data-as-of")).toBe(asOf);
    const csv = await call(t, "GET", `${url}&format=csv`, { token: tokens.analyst });
    expect(csv.headers.get("content-type")).toStartWith("text/csv");
    expect(csv.headers.get("data-as-of")).toBe(asOf);
    const notModified = await call(t, "GET", url, {
      token: tokens.analyst,
      headers: { "if-none-match": first.headers.get("etag")! },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("data-as-of")).toBe(asOf);

    // A refresh lands that does not touch D2 (its cache entry stays): the cached answer still says
    // when its own figures were read; a recomputed one says the new time.
    await Bun.sleep(5);
    await refreshMeasureRollups(t.deps.db.db, { caseIds: [1] });
    const cached = await call(t, "GET", url, { token: tokens.analyst });
    expect(cached.headers.get("x-cache")).toBe("hit");
    expect(cached.body.dataAsOf).toBe(asOf);
    expect(cached.headers.get("data-as-of")).toBe(asOf);
    const fresh = await call(t, "GET", `${url}&fresh=true`, { token: tokens.analyst });
    expect(fresh.body.dataAsOf > asOf).toBe(true);
    expect(fresh.headers.get("data-as-of")).toBe(fresh.body.dataAsOf);
    expect({ ...fresh.body, dataAsOf: asOf }).toEqual(cached.body);
  });

  test("fresh=true recomputes for admins and analysts; viewers get 403", async () => {
    const admin = await call(t, "GET", `/api/measures/summary?${P}&fresh=true`, { token: tokens.admin });
    expect(admin.status).toBe(200);
    expect(admin.headers.get("x-cache")).toBe("bypass");
    expect(
      (await call(t, "GET", `/api/measures/summary?${P}&fresh=true`, { token: tokens.analyst })).status,
    ).toBe(200);
    const viewer = await call(t, "GET", `/api/measures/summary?${P}&fresh=true`, { token: tokens.d1 });
    await expectError(viewer, 403, "FORBIDDEN");
  });

  test("two districts never share an entry: each sees its own figures, even cached", async () => {
    const d1a = await call(t, "GET", `/api/measures/clearance?${P}`, { token: tokens.d1 });
    const d2a = await call(t, "GET", `/api/measures/clearance?${P}`, { token: tokens.d2 });
    const d1b = await call(t, "GET", `/api/measures/clearance?${P}`, { token: tokens.d1 });
    const d2b = await call(t, "GET", `/api/measures/clearance?${P}`, { token: tokens.d2 });
    expect(d1a.body.total).not.toEqual(d2a.body.total);
    expect(d1b.body).toEqual(d1a.body);
    expect(d2b.body).toEqual(d2a.body);
    expect(d1b.headers.get("x-cache")).toBe("hit");
  });

  test("an import's court tags and a time-standard edit drop the cached figures", async () => {
    const path = `/api/measures/time-to-disposition?${P}`;
    await call(t, "GET", path, { token: tokens.d1 });
    expect((await call(t, "GET", path, { token: tokens.d1 })).headers.get("x-cache")).toBe("hit");
    // What an import of court 2 does when it finishes:
    await t.deps.cache.withNamespace(MEASURES_CACHE_NAMESPACE).invalidateTags(measureCacheTags([2]));
    expect((await call(t, "GET", path, { token: tokens.d1 })).headers.get("x-cache")).toBe("miss");

    expect((await call(t, "GET", path, { token: tokens.admin })).headers.get("x-cache")).toBe("miss");
    expect((await call(t, "GET", path, { token: tokens.admin })).headers.get("x-cache")).toBe("hit");
    const standards = await call(t, "GET", "/api/time-standards", { token: tokens.admin });
    const felony = standards.body.data.find((s: { caseType: string }) => s.caseType === "felony");
    const put = await call(t, "PUT", "/api/time-standards/felony", {
      token: tokens.admin,
      body: { tiers: felony.tiers },
    });
    expect(put.status).toBe(200);
    expect((await call(t, "GET", path, { token: tokens.admin })).headers.get("x-cache")).toBe("miss");
  });
});
