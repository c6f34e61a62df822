// The two phases of an import: a batch is done when its rows are in; the measures of its cases
// follow in the refresh job, which takes every waiting batch at once, is deduplicated while waiting,
// resumes after a crash, and also brings the rollups up to date after a time-standard edit.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { createBullDispatcher } from "../../src/jobs/bullmq";
import { JOB_NAMES } from "../../src/jobs/queues";
import { createInProcessRunner, type InProcessRunner } from "../../src/jobs/runner";
import type { AnyJobDefinition } from "../../src/jobs/types";
import { processBatch } from "../../src/modules/imports/imports.process";
import { markBatchFailed } from "../../src/modules/imports/imports.progress.repo";
import { recoverImports } from "../../src/modules/imports/imports.recover";
import { staleStandardCaseTypes } from "../../src/modules/imports/imports.rollups";
import { clearance, pendingAge } from "../../src/modules/measures/measures.service";
import { startQueueWorkers } from "../../workers/queue-workers";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg, describePgRedis } from "../helpers/guards";
import { call } from "../helpers/http";
import {
  ACTIVITIES_HEADER,
  CASES_HEADER,
  count,
  csv,
  getBatch,
  type ImportWorld,
  processNow,
  refreshNow,
  setupWorld,
  upload,
  waitFinished,
  waitRefreshed,
} from "./helpers";

/** Real logins (argon2), uploads and processing on a shared 2-core machine. */
const SLOW = 60_000;

const YEAR = { from: "2025-01-01", to: "2025-12-31", asOf: "2025-12-31" };

function casesOf(court: string, tag: string, n: number): string {
  return csv(
    CASES_HEADER,
    Array.from({ length: n }, (_, i) => `${court},${tag}-${i},felony,2025-01-${String(i + 10)},active,,,,`),
  );
}

async function incomingOf(t: TestApp, courtIds: number[] | null): Promise<number> {
  return (await clearance(t.deps.db.db, { ...YEAR, courtIds }, "total")).total.incoming;
}

async function refreshedAt(t: TestApp, id: number): Promise<string | null> {
  const [row] = rowsOf<{ at: string | null }>(
    await t.deps.db.db.execute(
      sql`select measures_refreshed_at::text as at from daily_import_batches where id = ${id}`,
    ),
  );
  return row!.at;
}

describePgRedis("imports: rows first, measures after (the refresh job)", () => {
  let t: TestApp;
  let w: ImportWorld;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  test(
    "a batch is completed when its rows are in; its measures, derived events and cache follow the refresh",
    async () => {
      w = await setupWorld(t);
      const measures = t.deps.cache.withNamespace("measures");
      await measures.set("d1", 1, { tags: [`court:${w.courts.d1.id}`] });
      await measures.set("state", 1, { tags: [`court:${w.courts.state.id}`] });
      await measures.set("d2", 1, { tags: [`court:${w.courts.d2.id}`] });
      const res = await upload(t, w.tokens.admin, { cases: casesOf("D1", "P", 3) });
      await processNow(t, res.body.id, 1000, { refresh: false });

      const landed = (await getBatch(t, w.tokens.admin, res.body.id)).body;
      expect(landed.status).toBe("completed");
      expect(landed.finishedAt).not.toBeNull();
      expect(landed.measuresRefreshedAt).toBeNull();
      expect(landed.rollupCasesPending).toBe(3);
      // The rows are there; the figures, the derived filed events and the cache are not yet updated.
      expect(await count(t, "select * from cases where case_number like 'P-%'")).toBe(3);
      expect(await count(t, "select * from case_activities where type = 'filed'")).toBe(0);
      expect(await incomingOf(t, [w.courts.d1.id])).toBe(0);
      expect(await measures.get("d1")).toBe(1);

      const run = await refreshNow(t);
      expect(run).toMatchObject({ state: "done", cases: 3, batches: [res.body.id] });
      const done = (await getBatch(t, w.tokens.admin, res.body.id)).body;
      expect(done.measuresRefreshedAt).not.toBeNull();
      expect(done.measuresRefreshedAt >= done.finishedAt).toBe(true);
      expect(done.rollupCasesPending).toBe(0);
      expect(await count(t, "select * from case_activities where type = 'filed'")).toBe(3);
      expect(await incomingOf(t, [w.courts.d1.id])).toBe(3);
      // Dropped when the refresh landed: D1 and its ancestor; D2 was not touched.
      expect(await measures.get("d1")).toBeNull();
      expect(await measures.get("state")).toBeNull();
      expect(await measures.get("d2")).toBe(1);
      // The measures say they reflect it.
      const m = await call(t, "GET", `/api/measures/clearance?from=2025-01-01&to=2025-12-31&fresh=true`, {
        token: w.tokens.admin,
      });
      expect(m.body.total.incoming).toBe(3);
      expect(m.body.dataAsOf).not.toBeNull();
      expect(new Date(m.body.dataAsOf) <= new Date(done.measuresRefreshedAt)).toBe(true);
      // The list shows the field too.
      const list = await call(t, "GET", "/api/imports", { token: w.tokens.admin });
      expect(list.body.data[0].measuresRefreshedAt).toBe(done.measuresRefreshedAt);
    },
    SLOW,
  );

  test(
    "one run refreshes every waiting batch together; a case two batches touched is refreshed once",
    async () => {
      w = await setupWorld(t);
      const ids: number[] = [];
      for (const [court, tag] of [
        ["D1", "A"],
        ["D2", "B"],
        ["D1-L", "C"],
      ] as const) {
        const res = await upload(t, w.tokens.admin, { cases: casesOf(court, tag, 4) });
        ids.push(res.body.id);
        await processNow(t, res.body.id, 1000, { refresh: false });
      }
      // A fourth batch changes a case of the first one (C-style correction of A-0's filing date).
      const fix = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, ["D1,A-0,felony,2025-01-09,active,,,,"]),
      });
      ids.push(fix.body.id);
      await processNow(t, fix.body.id, 1000, { refresh: false });
      expect(await count(t, "select * from import_touched_cases")).toBe(13);

      const run = await refreshNow(t, { stepSize: 5 });
      // 12 distinct cases, in steps of at most 5: 3 steps, not one pass per batch.
      expect(run).toMatchObject({ state: "done", cases: 12, steps: 3, batches: ids });
      for (const id of ids) expect(await refreshedAt(t, id)).not.toBeNull();
      expect(await incomingOf(t, null)).toBe(12);
      // Nothing left: a second run does nothing.
      expect(await refreshNow(t)).toMatchObject({ cases: 0, batches: [] });
    },
    SLOW,
  );

  test(
    "a refresh that crashes after a step landed is finished by the next run; nothing is lost or counted twice",
    async () => {
      w = await setupWorld(t);
      const res = await upload(t, w.tokens.admin, { cases: casesOf("D2", "K", 6) });
      await processNow(t, res.body.id, 1000, { refresh: false });
      let steps = 0;
      const crash = refreshNow(t, {
        stepSize: 2,
        afterStep: () => {
          steps++;
          if (steps === 2) throw new Error("worker died right after the second step committed");
        },
      });
      await expect(crash).rejects.toThrow("worker died");
      // Two steps are in; the batch is not marked; the rest is still owed.
      expect(await count(t, `select * from import_touched_cases where batch_id = ${res.body.id}`)).toBe(2);
      expect(await refreshedAt(t, res.body.id)).toBeNull();
      expect(await incomingOf(t, [w.courts.d2.id])).toBe(4);

      // The recovery sweep sees it owed and asks for a run; the run finishes it.
      const asked: string[] = [];
      const summary = await recoverImports({
        db: t.deps.db.db,
        cache: t.deps.cache,
        logger: t.deps.logger,
        jobs: { ...t.deps.jobs!, enqueueMeasuresRefresh: async () => void asked.push("refresh") },
      });
      expect(summary.refreshRequested).toBe(1);
      expect(asked).toEqual(["refresh"]);
      expect(await refreshNow(t)).toMatchObject({ cases: 2, batches: [res.body.id] });
      expect(await incomingOf(t, [w.courts.d2.id])).toBe(6);
      expect(await refreshedAt(t, res.body.id)).not.toBeNull();
      // Once nothing is owed, the sweep asks for nothing.
      expect(
        (
          await recoverImports({
            db: t.deps.db.db,
            cache: t.deps.cache,
            logger: t.deps.logger,
            jobs: t.deps.jobs!,
          })
        ).refreshRequested,
      ).toBe(0);
    },
    SLOW,
  );

  test(
    "a failed batch's landed rows get their measures; a retry waits for its own refresh again",
    async () => {
      w = await setupWorld(t);
      const res = await upload(t, w.tokens.admin, {
        cases: casesOf("D1", "F", 4),
        activities: csv(ACTIVITIES_HEADER, ["FA1,D1,F-0,hearing,2025-03-01,held,,"]),
      });
      const id = res.body.id;
      // The cases file lands (chunks of 2), then processing dies for good before the activities.
      await t.deps.db.db.execute(sql`
        update daily_import_batches set status = 'processing' where id = ${id}`);
      let chunks = 0;
      await processBatch({ db: t.deps.db.db, cache: t.deps.cache, logger: t.deps.logger }, id, {
        chunkSize: 2,
        shouldStop: () => ++chunks > 3,
      });
      expect(await markBatchFailed(t.deps.db.db, id, new Error("boom"))).toBe(true);
      expect(await incomingOf(t, [w.courts.d1.id])).toBe(0);
      expect(await refreshNow(t)).toMatchObject({ cases: 4, batches: [id] });
      expect(await incomingOf(t, [w.courts.d1.id])).toBe(4);
      const failed = (await getBatch(t, w.tokens.admin, id)).body;
      expect(failed.status).toBe("failed");
      expect(failed.measuresRefreshedAt).not.toBeNull();

      const retry = await call(t, "POST", `/api/imports/${id}/retry`, { token: w.tokens.admin });
      expect(retry.status).toBe(202);
      expect((await getBatch(t, w.tokens.admin, id)).body.measuresRefreshedAt).toBeNull();
      await processNow(t, id);
      const done = (await getBatch(t, w.tokens.admin, id)).body;
      expect(done.status).toBe("completed");
      expect(done.measuresRefreshedAt).not.toBeNull();
      expect(await count(t, "select * from case_activities where source_id = 'FA1'")).toBe(1);
    },
    SLOW,
  );

  test(
    "a time-standard edit asks for the refresh; the run recomputes the case type against the new standard",
    async () => {
      w = await setupWorld(t);
      const res = await upload(t, w.tokens.admin, { cases: casesOf("D1", "T", 3) });
      await processNow(t, res.body.id);
      expect(await staleStandardCaseTypes(t.deps.db.db)).toEqual([]);
      const asked: string[] = [];
      const jobs = t.deps.jobs!;
      const original = jobs.enqueueMeasuresRefresh;
      (jobs as { enqueueMeasuresRefresh: () => Promise<void> }).enqueueMeasuresRefresh = async () => {
        asked.push("refresh");
      };
      try {
        const put = await call(t, "PUT", "/api/time-standards/felony", {
          token: w.tokens.admin,
          body: { tiers: [{ percent: 100, days: 100 }] },
        });
        expect(put.status).toBe(200);
      } finally {
        (jobs as { enqueueMeasuresRefresh: () => Promise<void> }).enqueueMeasuresRefresh = original;
      }
      expect(asked).toEqual(["refresh"]);
      // Until the run, the rollups hold felony under the old standard (queries fall back meanwhile).
      expect(await staleStandardCaseTypes(t.deps.db.db)).toEqual(["felony"]);
      const slow = await pendingAge(t.deps.db.db, { ...YEAR, courtIds: null });
      const before = await call(t, "GET", "/api/measures/backlog?asOf=2025-12-31&fresh=true", {
        token: w.tokens.admin,
      });
      const run = await refreshNow(t);
      expect(run.caseTypes).toEqual(["felony"]);
      expect(await staleStandardCaseTypes(t.deps.db.db)).toEqual([]);
      const [std] = rowsOf<{ days: number }>(
        await t.deps.db.db.execute(
          sql`select days from measure_backlog_standards where case_type = 'felony'`,
        ),
      );
      expect(Number(std!.days)).toBe(100);
      // Same figures from the rollups as from the fallback: 3 felony cases filed in January, all past
      // 100 days by the end of the year.
      const after = await call(t, "GET", "/api/measures/backlog?asOf=2025-12-31&fresh=true", {
        token: w.tokens.admin,
      });
      expect(after.body.byCaseType).toEqual(before.body.byCaseType);
      expect(after.body.byCaseType).toEqual([
        { caseType: "felony", standardDays: 100, activePending: 3, backlog: 3, backlogRate: 100 },
      ]);
      expect(await pendingAge(t.deps.db.db, { ...YEAR, courtIds: null })).toEqual(slow);
      expect(after.body.dataAsOf > before.body.dataAsOf).toBe(true);
    },
    SLOW,
  );
});

describePgRedis("the refresh job's deduplication (BullMQ)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  test(
    "a burst makes one waiting run; a request during a run makes exactly one more after it",
    async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const started: number[] = [];
      const slowRefresh: AnyJobDefinition = {
        queue: "measures",
        name: JOB_NAMES.measuresRefresh,
        payload: { safeParse: (d: unknown) => ({ success: true, data: d }) } as never,
        async run() {
          started.push(Date.now());
          if (started.length === 1) await gate;
        },
      };
      const producer = createBullDispatcher(t.deps.redis!.queue, t.deps.logger);
      const measures = producer.bullQueues().find((q) => q.name === "measures")!;
      await measures.waitUntilReady();
      await measures.obliterate({ force: true });
      for (let i = 0; i < 5; i++) await producer.enqueueMeasuresRefresh();
      expect(await measures.getJobCountByTypes("waiting")).toBe(1);

      const workers = await startQueueWorkers(
        { ...t.deps, redis: t.deps.redis! },
        { definitions: [slowRefresh], schedulers: false },
      );
      try {
        const deadline = Date.now() + 20_000;
        while (started.length === 0 && Date.now() < deadline) await Bun.sleep(20);
        expect(started).toHaveLength(1);
        // The run is under way: a burst of completions now queues exactly one more run.
        for (let i = 0; i < 5; i++) await producer.enqueueMeasuresRefresh();
        expect(await measures.getJobCountByTypes("waiting")).toBe(1);
        release();
        while (started.length < 2 && Date.now() < deadline) await Bun.sleep(20);
        while ((await measures.getJobCountByTypes("active", "waiting")) > 0 && Date.now() < deadline)
          await Bun.sleep(20);
        expect(started).toHaveLength(2);
      } finally {
        release();
        await workers.close(5000);
        await producer.close();
      }
    },
    SLOW,
  );
});

describePg("embedded mode: the refresh runs in process", () => {
  let t: TestApp;
  let w: ImportWorld;
  beforeAll(async () => {
    t = await createTestApp({ redis: "memory", env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    w = await setupWorld(t);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  test(
    "uploads are landed, then refreshed together by the in-process runner; measures follow",
    async () => {
      const runner = t.deps.jobs as InProcessRunner;
      const a = await upload(t, w.tokens.admin, { cases: casesOf("D1", "EA", 2) });
      const b = await upload(t, w.tokens.admin, { cases: casesOf("D2", "EB", 3) });
      for (const id of [a.body.id, b.body.id]) {
        await waitFinished(t, w.tokens.admin, id);
        await waitRefreshed(t, w.tokens.admin, id);
      }
      await runner.idle();
      expect(await incomingOf(t, null)).toBe(5);
      expect(await count(t, "select * from import_touched_cases")).toBe(0);
    },
    SLOW,
  );

  test("the runner keeps at most one waiting refresh; one asked during a run runs after it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let runs = 0;
    const runner = createInProcessRunner({
      definitions: [
        {
          queue: "measures",
          name: JOB_NAMES.measuresRefresh,
          payload: { safeParse: (d: unknown) => ({ success: true, data: d }) } as never,
          async run() {
            runs++;
            if (runs === 1) await gate;
          },
        },
      ],
      deps: {
        config: t.deps.config,
        logger: t.deps.logger,
        db: t.deps.db,
        cache: t.deps.cache,
        metrics: t.deps.metrics,
      },
      concurrency: 2,
    });
    try {
      await runner.enqueueMeasuresRefresh();
      while (runs === 0) await Bun.sleep(5);
      for (let i = 0; i < 5; i++) await runner.enqueueMeasuresRefresh();
      expect((await runner.queues()[2]!.getJobCounts()).waiting).toBe(1);
      release();
      await runner.idle();
      expect(runs).toBe(2);
    } finally {
      release();
      await runner.close();
    }
  });
});
