import { afterAll, beforeAll, expect, test } from "bun:test";
import { and, eq, sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { users } from "../../src/db/schema";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

/** An admin cannot lock the system out: not through themselves, not by two admins racing. */
describePgRedis("no admin lock-out", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: "true", LOGIN_RATE_LIMIT_PER_MIN: "1000" } });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
  });
  afterAll(async () => {
    await t.close();
  });

  const activeAdmins = async () =>
    (
      await t.deps.db.db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, "admin"), eq(users.active, true)))
    ).map((r) => r.id);

  test("the only admin cannot deactivate, demote or re-court themselves (403, another admin must)", async () => {
    const a = await makeUser(t.deps.db.db, { email: "a@x.org", role: "admin" });
    const token = (await login(t, "a@x.org")).accessToken;
    for (const body of [{ active: false }, { role: "analyst" }, { courtId: null, role: "viewer" }]) {
      const res = await call(t, "PATCH", `/api/users/${a.id}`, { token, body });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("SELF_CHANGE_NOT_ALLOWED");
    }
    await expectError(
      await call(t, "DELETE", `/api/users/${a.id}`, { token }),
      403,
      "SELF_CHANGE_NOT_ALLOWED",
    );
    expect(await activeAdmins()).toEqual([a.id]);
  });

  test("two admins demoting each other at once: one wins, the other is refused, one admin remains", async () => {
    const b = await makeUser(t.deps.db.db, { email: "b@x.org", role: "admin" });
    const [a] = await activeAdmins();
    const ta = (await login(t, "a@x.org")).accessToken;
    const tb = (await login(t, "b@x.org")).accessToken;
    // Hold the admin rows so both requests are inside their transactions before either goes on: that
    // is the interleaving where each, counting without a lock, would see two admins and demote.
    const db = t.deps.db.db;
    let release!: () => void;
    let held!: () => void;
    const isHeld = new Promise<void>((r) => {
      held = r;
    });
    const holder = db.transaction(async (tx) => {
      await tx.execute(sql`select id from users where role = 'admin' for update`);
      held();
      await new Promise<void>((r) => {
        release = r;
      });
    });
    await isHeld;
    const both = Promise.all([
      call(t, "PATCH", `/api/users/${b.id}`, { token: ta, body: { role: "analyst" } }),
      call(t, "PATCH", `/api/users/${a}`, { token: tb, body: { active: false } }),
    ]);
    for (let waiting = 0; waiting < 2; ) {
      await Bun.sleep(20);
      const rows = rowsOf<{ n: number }>(
        await db.execute(sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`),
      );
      waiting = Number(rows[0]?.n ?? 0);
    }
    release();
    await holder;
    const statuses = (await both).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    expect(await activeAdmins()).toHaveLength(1);
  });
});
