import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createDb, type DbHandle } from "../../src/db/client";
import { courts, judges } from "../../src/db/schema";
import { withTransaction } from "../../src/db/transaction";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, testConfig } from "../helpers/db";
import { describePg } from "../helpers/guards";
import { freePort } from "../helpers/process";

// Each route below makes PostgreSQL raise a real error; the app's one error handler must turn it into
// the envelope with the right status.
describePg("SQLSTATE → HTTP error envelope", () => {
  let t: TestApp;
  let offline: DbHandle;

  beforeAll(async () => {
    t = await createTestApp();
    offline = await createDb(
      testConfig({ DATABASE_URL: `postgres://root@127.0.0.1:${freePort()}/x`, DATABASE_POOL_TIMEOUT_S: "1" }),
    );
    const db = t.deps.db.db;
    t.app.post("/test/unique", async () => {
      await db.insert(courts).values({ code: "DUP", name: "A", level: "trial" });
      await db.insert(courts).values({ code: "DUP", name: "B", level: "trial" });
      return new Response("unreachable");
    });
    t.app.post("/test/foreign-key", async () => {
      await db.insert(judges).values({ code: "J1", name: "Judge", courtId: 999_999 });
      return new Response("unreachable");
    });
    t.app.post("/test/not-null", async () => {
      await db.execute(sql`insert into courts (code, name, level) values ('X', null, 'trial')`);
      return new Response("unreachable");
    });
    t.app.get("/test/bad-value", async () => {
      await db.execute(sql`select 'not-a-number'::int`);
      return new Response("unreachable");
    });
    t.app.get("/test/timeout", async () => {
      await withTransaction(db, async (tx) => {
        await tx.execute(sql`set local statement_timeout = 50`);
        await tx.execute(sql`select pg_sleep(2)`);
      });
      return new Response("unreachable");
    });
    t.app.get("/test/offline", async () => {
      await offline.db.execute(sql`select 1`);
      return new Response("unreachable");
    });
    t.app.get("/test/bug", () => {
      throw new Error("secret internal detail at /srv/app.ts:42");
    });
  });
  afterAll(async () => {
    await offline.close();
    await t.close();
  });
  beforeEach(async () => {
    await resetDb(t.deps.db.db);
  });

  const cases: [string, string, number, string][] = [
    ["POST", "/test/unique", 409, "CONFLICT"],
    ["POST", "/test/foreign-key", 409, "REFERENCE_NOT_FOUND"],
    ["POST", "/test/not-null", 400, "VALIDATION_FAILED"],
    ["GET", "/test/bad-value", 400, "VALIDATION_FAILED"],
    ["GET", "/test/timeout", 504, "QUERY_TIMEOUT"],
    ["GET", "/test/offline", 503, "DATABASE_UNAVAILABLE"],
    ["GET", "/test/bug", 500, "INTERNAL"],
  ];

  for (const [method, path, status, code] of cases) {
    test(`${method} ${path} → ${status} ${code}`, async () => {
      const res = await t.app.request(path, { method, headers: { "X-Request-Id": `req-${code}` } });
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.requestId).toBe(`req-${code}`);
      expect(typeof body.error.message).toBe("string");
      expect(JSON.stringify(body)).not.toContain("    at ");
    });
  }

  test("a unique violation names the field in the one details shape (a list of { path, message })", async () => {
    const res = await t.app.request("/test/unique", { method: "POST" });
    const body = (await res.json()) as { error: { message: string; details: unknown } };
    expect(body.error.details).toEqual([
      { path: "body.code", message: "already exists", constraint: "courts_code_uq" },
    ]);
    expect(body.error.message).toContain("code");
  });

  test("every database error with details uses the same list of { path, message }", async () => {
    for (const [method, path] of [
      ["POST", "/test/foreign-key"],
      ["POST", "/test/not-null"],
    ] as const) {
      const res = await t.app.request(path, { method });
      const body = (await res.json()) as { error: { details: { path: string; message: string }[] } };
      expect(Array.isArray(body.error.details)).toBe(true);
      for (const d of body.error.details) {
        expect(typeof d.path).toBe("string");
        expect(typeof d.message).toBe("string");
      }
    }
    const fk = await t.app.request("/test/foreign-key", { method: "POST" });
    expect(((await fk.json()) as { error: { details: unknown } }).error.details).toEqual([
      {
        path: "body.courtId",
        message: "does not exist or is still referenced",
        constraint: expect.any(String),
      },
    ]);
    const nn = await t.app.request("/test/not-null", { method: "POST" });
    expect(((await nn.json()) as { error: { details: unknown } }).error.details).toEqual([
      { path: "body.name", message: "is required" },
    ]);
  });

  test("a 500 hides its message and stack from the client but logs them with the request id", async () => {
    const res = await t.app.request("/test/bug", { headers: { "X-Request-Id": "req-bug-1" } });
    const text = await res.text();
    expect(text).not.toContain("secret internal detail");
    expect(JSON.parse(text).error.message).toBe("Internal server error");
    const logged = t.logs.json().find((l) => l.msg === "request failed" && l.reqId === "req-bug-1");
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain("secret internal detail");
  });
});
