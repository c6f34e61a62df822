import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { createDb, type DbHandle } from "../../src/db/client";
import { createHealthService } from "../../src/modules/system/health.service";
import { createTestApp, type TestApp } from "../helpers/app";
import { testConfig } from "../helpers/db";
import { describePg, describePgRedis } from "../helpers/guards";
import { freePort } from "../helpers/process";
import { type PrivateRedis, REDIS_SERVER_BIN, startPrivateRedis } from "../helpers/redis-server";
import { redisConnected, waitUntil } from "./wait";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies and log lines are asserted field by field.
type Json = Record<string, any>;

/** A TCP server that accepts connections and never says a word: a hung dependency. */
function silentServer(): TCPSocketListener {
  return Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, open() {} } });
}

async function timed(fn: () => Response | Promise<Response>): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  const res = await fn();
  return { res, ms: performance.now() - started };
}

describePg("health with the database unreachable", () => {
  let t: TestApp;
  let offline: DbHandle;
  beforeAll(async () => {
    offline = await createDb(
      testConfig({ DATABASE_URL: `postgres://root@127.0.0.1:${freePort()}/x`, DATABASE_POOL_TIMEOUT_S: "1" }),
    );
    t = await createTestApp({ db: offline, redis: "memory" });
  });
  afterAll(async () => {
    await t.close();
    await offline.close();
  });

  test("health and ready answer 503 down; live stays 200", async () => {
    const health = await t.app.request("/api/system/health");
    expect(health.status).toBe(503);
    const body = (await health.json()) as Json;
    expect(body.status).toBe("down");
    // The driver's message (host, port) stays out of the open endpoint.
    expect(body.reasons).toEqual(["database not answering"]);
    expect((await t.app.request("/api/system/health/ready")).status).toBe(503);
    expect((await t.app.request("/api/system/health/live")).status).toBe(200);
  });

  test("the detailed report is 503 with the database check down", async () => {
    const res = await t.app.request("/api/system/health/detailed");
    expect(res.status).toBe(503);
    const body = (await res.json()) as Json;
    expect(body.status).toBe("down");
    expect(body.checks.database).toMatchObject({
      status: "down",
      critical: true,
      message: expect.any(String),
    });
  });
});

describePg("a hung database never hangs the health endpoints", () => {
  let silent: TCPSocketListener;
  let hung: DbHandle;
  let t: TestApp;
  beforeAll(async () => {
    silent = silentServer();
    // A long connect timeout: only the checks' own bounds can end the wait.
    hung = await createDb(
      testConfig({
        DATABASE_URL: `postgres://root@127.0.0.1:${silent.port}/x`,
        DATABASE_POOL_TIMEOUT_S: "60",
      }),
    );
    t = await createTestApp({ db: hung, redis: "memory" });
  });
  afterAll(async () => {
    await t.close();
    // close() would give the never-answering connection its 5 s grace; end it at once.
    await hung.sql?.end({ timeout: 0 });
    silent.stop(true);
  });

  test("quick health is 503 within its 1 s ping bound", async () => {
    const { res, ms } = await timed(() => t.app.request("/api/system/health"));
    expect(res.status).toBe(503);
    expect(ms).toBeLessThan(1800);
  });

  test("the detailed report is 503 within the database check's 2 s bound, naming the timeout", async () => {
    const { res, ms } = await timed(() => t.app.request("/api/system/health/detailed"));
    expect(ms).toBeLessThan(3000);
    expect(res.status).toBe(503);
    const body = (await res.json()) as Json;
    expect(body.checks.database.status).toBe("down");
    expect(body.checks.database.message).toContain("did not answer within 2000 ms");
    // The other checks were not held up by the hung one.
    expect(body.checks.memory.status).toBe("ok");
  });
});

const describeOwnRedis = REDIS_SERVER_BIN ? describePgRedis : describe.skip;
if (!REDIS_SERVER_BIN)
  process.stderr.write("!!! redis-server not installed: Redis outage tests are SKIPPED\n");

describeOwnRedis("health with a private Redis that stops or hangs", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test("Redis stopped: health is degraded (still 200) and the detailed report names the clients", async () => {
    const t = await createTestApp({ redis: redis.url(1) });
    try {
      await redisConnected(t.deps);
      const before = await t.app.request("/api/system/health");
      expect(await before.json()).toMatchObject({ status: "ok" });

      await redis.kill();
      await waitUntil("health to notice Redis is gone", async () => {
        const body = (await (await t.app.request("/api/system/health")).json()) as Json;
        // Each client notices the closed socket on its own; wait for all four.
        return body.status === "degraded" && body.reasons.length === 4;
      });
      const res = await t.app.request("/api/system/health");
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      expect(body.reasons.sort()).toEqual([
        "redis cache down",
        "redis main down",
        "redis queue down",
        "redis session down",
      ]);

      const detailed = await t.app.request("/api/system/health/detailed");
      expect(detailed.status).toBe(200);
      const report = (await detailed.json()) as Json;
      expect(report.status).toBe("degraded");
      expect(report.checks["redis.main"].status).toBe("down");
      expect(report.checks.database.status).toBe("ok");
    } finally {
      await t.close();
    }
  }, 15_000);

  test("Redis hung (SIGSTOP): the detailed report still answers within the Redis checks' bound", async () => {
    await redis.start();
    const t = await createTestApp({ redis: redis.url(2) });
    try {
      await redisConnected(t.deps);
      redis.pause();
      const { res, ms } = await timed(() => t.app.request("/api/system/health/detailed"));
      expect(ms).toBeLessThan(2500);
      const body = (await res.json()) as Json;
      expect(res.status).toBe(200);
      expect(body.status).toBe("degraded");
      expect(body.checks["redis.cache"]).toMatchObject({ status: "down" });
      expect(body.checks["redis.cache"].message).toContain("did not answer within");
    } finally {
      redis.resume();
      await t.close();
    }
  }, 15_000);
});

describePg("the detailed report with a check that never resolves", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redis: "memory" });
  });
  afterAll(async () => {
    await t.close();
  });

  test("is bounded by that check's own timeout and reports it down", async () => {
    const health = createHealthService(t.deps, {
      extraChecks: [{ name: "hung", timeoutMs: 300, run: () => new Promise(() => {}) }],
    });
    const started = performance.now();
    const report = await health.detailed();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(report.checks.hung).toMatchObject({
      status: "down",
      message: "hung did not answer within 300 ms",
    });
    expect(report.checks.hung!.latencyMs).toBeGreaterThanOrEqual(290);
    expect(report.status).toBe("degraded");
  });

  test("a check that throws is down with its message, and a critical one takes the service down", async () => {
    const health = createHealthService(t.deps, {
      extraChecks: [
        {
          name: "broken",
          critical: true,
          run: async () => {
            throw new Error("boom");
          },
        },
      ],
    });
    const report = await health.detailed();
    expect(report.checks.broken).toMatchObject({ status: "down", message: "boom" });
    expect(report.status).toBe("down");
  });
});
