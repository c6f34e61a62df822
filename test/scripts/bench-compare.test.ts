import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PgDialect } from "drizzle-orm/pg-core";
import { type Cell, type ComparisonRow, judge, probePaths } from "../../scripts/lib/bench-compare";
import { caseDetailSql } from "../../src/modules/cases/cases.repo";
import { sessionTouchAndHit } from "../../src/redis/request-gate";
import { ROOT } from "../helpers/process";

// `bun run bench` compares CourtFlow with servers that must do the same work: the checks here keep
// them from drifting apart from the app without anyone noticing (the bench itself also compares their
// answers before measuring them).

const cell = (rate: number, p99Ms: number, errors = 0): Cell => ({ rate, p50Ms: 1, p99Ms, errors });
const row = (cells: ComparisonRow["cells"], bare?: number): ComparisonRow => ({
  endpoint: "x",
  cells,
  missing: {},
  checks: [],
  ...(bare ? { bare: { name: "bare Bun.serve JSON", rate: bare } } : {}),
});

describe("bench comparison targets", () => {
  test("≥ 3× the peer passes only with a p99 no worse than the peer's", () => {
    const ok = judge(row({ courtflow1: cell(3000, 5), peer: cell(1000, 5) }), "case").checks;
    expect(ok).toEqual([{ name: "vs peer", ratio: 3, target: "≥ 3×, p99 ≤ peer's", pass: true }]);
    const slowTail = judge(row({ courtflow1: cell(4000, 6), peer: cell(1000, 5) }), "case").checks;
    expect(slowTail[0]!.pass).toBe(false);
    const tooFew = judge(row({ courtflow1: cell(2900, 1), peer: cell(1000, 5) }), "case").checks;
    expect(tooFew[0]!.pass).toBe(false);
  });

  test("case and summary against the same-work bare server (0.7×), health against bare Bun.serve (0.5×)", () => {
    const c = judge(row({ courtflow1: cell(700, 5), sameWork: cell(1000, 5) }), "summary").checks;
    expect(c).toEqual([{ name: "vs same-work bare", ratio: 0.7, target: "≥ 0.7×", pass: true }]);
    const h = judge(row({ courtflow1: cell(400, 5), sameWork: cell(1000, 5) }, 1000), "health").checks;
    expect(h).toEqual([{ name: "vs bare Bun.serve JSON", ratio: 0.4, target: "≥ 0.5×", pass: false }]);
  });

  test("a cell with errors is not judged", () => {
    expect(judge(row({ courtflow1: cell(9000, 1), peer: cell(10, 9, 3) }), "case").checks).toEqual([]);
  });

  test("case probes: the first, a middle and the last id", () => {
    expect(probePaths("case", { min: 10, max: 20 })).toEqual([
      "/api/cases/10",
      "/api/cases/15",
      "/api/cases/20",
    ]);
  });
});

describe("the compared servers do what the app does", () => {
  const peer = readFileSync(join(ROOT, "bench/peers/express/server.js"), "utf8");
  const bareCase = readFileSync(join(ROOT, "bench/bare/case.ts"), "utf8");
  const squash = (s: string) => s.replace(/\s+/g, " ").trim();

  test("the peer's session script is the app's, character for character", () => {
    const lua = /const SESSION_TOUCH_AND_HIT = `([^`]*)`/.exec(peer)?.[1];
    expect(lua).toBe(sessionTouchAndHit.lua);
  });

  test("the peer and the bare server send the app's case-detail SQL", () => {
    const app = squash(new PgDialect().sqlToQuery(caseDetailSql(1, null)).sql);
    const peerSql = /const CASE_DETAIL = `([^`]*)`/.exec(peer)?.[1] ?? "";
    expect(squash(peerSql)).toBe(app);
    const bareSql = /const detail = \(id: number\) => sql`([^`]*)`/.exec(bareCase)?.[1] ?? "";
    expect(squash(bareSql.replace(/\$\{id\}/, "$$1"))).toBe(app);
  });
});
