import { afterAll, beforeAll, expect, test } from "bun:test";
import { Queue } from "bullmq";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { QUEUE_PREFIX } from "../../src/jobs/queues";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { expectError } from "../helpers/http";
import {
  ACTIVITIES_HEADER,
  CASES_HEADER,
  count,
  csv,
  getBatch,
  type ImportWorld,
  type Json,
  setupWorld,
  upload,
  waitFinished,
  waitRefreshed,
} from "./helpers";
import { startWorker, type WorkerProcess } from "./worker-process";

/** n cases in D1 and D2, each with a hearing and (every third) a disposed event; some rows bad. */
function files(n: number, tag: string) {
  const cases: string[] = [];
  const activities: string[] = [];
  for (let i = 0; i < n; i++) {
    const court = i % 2 ? "D2" : "D1";
    const bad = i % 97 === 5;
    cases.push(
      `${court},${tag}-${i},felony,2025-01-${String((i % 28) + 1).padStart(2, "0")},active,,,${bad ? "1999-01-01" : ""},`,
    );
    activities.push(`${tag}-H${i},${court},${tag}-${i},hearing,2025-03-01,held,,`);
  }
  return { cases: csv(CASES_HEADER, cases), activities: csv(ACTIVITIES_HEADER, activities) };
}

async function batchRow(t: TestApp, id: number) {
  return rowsOf<{ status: string; phase: string; processed_rows: number }>(
    await t.deps.db.db.execute(
      sql`select status, phase, processed_rows from daily_import_batches where id = ${id}`,
    ),
  )[0]!;
}

/** Real logins (argon2), uploads and processing on a shared 2-core machine. */
const SLOW = 60_000;

describePgRedis("imports through the worker process (BullMQ)", () => {
  let t: TestApp;
  let w: ImportWorld;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000", IMPORT_MAX_BYTES: "50000000" } });
    w = await setupWorld(t);
  }, SLOW);
  afterAll(async () => {
    for (const p of workers) p.proc.kill("SIGKILL");
    await t.close();
  });

  async function stopWorkers() {
    for (const p of workers.splice(0)) {
      p.proc.kill("SIGKILL");
      await p.proc.exited;
    }
  }

  async function worker(env: Record<string, string> = {}) {
    const p = await startWorker(env);
    workers.push(p);
    return p;
  }

  test("a worker killed with SIGKILL mid-batch is replaced; the batch finishes with exact counts and no duplicates", async () => {
    const n = 3000;
    const res = await upload(t, w.tokens.admin, files(n, "K"));
    expect(res.status).toBe(202);
    const id = res.body.id;
    // Small chunks and a short lock, so the kill lands mid-batch and the takeover is quick.
    const env = { IMPORT_CHUNK_SIZE: "25", WORKER_LOCK_DURATION_MS: "2000" };
    const first = await worker(env);
    const deadline = Date.now() + 30_000;
    while ((await batchRow(t, id)).processed_rows < 500) {
      if (Date.now() > deadline) throw new Error(`no progress: ${await first.output()}`);
      await Bun.sleep(10);
    }
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    const mid = await batchRow(t, id);
    expect(mid.status).toBe("processing");
    expect(mid.processed_rows).toBeLessThan(2 * n);

    await worker(env);
    const done = await waitFinished(t, w.tokens.admin, id, 60_000);
    const bad = Array.from({ length: n }, (_, i) => i).filter((i) => i % 97 === 5).length;
    expect(done.status).toBe("completed_with_errors");
    expect(done.counts).toEqual({
      cases: { total: n, inserted: n - bad, updated: 0, unchanged: 0, failed: bad },
      activities: { total: n, inserted: n - bad, updated: 0, unchanged: 0, failed: bad },
    });
    expect(done.errorCount).toBe(2 * bad);
    expect(await count(t, `select * from import_row_errors where batch_id = ${id}`)).toBe(2 * bad);
    expect(await count(t, "select * from cases where case_number like 'K-%'")).toBe(n - bad);
    expect(await count(t, "select * from case_activities where source_id like 'K-H%'")).toBe(n - bad);
    // The derived status events and the rollups follow in the refresh job.
    await waitRefreshed(t, w.tokens.admin, id, 60_000);
    expect(await count(t, "select * from case_activities where type = 'filed'")).toBe(n - bad);
    // One filed event per case: nothing applied twice.
    expect(
      await count(
        t,
        "select case_id from case_activities where type = 'filed' group by case_id having count(*) > 1",
      ),
    ).toBe(0);
    expect(await count(t, "select * from import_touched_cases")).toBe(0);
  }, 120_000);

  test("API gone after the upload: the batch is still processed (job in Redis, or recovered from PostgreSQL)", async () => {
    await stopWorkers();
    const api = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    const a = await upload(api, w.tokens.admin, files(50, "API-A"));
    const b = await upload(api, w.tokens.admin, files(50, "API-B"));
    await api.close();
    // As if the API died between committing batch b and enqueueing it: its job never reached Redis.
    const queue = new Queue("imports", { connection: t.deps.redis!.queue, prefix: QUEUE_PREFIX });
    await (await queue.getJob(`import-${b.body.id}-1`))!.remove();
    await queue.close();

    await worker();
    for (const id of [a.body.id, b.body.id]) {
      const done = await waitFinished(t, w.tokens.admin, id, 30_000);
      expect(done.counts.cases.inserted + done.counts.cases.failed).toBe(50);
    }
  }, 60_000);

  test("schedulers are registered once however many workers start, and survive restarts", async () => {
    await worker();
    await worker();
    const queue = new Queue("maintenance", { connection: t.deps.redis!.queue, prefix: QUEUE_PREFIX });
    const ids = (await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort();
    expect(ids).toEqual([
      "caseload-snapshot-nightly",
      "imports-recover",
      "measures-warmup-nightly",
      "retention-nightly",
    ]);
    const restarted = workers.at(-1)!;
    expect(await restarted.stop("SIGTERM")).toBe(0);
    await worker();
    expect(await queue.getJobSchedulersCount()).toBe(4);
    await queue.close();
  }, 60_000);

  test(
    "the worker's /health lists its queues; /api/system/queues shows counts and schedulers to admins only",
    async () => {
      const p = workers.at(-1)!;
      const health = (await (await fetch(`http://127.0.0.1:${p.port}/health`)).json()) as {
        queues: string[];
      };
      expect(health.queues.sort()).toEqual(["imports", "maintenance", "measures"]);
      const res = await t.app.request("/api/system/queues", {
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      expect(body.mode).toBe("bullmq");
      const imports = body.queues.find((q: Json) => q.name === "imports");
      expect(imports.counts).toMatchObject({
        waiting: expect.any(Number),
        active: expect.any(Number),
        failed: expect.any(Number),
      });
      expect(body.queues.find((q: Json) => q.name === "maintenance").schedulers).toHaveLength(4);
      const analyst = await t.app.request("/api/system/queues", {
        headers: { authorization: `Bearer ${w.tokens.analyst}` },
      });
      await expectError(analyst, 403, "FORBIDDEN");
    },
    SLOW,
  );

  test("SIGTERM mid-batch: the worker stops at a chunk boundary within its deadline; another finishes the batch", async () => {
    await stopWorkers();
    const res = await upload(t, w.tokens.admin, files(3000, "T"));
    const id = res.body.id;
    const env = { IMPORT_CHUNK_SIZE: "25", SHUTDOWN_TIMEOUT_MS: "5000" };
    const first = await worker(env);
    while ((await batchRow(t, id)).processed_rows < 300) await Bun.sleep(10);
    const started = Date.now();
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await batchRow(t, id)).status).toBe("processing");
    await worker(env);
    const done = await waitFinished(t, w.tokens.admin, id, 60_000);
    expect(done.counts.cases.inserted + done.counts.cases.failed).toBe(3000);
    expect(done.counts.activities.inserted + done.counts.activities.failed).toBe(3000);
    const { body } = await getBatch(t, w.tokens.admin, id);
    expect(body.run).toBe(1);
  }, 90_000);
});
