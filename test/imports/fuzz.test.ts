import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CodeMap } from "../../src/modules/imports/imports.cells";
import { ACTIVITY_COLUMNS, CASE_COLUMNS } from "../../src/modules/imports/imports.format";
import { validateActivity, validateCase } from "../../src/modules/imports/imports.validate";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { count, getBatch, type ImportWorld, type Json, processNow, setupWorld, upload } from "./helpers";

// Hostile cell values in every column of both files, each in a row of its own among good rows, with
// the hostile rows after the first 8 KiB (where the binary-content check no longer looks) and across
// chunk boundaries. Every hostile row must be a row error naming its file, line and field; every good
// row must land; the batch must never end failed. Before strict validation, "2024-+1-05" and a NUL
// passed the checks, PostgreSQL refused the chunk, and the batch failed with earlier chunks applied.

const DATES = [
  "2024-+1-05",
  "2024- 1-05",
  "+999-01-01",
  "0999-01-01",
  "9999-12-31",
  "1899-12-31",
  "2100-01-01",
  "2024-02-30",
  "2023-02-29",
  "2024-00-10",
  "2024-13-01",
  "2024-01-00",
  "2024-01-32",
  "2024-1-05",
  "２０２４-01-05",
  "2024-01-05T00:00:00",
  "20240105",
  "2024/01/05",
  "-2024-01-05",
  "1e3",
  "NaN",
  "infinity",
  "epoch",
  "today",
  "2024-01-05\u0000",
];
const CONTROL = ["\u0000", "x\u0000y", "\u0001", "a\u001fb", "\u007f"];
const IDENTIFIER_ONLY = ["a\tb", "a\nb", "x\u0085y", "x".repeat(201)];
const VOCAB = ["FELONY", "nope", "felony\u0000", "'; drop table cases; --", "x".repeat(201)];

type Column = string;

function hostileValues(column: Column): string[] {
  if (/_on$/.test(column)) return [...DATES, ...CONTROL];
  if (["case_type", "status", "disposition", "type", "outcome"].includes(column))
    return [...VOCAB, ...CONTROL];
  if (column === "notes") return [...CONTROL, "n".repeat(10_001)];
  if (column === "court_code") return ["XX", "' or 1=1 --", ...CONTROL, ...IDENTIFIER_ONLY];
  if (column === "judge_code") return ["J9", ...CONTROL, ...IDENTIFIER_ONLY];
  return [...CONTROL, ...IDENTIFIER_ONLY]; // case_number, source_id
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

interface Built {
  text: string;
  /** Line of each hostile row and the field it must be reported under. */
  hostile: { line: number; field: string; value: string }[];
  good: number;
}

/** A file: `goodBefore` good rows, one row per hostile value of each column, `goodAfter` good rows. */
function build(
  columns: readonly string[],
  good: (i: number) => Record<string, string>,
  hostileBase: (k: number) => Record<string, string>,
  goodBefore: number,
  goodAfter: number,
): Built {
  const rows: { cells: string[]; hostile?: { field: string; value: string } }[] = [];
  const toCells = (r: Record<string, string>) => columns.map((c) => csvCell(r[c] ?? ""));
  for (let i = 0; i < goodBefore; i++) rows.push({ cells: toCells(good(i)) });
  let k = 0;
  for (const column of columns) {
    for (const value of hostileValues(column)) {
      const base = hostileBase(k++);
      rows.push({ cells: toCells({ ...base, [column]: value }), hostile: { field: column, value } });
    }
    // A required column left empty.
    if (
      [
        "court_code",
        "case_number",
        "case_type",
        "filed_on",
        "status",
        "source_id",
        "type",
        "occurred_on",
      ].includes(column)
    ) {
      rows.push({
        cells: toCells({ ...hostileBase(k++), [column]: "" }),
        hostile: { field: column, value: "" },
      });
    }
  }
  for (let i = goodBefore; i < goodBefore + goodAfter; i++) rows.push({ cells: toCells(good(i)) });
  let line = 2;
  let text = `${columns.join(",")}\r\n`;
  const hostile: Built["hostile"] = [];
  for (const r of rows) {
    const rowText = `${r.cells.join(",")}\r\n`;
    if (r.hostile) hostile.push({ line, ...r.hostile });
    line += (rowText.match(/\n/g) ?? []).length;
    text += rowText;
  }
  return { text, hostile, good: goodBefore + goodAfter };
}

const SLOW = 120_000;

describePgRedis("hostile cell values: every bad value is a row error, every good row lands", () => {
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
    "both files, every column: no failed batch, each hostile row reported with file, line and field",
    async () => {
      const cases = build(
        CASE_COLUMNS,
        (i) => ({
          court_code: "D1",
          case_number: `G-${i}`,
          case_type: "felony",
          filed_on: "2025-01-02",
          status: "active",
          judge_code: "J1",
        }),
        (k) => ({
          court_code: "D1",
          case_number: `H-${k}`,
          case_type: "civil_general",
          filed_on: "2025-01-02",
          status: "disposed",
          disposed_on: "2025-02-03",
          disposition: "settled",
        }),
        260,
        60,
      );
      const activities = build(
        ACTIVITY_COLUMNS,
        (i) => ({
          source_id: `A-${i}`,
          court_code: "D1",
          case_number: `G-${i % 300}`,
          type: "hearing",
          occurred_on: "2025-03-01",
          outcome: "held",
          judge_code: "J1",
          notes: "a\tgood\nnote",
        }),
        (k) => ({
          source_id: `HA-${k}`,
          court_code: "D1",
          case_number: `G-${k % 300}`,
          type: "hearing",
          occurred_on: "2025-03-02",
          outcome: "continued",
        }),
        220,
        40,
      );
      expect(cases.text.indexOf("\u0000")).toBeGreaterThan(8192);
      expect(activities.text.indexOf("\u0000")).toBeGreaterThan(8192);

      const res = await upload(t, w.tokens.admin, { cases: cases.text, activities: activities.text });
      expect(res.status).toBe(202);
      const outcome = await processNow(t, res.body.id, 50);
      expect(outcome.state).toBe("finished");
      const { body } = await getBatch(t, w.tokens.admin, res.body.id);
      expect(body.status).toBe("completed_with_errors");
      expect(body.failureReason).toBeNull();
      expect(body.counts.cases).toMatchObject({ inserted: cases.good, failed: cases.hostile.length });
      expect(body.counts.activities).toMatchObject({
        inserted: activities.good,
        failed: activities.hostile.length,
      });

      const errors: Json[] = [];
      let cursor: string | null = null;
      do {
        const page = (await (
          await t.app.request(
            `/api/imports/${res.body.id}/errors?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
            {
              headers: { authorization: `Bearer ${w.tokens.admin}` },
            },
          )
        ).json()) as Json;
        errors.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      const missing = [
        ...cases.hostile.map((h) => ({ file: "cases", ...h })),
        ...activities.hostile.map((h) => ({ file: "activities", ...h })),
      ].filter((h) => !errors.some((e) => e.file === h.file && e.line === h.line && e.field === h.field));
      expect(
        missing.map((m) => `${m.file}:${m.line} ${m.field}=${JSON.stringify(m.value.slice(0, 20))}`),
      ).toEqual([]);
      // No error without a field, and no message carries a control character.
      expect(errors.filter((e) => e.field === null)).toEqual([]);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
      expect(errors.filter((e) => /[\u0000-\u001f]/.test(e.message))).toEqual([]);

      expect(await count(t, "select 1 from cases where case_number like 'G-%'")).toBe(cases.good);
      expect(await count(t, "select 1 from cases where case_number like 'H-%'")).toBe(0);
      expect(await count(t, "select 1 from case_activities where source_id like 'A-%'")).toBe(
        activities.good,
      );
      expect(await count(t, "select 1 from case_activities where source_id like 'HA-%'")).toBe(0);
    },
    SLOW,
  );
});

describe("row validation of values no CSV file can carry", () => {
  const lookups = {
    courts: new CodeMap([{ id: 1, code: "D1" }]),
    judges: new CodeMap([{ id: 1, code: "J1" }]),
    scope: null,
  };
  test("lone surrogates are row errors in every text column", () => {
    for (const bad of ["\uD800", "x\uDC00", "\uDBFF\uDBFF"]) {
      const c = validateCase(["D1", bad, "felony", "2025-01-02", "active", null, null, null, null], lookups);
      expect(c).toEqual({
        ok: false,
        errors: [
          { field: "case_number", message: "case_number contains an invalid character (a lone surrogate)" },
        ],
      });
      const a = validateActivity(
        ["S1", "D1", "C1", "hearing", "2025-01-02", null, null, `note ${bad}`],
        lookups,
      );
      expect(a.ok ? [] : a.errors.map((e) => e.field)).toEqual(["notes"]);
    }
    // A surrogate pair is a character like any other.
    expect(validateActivity(["S1", "D1", "C1", "hearing", "2025-01-02", null, null, "😀"], lookups).ok).toBe(
      true,
    );
  });
});
