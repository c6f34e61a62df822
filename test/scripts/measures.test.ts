import { afterAll, beforeAll, expect, test } from "bun:test";
import { migratePostgres } from "../../src/db/migrate";
import { createTestApp } from "../helpers/app";
import { resetRedis } from "../helpers/db";
import { describePg } from "../helpers/guards";
import { createScratchDatabase } from "../helpers/scratch-db";
import { runScript, withClient } from "../helpers/scripts";
import { TEST_REDIS_URL } from "../helpers/services";

// `bun run measures:rebuild` and `bun run measures:refresh [--court CODE]` as operators run them:
// real processes against a seeded database, judged by the rollups they leave and what they print.

describePg("measures:rebuild and measures:refresh", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    scratch = await createScratchDatabase("cf_measures_cmd");
    await migratePostgres(scratch.url);
    env = { DATABASE_URL: scratch.url };
    const seeded = await runScript("seed.ts", ["dev", "--cases", "300", "--as-of", "2025-06-30"], env);
    expect(seeded.code).toBe(0);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  const rollupTotals = () =>
    withClient(scratch.url, async (sql) => {
      const [r] = await sql<{ rows: number; filed: number; disposed: number; pending: number }[]>`
        select count(*)::int as rows, sum(filed)::int as filed, sum(disposed)::int as disposed,
          sum(pending_net)::int as pending from measure_counts
        -- Per court and year, all case types and judges: each event once.
        where grain = 3 and case_type is null and judge_id is null`;
      const [d] = await sql`select count(*)::int as n from measure_dispositions`;
      return { ...r!, dispositions: d!.n as number };
    });

  test("rebuild restores emptied rollups to exactly what they were, says how long it took, exits 0", async () => {
    const before = await rollupTotals();
    expect(before.rows).toBeGreaterThan(0);
    await withClient(scratch.url, (sql) => sql`delete from measure_counts`);
    await withClient(scratch.url, (sql) => sql`delete from measure_dispositions`);
    const r = await runScript("measures.ts", ["rebuild"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^rebuilt the measure rollups of 300 cases in [\d.]+ m?s \(built beside the live tables and swapped in\)$/m,
    );
    expect(await rollupTotals()).toEqual(before);
  });

  test("refresh --court brings in a case change of that court only; every court without --court", async () => {
    const { court, caseId } = await withClient(scratch.url, async (sql) => {
      // An open case: a disposed event written behind the import pipeline's back (no refresh).
      const [c] = await sql`
        select c.id, ct.code from cases c join courts ct on ct.id = c.court_id
        where c.disposed_on is null order by c.id limit 1`;
      return { court: c!.code as string, caseId: c!.id as number };
    });
    await withClient(
      scratch.url,
      (sql) => sql`
        insert into case_activities (case_id, court_id, source_id, type, occurred_on)
        select id, court_id, 'operator-test-1', 'disposed', '2025-06-29' from cases where id = ${caseId}`,
    );
    const before = await rollupTotals();
    const r = await runScript("measures.ts", ["refresh", "--court", court], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^  ${court}\\s+[\\d,]+ cases  [\\d.]+ m?s$`, "m"));
    expect(r.stdout).toMatch(/^refreshed the measure rollups of 1 court\(s\), [\d,]+ cases, in [\d.]+ m?s$/m);
    const after = await rollupTotals();
    expect(after.disposed).toBe(before.disposed + 1);
    expect(after.dispositions).toBe(before.dispositions + 1);

    const all = await runScript("measures.ts", ["refresh"], env);
    expect(all.code).toBe(0);
    const courts = await withClient(
      scratch.url,
      async (sql) => (await sql`select count(*)::int as n from courts`)[0]!.n,
    );
    expect(all.stdout).toContain(`refreshed the measure rollups of ${courts} court(s), 300 cases`);
    // Nothing else had changed: the totals stay.
    expect(await rollupTotals()).toEqual(after);
  });

  test("a rebuild drops the cached measures: the dashboard's next request is computed afresh", async () => {
    const t = await createTestApp({ env: { DATABASE_URL: scratch.url } });
    try {
      await resetRedis(t.deps.redis as never);
      const login = await t.app.request("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "admin@courtflow.dev", password: "dev-admin-password" }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const clearance = () =>
        t.app.request("/api/measures/clearance?from=2025-01-01&to=2025-06-30", {
          headers: { authorization: `Bearer ${accessToken}` },
        });
      expect((await clearance()).headers.get("x-cache")).toBe("miss");
      expect((await clearance()).headers.get("x-cache")).toBe("hit");
      const r = await runScript("measures.ts", ["rebuild"], { ...env, REDIS_URL: TEST_REDIS_URL });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("cached measures dropped");
      expect((await clearance()).headers.get("x-cache")).toBe("miss");
    } finally {
      await t.close();
    }
  });

  test("an unknown court fails with exit 1 and changes nothing; bad usage exits 2", async () => {
    const before = await rollupTotals();
    const r = await runScript("measures.ts", ["refresh", "--court", "NOPE"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no court with code "NOPE": nothing refreshed');
    expect(await rollupTotals()).toEqual(before);

    const withCourt = await runScript("measures.ts", ["rebuild", "--court", "NOPE"], env);
    expect(withCourt.code).toBe(2);
    expect(withCourt.stderr).toContain("--court applies to refresh only");
    const unknown = await runScript("measures.ts", ["vacuum"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("usage: bun scripts/measures.ts <rebuild|refresh>");
  });
});
