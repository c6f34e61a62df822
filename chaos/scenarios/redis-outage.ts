import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type PrivateRedis, startPrivateRedis } from "../../test/helpers/redis-server";
import { authRead, loginCall, publicRead, type ReadTargets, readTargets } from "../lib/calls";
import { type Call, type Outcome, startLoad } from "../lib/load";
import { type ChaosProcess, crashLines, startApi } from "../lib/processes";
import { type Check, recorded, recordScenario } from "../lib/summary";
import { healthOf, msUntil } from "../lib/wait";
import { ADMIN, createWorld, login, VIEWER, type World } from "../lib/world";

// Scenario 1: Redis killed under load. What "reads keep answering from PostgreSQL" can mean when
// every data route needs a session, and sessions live in Redis:
//  a) the cache Redis dies (CACHE_REDIS_URL on its own server, as docs/operations.md recommends): every
//     read, authenticated ones included, answers 200 from PostgreSQL; health says degraded;
//  b) the Redis of sessions and rate limits dies: public reads (health, probes, version, OpenAPI)
//     answer 200 and health says degraded; authenticated routes and logins fail closed with
//     503 AUTH_UNAVAILABLE, never a 200 without a session check.
// In both, the server comes back (same data: the session Redis runs with an fsync'd AOF, like a
// production Redis) and everything answers again within 10 s, without restarting the API.

const RECOVERY_MS = 10_000;

export function redisOutageScenario(): void {
  describe("1. Redis killed under load", () => {
    let world: World;
    let cacheRedis: PrivateRedis;
    let api: ChaosProcess;
    let targets: ReadTargets;
    let tokens: string[];

    beforeAll(async () => {
      world = await createWorld({ redisArgs: ["--appendonly", "yes", "--appendfsync", "always"] });
      cacheRedis = await startPrivateRedis();
      api = await startApi({
        databaseUrl: world.databaseUrl,
        redisUrl: world.redis.url(0),
        extra: { CACHE_REDIS_URL: cacheRedis.url(0), REDIS_COMMAND_TIMEOUT_MS: "1000" },
      });
      targets = await readTargets(world.databaseUrl);
      tokens = [await login(api.base, ADMIN), await login(api.base, VIEWER)];
    });

    afterAll(async () => {
      await api?.stop();
      await cacheRedis?.stop();
      await world?.destroy();
    });

    test(
      "a) cache Redis killed: authenticated reads keep answering 200 from PostgreSQL; back within 10 s",
      recorded(
        "1a Redis (cache) killed",
        async () => {
          const t0 = performance.now();
          const load = startLoad({
            base: api.base,
            concurrency: 8,
            maxRequests: 10_000,
            maxMs: 14_000,
            timeoutMs: 10_000,
            next: (i) => (i % 4 === 3 ? publicRead(i) : authRead(i, targets, tokens)),
          });
          await Bun.sleep(2000);
          await cacheRedis.kill();
          const killedAt = load.now();
          const degradedMs = await msUntil(
            async () => (await healthOf(api.base)).body.reasons?.some((r) => r.includes("cache")) ?? false,
            5000,
          );
          await Bun.sleep(3000);
          await cacheRedis.start();
          const recoveredMs = await msUntil(
            async () => (await healthOf(api.base)).body.status === "ok",
            RECOVERY_MS,
          );
          const outcomes = await load.done;

          const unexpected = outcomes.filter((o) => o.status !== 200);
          const checks: Check[] = [
            {
              name: "every read 200 throughout (served from PostgreSQL while the cache was down)",
              ok: unexpected.length === 0,
            },
            {
              name: "reads sent while the cache was down",
              ok: outcomes.some((o) => o.sentAt > killedAt + 500 && o.label === "auth read"),
              detail: `${outcomes.filter((o) => o.sentAt > killedAt && o.label === "auth read").length} after the kill`,
            },
            {
              name: "health says degraded (redis cache down)",
              ok: degradedMs !== null,
              detail: `after ${Math.round(degradedMs ?? -1)} ms`,
            },
            {
              name: "health ok again within 10 s of the restart",
              ok: recoveredMs !== null,
              detail: `${Math.round(recoveredMs ?? -1)} ms`,
            },
            {
              name: "API process alive, no crash output",
              ok: api.alive() && crashLines(api.output()).length === 0,
            },
          ];
          recordScenario(
            "1a Redis (cache) killed",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api }),
      ),
    );

    test(
      "b) session Redis killed: public reads 200 and degraded; authenticated 503 AUTH_UNAVAILABLE, never 200; back within 10 s",
      recorded(
        "1b Redis (sessions) killed",
        async () => {
          const t0 = performance.now();
          const next = (i: number): Call =>
            i % 10 === 9 ? loginCall(ADMIN) : i % 3 === 2 ? publicRead(i) : authRead(i, targets, tokens);
          const load = startLoad({
            base: api.base,
            concurrency: 8,
            maxRequests: 12_000,
            maxMs: 22_000,
            timeoutMs: 10_000,
            next,
          });
          await Bun.sleep(2000);
          const killStart = load.now();
          await world.redis.kill();
          const killedAt = load.now();
          const degraded = await msUntil(async () => {
            const h = await healthOf(api.base);
            return h.status === 200 && h.body.status === "degraded";
          }, 5000);
          await Bun.sleep(4000);
          await world.redis.start();
          const restartedAt = load.now();
          // Recovered = the same tokens read again and a login succeeds.
          const recoveredMs = await msUntil(async () => {
            const read = await fetch(`${api.base}/api/courts`, {
              headers: { authorization: `Bearer ${tokens[1]}` },
            });
            const again = await fetch(`${api.base}/api/auth/login`, loginCall(ADMIN).init);
            return read.status === 200 && again.status === 200;
          }, RECOVERY_MS);
          const outcomes = await load.done;
          const recoveredAt = restartedAt + (recoveredMs ?? RECOVERY_MS);

          // Down window: sent after the kill and before the restart.
          const down = (o: Outcome) => o.sentAt >= killedAt + 100 && o.sentAt + o.ms < restartedAt;
          // Before the fault (answered before the kill began) and after recovery, everything is 200;
          // requests in flight across the kill or the recovery may go either way.
          const settled = (o: Outcome) => o.sentAt + o.ms < killStart || o.sentAt > recoveredAt + 1000;
          const unexpected = outcomes.filter((o) => {
            const failClosed = o.status === 503 && o.code === "AUTH_UNAVAILABLE";
            if (o.label === "public read") return o.status !== 200;
            if (down(o)) return !failClosed;
            if (settled(o)) return o.status !== 200;
            return !(o.status === 200 || failClosed);
          });
          const downAuth = outcomes.filter((o) => o.label !== "public read" && down(o));
          const checks: Check[] = [
            {
              name: "public reads 200 throughout (zero 5xx)",
              ok: !unexpected.some((o) => o.label === "public read"),
            },
            {
              name: "authenticated reads and logins while down: 503 AUTH_UNAVAILABLE only, never 200",
              ok:
                downAuth.length > 0 &&
                downAuth.every((o) => o.status === 503 && o.code === "AUTH_UNAVAILABLE"),
              detail: `${downAuth.length} requests`,
            },
            {
              name: "health 200 degraded while down",
              ok: degraded !== null,
              detail: `after ${Math.round(degraded ?? -1)} ms`,
            },
            {
              name: "same sessions read and logins work within 10 s of the restart (no API restart)",
              ok: recoveredMs !== null,
              detail: `${Math.round(recoveredMs ?? -1)} ms`,
            },
            {
              name: "no 500 at all",
              ok: !outcomes.some((o) => o.status >= 500 && o.code !== "AUTH_UNAVAILABLE"),
            },
            {
              name: "API process alive, no crash output",
              ok: api.alive() && crashLines(api.output()).length === 0,
            },
          ];
          if (unexpected.length) {
            const at = (o: Outcome) =>
              `sent ${Math.round(o.sentAt - killedAt)} ms after the kill, took ${Math.round(o.ms)} ms`;
            console.log(
              `restart at +${Math.round(restartedAt - killedAt)} ms, recovered at +${Math.round(recoveredAt - killedAt)} ms`,
            );
            for (const o of unexpected.slice(0, 10)) console.log(o.label, o.path, o.status, o.code, at(o));
          }
          recordScenario(
            "1b Redis (sessions) killed",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
          expect(unexpected.slice(0, 5)).toEqual([]);
        },
        () => ({ api }),
      ),
    );
  });
}
