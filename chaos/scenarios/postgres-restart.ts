import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { authRead, publicRead, type ReadTargets, readTargets } from "../lib/calls";
import { type Outcome, startLoad } from "../lib/load";
import { type ChaosProcess, crashLines, startApi } from "../lib/processes";
import { type Check, recorded, recordScenario } from "../lib/summary";
import { msUntil } from "../lib/wait";
import { ADMIN, createWorld, login, VIEWER, type World } from "../lib/world";

// Scenario 2: PostgreSQL restarted under load (fast shutdown: sessions terminated, then refused
// connections for a few seconds). Requests meanwhile fail fast with 503 DATABASE_UNAVAILABLE (or
// answer from the cache); none waits past the statement timeout; the pool reconnects by itself.

const QUERY_TIMEOUT_MS = 5000;
const OUTAGE_MS = 4000;
const RECOVERY_MS = 10_000;
const PROBE_SETTLE_MS = 2500;

const percentile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : 0;
};

export function postgresRestartScenario(): void {
  describe("2. PostgreSQL restarted under load", () => {
    let world: World;
    let api: ChaosProcess;
    let targets: ReadTargets;
    let tokens: string[];

    beforeAll(async () => {
      world = await createWorld();
      api = await startApi({
        databaseUrl: world.databaseUrl,
        redisUrl: world.redis.url(0),
        extra: { DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS), DATABASE_POOL_TIMEOUT_S: "3" },
      });
      targets = await readTargets(world.databaseUrl);
      tokens = [await login(api.base, ADMIN), await login(api.base, VIEWER)];
    });

    afterAll(async () => {
      await api?.stop();
      await world?.destroy();
    });

    test(
      "requests fail fast with 503 DATABASE_UNAVAILABLE, none hangs, the pool recovers by itself",
      recorded(
        "2 PostgreSQL restarted",
        async () => {
          const t0 = performance.now();
          const load = startLoad({
            base: api.base,
            concurrency: 8,
            maxRequests: 12_000,
            maxMs: 20_000,
            timeoutMs: 30_000,
            next: (i) => (i % 4 === 3 ? publicRead(i) : authRead(i, targets, tokens)),
          });
          await Bun.sleep(2000);
          const stopStart = load.now();
          await world.pg.stop();
          const stoppedAt = load.now();
          await Bun.sleep(OUTAGE_MS);
          await world.pg.start();
          const startedAt = load.now();
          const recoveredMs = await msUntil(async () => {
            const res = await fetch(`${api.base}/api/cases/${targets.minCaseId}`, {
              headers: { authorization: `Bearer ${tokens[0]}` },
            });
            return res.status === 200;
          }, RECOVERY_MS);
          const outcomes = await load.done;
          const recoveredAt = startedAt + (recoveredMs ?? RECOVERY_MS);

          const dbDown = (o: Outcome) => o.status === 503 && o.code === "DATABASE_UNAVAILABLE";
          // Health and readiness answer 503 (status "down") while the database is away: that is their job.
          const probeDown = (o: Outcome) =>
            o.status === 503 && (o.path === "/api/system/health" || o.path === "/api/system/health/ready");
          // A probe's "down" report is cached for 0.5 s and its database check may have started (and
          // then timed out, at most 1 s) just before the recovery, so probes get 1.5 s more to settle.
          const settled = (o: Outcome) =>
            o.sentAt + o.ms < stopStart || o.sentAt > recoveredAt + (probeDown(o) ? PROBE_SETTLE_MS : 1000);
          const unexpected = outcomes.filter((o) => {
            if (o.ms > QUERY_TIMEOUT_MS + 1000) return true;
            if (settled(o)) return o.status !== 200;
            return !(o.status === 200 || dbDown(o) || probeDown(o));
          });
          const during = outcomes.filter((o) => o.sentAt >= stoppedAt && o.sentAt < startedAt);
          const failed = during.filter((o) => o.status !== 200);
          const checks: Check[] = [
            {
              name: "during the outage: 503 DATABASE_UNAVAILABLE (or 200 from the cache), nothing else",
              ok: failed.length > 0 && failed.every((o) => dbDown(o) || probeDown(o)),
              detail: `${during.length} sent, ${failed.length} failed, p95 ${Math.round(
                percentile(
                  failed.map((o) => o.ms),
                  0.95,
                ),
              )} ms`,
            },
            {
              // Regression: postgres.js's default reconnect backoff (up to 20 s) held these 13–17 s.
              name: "failures are fast: p95 under 2 s",
              ok:
                percentile(
                  failed.map((o) => o.ms),
                  0.95,
                ) < 2000,
            },
            {
              name: `no request hangs past the statement timeout (${QUERY_TIMEOUT_MS} ms)`,
              ok: outcomes.every((o) => o.ms <= QUERY_TIMEOUT_MS + 1000),
              detail: `slowest ${Math.round(Math.max(...outcomes.map((o) => o.ms)))} ms`,
            },
            {
              name: "the pool recovers by itself within 10 s of the restart",
              ok: recoveredMs !== null,
              detail: `${Math.round(recoveredMs ?? -1)} ms`,
            },
            {
              name: "no 500, no dropped connection",
              ok: !outcomes.some((o) => o.status === 0 || o.status === 500),
            },
            {
              name: "API process alive, no crash output",
              ok: api.alive() && crashLines(api.output()).length === 0,
            },
          ];
          recordScenario(
            "2 PostgreSQL restarted",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
          );
          if (unexpected.length) {
            for (const o of unexpected.slice(0, 10))
              console.log(
                o.label,
                o.path,
                o.status,
                o.code,
                `sent +${Math.round(o.sentAt - stoppedAt)} ms, ${Math.round(o.ms)} ms`,
              );
          }
          expect(checks.filter((c) => !c.ok)).toEqual([]);
          expect(unexpected.slice(0, 5)).toEqual([]);
        },
        () => ({ api }),
      ),
    );
  });
}
