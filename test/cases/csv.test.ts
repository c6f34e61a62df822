import { afterAll, beforeAll, expect, test } from "bun:test";
import { csvCell, csvResponse, oneBatch } from "../../src/lib/csv";
import { createTestApp, type TestApp } from "../helpers/app";
import { insertCases, makeCases, makeJudge, resetData, seedStandards } from "../helpers/case-data";
import { freezeToday } from "../helpers/clock";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { bearer, call, login } from "../helpers/http";
import { generateCases } from "./dataset";
import { walkPages } from "./walk";

// The app and the fixtures must agree on "today" (UTC midnight may pass during the file).
freezeToday();

/** A minimal RFC 4180 reader: enough to check what we write, including quoted commas and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

test("an export with no rows ends after the header (an empty batch used to hang the response)", async () => {
  const columns = [{ header: "judge_id", value: (r: { id: number }) => r.id }];
  expect(await csvResponse("x.csv", columns, oneBatch([])).text()).toBe("judge_id\r\n");
  async function* gaps() {
    yield [];
    yield [{ id: 1 }];
    yield [];
  }
  expect(await csvResponse("x.csv", columns, gaps()).text()).toBe("judge_id\r\n1\r\n");
}, 5000);

test("csvCell: RFC 4180 quoting and formula neutralising for text cells only", () => {
  expect(csvCell("plain", true)).toBe("plain");
  expect(csvCell('say "hi", ok', true)).toBe('"say ""hi"", ok"');
  expect(csvCell("two\nlines", true)).toBe('"two\nlines"');
  for (const start of ["=", "+", "-", "@", "\t", "\r"])
    expect(csvCell(`${start}1+1`, true).replace(/^"/, "")).toStartWith("'");
  expect(csvCell(-3)).toBe("-3");
  expect(csvCell("-3")).toBe("-3");
  expect(csvCell(null)).toBe("");
  expect(csvCell(false)).toBe("false");
});

describePgRedis("CSV export of the case list", () => {
  let t: TestApp;
  let admin: string;
  let courtId: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    const tree = await makeCourtTree(db);
    courtId = tree.d1.id;
    const judge = await makeJudge(db, { code: "J1", courtId: tree.d1.id, name: '=HYPERLINK("x"), "Jr"' });
    await makeCases(db, generateCases(150, [tree.d1, tree.d2, tree.d1l], [judge.id], 11));
    await makeCases(db, [
      {
        courtId: tree.d1.id,
        caseNumber: "=1+1",
        caseType: "felony",
        filedOn: "2025-01-02",
        judgeId: judge.id,
      },
      { courtId: tree.d1.id, caseNumber: "@SUM(A1:A9)", caseType: "felony", filedOn: "2025-01-03" },
    ]);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    admin = (await login(t, "admin@x.org")).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  const toCells = (r: Record<string, unknown>) =>
    [
      r.id,
      r.courtId,
      r.courtCode,
      r.caseNumber,
      r.caseType,
      r.filedOn,
      r.status,
      r.statusOn,
      r.judgeId,
      r.judgeName,
      r.disposedOn,
      r.disposition,
      r.ageDays,
      r.overStandard,
    ].map((v) => {
      if (v === null || v === undefined) return "";
      const s = String(v);
      return typeof v === "string" && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    });

  for (const [label, query, headers] of [
    ["format=csv", "format=csv&sort=caseNumber", {}],
    ["Accept: text/csv", "sort=-ageDays", { accept: "text/csv" }],
    ["filtered", `format=csv&courtId=${0}&status=active&sort=filedOn`, {}],
  ] as const) {
    test(`CSV (${label}) matches the JSON pages row for row`, async () => {
      const q = query.replace("courtId=0", `courtId=${courtId}`);
      const res = await call(t, "GET", `/api/cases?${q}`, { token: admin, headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe('attachment; filename="cases.csv"');
      const [header, ...rows] = parseCsv(String(res.body));
      expect(header).toEqual([
        "id",
        "court_id",
        "court_code",
        "case_number",
        "case_type",
        "filed_on",
        "status",
        "status_on",
        "judge_id",
        "judge_name",
        "disposed_on",
        "disposition",
        "age_days",
        "over_standard",
      ]);
      const params = Object.fromEntries(new URLSearchParams(q));
      delete params.format;
      const json = await walkPages(t, admin, "/api/cases", { ...params, limit: 40 });
      expect(rows).toEqual(json.rows.map(toCells));
      expect(rows.length).toBeGreaterThan(0);
    });
  }

  test("formula-like text is neutralised and quotes survive", async () => {
    const res = await call(t, "GET", "/api/cases?format=csv&search=%3D", { token: admin });
    const text = String(res.body);
    expect(text).toContain(`'=1+1`);
    expect(text).toContain(`"'=HYPERLINK(""x""), ""Jr"""`);
    const at = await call(t, "GET", "/api/cases?format=csv&search=%40", { token: admin });
    expect(String(at.body)).toContain("'@SUM(A1:A9)");
  });

  test("JSON stays the default; format=json beats an Accept header", async () => {
    const plain = await call(t, "GET", "/api/cases?limit=1", { token: admin });
    expect(plain.headers.get("content-type")).toStartWith("application/json");
    const forced = await call(t, "GET", "/api/cases?limit=1&format=json", {
      token: admin,
      headers: { accept: "text/csv" },
    });
    expect(forced.headers.get("content-type")).toStartWith("application/json");
    const prefersJson = await call(t, "GET", "/api/cases?limit=1", {
      token: admin,
      headers: { accept: "text/csv;q=0.5, application/json" },
    });
    expect(prefersJson.headers.get("content-type")).toStartWith("application/json");
  });

  test("a large export streams in many chunks, pulled as the client reads", async () => {
    const db = t.deps.db.db;
    // Status events are not needed here: these cases simply have no age.
    const many = Array.from({ length: 4500 }, (_, i) => ({
      courtId,
      caseNumber: `BULK-${String(i).padStart(6, "0")}`,
      caseType: "traffic" as const,
      filedOn: "2024-03-01",
      events: [{ type: "hearing" as const, on: "2024-03-02" }],
    }));
    await insertCases(db, many);
    const res = await t.app.request("/api/cases?format=csv&search=bulk-", { headers: bearer(admin) });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let chunks = 0;
    let lines = 0;
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      lines += decoder.decode(value).split("\r\n").length - 1;
    }
    expect(lines).toBe(4501);
    // Header + one chunk per 1000-row batch at least: never one big buffer.
    expect(chunks).toBeGreaterThanOrEqual(5);
  }, 30_000);
});
