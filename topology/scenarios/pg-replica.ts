import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { authRead, type ReadTargets, readTargets } from "../../chaos/lib/calls";
import { addBenchReferenceData, uploadImport } from "../../chaos/lib/imports";
import { type Call, type Outcome, startLoad } from "../../chaos/lib/load";
import { type PrivatePostgres, startStandby } from "../../chaos/lib/private-postgres";
import { type ChaosProcess, crashLines, startApi } from "../../chaos/lib/processes";
import { type Check, recorded, recordScenario } from "../../chaos/lib/summary";
import { msUntil, waitUntil } from "../../chaos/lib/wait";
import {
  ADMIN,
  createDatabase,
  login,
  tableFingerprints,
  VIEWER,
  WORLD_DATABASE,
} from "../../chaos/lib/world";
import { writeBenchFiles } from "../../scripts/lib/import-bench-data";
import { tempDir } from "../../test/helpers/process";
import { type PrivateRedis, startPrivateRedis } from "../../test/helpers/redis-server";
import { call, detailedHealth, scalar, scrape, series } from "../lib/probe";

// Scenario 1: a PostgreSQL primary and a streaming replica (pg_basebackup -R), the API with
// DATABASE_REPLICA_URLS. Reads go to the replica (per-target query counters in the metrics and the
// replica's own pg_stat_database), writes to the primary; a user who writes reads their write on the
// next request although replay is paused on the replica (WAL-position fences); a replica paused past
// DATABASE_REPLICA_MAX_LAG_S gets no reads and detailed health names it with its lag; a replica
// stopped under load costs no request at all (a read that loses its replica is repeated on the
// primary), and reads come back to it when it returns.

const MAX_LAG_S = 3;

/**
 * Reads that always reach the database (none is served from the cache): case pages, lists and
 * activities, judges, and measures with fresh=true (admins: computed on every request).
 */
const uncachedRead = (i: number, t: ReadTargets, token: string): Call => {
  const id = t.minCaseId + ((i * 7919) % (t.maxCaseId - t.minCaseId + 1));
  const measure = ["clearance", "pending-age", "backlog"][i % 3];
  const paths = [
    `/api/cases/${id}`,
    `/api/cases?courtId=${t.courtId}&status=active&limit=20`,
    `/api/cases/${id}/activities`,
    "/api/judges?limit=20",
    `/api/measures/${measure}?from=2025-07-01&to=2026-06-30&courtId=${t.courtId}&fresh=true`,
  ];
  return {
    label: "db read",
    path: paths[i % paths.length]!,
    init: { headers: { authorization: `Bearer ${token}` } },
  };
};

/** Reads of every kind a dashboard sends, cached ones included. */
const dashboardRead = (i: number, t: ReadTargets, tokens: string[]): Call =>
  i % 2 === 1 ? uncachedRead(i, t, tokens[0]!) : authRead(i, t, tokens);

export function pgReplicaScenario(): void {
  describe("1. PostgreSQL primary + streaming replica (DATABASE_REPLICA_URLS)", () => {
    let primary: PrivatePostgres;
    let standby: PrivatePostgres;
    let redis: PrivateRedis;
    let databaseUrl: string;
    let replicaUrl: string;
    let replicaLabel: string;
    let api: ChaosProcess;
    let targets: ReadTargets;
    let tokens: string[];
    let dir = "";

    beforeAll(async () => {
      dir = tempDir("topology-replica");
      ({ pg: primary, databaseUrl } = await createDatabase({ cases: 1500 }));
      await addBenchReferenceData(databaseUrl);
      standby = await startStandby(primary);
      replicaUrl = standby.url(WORLD_DATABASE);
      replicaLabel = `127.0.0.1:${standby.port}/${WORLD_DATABASE}`;
      redis = await startPrivateRedis();
      api = await startApi({
        databaseUrl,
        redisUrl: redis.url(0),
        extra: {
          DATABASE_REPLICA_URLS: replicaUrl,
          DATABASE_REPLICA_MAX_LAG_S: String(MAX_LAG_S),
          DATABASE_POOL_TIMEOUT_S: "3",
          DATABASE_QUERY_TIMEOUT_MS: "10000",
        },
      });
      targets = await readTargets(databaseUrl);
      tokens = [await login(api.base, ADMIN), await login(api.base, VIEWER)];
      await waitUntil("replica up in detailed health", 15_000, async () => {
        const h = await detailedHealth(api.base);
        const replicas = (h.checks.database?.details?.replicas ?? []) as { state: string }[];
        return replicas[0]?.state === "ok";
      });
    });

    afterAll(async () => {
      await api?.stop();
      await redis?.stop();
      await standby?.destroy();
      await primary?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const counters = async () => {
      const text = await scrape(api.base);
      return {
        replica: series(text, "courtflow_db_queries_total", { target: replicaLabel }),
        primary: series(text, "courtflow_db_queries_total", { target: "primary" }),
        toPrimaryUnavailable: series(text, "courtflow_db_read_routes_total", {
          target: "primary",
          reason: "unavailable",
        }),
        toPrimaryFence: series(text, "courtflow_db_read_routes_total", {
          target: "primary",
          reason: "fence",
        }),
      };
    };
    // The API's own sessions on the replica (pg_stat_activity there), beside its query counters.
    const apiSessionsOnReplica = () =>
      scalar(
        replicaUrl,
        `select count(*) from pg_stat_activity where datname = '${WORLD_DATABASE}' and application_name = 'courtflow'`,
      );

    test(
      "reads on the replica, writes on the primary; read-your-writes with replay paused; lagging replica skipped and named",
      recorded(
        "1a PG replica: routing, read-your-writes, lag",
        async () => {
          const t0 = performance.now();
          const checks: Check[] = [];
          const all: Outcome[] = [];

          // a) Routing: a bounded burst of dashboard reads.
          const before = await counters();
          const reads = await startLoad({
            base: api.base,
            concurrency: 4,
            maxRequests: 160,
            maxMs: 60_000,
            next: (i) => uncachedRead(i, targets, tokens[0]!),
          }).done;
          all.push(...reads);
          const after = await counters();
          const sessionsOnReplica = await apiSessionsOnReplica();
          const replicaQueries = after.replica - before.replica;
          const primaryQueries = after.primary - before.primary;
          checks.push(
            {
              name: "160 reads (case pages, lists, activities, judges, measures) all 200",
              ok: reads.length === 160 && reads.every((o) => o.status === 200),
            },
            {
              name: "their queries ran on the replica (metrics by target; the API's sessions in the replica's pg_stat_activity)",
              // The primary's few: the metrics scrapes' own health checks.
              ok: replicaQueries >= 160 && primaryQueries <= 10 && sessionsOnReplica >= 1,
              detail: `replica ${replicaQueries} queries, primary ${primaryQueries}; the API's sessions on the replica: ${sessionsOnReplica}`,
            },
          );
          const write = await call<{ id: number }>(api.base, "/api/courts", {
            token: tokens[0],
            method: "POST",
            body: { code: "RPL1", name: "Replica check court", level: "trial" },
          });
          const afterWrite = await counters();
          checks.push({
            name: "a write goes to the primary",
            ok:
              write.status === 201 &&
              afterWrite.primary > after.primary &&
              (await scalar(databaseUrl, "select count(*) from courts where code = 'RPL1'")) === 1,
            detail: `POST /api/courts ${write.status}`,
          });

          // b) Read-your-writes: replay paused, the writer's next request must see the write.
          await standby.query("select pg_wal_replay_pause()");
          await waitUntil("replay paused", 10_000, async () => {
            const [r] = await standby.query<{ s: string }>("select pg_get_wal_replay_pause_state() as s");
            return r?.s === "paused";
          });
          const fenceBefore = (await counters()).toPrimaryFence;
          const court = await call<{ id: number }>(api.base, "/api/courts", {
            token: tokens[0],
            method: "POST",
            body: { code: "RYW1", name: "Written while replay is paused", level: "trial" },
          });
          const courtRead = await call<{ code: string }>(api.base, `/api/courts/${court.body.id}`, {
            token: tokens[0],
          });
          const tiers = [
            { percent: 70, days: 91 },
            { percent: 95, days: 181 },
          ];
          const put = await call(api.base, "/api/time-standards/felony", {
            token: tokens[0],
            method: "PUT",
            body: { tiers },
          });
          const standards = await call<{ data: { caseType: string; tiers: typeof tiers }[] }>(
            api.base,
            "/api/time-standards",
            { token: tokens[0] },
          );
          const files = await writeBenchFiles(dir, { cases: 20, activitiesPerCase: 2, seed: 11 });
          const upload = await uploadImport(api.base, tokens[0]!, files, "replica-ryw");
          const batch = await call<{ id: number; status: string }>(api.base, `/api/imports/${upload.id}`, {
            token: tokens[0],
          });
          const fenceAfter = (await counters()).toPrimaryFence;
          const onReplica = await scalar(replicaUrl, "select count(*) from courts where code = 'RYW1'");
          const felony = standards.body.data?.find((s) => s.caseType === "felony");
          checks.push(
            {
              name: "replay paused: the replica does not have the writes",
              ok: onReplica === 0,
              detail: `court RYW1 rows on the replica: ${onReplica}`,
            },
            {
              name: "read-your-writes: created court, edited time standard, uploaded import all visible on the next request",
              ok:
                court.status === 201 &&
                courtRead.status === 200 &&
                courtRead.body.code === "RYW1" &&
                put.status === 200 &&
                Bun.deepEquals(felony?.tiers, tiers) &&
                upload.status === 202 &&
                batch.status === 200 &&
                batch.body.id === upload.id,
              detail: `POST court ${court.status} → GET ${courtRead.status}; PUT standard ${put.status} → tiers ${JSON.stringify(felony?.tiers)}; upload ${upload.status} → GET batch ${batch.status}`,
            },
            {
              name: "those reads went to the primary because of the writer's fence",
              ok: fenceAfter > fenceBefore,
              detail: `primary reads for a fence: +${fenceAfter - fenceBefore}`,
            },
          );

          // c) Lagging: replay stays paused past the lag limit; a reader who wrote nothing still gets the primary.
          const laggingMs = await msUntil(async () => {
            const h = await detailedHealth(api.base);
            return /lags/.test(h.checks.database?.message ?? "");
          }, 20_000);
          const health = await detailedHealth(api.base);
          const replicaStatus = (
            (health.checks.database?.details?.replicas ?? []) as { lagSeconds: number }[]
          )[0];
          const lagText = await scrape(api.base);
          const lagGauge = series(lagText, "courtflow_db_replica_lag_seconds", { replica: replicaLabel });
          const beforeLagReads = await counters();
          const lagReads = await startLoad({
            base: api.base,
            concurrency: 2,
            maxRequests: 40,
            maxMs: 30_000,
            next: (i) => uncachedRead(i, targets, tokens[0]!),
          }).done;
          all.push(...lagReads);
          const afterLagReads = await counters();
          checks.push(
            {
              name: `detailed health names the lagging replica and its lag (limit ${MAX_LAG_S} s)`,
              ok:
                laggingMs !== null &&
                health.status === "degraded" &&
                health.checks.database?.status === "warn" &&
                (health.checks.database?.message ?? "").includes(replicaLabel) &&
                (replicaStatus?.lagSeconds ?? 0) > MAX_LAG_S &&
                lagGauge > MAX_LAG_S,
              detail: `"${health.checks.database?.message}"; gauge ${lagGauge} s`,
            },
            {
              name: "reads while it lags: 200, none on the replica",
              ok:
                lagReads.every((o) => o.status === 200) &&
                afterLagReads.replica === beforeLagReads.replica &&
                afterLagReads.toPrimaryUnavailable - beforeLagReads.toPrimaryUnavailable >= 40,
              detail: `${lagReads.length} reads; replica +${afterLagReads.replica - beforeLagReads.replica} queries, primary (unavailable) +${afterLagReads.toPrimaryUnavailable - beforeLagReads.toPrimaryUnavailable}`,
            },
          );
          await standby.query("select pg_wal_replay_resume()");
          const resumedAt = performance.now();
          const backMs = await msUntil(async () => {
            const c0 = (await counters()).replica;
            await call(api.base, `/api/cases/${targets.minCaseId}`, { token: tokens[1] });
            return (await counters()).replica > c0;
          }, 20_000);
          checks.push({
            name: "replay resumed: reads return to the replica",
            ok: backMs !== null,
            detail: `${((performance.now() - resumedAt) / 1000).toFixed(1)} s after resume`,
          });

          const unexpected = all.filter((o) => o.status !== 200);
          recordScenario(
            "1a PG replica: routing, read-your-writes, lag",
            all,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
            {
              recoverySeconds: backMs === null ? null : backMs / 1000,
              figures: {
                "reads → replica queries": `${replicaQueries} replica / ${primaryQueries} primary`,
                "lag reported": `${replicaStatus?.lagSeconds} s`,
              },
            },
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api }),
      ),
    );

    test(
      "replica stopped under load: no read fails (in-flight ones are repeated on the primary), reads come back to it",
      recorded(
        "1b PG replica stopped under load",
        async () => {
          const t0 = performance.now();
          const load = startLoad({
            base: api.base,
            concurrency: 6,
            maxRequests: 20_000,
            maxMs: 16_000,
            timeoutMs: 15_000,
            next: (i) => dashboardRead(i, targets, tokens),
          });
          await Bun.sleep(3000);
          const stopAt = load.now();
          const atStop = await counters();
          await standby.stop();
          const stoppedAt = load.now();
          await Bun.sleep(4000);
          const atStart = await counters();
          await standby.start();
          const startedAt = load.now();
          const backMs = await msUntil(async () => (await counters()).replica > atStart.replica, 15_000);
          const outcomes = await load.done;
          const end = await counters();

          // A read that lost its replica is repeated on the primary: not even those in flight fail.
          const failures = outcomes.filter((o) => o.status !== 200);
          const unexpected = failures;
          const sentMeanwhile = outcomes.filter((o) => o.sentAt > stoppedAt && o.sentAt < startedAt);
          const replicaCatchUp = await msUntil(async () => {
            const [p, r] = await Promise.all([tableFingerprints(databaseUrl), tableFingerprints(replicaUrl)]);
            return Bun.deepEquals(p, r);
          }, 20_000);
          const checks: Check[] = [
            {
              name: "no 5xx, not even for the reads in flight when it stopped (repeated on the primary)",
              ok: failures.length === 0,
              detail: `${failures.length} failed: ${[...new Set(failures.map((o) => `${o.status} ${o.code}`))].join(", ") || "none"}`,
            },
            {
              name: "while it was down, reads answered 200 from the primary",
              ok:
                sentMeanwhile.length > 20 &&
                sentMeanwhile.every((o) => o.status === 200) &&
                atStart.primary - atStop.primary >= 100,
              detail: `${sentMeanwhile.length} sent; primary +${atStart.primary - atStop.primary} queries`,
            },
            {
              name: "reads back on the replica after its restart",
              ok: backMs !== null && end.replica > atStart.replica,
              detail: `${Math.round(backMs ?? -1)} ms after the start`,
            },
            {
              name: "replica caught up: every table equal on both (row counts and checksums)",
              ok: replicaCatchUp !== null,
            },
            { name: "API alive, no crash output", ok: api.alive() && crashLines(api.output()).length === 0 },
          ];
          if (unexpected.length)
            console.log(
              api
                .output()
                .split("\n")
                .filter((l) => l.includes("DATABASE_UNAVAILABLE") || l.includes('"level":"error"'))
                .slice(-6)
                .map((l) => l.slice(0, 600))
                .join("\n"),
            );
          for (const o of unexpected.slice(0, 5))
            console.log(
              "unexpected",
              o.path,
              o.status,
              o.code,
              `sent ${Math.round(o.sentAt - stopAt)} ms after the stop, ${Math.round(o.ms)} ms`,
            );
          recordScenario(
            "1b PG replica stopped under load",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
            {
              recoverySeconds: backMs === null ? null : backMs / 1000,
              figures: { "reads failed": failures.length },
            },
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api }),
      ),
    );
  });
}
