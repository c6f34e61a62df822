import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster, Redis } from "ioredis";
import type { TestApp } from "../../test/helpers/app";
import { login } from "../../test/helpers/http";
import { ROOT } from "../../test/helpers/process";
import { world } from "../lib/context";
import { appFrom } from "../lib/flows";
import { entry } from "../lib/processes";
import { ACL_USERS } from "../lib/redis-acl";
import { REDIS_PASSWORD, SEED_ADMIN } from "../lib/world";

// Redis over TLS (mutual, with the test CA) for every client, each as its own ACL user, and Redis
// with a password only. A refusal — a certificate, a password, a command outside a user's grant — is
// said in words where operators look, and never quietly worked around.

/** The error a command ends with (its message), or "ok". */
async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return (err as Error).message.split(" ")[0]!;
  }
}

/** Waits for a "redis down" log line of the app and returns its reason. */
async function downReason(t: TestApp, client: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const line = t.logs.json().find((l) => l.msg === "redis down" && l.client === client);
    if (line) return String(line.reason);
    if (Date.now() > deadline) throw new Error(`no "redis down" line for ${client}:\n${t.logs.text}`);
    await Bun.sleep(50);
  }
}

export function redisScenario(): void {
  describe("Redis TLS and ACL users", () => {
    test("each client is refused (NOPERM) outside its grant: other prefixes, admin commands", async () => {
      const t = await appFrom({ ...world().directEnv, ...world().redisAclEnv });
      try {
        const r = t.deps.redis!;
        const c = (client: Redis | Cluster, ...args: [string, ...(string | number)[]]) =>
          refused(client.call(...args));
        const worker = r.createWorkerConnection();
        const results = {
          // Sessions: only cf:sess:*, only the commands sessions use.
          sessionReadsCache: await c(r.session, "HGETALL", "cf:cache:default:x"),
          sessionGet: await c(r.session, "GET", "cf:sess:id:x"),
          sessionFlush: await c(r.session, "FLUSHDB"),
          // Cache: only cf:cache:* / cf:cache-tag:*.
          cacheReadsSession: await c(r.cache, "GET", "cf:sess:id:x"),
          cacheKeys: await c(r.cache, "KEYS", "*"),
          cacheConfig: await c(r.cache, "CONFIG", "GET", "maxmemory"),
          // Rate limits (main): only cf:rl:*.
          mainTouchesSession: await c(
            r.main,
            "EVAL",
            "return redis.call('DEL', KEYS[1])",
            1,
            "cf:sess:active",
          ),
          mainGet: await c(r.main, "GET", "cf:rl:x"),
          // BullMQ's producer and workers: only {courtflow}*, no admin commands.
          queueReadsSession: await c(r.queue, "HGETALL", "cf:sess:id:x"),
          queueFlush: await c(r.queue, "FLUSHALL"),
          queueKeys: await c(r.queue, "KEYS", "*"),
          workerReadsCache: await c(worker, "GET", "cf:cache:default:x"),
          // Within the grants.
          sessionCount: await c(r.session, "ZCOUNT", "cf:sess:active", 0, "+inf"),
          cacheGet: await c(r.cache, "GET", "cf:cache:default:x"),
          queueGet: await c(r.queue, "GET", "{courtflow}:x"),
        };
        expect(results).toEqual({
          sessionReadsCache: "NOPERM",
          sessionGet: "NOPERM",
          sessionFlush: "NOPERM",
          cacheReadsSession: "NOPERM",
          cacheKeys: "NOPERM",
          cacheConfig: "NOPERM",
          mainTouchesSession: "NOPERM",
          mainGet: "NOPERM",
          queueReadsSession: "NOPERM",
          queueFlush: "NOPERM",
          queueKeys: "NOPERM",
          workerReadsCache: "NOPERM",
          sessionCount: "ok",
          cacheGet: "ok",
          queueGet: "ok",
        });
        // Each client connected as its own user (the server's view, from an administrator's connection).
        const admin = world().tlsRedis.admin();
        try {
          const list = String(await admin.call("CLIENT", "LIST"));
          const userOf = (name: string) => new RegExp(`name=courtflow:${name} .*user=(\\S+)`).exec(list)?.[1];
          expect({
            main: userOf("main"),
            session: userOf("session"),
            cache: userOf("cache"),
            queue: userOf("queue"),
            worker: userOf("worker"),
          }).toEqual({
            main: "courtflow-main",
            session: "courtflow-session",
            cache: "courtflow-cache",
            queue: "courtflow-queue",
            worker: "courtflow-queue",
          });
        } finally {
          admin.disconnect();
        }
      } finally {
        await t.close();
      }
    });

    test("with a session user apart from the rate-limit user, authenticated requests still work (no two-key script)", async () => {
      const t = await appFrom({ ...world().directEnv, ...world().redisAclEnv });
      try {
        const { accessToken } = await login(t, SEED_ADMIN.email, SEED_ADMIN.password);
        const res = await t.app.request("/api/courts/tree", {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        expect(res.status).toBe(200);
      } finally {
        await t.close();
      }
    });

    test('a wrong CA is refused and the log says why (ioredis itself only says "Connection is closed.")', async () => {
      const w = world();
      const t = await appFrom({ ...w.directEnv, ...w.redisAclEnv, REDIS_TLS_CA: w.certs.wrongCa });
      try {
        expect(await downReason(t, "session")).toContain(
          "TLS refused the server certificate: not signed by REDIS_TLS_CA or a system CA",
        );
        // Sessions are security state: without their store, login fails closed.
        const res = await t.app.request("/api/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(SEED_ADMIN),
        });
        expect(res.status).toBe(503);
      } finally {
        await t.close();
      }
    });

    test("without the client certificate the mutual-TLS server refuses, and the log points at REDIS_TLS_CERT", async () => {
      const w = world();
      const { REDIS_TLS_CERT: _c, REDIS_TLS_KEY: _k, ...withoutCert } = w.redisAclEnv;
      const t = await appFrom({ ...w.directEnv, ...withoutCert });
      try {
        expect(await downReason(t, "cache")).toContain("REDIS_TLS_CERT");
      } finally {
        await t.close();
      }
    });

    test("a TLS file that cannot be read stops the API at start-up with one line", async () => {
      const w = world();
      const r = await entry("src/index.ts", {
        ...w.directEnv,
        ...w.redisAclEnv,
        REDIS_TLS_CA: join(w.certs.dir, "missing-ca.crt"),
        PORT: "0",
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(/^courtflow: REDIS_TLS_CA: cannot read .*missing-ca\.crt \(ENOENT\)$/),
      ]);
    });

    test("a password-only Redis (AUTH): the right password works, a wrong one is refused in words", async () => {
      const w = world();
      const good = await appFrom({ ...w.directEnv, ...w.redisPasswordEnv });
      try {
        await login(good, SEED_ADMIN.email, SEED_ADMIN.password);
      } finally {
        await good.close();
      }
      const bad = await appFrom({
        ...w.directEnv,
        REDIS_URL: w.passwordRedis.url(undefined, `${REDIS_PASSWORD}-wrong`, 1),
      });
      try {
        expect(await downReason(bad, "main")).toMatch(/WRONGPASS|invalid password/);
      } finally {
        await bad.close();
      }
    });

    test("docs/security.md carries the tested ACL lines, word for word", () => {
      const doc = readFileSync(join(ROOT, "docs/security.md"), "utf8");
      for (const u of ACL_USERS) expect(doc).toContain(`ACL SETUSER ${u.user} on ><password> ${u.rules}`);
    });
  });
}
