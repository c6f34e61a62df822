import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { keepRow, spoolLines, UploadSpool } from "../../src/modules/imports/imports.spool";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { tempDir } from "../helpers/process";
import {
  ACTIVITIES_HEADER,
  CASES_HEADER,
  count,
  csv,
  getBatch,
  type ImportWorld,
  processNow,
  setupWorld,
  upload,
} from "./helpers";

// Duplicate keys within a file are resolved once, at upload: the last line with a key (court and case
// number; court and source id) wins and the earlier ones are never staged, so a file that repeats one
// row two million times costs what one row does. Before, every repeat was its own statement (380
// rows/s for a file alternating two versions of a case) and every repeat was staged (580 MB for 98 MiB).

const SLOW = 60_000;

describePgRedis("duplicate keys within a file: the last line wins, once", () => {
  let t: TestApp;
  let w: ImportWorld;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    w = await setupWorld(t);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  test(
    "a file alternating two versions of a case: one row staged and applied, the rest counted as superseded",
    async () => {
      const rows: string[] = Array.from({ length: 4000 }, (_, i) =>
        i % 2 ? "D1,ALT-1,felony,2025-01-02,active,,J1,," : "D1,ALT-1,misdemeanor,2025-01-03,active,,,,",
      );
      rows.push("D1,OTHER-1,traffic,2025-02-01,active,,,,", "d1,ALT-1,probate,2025-01-04,active,,,,");
      const activities = [
        "S-1,D1,ALT-1,hearing,2025-03-01,held,,first",
        "S-1,D1,ALT-1,hearing,2025-03-02,continued,,second",
        "S-2,D1,ALT-1,motion,2025-03-03,,,",
        "S-1,D1,ALT-1,hearing,2025-03-04,held,,third",
      ];
      const res = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, rows),
        activities: csv(ACTIVITIES_HEADER, activities),
      });
      expect(res.status).toBe(202);
      expect(await count(t, `select * from import_staged_rows where batch_id = ${res.body.id}`)).toBe(3 + 2);
      await processNow(t, res.body.id, 1000);
      const { body } = await getBatch(t, w.tokens.admin, res.body.id);
      expect(body.status).toBe("completed");
      expect(body.files.cases).toMatchObject({ rows: 4002, superseded: 3999 });
      expect(body.files.activities).toMatchObject({ rows: 4, superseded: 2 });
      // "d1" and "D1" are written differently, so both lines are staged; both name D1, and the later wins.
      expect(body.counts.cases).toEqual({ total: 3, inserted: 2, updated: 1, unchanged: 0, failed: 0 });
      expect(body.progress).toMatchObject({ processedRows: 5, totalRows: 5, percent: 100 });
      const alt = rowsOf<{ case_type: string; judge_id: number | null }>(
        await t.deps.db.db.execute(sql`select case_type, judge_id from cases where case_number = 'ALT-1'`),
      );
      expect(alt).toEqual([{ case_type: "probate", judge_id: null }]);
      const s1 = rowsOf<{ occurred_on: string; notes: string }>(
        await t.deps.db.db.execute(
          sql`select occurred_on::text, notes from case_activities where source_id = 'S-1'`,
        ),
      );
      expect(s1).toEqual([{ occurred_on: "2025-03-04", notes: "third" }]);
    },
    SLOW,
  );

  test(
    "when the last line of a key is invalid, it is the row error and the earlier versions are not applied",
    async () => {
      const res = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, [
          "D1,LAST-1,felony,2025-01-02,active,,,,",
          "D1,LAST-1,felony,2025-02-30,active,,,,",
        ]),
      });
      await processNow(t, res.body.id);
      const { body } = await getBatch(t, w.tokens.admin, res.body.id);
      expect(body.status).toBe("failed");
      expect(body.errors).toEqual([
        { file: "cases", line: 3, field: "filed_on", message: '"2025-02-30" is not a date YYYY-MM-DD' },
      ]);
      expect(await count(t, "select * from cases where case_number = 'LAST-1'")).toBe(0);
    },
    SLOW,
  );
});

describe("the upload spool", () => {
  test("keeps the last row of each exact key, every row without a key, and rows of distinct keys", async () => {
    const dir = tempDir("spool-unit");
    try {
      const spool = new UploadSpool(dir, 7);
      const cases = await spool.open("cases");
      const rows: [number, (string | null)[] | string][] = [
        [2, ["D1", "A", "x"]],
        [3, ["D1", "B", "x"]],
        [4, ["D1", "A", "y"]],
        [5, "the row has 3 fields but the header has 9"],
        [6, [null, "A", "z"]],
        [7, ["D1", "A", "z"]],
        [8, [null, "A", "w"]],
        [9, ["D1", "B\u0000", "x"]],
      ];
      for (const [line, data] of rows) await cases.add(line, data);
      await cases.close();
      const [file] = await spool.finish();
      expect(file).toMatchObject({ file: "cases", rows: 8, superseded: 2 });
      const kept: number[] = [];
      let i = 0;
      for await (const text of spoolLines(file!.path)) {
        if (keepRow(file!, i++)) kept.push(Number(text.split("\t")[2]));
      }
      expect(kept).toEqual([3, 5, 6, 7, 8, 9]);
      await spool.remove();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
