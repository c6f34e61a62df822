import { afterAll, beforeAll, expect, test } from "bun:test";
import { encodeCursor } from "../../src/lib/cursor";
import { addDays } from "../../src/lib/dates";
import { createTestApp, type TestApp } from "../helpers/app";
import { type CaseSpec, makeCases, resetData, seedStandards } from "../helpers/case-data";
import { freezeToday } from "../helpers/clock";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";
import { walkPages } from "./walk";

// The app and the fixtures must agree on "today" (UTC midnight may pass during the file).
const today = freezeToday();

// Keyset pagination while other writers insert cases: every case that existed when the walk began
// appears exactly once, whatever lands before or after the cursor meanwhile.

describePgRedis("GET /api/cases pagination", () => {
  let t: TestApp;
  let admin: string;
  let courtId: number;
  let initialIds: number[];
  /** Every case the concurrent writers added, across the tests of this file. */
  const inserted: number[] = [];
  let counter = 0;

  const spec = (filedOn: string, events?: CaseSpec["events"]): CaseSpec => ({
    courtId,
    caseNumber: `P-${String(++counter).padStart(6, "0")}`,
    caseType: "civil_general",
    filedOn,
    events,
  });

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    courtId = (await makeCourtTree(db)).d1.id;
    // Many cases share a filing date, so the id tie-break is exercised on every page.
    const specs = Array.from({ length: 300 }, (_, i) => {
      const filed = addDays(today, -(i % 40) * 7);
      return spec(filed, i % 3 === 0 ? [{ type: "disposed", on: today }] : undefined);
    });
    initialIds = await makeCases(db, specs);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    admin = (await login(t, "admin@x.org")).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  for (const sort of ["-filedOn", "filedOn", "caseNumber", "ageDays", "-ageDays"]) {
    test(`sort ${sort}: no duplicate and no gap while cases are inserted concurrently`, async () => {
      const db = t.deps.db.db;
      let inserting = true;
      const before = inserted.length;
      // A writer racing the reader: new cases on dates before, inside and after the walked range.
      const writer = (async () => {
        while (inserting) {
          const filed = addDays(today, -Math.floor(Math.random() * 300));
          inserted.push(...(await makeCases(db, [spec(filed)])));
          await Bun.sleep(20);
        }
      })();
      const { rows } = await walkPages(t, admin, "/api/cases", { sort, limit: 23, courtId }, async () => {
        // And one insert between every two pages, so each page boundary sees a change.
        inserted.push(...(await makeCases(db, [spec(addDays(today, -Math.floor(Math.random() * 300)))])));
      });
      inserting = false;
      await writer;
      const ids = rows.map((r) => r.id as number);
      expect(new Set(ids).size).toBe(ids.length);
      const seen = new Set(ids);
      expect(initialIds.filter((id) => !seen.has(id))).toEqual([]);
      // Nothing but real cases came back.
      const known = new Set([...initialIds, ...inserted]);
      expect(ids.filter((id) => !known.has(id))).toEqual([]);
      expect(inserted.length - before).toBeGreaterThan(5);
    }, 30_000);
  }

  test("limit: default 50, at most 200; a bad limit is a 400 naming query.limit", async () => {
    const first = await call(t, "GET", "/api/cases", { token: admin });
    expect(first.body.data).toHaveLength(50);
    expect(typeof first.body.nextCursor).toBe("string");
    const max = await call(t, "GET", "/api/cases?limit=200", { token: admin });
    expect(max.body.data).toHaveLength(200);
    for (const bad of ["201", "0", "-1", "abc"]) {
      const res = await call(t, "GET", `/api/cases?limit=${bad}`, { token: admin });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain("query.limit");
    }
  });

  test("a malformed or foreign cursor is a 400 naming query.cursor", async () => {
    const bad = [
      "not base64!",
      "eyJ4IjoxfQ", // {"x":1}
      encodeCursor({ s: "filedOn", k: "2024-01-01", i: 5 }), // another sort's cursor
      encodeCursor({ s: "-filedOn", k: "not-a-date", i: 5 }),
      encodeCursor({ s: "-filedOn", k: null, i: 5 }),
      "A".repeat(600),
    ];
    for (const cursor of bad) {
      const res = await call(t, "GET", `/api/cases?sort=-filedOn&cursor=${encodeURIComponent(cursor)}`, {
        token: admin,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain("query.cursor");
    }
  });

  test("every bad field is named at once", async () => {
    const res = await call(
      t,
      "GET",
      "/api/cases?courtId=abc&caseType=nope&status=open&filedFrom=2024-02-30&sort=age&overStandard=yes&minAgeDays=-1",
      { token: admin },
    );
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(
      [
        "query.caseType",
        "query.courtId",
        "query.filedFrom",
        "query.minAgeDays",
        "query.overStandard",
        "query.sort",
        "query.status",
      ].sort(),
    );
    const order = await call(t, "GET", "/api/cases?filedFrom=2024-05-01&filedTo=2024-01-01", {
      token: admin,
    });
    expect(order.status).toBe(400);
    expect(order.body.error.details[0].path).toBe("query.filedTo");
  });
});
