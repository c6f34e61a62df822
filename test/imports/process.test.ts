import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { clearance } from "../../src/modules/measures/measures.service";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeJudge } from "../helpers/case-data";
import { describePgRedis } from "../helpers/guards";
import { expectError } from "../helpers/http";
import {
  ACTIVITIES_HEADER,
  CASES_HEADER,
  count,
  csv,
  getBatch,
  type ImportWorld,
  type Json,
  processNow,
  setupWorld,
  upload,
} from "./helpers";

const CASES = csv(CASES_HEADER, [
  "D1,C-1,felony,2025-01-10,active,,J1,,", // 2 ok
  "D1,C-2,felony,2025-13-01,active,,,,", // 3 bad date
  "XX,C-3,felony,2025-01-10,active,,,,", // 4 unknown court
  "D1,C-4,notatype,2025-01-10,active,,J9,,", // 5 unknown type and judge
  "D1,C-5,civil_general,2025-02-01,disposed,,,2025-01-01,settled", // 6 disposed before filed
  "D2,C-6,misdemeanor,2025-01-05,disposed,2025-03-01,J2,2025-03-01,plea", // 7 ok
  ",C-7,felony,2025-01-05,active,,,,", // 8 no court
]);
const ACTIVITIES = csv(ACTIVITIES_HEADER, [
  'A1,D1,C-1,hearing,2025-02-01,held,J1,"note with\nnewline"', // 2-3 ok
  "A2,D1,C-404,hearing,2025-02-01,,,", // 4 no such case
  "A3,D1,C-1,filed,2025-01-10,,,", // 5 takes over the derived filed event
  "A4,D2,C-6,trial_setting,2025-02-15,continued,,", // 6 ok
  "A5,D1,C-1,hearing,2025-02-30,,,", // 7 bad date
  "A6,D1,C-1,bogus,2025-02-01,maybe,,", // 8 unknown type and outcome
  "A7,D1,C-2,hearing,2025-02-01,,,", // 9 its case failed
]);

async function activitiesOf(t: TestApp, caseNumber: string) {
  return rowsOf<{ type: string; occurred_on: string; source_id: string | null }>(
    await t.deps.db.db.execute(sql`
      select a.type, a.occurred_on::text, a.source_id from case_activities a join cases c on c.id = a.case_id
      where c.case_number = ${caseNumber} order by a.occurred_on, a.type`),
  );
}

/** Real logins (argon2), uploads and processing on a shared 2-core machine. */
const SLOW = 60_000;

describePgRedis("import processing", () => {
  let t: TestApp;
  let w: ImportWorld;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  describe("row errors, good rows, re-import", () => {
    let batchId: number;
    beforeAll(async () => {
      w = await setupWorld(t);
      const res = await upload(t, w.tokens.admin, { cases: CASES, activities: ACTIVITIES });
      expect(res.status).toBe(202);
      batchId = res.body.id;
      // Chunks of 2 rows: every count must still be exact across chunk boundaries.
      const outcome = await processNow(t, batchId, 2);
      expect(outcome.state).toBe("finished");
    }, SLOW);

    test(
      "counts per file, status, progress",
      async () => {
        const { body } = await getBatch(t, w.tokens.admin, batchId);
        expect(body.status).toBe("completed_with_errors");
        expect(body.counts).toEqual({
          cases: { total: 7, inserted: 2, updated: 0, unchanged: 0, failed: 5 },
          activities: { total: 7, inserted: 3, updated: 0, unchanged: 0, failed: 4 },
        });
        expect(body.progress).toEqual({ phase: "done", processedRows: 14, totalRows: 14, percent: 100 });
        expect(body.errorCount).toBe(11);
        expect(body.rollupCasesPending).toBe(0);
        expect(body.finishedAt).not.toBeNull();
      },
      SLOW,
    );

    test(
      "every error with its file, exact line, field and message",
      async () => {
        const res = await t.app.request(`/api/imports/${batchId}/errors?limit=200`, {
          headers: { authorization: `Bearer ${w.tokens.admin}` },
        });
        const { data, nextCursor } = (await res.json()) as Json;
        expect(nextCursor).toBeNull();
        expect(data.map((e: Json) => [e.file, e.line, e.field])).toEqual([
          ["cases", 3, "filed_on"],
          ["cases", 4, "court_code"],
          ["cases", 5, "case_type"],
          ["cases", 5, "judge_code"],
          ["cases", 6, "disposed_on"],
          ["cases", 8, "court_code"],
          ["activities", 4, "case_number"],
          ["activities", 7, "occurred_on"],
          ["activities", 8, "type"],
          ["activities", 8, "outcome"],
          ["activities", 9, "case_number"],
        ]);
        expect(data[0].message).toBe('"2025-13-01" is not a date YYYY-MM-DD');
        expect(data[1].message).toBe('unknown court code "XX"');
        expect(data[4].message).toBe("disposed_on 2025-01-01 is before filed_on 2025-02-01");
        expect(data[5].message).toBe("court_code is required");
        expect(data[6].message).toBe("case C-404 of court D1 is in neither the cases file nor the database");
        // The summary on the batch holds the same first errors.
        const { body } = await getBatch(t, w.tokens.admin, batchId);
        expect(body.errors.map((e: Json) => e.line)).toEqual(data.map((e: Json) => e.line));
      },
      SLOW,
    );

    test(
      "pages of errors and the CSV export",
      async () => {
        const page1 = (await (
          await t.app.request(`/api/imports/${batchId}/errors?limit=4`, {
            headers: { authorization: `Bearer ${w.tokens.admin}` },
          })
        ).json()) as Json;
        expect(page1.data).toHaveLength(4);
        const page2 = (await (
          await t.app.request(`/api/imports/${batchId}/errors?limit=4&cursor=${page1.nextCursor}`, {
            headers: { authorization: `Bearer ${w.tokens.admin}` },
          })
        ).json()) as Json;
        expect(page2.data[0]).toMatchObject({ file: "cases", line: 6 });
        const res = await t.app.request(`/api/imports/${batchId}/errors?format=csv`, {
          headers: { authorization: `Bearer ${w.tokens.admin}` },
        });
        expect(res.headers.get("content-type")).toContain("text/csv");
        const lines = (await res.text()).trim().split("\r\n");
        expect(lines[0]).toBe("file,line,field,message");
        expect(lines).toHaveLength(12);
        expect(lines[1]).toBe('cases,3,filed_on,"""2025-13-01"" is not a date YYYY-MM-DD"');
      },
      SLOW,
    );

    test(
      "good rows landed; derived status events; the activity took over the derived filed event",
      async () => {
        expect(await count(t, "select * from cases")).toBe(2);
        expect(await activitiesOf(t, "C-1")).toEqual([
          { type: "filed", occurred_on: "2025-01-10", source_id: "A3" },
          { type: "hearing", occurred_on: "2025-02-01", source_id: "A1" },
        ]);
        expect(await activitiesOf(t, "C-6")).toEqual([
          { type: "filed", occurred_on: "2025-01-05", source_id: null },
          { type: "trial_setting", occurred_on: "2025-02-15", source_id: "A4" },
          { type: "disposed", occurred_on: "2025-03-01", source_id: null },
        ]);
        const notes = rowsOf<{ notes: string }>(
          await t.deps.db.db.execute(sql`select notes from case_activities where source_id = 'A1'`),
        );
        expect(notes[0]!.notes).toBe("note with\nnewline");
      },
      SLOW,
    );

    test(
      "the same files again: everything unchanged, nothing rewritten",
      async () => {
        const before = rowsOf<{ m: string }>(
          await t.deps.db.db.execute(
            sql`select max(updated_at)::text as m from (select updated_at from cases union all select updated_at from case_activities) x`,
          ),
        )[0]!.m;
        const again = await upload(t, w.tokens.admin, { cases: CASES, activities: ACTIVITIES });
        expect(again.status).toBe(200); // same checksum: the earlier batch
        expect(again.body.id).toBe(batchId);
        const forced = await upload(t, w.tokens.admin, { cases: CASES, activities: ACTIVITIES, force: true });
        expect(forced.status).toBe(202);
        await processNow(t, forced.body.id, 3);
        const { body } = await getBatch(t, w.tokens.admin, forced.body.id);
        expect(body.counts).toEqual({
          cases: { total: 7, inserted: 0, updated: 0, unchanged: 2, failed: 5 },
          activities: { total: 7, inserted: 0, updated: 0, unchanged: 3, failed: 4 },
        });
        expect(await count(t, "select * from case_activities")).toBe(5);
        const after = rowsOf<{ m: string }>(
          await t.deps.db.db.execute(
            sql`select max(updated_at)::text as m from (select updated_at from cases union all select updated_at from case_activities) x`,
          ),
        )[0]!.m;
        expect(after).toBe(before);
        expect(await count(t, `select * from import_touched_cases`)).toBe(0);
      },
      SLOW,
    );

    test(
      "a changed row is updated; a corrected filed_on moves the derived event; within a file the last line of a key wins",
      async () => {
        const res = await upload(t, w.tokens.admin, {
          cases: csv(CASES_HEADER, [
            "D1,C-1,felony,2025-01-10,active,,J1,,", // unchanged
            "D2,C-6,misdemeanor,2025-01-06,disposed,2025-03-01,J2,2025-03-01,plea", // filed_on corrected
            "D1,C-9,traffic,2025-04-01,active,,,,", // superseded by line 6: never applied
            "D1,C-9,probate,2025-04-01,active,,,,", // same key again: the later line wins
          ]),
        });
        await processNow(t, res.body.id, 100);
        const { body } = await getBatch(t, w.tokens.admin, res.body.id);
        expect(body.status).toBe("completed");
        expect(body.files.cases).toMatchObject({ rows: 4, superseded: 1 });
        expect(body.counts.cases).toEqual({ total: 3, inserted: 1, updated: 1, unchanged: 1, failed: 0 });
        expect(body.progress).toMatchObject({ processedRows: 3, totalRows: 3, percent: 100 });
        expect((await activitiesOf(t, "C-6")).filter((a) => a.type === "filed")).toEqual([
          { type: "filed", occurred_on: "2025-01-06", source_id: null },
        ]);
        const c9 = rowsOf<{ case_type: string; version: number }>(
          await t.deps.db.db.execute(sql`select case_type, version from cases where case_number = 'C-9'`),
        );
        expect(c9).toEqual([{ case_type: "probate", version: 1 }]);
      },
      SLOW,
    );

    test(
      "a second source claiming a status event the case holds is a row error, not a second event",
      async () => {
        const res = await upload(t, w.tokens.admin, {
          activities: csv(ACTIVITIES_HEADER, [
            "B1,D1,C-1,filed,2025-01-10,,,",
            "B2,D1,C-9,hearing,2025-05-01,,,",
            "B3,D1,C-9,hearing,2025-05-02,,,",
          ]),
        });
        await processNow(t, res.body.id, 2);
        const { body } = await getBatch(t, w.tokens.admin, res.body.id);
        expect(body.counts.activities).toEqual({
          total: 3,
          inserted: 2,
          updated: 0,
          unchanged: 0,
          failed: 1,
        });
        expect(body.errors[0]).toEqual({
          file: "activities",
          line: 2,
          field: "type",
          message: "case C-1 already has a filed event on 2025-01-10 (source_id A3)",
        });
      },
      SLOW,
    );
  });

  describe("court administrator scope", () => {
    test(
      "courts and judges outside the uploader's subtree read as unknown codes (row errors); the others land",
      async () => {
        w = await setupWorld(t);
        // J3's home is D2, but today they sit in D1: a D1 court administrator may assign them.
        const j3 = await makeJudge(t.deps.db.db, { code: "J3", courtId: w.courts.d2.id });
        await t.deps.db.db.execute(
          sql`insert into judge_assignments (judge_id, court_id, starts_on) values (${j3.id}, ${w.courts.d1.id}, '2020-01-01')`,
        );
        const res = await upload(t, w.tokens.court_admin, {
          cases: csv(CASES_HEADER, [
            "D1,S-1,felony,2025-01-10,active,,J1,,",
            "D1-L,S-2,traffic,2025-01-10,active,,J3,,",
            "D2,S-3,felony,2025-01-10,active,,,,",
            "D1,S-4,felony,2025-01-10,active,,J2,,", // J2 belongs to D2 only
          ]),
          activities: csv(ACTIVITIES_HEADER, [
            "X1,D2,S-3,hearing,2025-02-01,,,",
            "X2,D1,S-1,hearing,2025-02-01,,,",
            "X3,D1,S-1,hearing,2025-02-02,,J2,",
          ]),
        });
        expect(res.status).toBe(202);
        await processNow(t, res.body.id);
        const { body } = await getBatch(t, w.tokens.court_admin, res.body.id);
        expect(body.counts).toEqual({
          cases: { total: 4, inserted: 2, updated: 0, unchanged: 0, failed: 2 },
          activities: { total: 3, inserted: 1, updated: 0, unchanged: 0, failed: 2 },
        });
        // Word for word what a code that exists nowhere gets: nothing tells D2 or J2 exist.
        expect(body.errors).toEqual([
          { file: "cases", line: 4, field: "court_code", message: 'unknown court code "D2"' },
          { file: "cases", line: 5, field: "judge_code", message: 'unknown judge code "J2"' },
          { file: "activities", line: 2, field: "court_code", message: 'unknown court code "D2"' },
          { file: "activities", line: 4, field: "judge_code", message: 'unknown judge code "J2"' },
        ]);
        expect(await count(t, "select * from cases where case_number in ('S-3', 'S-4')")).toBe(0);
        expect(await count(t, `select * from cases where case_number = 'S-2' and judge_id = ${j3.id}`)).toBe(
          1,
        );
        // A court administrator sees their own uploads only; an admin's batch is a 404 to them.
        const adminBatch = await upload(t, w.tokens.admin, {
          cases: csv(CASES_HEADER, ["D2,S-9,felony,2025-01-10,active,,,,"]),
        });
        await expectError(await getBatch(t, w.tokens.court_admin, adminBatch.body.id), 404, "NOT_FOUND");
        const list = (await (
          await t.app.request("/api/imports", {
            headers: { authorization: `Bearer ${w.tokens.court_admin}` },
          })
        ).json()) as Json;
        expect(list.data.map((b: Json) => b.id)).toEqual([res.body.id]);
        const all = (await (
          await t.app.request("/api/imports?status=queued", {
            headers: { authorization: `Bearer ${w.tokens.analyst}` },
          })
        ).json()) as Json;
        expect(all.data.map((b: Json) => b.id)).toEqual([adminBatch.body.id]);
      },
      SLOW,
    );
  });

  describe("measures after an import", () => {
    test(
      "rollups are brought up to date and the touched courts' cached measures are dropped",
      async () => {
        w = await setupWorld(t);
        const db = t.deps.db.db;
        // The service takes the court list as resolved (D1 and its child D1-L).
        const filters = {
          from: "2025-01-01",
          to: "2025-12-31",
          asOf: "2025-12-31",
          courtIds: [w.courts.d1.id, w.courts.d1l.id],
        };
        const before = await clearance(db, filters, "total");
        expect(before.total).toEqual({ incoming: 0, outgoing: 0, clearanceRate: null });
        // Cached measures of D1, of its parent STATE (which includes it), of all courts, and of D2.
        const measures = t.deps.cache.withNamespace("measures");
        await measures.set("d1", 1, { tags: [`court:${w.courts.d1.id}`] });
        await measures.set("state", 1, { tags: [`court:${w.courts.state.id}`] });
        await measures.set("all", 1, { tags: ["court:all"] });
        await measures.set("d2", 1, { tags: [`court:${w.courts.d2.id}`] });

        const res = await upload(t, w.tokens.admin, {
          cases: csv(CASES_HEADER, [
            "D1,M-1,felony,2025-01-10,disposed,,,2025-03-01,plea",
            "D1,M-2,felony,2025-02-10,active,,,,",
            "D1-L,M-3,traffic,2025-02-11,active,,,,",
          ]),
        });
        await processNow(t, res.body.id);
        const after = await clearance(db, filters, "total");
        expect(after.total).toMatchObject({ incoming: 3, outgoing: 1 });
        expect(await measures.get("d1")).toBeNull();
        expect(await measures.get("state")).toBeNull();
        expect(await measures.get("all")).toBeNull();
        expect(await measures.get("d2")).toBe(1);
      },
      SLOW,
    );
  });
});
