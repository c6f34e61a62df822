import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import Redis from "ioredis";
import { waitUntil } from "../../chaos/lib/wait";
import { freePort, tempDir } from "../../test/helpers/process";
import { type PrivateRedis, REDIS_SERVER_BIN, startPrivateRedis } from "../../test/helpers/redis-server";

// One Redis primary, one replica and three sentinels (quorum 2) on free loopback ports, each sentinel
// with its own writable config file (Sentinel rewrites it). Failure detection after 2 s of silence.

export const SENTINEL_MASTER = "mymaster";
const DOWN_AFTER_MS = 2000;

export interface SentinelGroup {
  primary: PrivateRedis;
  replica: PrivateRedis;
  sentinels: { host: string; port: number }[];
  /** The address the sentinels currently report for the primary. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

async function ask<T>(port: number, ...args: string[]): Promise<T> {
  const r = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 });
  // A node killed by the scenario refuses: the caller sees the rejection, not a stray event.
  r.on("error", () => {});
  try {
    await r.connect();
    return (await r.call(args[0]!, ...args.slice(1))) as T;
  } finally {
    r.disconnect();
  }
}

export async function startSentinelGroup(): Promise<SentinelGroup> {
  if (!REDIS_SERVER_BIN) throw new Error("redis-server is not installed");
  const primary = await startPrivateRedis();
  const replica = await startPrivateRedis(["--replicaof", "127.0.0.1", String(primary.port)]);
  const dir = tempDir("sentinels");
  const procs: Subprocess[] = [];
  const sentinels: { host: string; port: number }[] = [];
  const stopAll = async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    await replica.stop();
    await primary.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
          "",
        ].join("\n"),
      );
      procs.push(
        Bun.spawn([REDIS_SERVER_BIN, conf, "--sentinel", "--logfile", join(dir, `sentinel-${port}.log`)], {
          stdout: "ignore",
          stderr: "ignore",
        }),
      );
      sentinels.push({ host: "127.0.0.1", port });
    }
    // Ready when the replica is in sync and every sentinel knows the replica and two other sentinels.
    await waitUntil("replica in sync", 20_000, async () =>
      (await ask<string>(replica.port, "INFO", "replication")).includes("master_link_status:up"),
    );
    for (const s of sentinels) {
      await waitUntil(`sentinel ${s.port} sees the replica and its peers`, 30_000, async () => {
        const master = (await ask<string[]>(s.port, "SENTINEL", "MASTER", SENTINEL_MASTER)) ?? [];
        const field = (name: string) => Number(master[master.indexOf(name) + 1]);
        return field("num-slaves") >= 1 && field("num-other-sentinels") >= 2;
      });
    }
    return {
      primary,
      replica,
      sentinels,
      async masterPort() {
        const [, port] = await ask<[string, string]>(
          sentinels[0]!.port,
          "SENTINEL",
          "GET-MASTER-ADDR-BY-NAME",
          SENTINEL_MASTER,
        );
        return Number(port);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
