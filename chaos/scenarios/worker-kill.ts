import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import postgres from "postgres";
import { writeBenchFiles } from "../../scripts/lib/import-bench-data";
import { loadConfig } from "../../src/config/env";
import { createDb } from "../../src/db/client";
import { ROLLUP_TABLES, refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import { tempDir } from "../../test/helpers/process";
import { authRead, publicRead, readTargets } from "../lib/calls";
import { addBenchReferenceData, type Batch, batchOf, uploadImport } from "../lib/imports";
import { startLoad } from "../lib/load";
import { type ChaosProcess, crashLines, startApi, startWorker } from "../lib/processes";
import { type Check, recorded, recordScenario } from "../lib/summary";
import { ADMIN, createWorld, login, tableFingerprints, type World } from "../lib/world";

// Scenario 3: the worker SIGKILLed in the middle of an import, then started again. The batch must
// finish with exact counts (every row inserted once: nothing lost, nothing doubled, nothing miscounted
// as "updated" on the replay), and the measure rollups must equal a full rebuild from the rows.

const CASES = 12_000;
const PER_CASE = 3;
/** The second batch, killed between its landing and its measure refresh. */
const REFRESH_CASES = 6_000;

async function scalar(databaseUrl: string, query: string): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql.unsafe(query);
    return Number(Object.values(r!)[0]);
  } finally {
    await sql.end();
  }
}

export function workerKillScenario(): void {
  describe("3. Worker SIGKILLed mid-import and restarted", () => {
    let world: World;
    let api: ChaosProcess;
    let token: string;
    const workers: ChaosProcess[] = [];
    let dir = "";
    // A short lock so the job of the dead worker is taken over within seconds.
    const env = () => ({
      databaseUrl: world.databaseUrl,
      redisUrl: world.redis.url(0),
      extra: {
        WORKER_LOCK_DURATION_MS: "3000",
        IMPORT_CHUNK_SIZE: "2000",
        IMPORT_MAX_BYTES: String(1 << 30),
      },
    });

    beforeAll(async () => {
      dir = tempDir("chaos-import");
      world = await createWorld({ cases: 300 });
      await addBenchReferenceData(world.databaseUrl);
      api = await startApi(env());
      workers.push(await startWorker(env()));
      token = await login(api.base, ADMIN);
    });

    afterAll(async () => {
      for (const w of workers) await w.stop("SIGKILL");
      await api?.stop();
      await world?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test(
      "the batch completes with exact counts, no duplicates, rollups equal to a full rebuild",
      recorded(
        "3 worker SIGKILL mid-import",
        async () => {
          const t0 = performance.now();
          const files = await writeBenchFiles(dir, { cases: CASES, activitiesPerCase: PER_CASE, seed: 7 });
          const targets = await readTargets(world.databaseUrl);
          const load = startLoad({
            base: api.base,
            concurrency: 4,
            maxRequests: 50_000,
            maxMs: 180_000,
            timeoutMs: 30_000,
            next: (i) => (i % 3 === 2 ? publicRead(i) : authRead(i, targets, [token])),
          });

          const upload = await uploadImport(api.base, token, files);
          expect(upload.status).toBe(202);
          const id = upload.id!;

          // Kill with 40% of the rows in (inside the activities phase), well before the end.
          let killedAt: Batch | null = null;
          const deadline = Date.now() + 120_000;
          while (!killedAt) {
            const b = await batchOf(api.base, token, id);
            if (b.progress.processedRows >= b.progress.totalRows * 0.4 && b.progress.totalRows > 0) {
              workers[0]!.proc.kill("SIGKILL");
              await workers[0]!.proc.exited;
              killedAt = await batchOf(api.base, token, id);
            } else if (Date.now() > deadline || ["completed", "failed"].includes(b.status)) {
              throw new Error(`no mid-batch moment to kill at: ${JSON.stringify(b)}`);
            } else await Bun.sleep(20);
          }
          const killedMs = performance.now() - t0;
          workers.push(await startWorker(env()));
          let done: Batch = killedAt;
          // Done, then its measures (the refresh job follows the batch).
          while (
            !["completed", "completed_with_errors", "failed"].includes(done.status) ||
            !done.measuresRefreshedAt
          ) {
            if (Date.now() > deadline + 60_000)
              throw new Error(`batch did not finish: ${JSON.stringify(done)}`);
            await Bun.sleep(200);
            done = await batchOf(api.base, token, id);
          }
          const outcomes = await load.stop();
          const doneMs = performance.now() - t0;

          const db = world.databaseUrl;
          const benchCases = `from cases c join courts ct on ct.id = c.court_id where ct.code like 'B%'`;
          const casesIn = await scalar(db, `select count(*) ${benchCases}`);
          const activitiesIn = await scalar(
            db,
            `select count(*) from case_activities a join courts ct on ct.id = a.court_id where ct.code like 'B%'`,
          );
          const duplicateStatus = await scalar(
            db,
            `select count(*) from (select 1 from case_activities a where a.type in ('filed','reopened','reactivated','placed_inactive','disposed')
           group by a.case_id, a.type, a.occurred_on having count(*) > 1) d`,
          );
          const duplicateSources = await scalar(
            db,
            "select count(*) - count(distinct (court_id, source_id)) from case_activities where source_id is not null",
          );
          // The rollups the import maintained, against a full rebuild from the rows.
          const { tables, differing } = await rollupsAgainstRebuild(db);

          const unexpected = outcomes.filter((o) => o.status !== 200);
          const checks: Check[] = [
            {
              name: "killed mid-batch",
              ok:
                killedAt.status === "processing" &&
                killedAt.progress.processedRows < killedAt.progress.totalRows,
              detail: `${killedAt.progress.processedRows}/${killedAt.progress.totalRows} rows, phase ${killedAt.progress.phase}`,
            },
            {
              name: "batch completed after the restart",
              ok: done.status === "completed",
              detail: `${done.status}; killed at ${(killedMs / 1000).toFixed(1)} s, completed at ${(doneMs / 1000).toFixed(1)} s`,
            },
            {
              name: "exact counts: every row inserted once, none updated/unchanged/failed",
              ok: Bun.deepEquals(done.counts, {
                cases: { total: CASES, inserted: CASES, updated: 0, unchanged: 0, failed: 0 },
                activities: {
                  total: CASES * PER_CASE,
                  inserted: CASES * PER_CASE,
                  updated: 0,
                  unchanged: 0,
                  failed: 0,
                },
              }),
              detail: JSON.stringify(done.counts),
            },
            {
              name: "rows in the database: cases and activities exactly once",
              ok: casesIn === CASES && activitiesIn === CASES * PER_CASE,
              detail: `${casesIn} cases, ${activitiesIn} activities`,
            },
            {
              name: "no duplicate status events or source ids",
              ok: duplicateStatus === 0 && duplicateSources === 0,
            },
            {
              name: "measure rollups equal a full rebuild",
              ok: differing.length === 0 && tables > 0,
              detail: differing.length ? `differ: ${differing.join(", ")}` : `${tables} tables`,
            },
            {
              name: "API reads during the import: all 200",
              ok: unexpected.length === 0,
              detail: `${outcomes.length} reads`,
            },
            {
              name: "no crash output (API, restarted worker)",
              ok: crashLines(api.output()).length === 0 && crashLines(workers[1]!.output()).length === 0,
            },
          ];
          recordScenario(
            "3 worker SIGKILL mid-import",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api, worker1: workers[0], worker2: workers[1] }),
      ),
    );

    test(
      "SIGKILL between landing and refresh: the batch stays completed, its refresh resumes on the next worker, rollups equal a full rebuild",
      recorded(
        "3c worker SIGKILL between landing and refresh",
        async () => {
          const t0 = performance.now();
          const db = world.databaseUrl;
          // Small refresh steps, so the refresh of one batch takes many committed steps to kill between.
          const stepEnv = () => ({ ...env(), extra: { ...env().extra, IMPORT_ROLLUP_CHUNK_SIZE: "150" } });
          for (const w of workers.splice(0)) await w.stop("SIGKILL");
          workers.push(await startWorker(stepEnv()));
          const sub = tempDir("chaos-import-refresh");
          const files = await writeBenchFiles(sub, {
            cases: REFRESH_CASES,
            activitiesPerCase: 1,
            seed: 8,
            numberPrefix: "RK",
          });
          const upload = await uploadImport(api.base, token, files);
          rmSync(sub, { recursive: true, force: true });
          expect(upload.status).toBe(202);
          const id = upload.id!;
          const owed = () => scalar(db, `select count(*) from import_touched_cases where batch_id = ${id}`);

          // The moment: rows landed (completed), the refresh under way (some of the to-do drained), not done.
          let killed: { batch: Batch; owedBefore: number; owedAtKill: number } | null = null;
          let most = 0;
          const deadline = Date.now() + 120_000;
          while (!killed) {
            const left = await owed();
            most = Math.max(most, left);
            const b = await batchOf(api.base, token, id);
            if (b.status === "completed" && !b.measuresRefreshedAt && left > 0 && left < most) {
              workers[0]!.proc.kill("SIGKILL");
              await workers[0]!.proc.exited;
              killed = {
                batch: await batchOf(api.base, token, id),
                owedBefore: most,
                owedAtKill: await owed(),
              };
            } else if (Date.now() > deadline || b.measuresRefreshedAt)
              throw new Error(`no moment between landing and refresh to kill at: ${JSON.stringify(b)}`);
            else await Bun.sleep(10);
          }
          await Bun.sleep(500);
          const whileDown = await batchOf(api.base, token, id);
          workers.push(await startWorker(stepEnv()));
          let done = whileDown;
          while (!done.measuresRefreshedAt) {
            if (Date.now() > deadline + 60_000)
              throw new Error(`refresh never resumed: ${JSON.stringify(done)}`);
            await Bun.sleep(200);
            done = await batchOf(api.base, token, id);
          }
          const resumedMs = performance.now() - t0;
          const owedAfter = await owed();
          const { tables, differing } = await rollupsAgainstRebuild(db);

          const checks: Check[] = [
            {
              name: "killed after the rows landed, with the refresh part-way",
              ok:
                killed.batch.status === "completed" &&
                !killed.batch.measuresRefreshedAt &&
                killed.owedAtKill > 0 &&
                killed.owedAtKill < killed.owedBefore,
              detail: `batch ${killed.batch.status}; to-do ${killed.owedAtKill} of ${killed.owedBefore} cases left`,
            },
            {
              name: "while no worker runs: still completed, measures not claimed refreshed",
              ok: whileDown.status === "completed" && !whileDown.measuresRefreshedAt,
              detail: `${whileDown.status}, measuresRefreshedAt ${whileDown.measuresRefreshedAt}`,
            },
            {
              name: "the next worker finished the refresh; the to-do is empty",
              ok: Boolean(done.measuresRefreshedAt) && owedAfter === 0 && done.status === "completed",
              detail: `refreshed ${(resumedMs / 1000).toFixed(1)} s after the upload; ${owedAfter} left`,
            },
            {
              name: "measure rollups equal a full rebuild (nothing lost, nothing counted twice)",
              ok: differing.length === 0 && tables > 0,
              detail: differing.length ? `differ: ${differing.join(", ")}` : `${tables} tables`,
            },
            {
              name: "no crash output (API, restarted worker)",
              ok: crashLines(api.output()).length === 0 && crashLines(workers[1]!.output()).length === 0,
            },
          ];
          recordScenario(
            "3c worker SIGKILL between landing and refresh",
            [],
            [],
            checks,
            (performance.now() - t0) / 1000,
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api, worker1: workers[0], worker2: workers[1] }),
      ),
    );
  });
}

/**
 * The rollups the imports maintained against a full rebuild from the rows: the rollup tables'
 * fingerprints before and after (not measure_freshness: it holds when the last refresh ran).
 */
async function rollupsAgainstRebuild(db: string): Promise<{ tables: number; differing: string[] }> {
  const rollups = (fp: Record<string, string>) =>
    Object.fromEntries(Object.entries(fp).filter(([t]) => (ROLLUP_TABLES as readonly string[]).includes(t)));
  const incremental = rollups(await tableFingerprints(db));
  const handle = await createDb({
    ...loadConfig({ DATABASE_URL: db, NODE_ENV: "test" }),
    DATABASE_QUERY_TIMEOUT_MS: 0,
  });
  await refreshMeasureRollups(handle.db);
  await handle.close();
  const rebuilt = rollups(await tableFingerprints(db));
  const names = Object.keys(rebuilt);
  return { tables: names.length, differing: names.filter((t) => rebuilt[t] !== incremental[t]) };
}
