import { Redis } from "ioredis";
import { waitUntil } from "../../chaos/lib/wait";
import { type PrivateRedis, startPrivateRedis } from "../../test/helpers/redis-server";

// A Redis Cluster of three primaries and three replicas (`redis-cli --cluster create
// --cluster-replicas 1`) on free loopback ports, each node a private redis-server. A primary that stops
// answering is replaced by its replica after cluster-node-timeout.

export const CLUSTER_NODE_TIMEOUT_MS = 3000;

export interface RedisClusterNodes {
  nodes: PrivateRedis[];
  /** host:port,host:port… for REDIS_CLUSTER_NODES. */
  seedList(): string;
  /** The node that serves `key`'s slot now. */
  ownerOf(key: string): Promise<PrivateRedis>;
  /** Number of primaries that serve slots. */
  primaries(): Promise<number>;
  /** Every live node reports cluster_state:ok. */
  healthy(): Promise<boolean>;
  /** SIGKILL of one node; it is left out of the checks from then on. */
  kill(node: PrivateRedis): Promise<void>;
  /** Waits until another node serves `key`'s slot and every live node reports cluster_state:ok. */
  failedOver(key: string, from: PrivateRedis, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

async function nodeInfo(port: number, ...args: string[]): Promise<string> {
  const r = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
  });
  // A node killed by the scenario refuses: the caller sees the rejection, not a stray event.
  r.on("error", () => {});
  try {
    await r.connect();
    return String(await r.call(args[0]!, ...args.slice(1)));
  } finally {
    r.disconnect();
  }
}

async function run(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${err || out}`);
  return out;
}

export async function startRedisCluster(): Promise<RedisClusterNodes> {
  const nodes: PrivateRedis[] = [];
  const dead = new Set<PrivateRedis>();
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < 6; i++) {
      nodes.push(
        await startPrivateRedis([
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-node-timeout",
          String(CLUSTER_NODE_TIMEOUT_MS),
        ]),
      );
    }
    await run([
      "redis-cli",
      "--cluster",
      "create",
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    ]);
    const live = () => nodes.filter((n) => !dead.has(n));
    const healthy = async () => {
      for (const n of live()) {
        if (!(await nodeInfo(n.port, "CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
      }
      return true;
    };
    await waitUntil("cluster state ok on every node", 30_000, healthy);
    // A replica that has never synced with its primary cannot take over from it.
    await waitUntil("every replica in sync", 30_000, async () => {
      let synced = 0;
      for (const n of nodes) {
        const info = await nodeInfo(n.port, "INFO", "replication");
        if (info.includes("role:slave") && info.includes("master_link_status:up")) synced++;
      }
      return synced === 3;
    });
    /** Asks a live node (any: each knows the whole slot map) who serves the key's slot. */
    async function ownerOf(key: string): Promise<PrivateRedis> {
      const r = new Redis({
        port: live()[0]!.port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        connectTimeout: 2000,
        commandTimeout: 2000,
      });
      // A node killed by the scenario refuses: the caller sees the rejection, not a stray event.
      r.on("error", () => {});
      try {
        await r.connect();
        const slot = Number(await r.call("CLUSTER", "KEYSLOT", key));
        const slots = (await r.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
        const owner = slots.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
        const node = nodes.find((n) => n.port === owner);
        if (!node) throw new Error(`no owner for slot ${slot}`);
        return node;
      } finally {
        r.disconnect();
      }
    }

    return {
      nodes,
      seedList: () => nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
      ownerOf,
      async primaries() {
        const text = await nodeInfo(live()[0]!.port, "CLUSTER", "NODES");
        return text
          .split("\n")
          .filter((l) => l.includes("master") && !l.includes("fail") && /\d+-\d+/.test(l)).length;
      },
      healthy,
      async kill(node) {
        dead.add(node);
        await node.kill();
      },
      async failedOver(key, from, timeoutMs) {
        return waitUntil(`slot of ${key} served by a promoted replica`, timeoutMs, async () => {
          const owner = await ownerOf(key);
          return owner !== from && (await healthy());
        });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
