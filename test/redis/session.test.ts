import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createMemoryRateLimiter } from "../../src/redis/memory/rate-limiter";
import { createMemorySessionManager, type MemorySessionRecord } from "../../src/redis/memory/session-manager";
import { movedTime, realTime, TestClock } from "../helpers/clock";
import { describeRedis } from "../helpers/guards";
import { rateLimiterContract } from "./rate-limiter.contract";
import { sessionContract } from "./session.contract";
import { openRedisLayer, rawTestRedis } from "./subjects";

const sessionKey = (id: string) => `cf:sess:id:${id}`;

sessionContract(describeRedis, "Redis", async () => {
  const layer = await openRedisLayer("redis");
  const raw = rawTestRedis();
  return {
    sessions: layer.sessions,
    corrupt: async (id) => {
      await raw.hset(sessionKey(id), "role", JSON.stringify("superuser"));
    },
    stored: async (id) => (await raw.exists(sessionKey(id))) === 1,
    time: realTime,
    close: async () => {
      raw.disconnect();
      await layer.close();
    },
  };
});

sessionContract(describe, "in-process (embedded mode)", async () => {
  const store = new Map<string, MemorySessionRecord>();
  const clock = new TestClock();
  return {
    sessions: createMemorySessionManager({ store, now: clock.now }),
    time: movedTime(clock),
    corrupt: async (id) => {
      store.get(id)!.fields.role = JSON.stringify("superuser");
    },
    stored: async (id) => store.has(id),
    close: async () => {},
  };
});

rateLimiterContract(describeRedis, "Redis", async () => {
  const layer = await openRedisLayer("redis");
  return { limiter: layer.rateLimiter, time: realTime, close: layer.close };
});

rateLimiterContract(describe, "in-process (embedded mode)", async () => {
  const clock = new TestClock();
  return {
    limiter: createMemoryRateLimiter({ now: clock.now }),
    time: movedTime(clock),
    close: async () => {},
  };
});

describeRedis("Redis sessions and rate limits: what lands in Redis", () => {
  let layer: Awaited<ReturnType<typeof openRedisLayer>>;
  const raw = rawTestRedis();
  beforeAll(async () => {
    layer = await openRedisLayer("redis");
  });
  afterAll(async () => {
    raw.disconnect();
    await layer.close();
  });

  test("a session is a hash under cf:sess:id:<id> expiring with it, indexed under cf:sess:user:<id>", async () => {
    const userId = 2_000_000_000 + Math.floor(Math.random() * 1e8);
    const s = await layer.sessions.create(
      userId,
      { role: "viewer", courtId: null, ip: null, userAgent: null, refreshJti: null },
      120,
    );
    expect(await raw.type(sessionKey(s.id))).toBe("hash");
    expect(await raw.ttl(sessionKey(s.id))).toBe(120);
    expect(await raw.hget(sessionKey(s.id), "userId")).toBe(String(userId));
    expect(await raw.zrange(`cf:sess:user:${userId}`, "0", "-1")).toEqual([s.id]);
    expect(await raw.ttl(`cf:sess:user:${userId}`)).toBe(120);
    await layer.sessions.deleteAllForUser(userId);
    expect(await raw.exists(sessionKey(s.id), `cf:sess:user:${userId}`)).toBe(0);
  });

  test("a session key holding something other than a hash reads as absent and is removed", async () => {
    const s = await layer.sessions.create(
      2_100_000_000,
      { role: "viewer", courtId: null, ip: null, userAgent: null, refreshJti: null },
      120,
    );
    await raw.set(sessionKey(s.id), "garbage");
    expect(await layer.sessions.get(s.id)).toBeNull();
    expect(await raw.exists(sessionKey(s.id))).toBe(0);
  });

  test("a rate-limit window is a counter under cf:rl:<key> that expires with the window", async () => {
    const key = `test:layout:${Date.now()}`;
    await layer.rateLimiter.hit(key, 5, 30);
    await layer.rateLimiter.hit(key, 5, 30);
    expect(await raw.get(`cf:rl:${key}`)).toBe("2");
    expect(await raw.ttl(`cf:rl:${key}`)).toBe(30);
    await layer.rateLimiter.reset(key);
    expect(await raw.exists(`cf:rl:${key}`)).toBe(0);
  });
});
