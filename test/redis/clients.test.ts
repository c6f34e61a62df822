import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterOptions, RedisOptions } from "ioredis";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { createRedisClients } from "../../src/redis/clients";
import { redisMetrics } from "../../src/redis/metrics";
import { connectionSpec, reconnectOnError, retryDelayMs } from "../../src/redis/options";
import { LogCapture } from "../helpers/app";
import { metricValue } from "../helpers/metrics";
import { tempDir } from "../helpers/process";
import { describeOwnRedis, type PrivateRedis, startPrivateRedis } from "../helpers/redis-server";
import { redisTestConfig } from "./subjects";

const cfg = (env: Record<string, string>) => redisTestConfig(env, null);

describe("Redis connection options", () => {
  const base = {
    REDIS_URL: "redis://127.0.0.1:6379/3",
    REDIS_CONNECT_TIMEOUT_MS: "7000",
    REDIS_COMMAND_TIMEOUT_MS: "1500",
  };

  test("every role: 30 s keep-alive, connect and command timeouts from config, capped backoff, READONLY reconnect", () => {
    for (const role of ["main", "session", "cache", "queue"] as const) {
      const spec = connectionSpec(cfg(base), role);
      expect(spec.topology).toBe("standalone");
      const o = spec.options as RedisOptions;
      expect(o).toMatchObject({ host: "127.0.0.1", port: 6379, db: 3, keepAlive: 30_000 });
      expect(o.connectTimeout).toBe(7000);
      expect(o.commandTimeout).toBe(1500);
      expect(o.maxRetriesPerRequest).toBe(3);
      expect(o.keyPrefix).toBeUndefined();
      expect(o.retryStrategy).toBe(retryDelayMs);
      expect(o.reconnectOnError).toBe(reconnectOnError);
    }
  });

  test("the cache and the BullMQ producer refuse commands while disconnected; main and session queue them", () => {
    const offline = (role: "main" | "session" | "cache" | "queue") =>
      (connectionSpec(cfg(base), role).options as RedisOptions).enableOfflineQueue;
    expect(offline("cache")).toBe(false);
    expect(offline("queue")).toBe(false);
    expect(offline("main")).toBe(true);
    expect(offline("session")).toBe(true);
  });

  test("BullMQ workers retry forever, have no command timeout and no key prefix", () => {
    const o = connectionSpec(cfg(base), "worker").options as RedisOptions;
    expect(o.maxRetriesPerRequest).toBeNull();
    expect(o.commandTimeout).toBeUndefined();
    expect(o.keyPrefix).toBeUndefined();
  });

  test("reconnect delays grow exponentially to a 5 s cap; READONLY reconnects and resends", () => {
    const delays = [1, 2, 3, 4, 10, 50].map(retryDelayMs);
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThan(200);
    expect(delays[3]).toBeGreaterThanOrEqual(800);
    for (const d of delays.slice(4)) {
      expect(d).toBeGreaterThanOrEqual(5000);
      expect(d).toBeLessThan(5100);
    }
    expect(reconnectOnError(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnectOnError(new Error("WRONGTYPE Operation against a key"))).toBe(false);
  });

  test("rediss:// turns on TLS; user:password@ becomes ACL credentials, percent-decoded, and never the target", () => {
    const spec = connectionSpec(
      cfg({ REDIS_URL: "rediss://app:s%40cret-pass@redis.internal:6380/2" }),
      "main",
    );
    expect(spec.options).toMatchObject({
      host: "redis.internal",
      port: 6380,
      db: 2,
      username: "app",
      password: "s@cret-pass",
      tls: {},
    });
    expect(spec.target).toBe("redis.internal:6380/2 (tls)");
    expect(spec.target).not.toContain("cret");
  });

  test("rediss://: REDIS_TLS_CA and the client certificate reach every role and the workers' connections", () => {
    const dir = tempDir("redis-tls-files");
    try {
      const pem = (kind: string) => `-----BEGIN ${kind}-----\nAAAA\n-----END ${kind}-----\n`;
      writeFileSync(join(dir, "ca.crt"), pem("CERTIFICATE"));
      writeFileSync(join(dir, "client.crt"), pem("CERTIFICATE"));
      writeFileSync(join(dir, "client.key"), pem("PRIVATE KEY"));
      const config = cfg({
        REDIS_URL: "rediss://redis.internal:6380/0",
        QUEUE_REDIS_URL: "rediss://q:x@redis.internal:6380/0",
        REDIS_TLS_CA: join(dir, "ca.crt"),
        REDIS_TLS_CERT: join(dir, "client.crt"),
        REDIS_TLS_KEY: join(dir, "client.key"),
      });
      for (const role of ["main", "session", "cache", "queue", "worker"] as const) {
        expect((connectionSpec(config, role).options as RedisOptions).tls).toEqual({
          rejectUnauthorized: true,
          ca: pem("CERTIFICATE"),
          cert: pem("CERTIFICATE"),
          key: pem("PRIVATE KEY"),
        });
      }
      expect(() =>
        connectionSpec(cfg({ REDIS_URL: "rediss://r:6380", REDIS_TLS_CA: join(dir, "nope") }), "main"),
      ).toThrow(/^REDIS_TLS_CA: cannot read .*nope \(ENOENT\)$/);
      expect(() => cfg({ REDIS_URL: "rediss://r:6380", REDIS_TLS_CERT: join(dir, "client.crt") })).toThrow(
        /REDIS_TLS_CERT: set together with REDIS_TLS_KEY/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a role's own URL wins over REDIS_URL", () => {
    const config = cfg({ ...base, CACHE_REDIS_URL: "redis://cache.internal:6390/0" });
    expect(connectionSpec(config, "cache").options).toMatchObject({
      host: "cache.internal",
      port: 6390,
      db: 0,
    });
    expect(connectionSpec(config, "session").options).toMatchObject({ host: "127.0.0.1", db: 3 });
  });

  test("Sentinel: REDIS_SENTINELS and REDIS_SENTINEL_NAME, with credentials and db from REDIS_URL", () => {
    const config = cfg({
      REDIS_URL: "redis://:pw@ignored-host/4",
      REDIS_SENTINELS: "s1:26379, s2:26380",
      REDIS_SENTINEL_NAME: "courtflow",
    });
    const spec = connectionSpec(config, "session");
    expect(spec.topology).toBe("sentinel");
    expect(spec.options).toMatchObject({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
      ],
      name: "courtflow",
      db: 4,
      failoverDetector: true,
      password: "pw",
    });
    expect(spec.target).toBe("sentinel courtflow@s1:26379,s2:26380/4");
  });

  test("Cluster: REDIS_CLUSTER_NODES, node options carrying timeouts and credentials", () => {
    const config = cfg({
      REDIS_URL: "rediss://app:pw@ignored-host",
      REDIS_CLUSTER_NODES: "n1:7000,n2:7001,n3:7002",
      REDIS_COMMAND_TIMEOUT_MS: "900",
    });
    const spec = connectionSpec(config, "cache");
    if (spec.topology !== "cluster") throw new Error("expected cluster");
    expect(spec.nodes).toEqual([
      { host: "n1", port: 7000 },
      { host: "n2", port: 7001 },
      { host: "n3", port: 7002 },
    ]);
    const o = spec.options as ClusterOptions;
    expect(o.enableOfflineQueue).toBe(false);
    expect(o.clusterRetryStrategy).toBe(retryDelayMs);
    expect(o.redisOptions).toMatchObject({
      commandTimeout: 900,
      keepAlive: 30_000,
      username: "app",
      password: "pw",
      tls: {},
    });
    expect(spec.target).toBe("cluster n1:7000,n2:7001,n3:7002 (tls)");
  });
});

describeOwnRedis("Redis clients against a password-protected server", () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startPrivateRedis([
      "--user",
      "default",
      "off",
      "--user",
      "app",
      "on",
      ">app-pass-9x7",
      "~*",
      "&*",
      "+@all",
    ]);
  });
  afterAll(async () => {
    await server.stop();
  });

  const open = (url: string, env: Record<string, string> = {}) => {
    const logs = new LogCapture();
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const clients = createRedisClients(redisTestConfig({ LOG_LEVEL: "info", ...env }, url), {
      logger: createLogger({ level: "debug", destination: logs }),
      metrics: redisMetrics(registry),
    });
    return { clients, logs, registry };
  };
  const until = async (check: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await Bun.sleep(10);
    }
  };

  test("an ACL user connects every role, each reported up once; the password appears in no log line", async () => {
    const { clients, logs, registry } = open(server.url(1, "app:app-pass-9x7"));
    try {
      await until(() => Object.values(clients.state()).every((s) => s === "up"));
      expect(await clients.main.ping()).toBe("PONG");
      expect(await clients.session.call("ACL", "WHOAMI")).toBe("app");
      for (const client of ["main", "session", "cache", "queue"]) {
        expect(await metricValue(registry, "courtflow_redis_up", { client })).toBe(1);
      }
      const up = logs.json().filter((l) => l.msg === "redis up");
      expect(up.map((l) => l.client).sort()).toEqual(["cache", "main", "queue", "session"]);
      expect(up[0]!.target).toBe(`127.0.0.1:${server.port}/1`);
      expect(logs.text).not.toContain("app-pass-9x7");
    } finally {
      await clients.close();
    }
  });

  test("a wrong password: each role reported down once with the reason, still without the password", async () => {
    const { clients, logs, registry } = open(server.url(1, "app:wrong-pass-5q2"));
    try {
      await until(() => logs.json().filter((l) => l.msg === "redis down").length >= 4);
      await Bun.sleep(800); // several reconnect attempts later…
      const down = logs.json().filter((l) => l.msg === "redis down");
      expect(down).toHaveLength(4);
      expect(String(down[0]!.reason)).toMatch(/WRONGPASS|NOAUTH|invalid/i);
      expect(clients.state()).toEqual({ main: "down", session: "down", cache: "down", queue: "down" });
      expect(await metricValue(registry, "courtflow_redis_up", { client: "cache" })).toBe(0);
      expect(logs.text).not.toContain("wrong-pass-5q2");
    } finally {
      await clients.close();
    }
  });

  test("a client that ioredis gives up outside shutdown is logged as an error and reconnected; close() still ends them all", async () => {
    const { clients, logs } = open(server.url(1, "app:app-pass-9x7"));
    try {
      await until(() => Object.values(clients.state()).every((s) => s === "up"));
      // What ioredis does when it abandons a connection attempt: status "end", no reconnect of its own.
      clients.session.disconnect();
      await until(() => clients.session.status === "end");
      await until(() => clients.session.status === "ready", 5000);
      expect(await clients.session.ping()).toBe("PONG");
      const gaveUp = logs.json().filter((l) => l.msg === "redis client gave up; reconnecting");
      expect(gaveUp.map((l) => [l.client, l.level])).toEqual([["session", "error"]]);
    } finally {
      await clients.close();
    }
    await Bun.sleep(1200); // past the revive delay: nothing comes back after close()
    expect(Object.values(clients.state())).toEqual(["down", "down", "down", "down"]);
    expect(clients.session.status).toBe("end");
  });

  test("worker connections block on queues without a timeout and are closed with the clients", async () => {
    const { clients } = open(server.url(1, "app:app-pass-9x7"), { REDIS_COMMAND_TIMEOUT_MS: "100" });
    const worker = clients.createWorkerConnection();
    expect(worker.options).toMatchObject({ maxRetriesPerRequest: null });
    // A blocking pop three times longer than the command timeout waits for its answer.
    expect(await (worker as import("ioredis").Redis).blpop("cf:test:never", 0.3)).toBeNull();
    await expect((clients.main as import("ioredis").Redis).blpop("cf:test:never", 0.3)).rejects.toThrow(
      /timed out/i,
    );
    await clients.close();
    expect(worker.status).toBe("end");
    expect(clients.main.status).toBe("end");
  });
});
