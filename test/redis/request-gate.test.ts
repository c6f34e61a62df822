import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Redis } from "ioredis";
import { sessionsBesideRateLimits } from "../../src/redis/build";
import { connectionSpec } from "../../src/redis/options";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb } from "../helpers/db";
import { makeUser } from "../helpers/factories";
import { call, login } from "../helpers/http";
import { describePgOwnRedis, type PrivateRedis, startPrivateRedis } from "../helpers/redis-server";
import { redisTestConfig, waitUntilUp } from "./subjects";

const LIMIT = 5;

const sessionIdOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).sid;

/** Calls per command on the whole server (its own redis-server, so nothing else counts). */
async function commandCalls(raw: Redis): Promise<Record<string, number>> {
  const info = await raw.info("commandstats");
  const calls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]);
  return calls;
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * An authenticated request checks its session and counts its rate limit in ONE Redis round trip
 * (request-gate.ts), on the same keys the session manager and the rate limiter use, so revocation,
 * shared limits and failing closed all behave as with two calls.
 */
describePgOwnRedis("authenticated requests: session check and rate limit in one round trip", () => {
  let server: PrivateRedis;
  let raw: Redis;
  let t: TestApp;
  let userId: number;
  beforeAll(async () => {
    server = await startPrivateRedis();
    raw = new Redis(server.url(1), { maxRetriesPerRequest: 1 });
    t = await createTestApp({
      redis: server.url(1),
      env: {
        TRUST_PROXY: "true",
        LOGIN_RATE_LIMIT_PER_MIN: "1000",
        API_RATE_LIMIT_PER_MIN: String(LIMIT),
        RATE_LIMIT_WINDOW_S: "60",
        REDIS_COMMAND_TIMEOUT_MS: "300",
        REDIS_CONNECT_TIMEOUT_MS: "300",
      },
    });
    await waitUntilUp(t.deps);
    await resetDb(t.deps.db.db);
    userId = (await makeUser(t.deps.db.db, { email: "gate@example.org", role: "admin" })).id;
  });
  afterAll(async () => {
    raw?.disconnect();
    await t?.close();
    await server?.stop();
  });

  test("one EVALSHA per request, nothing else; the same counter as the rate limiter's", async () => {
    const s = await login(t, "gate@example.org");
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(200); // loads the script
    const before = await commandCalls(raw);
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(200);
    const used = delta(before, await commandCalls(raw));
    // One script call (the commands it runs inside are listed too, once each); no second round trip.
    expect(used.evalsha).toBe(1);
    expect(used.eval).toBeUndefined();
    expect(used.incr).toBe(1);
    expect(used.hset).toBe(1);
    expect(await raw.get(`cf:rl:api:user:${userId}`)).toBe("2");
    // The session was touched as SessionManager.get does.
    const session = await t.deps.sessions.listForUser(userId);
    expect(session.some((x) => x.lastAccessedAt > x.createdAt)).toBe(true);
    // Another process counting through RateLimiter.hit shares the window.
    expect((await t.deps.rateLimiter.hit(`api:user:${userId}`, LIMIT, 60)).remaining).toBe(LIMIT - 3);
  });

  test("over the limit: 429 with Retry-After; the log line still names the user", async () => {
    const s = await login(t, "gate@example.org");
    await raw.del(`cf:rl:api:user:${userId}`);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < LIMIT + 1; i++) {
      last = await call(t, "GET", "/api/auth/me", {
        token: s.accessToken,
        headers: { "X-Request-Id": `gate-${i}` },
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
    expect(last!.body.error.code).toBe("RATE_LIMITED");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(t.logs.json().find((l) => l.reqId === `gate-${LIMIT}`)).toMatchObject({
      userId,
      res: { status: 429 },
    });
    await raw.del(`cf:rl:api:user:${userId}`);
  });

  test("a revoked, damaged or someone else's session is 401 (revoked and foreign ones count nothing)", async () => {
    const s = await login(t, "gate@example.org");
    await raw.del(`cf:rl:api:user:${userId}`);
    expect((await call(t, "POST", "/api/auth/logout", { token: s.accessToken })).status).toBeLessThan(300);
    expect(await raw.get(`cf:rl:api:user:${userId}`)).toBe("1"); // the logout itself
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(401);
    expect(await raw.get(`cf:rl:api:user:${userId}`)).toBe("1");
    await raw.del(`cf:rl:api:user:${userId}`);

    // A session whose stored fields no longer decode: refused, and removed as SessionManager.get does.
    const d = await login(t, "gate@example.org");
    const id = sessionIdOf(d.accessToken);
    await raw.hset(`cf:sess:id:${id}`, "role", '"emperor"');
    expect((await call(t, "GET", "/api/auth/me", { token: d.accessToken })).status).toBe(401);
    expect(await raw.exists(`cf:sess:id:${id}`)).toBe(0);
    // (Its one hit was counted before the fields were decoded: Lua does not validate them.)
    await raw.del(`cf:rl:api:user:${userId}`);

    // Someone else's session id in a validly signed token: 401, and neither user's limit counted.
    const other = await makeUser(t.deps.db.db, { email: "gate-other@example.org", role: "analyst" });
    const o = await login(t, "gate-other@example.org");
    const otherSession = sessionIdOf(o.accessToken);
    const { createTokenSigner } = await import("../../src/auth/tokens");
    const { token } = await createTokenSigner(t.deps.config.jwtSecret).sign({
      userId,
      sessionId: otherSession,
      role: "admin",
      type: "access",
      ttlSeconds: 60,
    });
    expect((await call(t, "GET", "/api/auth/me", { token })).status).toBe(401);
    expect(await raw.get(`cf:rl:api:user:${userId}`)).toBeNull();
    expect(await raw.get(`cf:rl:api:user:${other.id}`)).toBeNull();
    expect((await call(t, "GET", "/api/auth/me", { token: o.accessToken })).status).toBe(200);
  });

  test("after a Redis restart (empty script cache) the script is loaded again and requests pass", async () => {
    const s = await login(t, "gate@example.org");
    await raw.script("FLUSH");
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(200);
  });

  test("Redis down: 503 AUTH_UNAVAILABLE, never 200, even with a token verified a moment ago", async () => {
    const s = await login(t, "gate@example.org");
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(200);
    await server.kill();
    const deadline = Date.now() + 5000;
    while (t.deps.redis!.state().session !== "down" && Date.now() < deadline) await Bun.sleep(10);
    const res = await call(t, "GET", "/api/auth/me", { token: s.accessToken });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("AUTH_UNAVAILABLE");
    // An id that cannot exist still gets "unavailable", not "unknown", while the store is down.
    expect(
      await t.deps.gate!.admit("x", userId, { key: "k", max: 1, windowSeconds: 1 }).catch((e) => e.name),
    ).toBe("StoreUnavailableError");
  });
});

describe("where the one-round-trip gate applies", () => {
  test("one REDIS_URL (standalone or Sentinel): sessions and rate limits share a server", () => {
    expect(sessionsBesideRateLimits(redisTestConfig({}, "redis://127.0.0.1:6379/4"))).toBe(true);
    expect(
      sessionsBesideRateLimits(
        redisTestConfig({ REDIS_SENTINELS: "10.0.0.1:26379,10.0.0.2:26379" }, "redis://127.0.0.1:6379/4"),
      ),
    ).toBe(true);
  });

  test("sessions on their own server or database, or a Cluster: two calls, one after the other", () => {
    const own = redisTestConfig({ SESSION_REDIS_URL: "redis://10.0.0.9:6379/0" }, "redis://127.0.0.1:6379/4");
    expect(sessionsBesideRateLimits(own)).toBe(false);
    const otherDb = redisTestConfig(
      { SESSION_REDIS_URL: "redis://127.0.0.1:6379/5" },
      "redis://127.0.0.1:6379/4",
    );
    expect(sessionsBesideRateLimits(otherDb)).toBe(false);
    const cluster = redisTestConfig(
      { REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2:7000" },
      "redis://127.0.0.1:6379",
    );
    expect(connectionSpec(cluster, "session").topology).toBe("cluster");
    expect(sessionsBesideRateLimits(cluster)).toBe(false);
  });

  test("the same server and database as another ACL user (which may not touch cf:rl:*): two calls", () => {
    const main = "redis://courtflow-main:a@127.0.0.1:6379/4";
    expect(
      sessionsBesideRateLimits(
        redisTestConfig({ SESSION_REDIS_URL: "redis://courtflow-session:b@127.0.0.1:6379/4" }, main),
      ),
    ).toBe(false);
    expect(
      sessionsBesideRateLimits(
        redisTestConfig({ SESSION_REDIS_URL: "redis://courtflow-main:a@127.0.0.1:6379/4" }, main),
      ),
    ).toBe(true);
  });
});
