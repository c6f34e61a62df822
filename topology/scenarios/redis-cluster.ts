import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { authRead, type ReadTargets, readTargets } from "../../chaos/lib/calls";
import { addBenchReferenceData, uploadImport } from "../../chaos/lib/imports";
import { type Outcome, startLoad } from "../../chaos/lib/load";
import type { PrivatePostgres } from "../../chaos/lib/private-postgres";
import { type ChaosProcess, crashLines, startApi, startWorker } from "../../chaos/lib/processes";
import { type Check, recorded, recordScenario } from "../../chaos/lib/summary";
import { waitUntil } from "../../chaos/lib/wait";
import { ADMIN, createDatabase, login, VIEWER } from "../../chaos/lib/world";
import { writeBenchFiles } from "../../scripts/lib/import-bench-data";
import { loadConfig } from "../../src/config/env";
import { QUEUE_PREFIX } from "../../src/jobs/queues";
import { createLogger } from "../../src/lib/logger";
import { buildRedisDeps, type RedisDeps } from "../../src/redis/build";
import { tempDir } from "../../test/helpers/process";
import { call, scalar } from "../lib/probe";
import { type RedisClusterNodes, startRedisCluster } from "../lib/redis-cluster";

// Scenario 4: Redis Cluster, three primaries and three replicas. The API and the worker run entirely
// on it (REDIS_CLUSTER_NODES): login, session checks, refresh rotation, rate limits, the measure cache
// with tag invalidation (values and tags hash to different nodes) and pattern invalidation over every
// primary, BullMQ imports and job schedulers under the {courtflow} hash tag. Then the primary that
// holds the queues' slot is SIGKILLed: its replica takes over and the same flows pass again.

const LOGIN_LIMIT = 10;

interface Round {
  checks: Check[];
  outcomes: Outcome[];
}

export function redisClusterScenario(): void {
  describe("4. Redis Cluster (3 primaries + 3 replicas): API and worker entirely on it", () => {
    let pg: PrivatePostgres;
    let databaseUrl: string;
    let cluster: RedisClusterNodes;
    let api: ChaosProcess;
    let worker: ChaosProcess;
    let targets: ReadTargets;
    let inTest: RedisDeps;
    let courtIds: Record<string, number>;
    let dir = "";
    const env = () => ({
      databaseUrl,
      redisUrl: "redis://cluster-managed/0",
      extra: {
        REDIS_CLUSTER_NODES: cluster.seedList(),
        REDIS_COMMAND_TIMEOUT_MS: "2000",
        LOGIN_RATE_LIMIT_PER_MIN: String(LOGIN_LIMIT),
        // Each round's rate-limit check comes from its own client address (X-Forwarded-For).
        TRUST_PROXY: "true",
        WORKER_LOCK_DURATION_MS: "5000",
      },
    });

    beforeAll(async () => {
      dir = tempDir("topology-cluster");
      ({ pg, databaseUrl } = await createDatabase({ cases: 800 }));
      await addBenchReferenceData(databaseUrl);
      targets = await readTargets(databaseUrl);
      cluster = await startRedisCluster();
      api = await startApi(env());
      worker = await startWorker(env());
      // The product's own Redis layer in this process, on the same cluster: for what no route does
      // (pattern invalidation).
      const config = loadConfig({
        NODE_ENV: "test",
        REDIS_URL: "redis://cluster-managed/0",
        REDIS_CLUSTER_NODES: cluster.seedList(),
      });
      inTest = buildRedisDeps(config, createLogger({ level: "silent" }), new Registry());
      const rows = await Promise.all(
        ["B01", "B02"].map(async (code) => [
          code,
          await scalar(databaseUrl, `select id from courts where code = '${code}'`),
        ]),
      );
      courtIds = Object.fromEntries(rows);
    });

    afterAll(async () => {
      for (const [name, p] of [
        ["api", api],
        ["worker", worker],
      ] as const)
        if (p && !p.alive()) console.log(`${name} exited ${p.proc.exitCode}:\n${p.output().slice(-3000)}`);
      await inTest?.close();
      await worker?.stop("SIGKILL");
      await api?.stop();
      await cluster?.stop();
      await pg?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Keys matching `match` on each node that serves slots now (live primaries). */
    async function keysPerPrimary(match: string): Promise<number[]> {
      const counts: number[] = [];
      for (const node of cluster.nodes) {
        const r = new Redis({ port: node.port, lazyConnect: true, maxRetriesPerRequest: 0 });
        // A node killed by the scenario refuses: the caller sees the rejection, not a stray event.
        r.on("error", () => {});
        try {
          await r.connect();
          if (!(await r.info("replication")).includes("role:master")) continue;
          let cursor = "0";
          let n = 0;
          do {
            const [next, keys] = await r.scan(cursor, "MATCH", match, "COUNT", 1000);
            cursor = next;
            n += keys.length;
          } while (cursor !== "0");
          counts.push(n);
        } catch {
          // a killed node
        } finally {
          r.disconnect();
        }
      }
      return counts;
    }

    async function waitBatchDone(id: number): Promise<string> {
      let status = "";
      // Finished and its measures refreshed: the follow-up refresh job drops the cached figures.
      await waitUntil(`batch ${id} finished, measures refreshed`, 120_000, async () => {
        const rows = await scalar(
          databaseUrl,
          `select case when measures_refreshed_at is null then 0 else case status when 'completed' then 1 when 'failed' then 2 when 'completed_with_errors' then 3 else 0 end end from daily_import_batches where id = ${id}`,
        );
        status = ["pending", "completed", "failed", "completed_with_errors"][rows] ?? "pending";
        return rows > 0;
      });
      return status;
    }

    /** Every flow once; `clientIp` is the address whose login rate limit is run out. */
    async function flows(round: string, court: string, clientIp: string) {
      const checks: Check[] = [];
      const outcomes: Outcome[] = [];
      const track = <T>(label: string, path: string, a: { status: number; code: string | null; body: T }) => {
        outcomes.push({ label, path, sentAt: 0, ms: 0, status: a.status, code: a.code });
        return a;
      };
      // Login, session check.
      const pair = track(
        "login",
        "/api/auth/login",
        await call<{ accessToken: string; refreshToken: string }>(api.base, "/api/auth/login", {
          method: "POST",
          body: ADMIN,
        }),
      );
      const token = pair.body.accessToken;
      const me = track("me", "/api/auth/me", await call(api.base, "/api/auth/me", { token }));
      checks.push({
        name: `${round}: login and session check`,
        ok: pair.status === 200 && me.status === 200,
        detail: `login ${pair.status}, me ${me.status}`,
      });
      // Refresh rotation: the new pair works; the old refresh token again is a reuse and revokes the session.
      const rotated = track(
        "refresh",
        "/api/auth/refresh",
        await call<{ accessToken: string; refreshToken: string }>(api.base, "/api/auth/refresh", {
          method: "POST",
          body: { refreshToken: pair.body.refreshToken },
        }),
      );
      const withRotated = await call(api.base, "/api/auth/me", { token: rotated.body.accessToken });
      const reuse = await call(api.base, "/api/auth/refresh", {
        method: "POST",
        body: { refreshToken: pair.body.refreshToken },
      });
      const afterReuse = await call(api.base, "/api/auth/me", { token: rotated.body.accessToken });
      checks.push({
        name: `${round}: refresh rotation; a reused refresh token revokes the session`,
        ok:
          rotated.status === 200 &&
          withRotated.status === 200 &&
          reuse.status === 401 &&
          afterReuse.status === 401,
        detail: `refresh ${rotated.status}, new token ${withRotated.status}, reuse ${reuse.status}, then ${afterReuse.status}`,
      });
      // Login rate limit (per client address and per email): LOGIN_LIMIT failures, then 429.
      const statuses: number[] = [];
      for (let i = 0; i <= LOGIN_LIMIT; i++) {
        const res = await fetch(`${api.base}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": clientIp },
          body: JSON.stringify({ email: `nobody-${round}@courtflow.dev`, password: "not-the-password" }),
        });
        statuses.push(res.status);
      }
      checks.push({
        name: `${round}: login rate limit holds (${LOGIN_LIMIT} per minute, then 429)`,
        ok: statuses.slice(0, LOGIN_LIMIT).every((s) => s === 401) && statuses[LOGIN_LIMIT] === 429,
        detail: `${statuses.filter((s) => s === 401).length}×401 then ${statuses[LOGIN_LIMIT]}`,
      });
      // Measure cache: miss, hit; an import into the court invalidates it by tag; pattern invalidation.
      const admin = await login(api.base, ADMIN);
      const path = `/api/measures/clearance?from=2021-01-01&to=2026-06-30&granularity=year&courtId=${courtIds[court]}`;
      const cacheState = async () => {
        const res = await fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${admin}` } });
        const body = (await res.json()) as { total?: { incoming?: number } };
        return {
          status: res.status,
          cache: res.headers.get("x-cache"),
          incoming: body.total?.incoming ?? null,
        };
      };
      const first = await cacheState();
      const second = await cacheState();
      const files = await writeBenchFiles(tempDir(`cluster-${round}`), {
        cases: 60,
        activitiesPerCase: 2,
        seed: 7,
        courts: [court],
        numberPrefix: `CL${court}`,
      });
      const upload = await uploadImport(api.base, admin, files, `cluster-${round}`);
      track("upload", "/api/imports", { ...upload, code: null });
      const batchStatus = upload.id ? await waitBatchDone(upload.id) : "not accepted";
      const third = await cacheState();
      checks.push({
        name: `${round}: import on BullMQ completes; measure cache miss → hit → invalidated by tag when its measures are refreshed`,
        ok:
          upload.status === 202 &&
          batchStatus === "completed" &&
          first.cache === "miss" &&
          second.cache === "hit" &&
          third.cache === "miss" &&
          (third.incoming ?? 0) > (first.incoming ?? 0),
        detail: `upload ${upload.status} → ${batchStatus}; ${first.cache}/${second.cache}/${third.cache}; incoming ${first.incoming} → ${third.incoming}`,
      });
      // Spread the measure cache over the nodes, then drop it by pattern.
      for (const m of ["backlog", "pending-age", "time-to-disposition", "continuances"])
        await call(api.base, `/api/measures/${m}?from=2025-07-01&to=2026-06-30`, { token: admin });
      const before = await keysPerPrimary("cf:cache:measures:*");
      const removed = await inTest.cache.withNamespace("measures").invalidatePattern("*");
      const after = await keysPerPrimary("cf:cache:measures:*");
      const fourth = await cacheState();
      checks.push({
        name: `${round}: pattern invalidation reaches every primary`,
        ok:
          before.filter((n) => n > 0).length >= 2 &&
          after.every((n) => n === 0) &&
          removed === before.reduce((a, b) => a + b, 0) &&
          fourth.cache === "miss",
        detail: `keys per primary ${before.join("/")} → ${after.join("/")} (${removed} removed); next read ${fourth.cache}`,
      });
      // Schedulers: registered once each under the hash tag, each with its next run.
      const queues = await call<{
        queues: { name: string; schedulers: { id: string; next: string | null }[] }[];
      }>(api.base, "/api/system/queues", { token: admin });
      const schedulers = (queues.body.queues ?? []).flatMap((q) => q.schedulers);
      const tagged = (await keysPerPrimary(`${QUEUE_PREFIX}:*`)).filter((n) => n > 0).length;
      checks.push({
        name: `${round}: job schedulers registered once each, with a next run; queue keys on one node (${QUEUE_PREFIX})`,
        ok:
          queues.status === 200 &&
          schedulers.length === 4 &&
          new Set(schedulers.map((s) => s.id)).size === 4 &&
          schedulers.every((s) => s.next !== null) &&
          tagged === 1,
        detail: `${schedulers.map((s) => s.id).join(", ")}; queue keys on ${tagged} primary`,
      });
      return { checks, outcomes } satisfies Round;
    }

    test(
      "every flow on the cluster; a primary killed, its replica promoted, every flow again",
      recorded(
        "4 Redis Cluster (primary killed)",
        async () => {
          const t0 = performance.now();
          const before = await flows("before", "B01", "203.0.113.1");
          // Case pages go to the first token (an admin: every case in scope), the rest alternate.
          const loadTokens = [await login(api.base, ADMIN), await login(api.base, VIEWER)];
          const load = startLoad({
            base: api.base,
            concurrency: 4,
            maxRequests: 50_000,
            maxMs: 18_000,
            timeoutMs: 15_000,
            next: (i) => authRead(i, targets, loadTokens),
          });
          await Bun.sleep(3000);
          const victim = await cluster.ownerOf(QUEUE_PREFIX);
          const killedAt = load.now();
          await cluster.kill(victim);
          const healedMs = await cluster.failedOver(QUEUE_PREFIX, victim, 30_000).catch(() => null);
          const loadOutcomes = await load.done;
          const after = await flows("after", "B02", "203.0.113.2");

          const authDown = (o: Outcome) => o.status === 503 && o.code === "AUTH_UNAVAILABLE";
          const downs = loadOutcomes.filter(authDown);
          const lastDown = downs.reduce((m, o) => Math.max(m, o.sentAt + o.ms), killedAt);
          const unexpected = [
            ...loadOutcomes.filter((o) => o.status !== 200 && !(authDown(o) && o.sentAt + o.ms >= killedAt)),
            ...[...before.outcomes, ...after.outcomes].filter((o) => o.status >= 500 || o.status === 0),
          ];
          const checks: Check[] = [
            ...before.checks,
            {
              name: "killed the primary of the queues' slot; its replica took over",
              ok: healedMs !== null,
              detail: `cluster ok with 3 primaries ${((healedMs ?? 0) / 1000).toFixed(1)} s after the kill`,
            },
            {
              name: "reads under load meanwhile: 200, or 503 AUTH_UNAVAILABLE while the sessions' slots had no primary",
              ok: loadOutcomes.every((o) => o.status === 200 || authDown(o)),
              detail: `${loadOutcomes.length} reads, ${downs.length} × 503 up to ${((lastDown - killedAt) / 1000).toFixed(1)} s after the kill`,
            },
            ...after.checks,
            {
              name: "API and worker alive without a restart, no crash output",
              ok:
                api.alive() &&
                worker.alive() &&
                crashLines(api.output()).length === 0 &&
                crashLines(worker.output()).length === 0,
            },
          ];
          recordScenario(
            "4 Redis Cluster (primary killed)",
            [...before.outcomes, ...loadOutcomes, ...after.outcomes],
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
            {
              recoverySeconds: healedMs === null ? null : healedMs / 1000,
              figures: {
                "503 window under load": `${((lastDown - killedAt) / 1000).toFixed(1)} s after the kill`,
              },
            },
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api, worker }),
      ),
    );
  });
}
