import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Redis, type RedisOptions } from "ioredis";
import { connectionSpec } from "../../src/redis/options";
import { freePort, tempDir } from "../helpers/process";
import {
  describeOwnRedis,
  type PrivateRedis,
  REDIS_SERVER_BIN,
  startPrivateRedis,
} from "../helpers/redis-server";
import { redisTestConfig } from "./subjects";

// ioredis 6's Sentinel failover detector, from a connection that has already dropped, can fire while
// the client is asking a sentinel for the primary; the stock connector then gives the client up for
// good (status "end": every session check a 503 until a restart — what the topology suite once saw in
// CI). This replays that moment on purpose: one real sentinel behind a proxy that holds the replies
// of new connections, and a `+switch-master` announcement injected into the detector's subscription
// while a lookup is held. The app's connector must end up connected; the stock one, as a control,
// ends — so this test fails if the workaround stops working, and tells when ioredis fixes it.

const NAME = "racemaster";
const HOLD_MS = 600;

/** A TCP proxy in front of the sentinel that can hold new connections' replies and inject a message. */
function startProxy(sentinelPort: number) {
  const subscribers = new Set<net.Socket>();
  let holdNew = false;
  let onHeldLookup = () => {};
  let pushFormat: ">" | "*" = ">";
  const server = net.createServer((client) => {
    const hold = holdNew;
    const upstream = net.connect(sentinelPort, "127.0.0.1");
    let subscriber = false;
    const end = () => {
      subscribers.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk) => {
      const text = chunk.toString("latin1").toLowerCase();
      if (text.includes("subscribe")) subscriber = true;
      if (hold && text.includes("get-master-addr-by-name")) onHeldLookup();
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (subscriber && !subscribers.has(client)) {
        // The subscription is confirmed: RESP3 (push, '>') or RESP2 ('*'), as the client negotiated.
        pushFormat = chunk.toString("latin1").includes(">3") ? ">" : "*";
        subscribers.add(client);
      }
      if (hold) setTimeout(() => client.destroyed || client.write(chunk), HOLD_MS);
      else client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on("close", end);
      s.on("error", end);
    }
  });
  const listening = new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
  return {
    listening,
    subscribers: () => subscribers.size,
    /** Holds the replies of connections opened from now on; `lookup` runs when one asks for the primary. */
    holdNewConnections(lookup: () => void) {
      holdNew = true;
      onHeldLookup = lookup;
    },
    release() {
      holdNew = false;
      onHeldLookup = () => {};
    },
    /** What a sentinel publishes after a failover, sent down every detector subscription. */
    announceSwitch(port: number) {
      const payload = `${NAME} 127.0.0.1 ${port} 127.0.0.1 ${port}`;
      const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
      const frame = `${pushFormat}3\r\n${bulk("message")}${bulk("+switch-master")}${bulk(payload)}`;
      for (const s of subscribers) s.write(frame);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describeOwnRedis("Sentinel failover detector firing during a reconnect's lookup", () => {
  let master: PrivateRedis;
  let sentinel: Subprocess;
  let proxy: ReturnType<typeof startProxy>;
  let proxyPort = 0;
  const dir = tempDir("sentinel-race");

  beforeAll(async () => {
    master = await startPrivateRedis();
    const port = freePort();
    const conf = join(dir, "sentinel.conf");
    writeFileSync(
      conf,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 1`,
        "",
      ].join("\n"),
    );
    sentinel = Bun.spawn([REDIS_SERVER_BIN!, conf, "--sentinel"], { stdout: "ignore", stderr: "ignore" });
    await waitFor("the sentinel", 10_000, async () => {
      const r = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
      r.on("error", () => {});
      try {
        await r.connect();
        return Array.isArray(await r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME));
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    });
    proxy = startProxy(port);
    proxyPort = await proxy.listening;
  });

  afterAll(async () => {
    await proxy?.close();
    sentinel?.kill("SIGKILL");
    await sentinel?.exited;
    await master?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The session role's options as the app builds them, pointed at the proxy. */
  function appOptions(): RedisOptions {
    const config = redisTestConfig(
      {
        REDIS_URL: "redis://sentinel-managed/0",
        REDIS_SENTINELS: `127.0.0.1:${proxyPort}`,
        REDIS_SENTINEL_NAME: NAME,
        REDIS_COMMAND_TIMEOUT_MS: "1000",
      },
      null,
    );
    // Only the proxy's address: the sentinel's own (which it would tell) would bypass the hold.
    return { ...(connectionSpec(config, "session").options as RedisOptions), updateSentinels: false };
  }

  /** Connects, drops the client's connection, announces a switch while its lookup is held. */
  async function replay(options: RedisOptions): Promise<Redis> {
    const client = new Redis(options);
    client.on("error", () => {});
    await waitFor("the client ready", 10_000, () => client.status === "ready");
    await waitFor("the failover detector subscribed", 10_000, () => proxy.subscribers() > 0);
    let announced = false;
    proxy.holdNewConnections(() => {
      if (announced) return;
      announced = true;
      proxy.announceSwitch(master.port);
    });
    const admin = new Redis({ port: master.port });
    await admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    admin.disconnect();
    await waitFor("a held lookup and the announcement", 10_000, () => announced);
    await Bun.sleep(HOLD_MS + 500);
    proxy.release();
    return client;
  }

  test("the app's connector carries on: the client reconnects and answers", async () => {
    const client = await replay(appOptions());
    try {
      await waitFor("the client ready again", 10_000, () => client.status === "ready");
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
  });

  test("control: ioredis's own connector gives the client up (status end) — when this fails, ioredis fixed it", async () => {
    const { Connector: _app, ...stock } = appOptions();
    const client = await replay(stock);
    try {
      await Bun.sleep(1000);
      expect(client.status).toBe("end");
    } finally {
      client.disconnect();
    }
  });

  test("the client's own disconnect during a lookup still stops it (shutdown is not undone)", async () => {
    const client = new Redis(appOptions());
    client.on("error", () => {});
    try {
      await waitFor("the client ready", 10_000, () => client.status === "ready");
      let stopped = false;
      proxy.holdNewConnections(() => {
        stopped = true;
        client.disconnect();
      });
      const admin = new Redis({ port: master.port });
      await admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
      admin.disconnect();
      await waitFor("a held lookup", 10_000, () => stopped);
      await waitFor("the client given up", HOLD_MS + 3000, () => client.status === "end");
      await Bun.sleep(500);
      expect(client.status).toBe("end");
    } finally {
      proxy.release();
      client.disconnect();
    }
  });
});
