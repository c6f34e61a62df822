import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import type { JobContext, ProcessorDeps } from "../../src/jobs/types";
import { summaryCacheKey } from "../../src/modules/measures/measures.cache-keys";
import { caseloadSnapshotProcessor } from "../../src/processors/caseload-snapshot.processor";
import { measuresWarmupProcessor } from "../../src/processors/measures-warmup.processor";
import { retentionProcessor } from "../../src/processors/retention.processor";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { CASES_HEADER, count, csv, type ImportWorld, processNow, setupWorld, upload } from "./helpers";

function ctx<T>(data: T, t: TestApp): JobContext<T> {
  return {
    id: "test",
    name: "caseload-snapshot",
    data,
    attemptsMade: 0,
    updateProgress: async () => {},
    shouldStop: () => false,
    logger: t.deps.logger,
  };
}

/** Real logins (argon2), uploads and processing on a shared 2-core machine. */
const SLOW = 60_000;

describePgRedis("scheduled maintenance jobs", () => {
  let t: TestApp;
  let w: ImportWorld;
  let deps: ProcessorDeps;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    w = await setupWorld(t);
    deps = {
      config: t.deps.config,
      logger: t.deps.logger,
      db: t.deps.db,
      cache: t.deps.cache,
      metrics: t.deps.metrics,
      jobs: t.deps.jobs!,
    };
    const res = await upload(t, w.tokens.admin, {
      cases: csv(CASES_HEADER, [
        "D1,N-1,felony,2025-01-01,active,,,,", // 30 days old on 2025-01-31
        "D1,N-2,felony,2024-12-01,active,,,,", // 61 days
        "D1,N-3,traffic,2025-01-15,disposed,,,2025-01-20,plea", // not pending
        "D2,N-4,felony,2025-01-31,active,,,,", // 0 days
      ]),
    });
    await processNow(t, res.body.id);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  test(
    "the caseload snapshot: active pending by court, case type and age bucket; a second run replaces the day",
    async () => {
      const result = await caseloadSnapshotProcessor.run(ctx({ date: "2025-01-31" }, t), deps);
      expect(result).toMatchObject({ date: "2025-01-31", activePending: 3 });
      await caseloadSnapshotProcessor.run(ctx({ date: "2025-01-31" }, t), deps);
      const rows = rowsOf<{ court: string; case_type: string; age_bucket: string; active_pending: number }>(
        await t.deps.db.db.execute(sql`
        select c.code as court, s.case_type, s.age_bucket, s.active_pending from caseload_snapshots s
        join courts c on c.id = s.court_id where s.snapshot_date = '2025-01-31' order by 1, 3`),
      );
      expect(rows).toEqual([
        { court: "D1", case_type: "felony", age_bucket: "0-30", active_pending: 1 },
        { court: "D1", case_type: "felony", age_bucket: "61-90", active_pending: 1 },
        { court: "D2", case_type: "felony", age_bucket: "0-30", active_pending: 1 },
      ]);
      expect(caseloadSnapshotProcessor.payload.safeParse({ date: "2025-02-30" }).success).toBe(false);
    },
    SLOW,
  );

  test(
    "staged rows: a completed batch's go at once; a partly failed one's at retention age; a queued one's stay",
    async () => {
      const db = t.deps.db.db;
      // The batch of beforeAll completed: nothing of it is left in staging.
      expect(await count(t, "select * from import_staged_rows")).toBe(0);
      const partly = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, [
          "D1,N-10,felony,2025-13-01,active,,,,",
          "D1,N-11,felony,2025-01-01,active,,,,",
        ]),
      });
      await processNow(t, partly.body.id);
      expect(await count(t, `select * from import_staged_rows where batch_id = ${partly.body.id}`)).toBe(2);
      const queued = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, ["D1,N-9,felony,2025-01-01,active,,,,"]),
      });
      await db.execute(
        sql`update daily_import_batches set finished_at = now() - interval '20 days' where status <> 'queued'`,
      );
      await db.execute(
        sql`update audit_log set at = now() - interval '800 days' where action = 'auth.login'`,
      );
      const audits = await count(t, "select * from audit_log where action <> 'auth.login'");
      const result = await retentionProcessor.run(ctx({}, t), deps);
      expect(result).toMatchObject({ stagedRows: 2 });
      expect(await count(t, "select * from import_staged_rows")).toBe(1); // the queued batch keeps its row
      expect(await count(t, `select * from import_staged_rows where batch_id = ${queued.body.id}`)).toBe(1);
      expect(await count(t, "select * from audit_log where action = 'auth.login'")).toBe(0);
      expect(await count(t, "select * from audit_log")).toBe(audits);
    },
    SLOW,
  );

  test(
    "the warm-up caches the summary of every court and of the top of the tree; an import drops the touched ones",
    async () => {
      const result = (await measuresWarmupProcessor.run(ctx({}, t), deps)) as { entries: number };
      expect(result.entries).toBe(1 + 1 + 2); // all courts, STATE, and its children D1 and D2
      const today = new Date().toISOString().slice(0, 10);
      const from = `${today.slice(0, 4)}-01-01`;
      const measures = t.deps.cache.withNamespace("measures");
      expect(await measures.get(summaryCacheKey(w.courts.d2.id, from, today, today))).not.toBeNull();
      expect(await measures.get(summaryCacheKey(null, from, today, today))).not.toBeNull();
      const res = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, ["D1,N-20,felony,2025-01-01,active,,,,"]),
      });
      await processNow(t, res.body.id);
      expect(await measures.get(summaryCacheKey(w.courts.d1.id, from, today, today))).toBeNull();
      expect(await measures.get(summaryCacheKey(w.courts.state.id, from, today, today))).toBeNull();
      expect(await measures.get(summaryCacheKey(null, from, today, today))).toBeNull();
      expect(await measures.get(summaryCacheKey(w.courts.d2.id, from, today, today))).not.toBeNull();
    },
    SLOW,
  );
});
