import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { toAppError } from "../../src/db/errors";
import { envelope } from "../../src/lib/errors";
import { markBatchFailed } from "../../src/modules/imports/imports.progress.repo";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
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
import { startWorker } from "./worker-process";

// What happens when PostgreSQL refuses what validation let through (a rule the schema gained, a
// trigger), and when a chunk fails for a reason that is not the row's: the first must cost only the
// refused rows; the second must leave a batch whose failure note says exactly which rows were applied,
// in our words, and worker log lines that carry no case data.

const SLOW = 90_000;

describePgRedis("rows PostgreSQL refuses; failed batches; what the worker logs", () => {
  let t: TestApp;
  let w: ImportWorld;
  const cleanup: string[] = [];
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    w = await setupWorld(t);
  }, SLOW);
  afterEach(async () => {
    for (const statement of cleanup.splice(0)) await t.deps.db.db.execute(sql.raw(statement));
  });
  afterAll(async () => {
    await t.close();
  });

  async function ddl(statement: string, undo: string) {
    cleanup.push(undo);
    await t.deps.db.db.execute(sql.raw(statement));
  }

  test(
    "a refused value fails its row only (the chunk is redone row by row); the rest lands",
    async () => {
      await ddl(
        "alter table cases add constraint test_refuse_ck check (case_number not like 'REFUSED-%') not valid",
        "alter table cases drop constraint if exists test_refuse_ck",
      );
      await ddl(
        "alter table case_activities add constraint test_refuse_notes_ck check (notes is distinct from 'REFUSED') not valid",
        "alter table case_activities drop constraint if exists test_refuse_notes_ck",
      );
      const caseRows = Array.from({ length: 30 }, (_, i) =>
        [8, 23].includes(i)
          ? `D1,REFUSED-${i},felony,2025-01-02,active,,,,`
          : `D1,OK-${i},felony,2025-01-02,active,,,,`,
      );
      const activityRows = Array.from(
        { length: 12 },
        (_, i) => `S-${i},D1,OK-${i + 10},hearing,2025-02-01,held,,${i === 5 ? "REFUSED" : "fine"}`,
      );
      const res = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, caseRows),
        activities: csv(ACTIVITIES_HEADER, activityRows),
      });
      expect((await processNow(t, res.body.id, 7)).state).toBe("finished");
      const { body } = await getBatch(t, w.tokens.admin, res.body.id);
      expect(body.status).toBe("completed_with_errors");
      expect(body.counts).toEqual({
        cases: { total: 30, inserted: 28, updated: 0, unchanged: 0, failed: 2 },
        activities: { total: 12, inserted: 11, updated: 0, unchanged: 0, failed: 1 },
      });
      const refused = "the database refused this row: a value breaks a rule of the data model";
      expect(body.errors).toEqual([
        { file: "cases", line: 10, field: null, message: refused },
        { file: "cases", line: 25, field: null, message: refused },
        { file: "activities", line: 7, field: null, message: refused },
      ]);
      expect(await count(t, "select 1 from cases where case_number like 'OK-%'")).toBe(28);
      expect(await count(t, "select 1 from case_activities where source_id like 'S-%'")).toBe(11);
    },
    SLOW,
  );

  test(
    "a chunk failing for another reason: the failed batch's note names the lines applied, in our words",
    async () => {
      await ddl(
        `create function test_boom() returns trigger language plpgsql as $$
         begin raise exception 'boom on %', new.case_number; end $$;
         create trigger test_boom before insert on cases for each row
           when (new.case_number = 'SECRET-BOOM') execute function test_boom()`,
        "drop trigger if exists test_boom on cases; drop function if exists test_boom()",
      );
      const rows = Array.from({ length: 30 }, (_, i) =>
        i === 18
          ? "D1,SECRET-BOOM,felony,2025-01-02,active,,,,"
          : `D1,SECRET-${i},felony,2025-01-02,active,,,,`,
      );
      const res = await upload(t, w.tokens.admin, { cases: csv(CASES_HEADER, rows) });
      const err = await processNow(t, res.body.id, 7).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      // What the worker does once the job's attempts are spent.
      expect(await markBatchFailed(t.deps.db.db, res.body.id, err)).toBe(true);
      const { body } = await getBatch(t, w.tokens.admin, res.body.id);
      expect(body.status).toBe("failed");
      expect(body.failureReason).toBe(
        "Processing stopped after repeated errors (the worker's log has the details under this batch's id). " +
          "Applied: cases.csv up to line 15 (14 inserted, 0 updated, 0 unchanged, 0 row errors). " +
          "Not applied: cases.csv after line 15. A retry resumes after the last applied line.",
      );
      expect(await count(t, "select 1 from cases where case_number like 'SECRET-%'")).toBe(14);
    },
    SLOW,
  );

  test("a database data error reaches a client in our words: no SQLSTATE, no PostgreSQL text", () => {
    const driver = Object.assign(new Error('invalid input syntax for type date: "2024-+1-05"'), {
      code: "22007",
    });
    const err = toAppError(new Error("Failed query: insert …", { cause: driver }))!;
    const body = envelope(err, "req-1");
    expect(body).toEqual({
      error: {
        code: "VALIDATION_FAILED",
        message: "A value is out of range or malformed",
        requestId: "req-1",
      },
    });
    const check = toAppError(
      Object.assign(new Error("violates check constraint"), { code: "23514", constraint_name: "x_ck" }),
    )!;
    // The one details shape, naming the body, never the constraint.
    expect(envelope(check, "r").error).toEqual({
      details: [{ path: "body", message: "breaks a rule of the data model" }],
      code: "VALIDATION_FAILED",
      message: "A value breaks a rule of the data model",
      requestId: "r",
    });
  });

  test(
    "the worker's log lines for a failing chunk carry the statement and counts, never case data",
    async () => {
      await ddl(
        `create function test_boom() returns trigger language plpgsql as $$
         begin raise exception 'boom'; end $$;
         create trigger test_boom before insert on cases for each row
           when (new.case_number = 'LOGSECRET-BOOM') execute function test_boom()`,
        "drop trigger if exists test_boom on cases; drop function if exists test_boom()",
      );
      // Rows worth ~40 KB of parameters in one chunk, every one with a recognisable case number.
      const rows = Array.from({ length: 600 }, (_, i) =>
        i === 300
          ? "D1,LOGSECRET-BOOM,felony,2025-01-02,active,,,,"
          : `D1,LOGSECRET-${i}-${"x".repeat(40)},felony,2025-01-02,active,,,,`,
      );
      const worker = await startWorker({ IMPORT_CHUNK_SIZE: "5000" });
      try {
        const res = await upload(t, w.tokens.admin, { cases: csv(CASES_HEADER, rows) });
        expect(res.status).toBe(202);
        // Two attempts (the second 2 s after the first), each logging its failure.
        const deadline = Date.now() + 60_000;
        let failures: Json[] = [];
        while (Date.now() < deadline) {
          const lines = (await worker.output()).split("\n").filter((l) => l.startsWith("{"));
          failures = lines.map((l) => JSON.parse(l)).filter((l: Json) => /job failed/.test(l.msg));
          if (failures.length >= 2) break;
          await Bun.sleep(200);
        }
        expect(failures.length).toBeGreaterThanOrEqual(2);
        const text = await worker.output();
        expect(text).not.toContain("LOGSECRET");
        for (const line of text.split("\n")) expect(line.length).toBeLessThan(4096);
        const err = failures[0].err;
        expect(err.statement).toBe("insert into cases");
        expect(err.params).toEqual({ count: 1, bytes: expect.any(Number) });
        expect(err.params.bytes).toBeGreaterThan(30_000);
        expect(err.cause.code).toBe("P0001");
      } finally {
        await worker.stop("SIGKILL");
      }
    },
    SLOW,
  );
});
