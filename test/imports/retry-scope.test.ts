import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { expectError, login } from "../helpers/http";
import {
  CASES_HEADER,
  csv,
  getBatch,
  type ImportWorld,
  type Json,
  processNow,
  setupWorld,
  upload,
} from "./helpers";

// A retry is a new run in today's scope: the attack was a court administrator retrying a batch after
// an admin moved one of its courts out of their subtree, which re-applied a row and undid the new
// owner's change. Who may retry which batch is checked as an attacker would: every role, and a court
// administrator of another court.

const SLOW = 90_000;

describePgRedis("POST /api/imports/:id/retry: today's scope, row by row; who may retry", () => {
  let t: TestApp;
  let w: ImportWorld;
  let otherCourtAdmin: string;
  let batchId: number;

  const retry = (token: string, id = batchId) =>
    t.app.request(`/api/imports/${id}/retry`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
  const caseRow = async (number: string) =>
    rowsOf<{ status: string; disposition: string | null }>(
      await t.deps.db.db.execute(sql`select status, disposition from cases where case_number = ${number}`),
    )[0];

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    w = await setupWorld(t);
    await makeUser(t.deps.db.db, { email: "ca2@imp.org", role: "court_admin", courtId: w.courts.d2.id });
    otherCourtAdmin = (await login(t, "ca2@imp.org")).accessToken;
    const res = await upload(t, w.tokens.court_admin, {
      cases: csv(CASES_HEADER, [
        "D1-L,R-1,traffic,2025-01-10,active,,,,",
        "D1,R-2,felony,2025-01-10,active,,,,",
        "D1,R-3,felony,2025-13-01,active,,,,", // a row error, so the batch can be retried
      ]),
    });
    batchId = res.body.id;
    await processNow(t, batchId);
    expect((await getBatch(t, w.tokens.court_admin, batchId)).body.status).toBe("completed_with_errors");
    // The admin moves D1-L under D2; D2's people then dispose of R-1.
    const moved = await t.app.request(`/api/courts/${w.courts.d1l.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${w.tokens.admin}`, "content-type": "application/json" },
      body: JSON.stringify({ parentId: w.courts.d2.id }),
    });
    expect(moved.status).toBe(200);
    await t.deps.db.db.execute(sql`
      update cases set status = 'disposed', disposed_on = '2025-06-01', disposition = 'settled',
        version = version + 1 where case_number = 'R-1'`);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  test(
    "the uploader retrying: the moved court's row is a row error that does not reveal the court; the new owner's change stands",
    async () => {
      const res = await retry(w.tokens.court_admin);
      expect(res.status).toBe(202);
      await processNow(t, batchId);
      const { body } = await getBatch(t, w.tokens.court_admin, batchId);
      expect(body.status).toBe("completed_with_errors");
      expect(body.errors).toEqual([
        { file: "cases", line: 2, field: "court_code", message: 'unknown court code "D1-L"' },
        { file: "cases", line: 4, field: "filed_on", message: '"2025-13-01" is not a date YYYY-MM-DD' },
      ]);
      expect(await caseRow("R-1")).toEqual({ status: "disposed", disposition: "settled" });
    },
    SLOW,
  );

  test(
    "an analyst (or admin) retrying the court administrator's batch still works within the uploader's scope today",
    async () => {
      expect((await retry(w.tokens.analyst)).status).toBe(202);
      await processNow(t, batchId);
      const { body } = await getBatch(t, w.tokens.analyst, batchId);
      expect(body.counts.cases).toMatchObject({ failed: 2, unchanged: 1 });
      expect(await caseRow("R-1")).toEqual({ status: "disposed", disposition: "settled" });
      expect((await retry(w.tokens.admin)).status).toBe(202);
      await processNow(t, batchId);
      expect(await caseRow("R-1")).toEqual({ status: "disposed", disposition: "settled" });
    },
    SLOW,
  );

  test(
    "who may retry: another court's administrator 404, a viewer 403, nobody 401; an unknown batch 404",
    async () => {
      const other = await retry(otherCourtAdmin);
      expect(other.status).toBe(404);
      expect(((await other.json()) as Json).error.code).toBe("NOT_FOUND");
      await expectError(await retry(w.tokens.viewer), 403, "FORBIDDEN");
      expect((await t.app.request(`/api/imports/${batchId}/retry`, { method: "POST" })).status).toBe(401);
      await expectError(await retry(w.tokens.admin, batchId + 1000), 404, "NOT_FOUND");
      // An admin's batch is invisible to a court administrator too.
      const adminBatch = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, ["D1,R-9,felony,2025-13-01,active,,,,"]),
      });
      await processNow(t, adminBatch.body.id);
      await expectError(await retry(w.tokens.court_admin, adminBatch.body.id), 404, "NOT_FOUND");
    },
    SLOW,
  );
});
