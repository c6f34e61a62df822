import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { Queue } from "bullmq";
import { addBenchReferenceData, uploadImport } from "../../chaos/lib/imports";
import type { Outcome } from "../../chaos/lib/load";
import type { PrivatePostgres } from "../../chaos/lib/private-postgres";
import { type ChaosProcess, crashLines, startApi, startWorker } from "../../chaos/lib/processes";
import { type Check, recorded, recordScenario } from "../../chaos/lib/summary";
import { waitUntil } from "../../chaos/lib/wait";
import { ADMIN, createDatabase, login } from "../../chaos/lib/world";
import { BENCH_COURTS, writeBenchFiles } from "../../scripts/lib/import-bench-data";
import { QUEUE_PREFIX } from "../../src/jobs/queues";
import { SCHEDULES } from "../../src/jobs/schedules";
import { tempDir } from "../../test/helpers/process";
import { type PrivateRedis, startPrivateRedis } from "../../test/helpers/redis-server";
import { type Answer, call, scalar } from "../lib/probe";

// Scenario 5: two API processes and two workers on one PostgreSQL and one Redis, as behind a load
// balancer. A logout or a session revoke on API A rejects the token on API B at its next request
// (B's verified-token cache never outlives the session); rate limits hold across both; every job
// scheduler fires once per period however many workers register it; ten imports from ten courts
// spread over both workers, one worker is SIGKILLed mid-batch and the other finishes every batch with
// exact counts; measures cached through A are invalidated for B when an import completes.

const API_LIMIT = 60;
const LOGIN_LIMIT = 10;
const CASES = 1200;
const PER_CASE = 3;
const COURTS = BENCH_COURTS.slice(0, 10);
const ANALYST = { email: "analyst@courtflow.dev", password: "dev-analyst-password" };
/** imports-recover runs every minute: the scenario watches at least one whole period. */
const PERIOD_MS = 60_000;

export function manyProcessesScenario(): void {
  describe("5. Many processes: two APIs and two workers on one PostgreSQL and Redis", () => {
    let pg: PrivatePostgres;
    let databaseUrl: string;
    let redis: PrivateRedis;
    let apiA: ChaosProcess;
    let apiB: ChaosProcess;
    const workers: ChaosProcess[] = [];
    let workersStartedAt = 0;
    let dir = "";

    beforeAll(async () => {
      dir = tempDir("topology-many");
      ({ pg, databaseUrl } = await createDatabase({ cases: 600 }));
      await addBenchReferenceData(databaseUrl);
      redis = await startPrivateRedis();
      const env = {
        databaseUrl,
        redisUrl: redis.url(0),
        extra: {
          API_RATE_LIMIT_PER_MIN: String(API_LIMIT),
          LOGIN_RATE_LIMIT_PER_MIN: String(LOGIN_LIMIT),
          TRUST_PROXY: "true",
          WORKER_LOCK_DURATION_MS: "3000",
          WORKER_CONCURRENCY: "2",
          IMPORT_CHUNK_SIZE: "500",
          // One operator uploads all ten courts' files at once: lift the per-user quotas (3 active
          // batches, 2 uploads at a time by default) that would otherwise refuse the fourth with 429.
          IMPORT_MAX_ACTIVE_BATCHES_PER_USER: "20",
          IMPORT_MAX_UPLOADS_PER_USER: "10",
          // The workers' "import finished" lines tell which worker finished which batch.
          LOG_LEVEL: "info",
        },
      };
      [apiA, apiB] = await Promise.all([startApi(env), startApi(env)]);
      workers.push(...(await Promise.all([startWorker(env), startWorker(env)])));
      workersStartedAt = performance.now();
    });

    afterAll(async () => {
      for (const w of workers) await w.stop("SIGKILL");
      await apiA?.stop();
      await apiB?.stop();
      await redis?.stop();
      await pg?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test(
      "revocation, rate limits, schedulers, imports over both workers with one killed, shared cache",
      recorded(
        "5 two APIs, two workers",
        async () => {
          const t0 = performance.now();
          const outcomes: Outcome[] = [];
          const track = (label: string, path: string, a: Answer) => {
            outcomes.push({
              label,
              path,
              sentAt: performance.now() - t0,
              ms: 0,
              status: a.status,
              code: a.code,
            });
            return a;
          };
          const on = (
            api: ChaosProcess,
            label: string,
            path: string,
            opts: Parameters<typeof call>[2] = {},
          ) => call(api.base, path, opts).then((a) => track(label, path, a));
          const checks: Check[] = [];

          // a) Logout on A, next request on B; revoking another session on A, next request on B.
          const t1 = await login(apiA.base, ADMIN);
          const t2 = await login(apiB.base, ADMIN);
          const bBefore = await on(apiB, "me", "/api/auth/me", { token: t1 });
          await on(apiA, "logout", "/api/auth/logout", { token: t1, method: "POST" });
          const bAfterLogout = await on(apiB, "me", "/api/auth/me", { token: t1 });
          const t3 = await login(apiA.base, ADMIN);
          await on(apiB, "me", "/api/auth/me", { token: t2 });
          const sessions = await on(apiA, "sessions", "/api/auth/sessions", { token: t3 });
          const other = (sessions.body as { data: { id: string; current: boolean }[] }).data.find(
            (s) => !s.current,
          );
          await on(apiA, "revoke", `/api/auth/sessions/${other?.id}`, { token: t3, method: "DELETE" });
          const bAfterRevoke = await on(apiB, "me", "/api/auth/me", { token: t2 });
          checks.push({
            name: "logout on A: the token is refused on B at its next request; so is a session revoked on A",
            ok:
              bBefore.status === 200 &&
              bAfterLogout.status === 401 &&
              other !== undefined &&
              bAfterRevoke.status === 401,
            detail: `B before ${bBefore.status}, after logout ${bAfterLogout.status}, after revoke ${bAfterRevoke.status}`,
          });

          // b) Rate limits across both processes: the API limit of one user, and the login limit.
          const analyst = await login(apiA.base, ANALYST);
          const apiStatuses: number[] = [];
          for (let i = 0; i <= API_LIMIT; i++)
            apiStatuses.push(
              (await on(i % 2 ? apiB : apiA, "rate", "/api/auth/me", { token: analyst })).status,
            );
          const loginStatuses: number[] = [];
          for (let i = 0; i <= LOGIN_LIMIT; i++) {
            const res = await fetch(`${(i % 2 ? apiB : apiA).base}/api/auth/login`, {
              method: "POST",
              headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.9" },
              body: JSON.stringify({ email: "nobody-many@courtflow.dev", password: "not-the-password" }),
            });
            loginStatuses.push(res.status);
          }
          checks.push({
            name: `rate limits shared: ${API_LIMIT} API requests then 429, ${LOGIN_LIMIT} logins then 429, alternating A and B`,
            ok:
              apiStatuses.slice(0, API_LIMIT).every((s) => s === 200) &&
              apiStatuses[API_LIMIT] === 429 &&
              loginStatuses.slice(0, LOGIN_LIMIT).every((s) => s === 401) &&
              loginStatuses[LOGIN_LIMIT] === 429,
            detail: `API ${apiStatuses.filter((s) => s === 200).length}×200 then ${apiStatuses[API_LIMIT]}; login ${loginStatuses.filter((s) => s === 401).length}×401 then ${loginStatuses[LOGIN_LIMIT]}`,
          });

          // e, before) A measure read through A fills the cache that B reads.
          const admin = await login(apiA.base, ADMIN);
          const court = await scalar(databaseUrl, `select id from courts where code = '${COURTS[0]}'`);
          const measurePath = `/api/measures/clearance?from=2021-01-01&to=2026-06-30&granularity=year&courtId=${court}`;
          const measure = async (api: ChaosProcess) => {
            const res = await fetch(`${api.base}${measurePath}`, {
              headers: { authorization: `Bearer ${admin}` },
            });
            const body = (await res.json()) as { total?: { incoming?: number } };
            return {
              status: res.status,
              cache: res.headers.get("x-cache"),
              incoming: body.total?.incoming ?? null,
            };
          };
          const viaA1 = await measure(apiA);
          const viaA2 = await measure(apiA);
          const viaB1 = await measure(apiB);

          // d) Ten imports, one per court, over both workers; one worker killed mid-batch.
          const ids: number[] = [];
          const importsFrom = performance.now();
          for (const [n, code] of COURTS.entries()) {
            const sub = `${dir}/${code}`;
            mkdirSync(sub, { recursive: true });
            const files = await writeBenchFiles(sub, {
              cases: CASES,
              activitiesPerCase: PER_CASE,
              seed: 500 + n,
              courts: [code],
              numberPrefix: `MP${code}`,
            });
            const up = await uploadImport((n % 2 ? apiB : apiA).base, admin, files, `many-${code}`);
            if (up.id === null) throw new Error(`upload ${code}: ${up.status} ${up.body}`);
            ids.push(up.id);
          }
          const finishedBy = (w: ChaosProcess) =>
            new Set(
              w
                .output()
                .split("\n")
                .filter((l) => l.includes('"import finished"'))
                .map((l) => Number((JSON.parse(l) as { batchId: number }).batchId)),
            );
          const progress = () =>
            scalar(
              databaseUrl,
              `select count(*) from daily_import_batches where id in (${ids.join(",")}) and status = 'processing' and processed_rows > 0 and processed_rows < total_rows`,
            );
          // Kill worker 1 once a batch has completed and others still wait: both workers are busy then
          // (two jobs each), so worker 1 dies holding batches mid-way.
          const count = (where: string) =>
            scalar(
              databaseUrl,
              `select count(*) from daily_import_batches where id in (${ids.join(",")}) and ${where}`,
            );
          await waitUntil(
            "a batch completed while others wait",
            180_000,
            async () => (await count("status = 'completed'")) >= 1 && (await count("status = 'queued'")) >= 2,
            50,
          );
          const midway = await progress();
          workers[0]!.proc.kill("SIGKILL");
          await workers[0]!.proc.exited;
          // Counted from its complete output, after the kill: a batch it finished while progress() was
          // being read (counted by neither worker before) is its own.
          await workers[0]!.drained();
          const killedFinished = finishedBy(workers[0]!).size;
          const killedAt = performance.now();
          await waitUntil("every batch finished", 240_000, async () => {
            return (
              (await scalar(
                databaseUrl,
                `select count(*) from daily_import_batches where id in (${ids.join(",")}) and status in ('completed', 'completed_with_errors', 'failed')`,
              )) === ids.length
            );
          });
          const doneMs = performance.now() - killedAt;
          const importSeconds = (performance.now() - importsFrom) / 1000;
          const batches = await Promise.all(
            ids.map(
              async (id) =>
                (await on(apiB, "batch", `/api/imports/${id}`, { token: admin })).body as {
                  status: string;
                  counts: unknown;
                },
            ),
          );
          const exact = {
            cases: { total: CASES, inserted: CASES, updated: 0, unchanged: 0, failed: 0 },
            activities: {
              total: CASES * PER_CASE,
              inserted: CASES * PER_CASE,
              updated: 0,
              unchanged: 0,
              failed: 0,
            },
          };
          const wrong = batches.filter((b) => b.status !== "completed" || !Bun.deepEquals(b.counts, exact));
          const rows = await scalar(databaseUrl, "select count(*) from cases where case_number like 'MP%'");
          const activityRows = await scalar(
            databaseUrl,
            "select count(*) from case_activities where source_id like 'MP%'",
          );
          const byW2 = finishedBy(workers[1]!).size;
          const stalled = workers[1]!
            .output()
            .split("\n")
            .filter((l) => l.includes("job stalled")).length;
          checks.push({
            name: "ten imports spread over both workers; worker 1 SIGKILLed mid-batch, its batches taken over",
            ok: stalled >= 1 && byW2 >= 1 && killedFinished + byW2 === COURTS.length && midway >= 1,
            detail: `worker 1 finished ${killedFinished} before the kill (${midway} batches mid-way), worker 2 finished ${byW2}; ${stalled} stalled job(s) taken over`,
          });
          checks.push({
            name: "worker 2 finished every batch with exact counts; rows exactly once",
            ok:
              wrong.length === 0 &&
              rows === COURTS.length * CASES &&
              activityRows === COURTS.length * CASES * PER_CASE,
            detail: `${batches.length - wrong.length}/${batches.length} exact; ${rows} cases, ${activityRows} activities; done ${(doneMs / 1000).toFixed(1)} s after the kill`,
          });

          // e, after) The refresh that follows the imports invalidated the entry for B as well.
          await waitUntil("every batch's measures refreshed", 240_000, async () => {
            return (
              (await scalar(
                databaseUrl,
                `select count(*) from daily_import_batches where id in (${ids.join(",")}) and measures_refreshed_at is not null`,
              )) === ids.length
            );
          });
          const viaB2 = await measure(apiB);
          checks.push({
            name: "a measure cached through A is served to B, and invalidated for B when the import's measures are refreshed",
            ok:
              viaA1.cache === "miss" &&
              viaA2.cache === "hit" &&
              viaB1.cache === "hit" &&
              viaB2.cache === "miss" &&
              (viaB2.incoming ?? 0) > (viaB1.incoming ?? 0),
            detail: `A ${viaA1.cache}, A ${viaA2.cache}, B ${viaB1.cache}; after the import B ${viaB2.cache}, incoming ${viaB1.incoming} → ${viaB2.incoming}`,
          });

          // c) Schedulers: registered by both workers, one of each; one run per period.
          const wait = workersStartedAt + PERIOD_MS + 5000 - performance.now();
          if (wait > 0) await Bun.sleep(wait);
          const queue = new Queue("maintenance", { connection: { port: redis.port }, prefix: QUEUE_PREFIX });
          try {
            const schedulers = await queue.getJobSchedulers(0, -1);
            const delayed = await queue.getDelayed(0, -1);
            const completed = await queue.getJobs(["completed", "active", "failed"], 0, -1);
            const recoverRuns = completed.filter((j) => j.repeatJobKey === "imports-recover");
            // A scheduled run's id ends in the time it is due: runs a period apart, never two in one.
            const due = recoverRuns.map((j) => Number(String(j.id).split(":").at(-1))).sort((a, b) => a - b);
            const gaps = due.slice(1).map((t, i) => t - due[i]!);
            const nextPerScheduler = SCHEDULES.map(
              (s) => delayed.filter((j) => j.repeatJobKey === s.id).length,
            );
            const watchedMs = performance.now() - workersStartedAt;
            checks.push({
              name: "each job scheduler once (two workers registered it), one next run each, one run per period",
              ok:
                schedulers.length === SCHEDULES.length &&
                nextPerScheduler.every((n) => n === 1) &&
                recoverRuns.length >= 1 &&
                gaps.every((g) => g >= PERIOD_MS - 1000) &&
                recoverRuns.length <= Math.ceil(watchedMs / PERIOD_MS) + 1,
              detail: `${schedulers.length} schedulers; next runs ${nextPerScheduler.join("/")}; imports-recover ran ${recoverRuns.length}× in ${(watchedMs / 1000).toFixed(0)} s, ${gaps.map((g) => `${(g / 1000).toFixed(0)} s`).join(", ") || "—"} apart`,
            });
          } finally {
            await queue.close();
          }
          checks.push({
            name: "both APIs and the surviving worker alive, no crash output",
            ok:
              apiA.alive() &&
              apiB.alive() &&
              workers[1]!.alive() &&
              [apiA, apiB, workers[1]!].every((p) => crashLines(p.output()).length === 0),
          });

          const unexpected = outcomes.filter((o) => o.status >= 500 || o.status === 0);
          recordScenario(
            "5 two APIs, two workers",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
            {
              recoverySeconds: doneMs / 1000,
              figures: {
                "import rows": `${COURTS.length} batches × ${CASES * (1 + PER_CASE)} rows in ${importSeconds.toFixed(0)} s from the first upload (${Math.round((COURTS.length * CASES * (1 + PER_CASE)) / importSeconds)} rows/s over both workers, one killed midway)`,
              },
            },
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ apiA, apiB, worker1: workers[0], worker2: workers[1] }),
      ),
    );
  });
}
