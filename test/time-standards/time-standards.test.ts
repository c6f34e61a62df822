import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { addDays } from "../../src/lib/dates";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeCases, resetData, seedStandards } from "../helpers/case-data";
import { freezeToday } from "../helpers/clock";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

// The app and the fixtures must agree on "today" (UTC midnight may pass during the file).
const today = freezeToday();

describePgRedis("time standards", () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    const tree = await makeCourtTree(db);
    // 100 days old: over traffic's 90-day standard, within felony's 365.
    await makeCases(db, [
      { courtId: tree.d1.id, caseNumber: "T-1", caseType: "traffic", filedOn: addDays(today, -100) },
      { courtId: tree.d1.id, caseNumber: "F-1", caseType: "felony", filedOn: addDays(today, -100) },
    ]);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    await makeUser(db, { email: "ca@x.org", role: "court_admin", courtId: tree.d1.id });
    await makeUser(db, { email: "analyst@x.org", role: "analyst" });
    await makeUser(db, { email: "viewer@x.org", role: "viewer", courtId: tree.d1.id });
    for (const who of ["admin", "ca", "analyst", "viewer"])
      tokens[who] = (await login(t, `${who}@x.org`)).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  test("GET lists every case type with its tiers and largest tier", async () => {
    for (const who of ["admin", "ca", "analyst", "viewer"]) {
      const res = await call(t, "GET", "/api/time-standards", { token: tokens[who] });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(11);
    }
    const res = await call(t, "GET", "/api/time-standards", { token: tokens.viewer });
    expect(res.body.data.find((s: { caseType: string }) => s.caseType === "protection_order")).toMatchObject({
      tiers: [
        { percent: 90, days: 10 },
        { percent: 98, days: 30 },
      ],
      maxDays: 30,
    });
    const csv = await call(t, "GET", "/api/time-standards?format=csv", { token: tokens.viewer });
    const lines = String(csv.body).trimEnd().split("\r\n");
    expect(lines[0]).toBe("case_type,percent,days,updated_at");
    expect(lines).toHaveLength(1 + 30);
  });

  test("PUT is for admins only", async () => {
    const body = { tiers: [{ percent: 98, days: 200 }] };
    for (const who of ["ca", "analyst", "viewer"]) {
      await expectError(
        await call(t, "PUT", "/api/time-standards/post_conviction", { token: tokens[who], body }),
        403,
        "FORBIDDEN",
      );
    }
    expect((await call(t, "PUT", "/api/time-standards/post_conviction", { body })).status).toBe(401);
  });

  test("PUT validates: tiers ascend, percents 1-100, a known case type", async () => {
    const res = await call(t, "PUT", "/api/time-standards/traffic", {
      token: tokens.admin,
      body: {
        tiers: [
          { percent: 90, days: 60 },
          { percent: 75, days: 30 },
          { percent: 101, days: 0 },
        ],
      },
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain("body.tiers.1.percent");
    expect(paths).toContain("body.tiers.1.days");
    expect(paths).toContain("body.tiers.2.percent");
    expect(paths).toContain("body.tiers.2.days");
    const unknown = await call(t, "PUT", "/api/time-standards/parking", {
      token: tokens.admin,
      body: { tiers: [{ percent: 90, days: 10 }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe("param.caseType");
    const empty = await call(t, "PUT", "/api/time-standards/traffic", {
      token: tokens.admin,
      body: { tiers: [] },
    });
    await expectError(empty, 400, "VALIDATION_FAILED", "body.tiers");
  });

  test("PUT replaces the tiers, writes an audit row, and drops cached standards and measures", async () => {
    const measures = t.deps.cache.withNamespace("measures");
    await measures.set("clearance:test", { n: 1 }, { tags: ["time-standards"] });
    await measures.set("untagged:test", { n: 2 });
    const over = await call(t, "GET", "/api/cases?overStandard=true", { token: tokens.admin });
    expect(over.body.data.map((c: { caseNumber: string }) => c.caseNumber)).toEqual(["T-1"]);
    await call(t, "GET", "/api/time-standards", { token: tokens.admin }); // warm

    const res = await call(t, "PUT", "/api/time-standards/traffic", {
      token: tokens.admin,
      body: {
        tiers: [
          { percent: 80, days: 45 },
          { percent: 95, days: 120 },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ caseType: "traffic", maxDays: 120 });

    expect(await measures.get("clearance:test")).toBeNull();
    expect(await measures.get("untagged:test")).toEqual({ n: 2 });
    const list = await call(t, "GET", "/api/time-standards", { token: tokens.admin });
    expect(list.body.data.find((s: { caseType: string }) => s.caseType === "traffic").tiers).toEqual([
      { percent: 80, days: 45 },
      { percent: 95, days: 120 },
    ]);
    // 100 days is now within traffic's 120.
    const after = await call(t, "GET", "/api/cases?overStandard=true", { token: tokens.admin });
    expect(after.body.data).toEqual([]);
    const [audit] = rowsOf<{ action: string; entity_id: string; changes: { from: unknown; to: unknown } }>(
      await t.deps.db.db.execute(
        sql`select action, entity_id, changes from audit_log where entity = 'time_standard'`,
      ),
    );
    expect(audit).toMatchObject({ action: "time_standard.replaced", entity_id: "traffic" });
    expect(audit!.changes.from).toEqual([
      { percent: 75, days: 30 },
      { percent: 90, days: 60 },
      { percent: 98, days: 90 },
    ]);
  });
});
