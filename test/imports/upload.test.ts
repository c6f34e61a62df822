import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { expectError } from "../helpers/http";
import {
  ACTIVITIES_HEADER,
  CASES_HEADER,
  count,
  csv,
  type ImportWorld,
  type Json,
  setupWorld,
  upload,
  uploadForm,
} from "./helpers";

/** Real logins (argon2), uploads and processing on a shared 2-core machine. */
const SLOW = 60_000;

describePgRedis("POST /api/imports: streamed upload, header checks, limits, duplicates", () => {
  let t: TestApp;
  let w: ImportWorld;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        IMPORT_MAX_BYTES: "200000",
        API_RATE_LIMIT_PER_MIN: "100000",
        // Nothing processes these batches: they stay queued.
        IMPORT_MAX_ACTIVE_BATCHES_PER_USER: "100",
      },
    });
    w = await setupWorld(t);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  const goodCases = csv(CASES_HEADER, ["D1,CV-1,civil_general,2025-01-02,active,,J1,,"]);

  test(
    "header problems of both files are named at once, each at its file; nothing is staged",
    async () => {
      const res = await upload(t, w.tokens.admin, {
        cases: csv("court_code,case_number,filed_on,status", ["D1,CV-1,2025-01-02,active"]),
        activities: csv("hello,world", ["1,2"]),
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.details).toEqual([
        { path: "body.cases", message: "missing required column case_type" },
        {
          path: "body.activities",
          message:
            "no header row (expected columns source_id, court_code, case_number, type, occurred_on, outcome, judge_code, notes)",
        },
      ]);
      expect(res.body.error.message).toContain("cases: missing required column case_type");
      expect(await count(t, "select * from daily_import_batches")).toBe(0);
      expect(await count(t, "select * from import_staged_rows")).toBe(0);
    },
    SLOW,
  );

  test(
    "empty file, binary file, wrong content type, duplicate column, unknown file field",
    async () => {
      const res = await upload(t, w.tokens.admin, {
        cases: "",
        activities: new File([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])], "a.xlsx"),
        extra: [["notes", new File(["x"], "notes.txt", { type: "text/plain" })]],
      });
      expect(res.status).toBe(400);
      const paths = res.body.error.details.map(
        (d: { path: string; message: string }) => `${d.path}: ${d.message}`,
      );
      expect(paths).toEqual([
        "body.cases: the file is empty",
        "body.activities: not a CSV file (a ZIP archive or Excel workbook; export it as CSV)",
        'body.notes: unexpected file field "notes": send cases and/or activities',
      ]);
      const pdf = await upload(t, w.tokens.admin, {
        cases: new File(["%PDF-1.4"], "c.pdf", { type: "application/pdf" }),
      });
      expect(pdf.body.error.details[0].message).toBe("not a CSV file (Content-Type application/pdf)");
      const dup = await upload(t, w.tokens.admin, { cases: csv(`${CASES_HEADER},status`, []) });
      expect(dup.body.error.details[0].message).toBe("column status appears more than once");
    },
    SLOW,
  );

  test(
    "missing or bad form fields and no file at all are 400 naming the field",
    async () => {
      const res = await upload(t, w.tokens.admin, {
        cases: goodCases,
        source: "",
        extractDate: "2026-02-30",
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        "body.source",
        "body.extractDate",
      ]);
      const none = await upload(t, w.tokens.admin, {});
      expect(none.status).toBe(400);
      expect(none.body.error.details[0].message).toBe("send a cases file, an activities file, or both");
      // A NUL would reach PostgreSQL as 22P05 (and its text the client); it is a 400 naming the field.
      const nul = await upload(t, w.tokens.admin, { cases: goodCases, source: "cms\u0000x" });
      expect(nul.status).toBe(400);
      expect(nul.body.error.details).toEqual([
        { path: "body.source", message: "must not contain control characters" },
      ]);
    },
    SLOW,
  );

  test(
    "202 with Location; rows staged with their line numbers; counts start at zero",
    async () => {
      const res = await upload(t, w.tokens.admin, {
        cases: `\uFEFF${csv(CASES_HEADER, ["D1,CV-1,civil_general,2025-01-02,active,,J1,,", "", 'D2,"CV-2",felony,2025-02-03,active,,,,'])}`,
        activities: csv(ACTIVITIES_HEADER, ['A1,D1,CV-1,hearing,2025-03-01,held,J1,"first\nhearing"']),
      });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id: expect.any(Number), status: "queued" });
      expect(res.headers.get("location")).toBe(`/api/imports/${res.body.id}`);
      const rows = rowsOf<{ file: number; line: number; data: unknown }>(
        await t.deps.db.db.execute(
          sql`select file, line, data from import_staged_rows where batch_id = ${res.body.id} order by file, line`,
        ),
      );
      expect(rows.map((r) => [r.file, r.line, r.data])).toEqual([
        [1, 2, ["D1", "CV-1", "civil_general", "2025-01-02", "active", null, "J1", null, null]],
        [1, 4, ["D2", "CV-2", "felony", "2025-02-03", "active", null, null, null, null]],
        [2, 2, ["A1", "D1", "CV-1", "hearing", "2025-03-01", "held", "J1", "first\nhearing"]],
      ]);
      const detail = await t.app.request(`/api/imports/${res.body.id}`, {
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      const batch = (await detail.json()) as Json;
      expect(batch).toMatchObject({
        status: "queued",
        source: "test-cms",
        extractDate: "2026-01-15",
        files: {
          cases: { filename: "cases.csv", rows: 2 },
          activities: { filename: "activities.csv", rows: 1 },
        },
        progress: { phase: "cases", processedRows: 0, totalRows: 3, percent: 0 },
        errors: [],
        errorCount: 0,
      });
      expect(
        await count(
          t,
          `select * from audit_log where action = 'import.uploaded' and entity_id = '${res.body.id}'`,
        ),
      ).toBe(1);
    },
    SLOW,
  );

  test(
    "the same files again: 200 with the earlier batch and nothing new staged; force=true makes a new batch",
    async () => {
      const first = await upload(t, w.tokens.admin, { cases: goodCases });
      expect(first.status).toBe(202);
      const stagedBefore = await count(t, "select * from import_staged_rows");
      const again = await upload(t, w.tokens.analyst, {
        cases: goodCases,
        source: "other",
        extractDate: "2026-01-16",
      });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: first.body.id, status: "queued", source: "test-cms" });
      expect(await count(t, "select * from import_staged_rows")).toBe(stagedBefore);
      const forced = await upload(t, w.tokens.admin, { cases: goodCases, force: true });
      expect(forced.status).toBe(202);
      expect(forced.body.id).not.toBe(first.body.id);
    },
    SLOW,
  );

  test(
    "over IMPORT_MAX_BYTES: 413 from Content-Length, and 413 while streaming without one",
    async () => {
      const big = csv(
        CASES_HEADER,
        Array.from({ length: 5000 }, (_, i) => `D1,BIG-${i},felony,2025-01-02,active,,,,`),
      );
      const res = await upload(t, w.tokens.admin, { cases: big });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
      // A chunked body has no Content-Length: the limit is counted as the bytes arrive.
      const form = new Request("http://x/", {
        method: "POST",
        body: uploadForm({ cases: big, source: "s", extractDate: "2026-01-01" }),
      });
      const type = form.headers.get("content-type")!;
      const bytes = new Uint8Array(await form.arrayBuffer());
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 8192) c.enqueue(bytes.slice(i, i + 8192));
          c.close();
        },
      });
      const streamed = await t.app.request("/api/imports", {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}`, "content-type": type },
        body: stream,
      });
      expect(streamed.status).toBe(413);
      expect(
        await count(
          t,
          "select * from import_staged_rows s join daily_import_batches b on b.id = s.batch_id where b.source = 's'",
        ),
      ).toBe(0);
      // The connection is usable afterwards: the COPY was abandoned cleanly.
      expect((await upload(t, w.tokens.admin, { cases: goodCases, force: true })).status).toBe(202);
    },
    SLOW,
  );

  test(
    "not multipart → 415; viewer → 403; anonymous → 401",
    async () => {
      const json = await t.app.request("/api/imports", {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(json.status).toBe(415);
      await expectError(await upload(t, w.tokens.viewer, { cases: goodCases }), 403, "FORBIDDEN");
      expect((await t.app.request("/api/imports", { method: "POST", body: "x" })).status).toBe(401);
    },
    SLOW,
  );
});
