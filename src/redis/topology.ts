import type { Cluster, Redis } from "ioredis";

// Multi-key work that must also run on Redis Cluster, where one command or pipeline may only touch
// keys of one hash slot. On a single server (standalone or Sentinel) it is batched into one round trip.

export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

const DISCONNECTED = new Set(["reconnecting", "close", "end", "disconnecting"]);

/**
 * True while the client is known to be cut off (between a lost connection and the next ready). Stores
 * that must answer fail at once then instead of parking commands in the offline queue; while it is
 * still connecting (start-up) they wait, bounded by the command timeout.
 */
export function isDisconnected(client: RedisClient): boolean {
  return DISCONNECTED.has(client.status);
}

export type CommandArgs = [command: string, ...args: (string | number)[]];

/** Runs the commands in one pipeline (a Cluster sends them concurrently); throws the first error. */
export async function runAll(client: RedisClient, commands: CommandArgs[]): Promise<unknown[]> {
  if (commands.length === 0) return [];
  if (isCluster(client)) return Promise.all(commands.map(([cmd, ...args]) => client.call(cmd, ...args)));
  // A pipeline built from arrays looks commands up as methods, which are lower-case.
  const batch = commands.map(([cmd, ...args]) => [cmd.toLowerCase(), ...args]);
  const results = (await client.pipeline(batch).exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** Like runAll, but every command's result or Error, in order, instead of throwing the first error. */
export async function runAllSettled(client: RedisClient, commands: CommandArgs[]): Promise<unknown[]> {
  if (commands.length === 0) return [];
  if (isCluster(client)) {
    const settled = await Promise.allSettled(commands.map(([cmd, ...args]) => client.call(cmd, ...args)));
    return settled.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error)));
  }
  const batch = commands.map(([cmd, ...args]) => [cmd.toLowerCase(), ...args]);
  const results = (await client.pipeline(batch).exec()) ?? [];
  return results.map(([err, value]) => err ?? value);
}

/** UNLINK (non-blocking delete); returns how many of the keys existed. */
export async function unlinkMany(client: RedisClient, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (isCluster(client)) {
    const counts = await Promise.all(keys.map((k) => client.unlink(k)));
    return counts.reduce((a, b) => a + b, 0);
  }
  return client.unlink(...keys);
}

/**
 * Re-reads which nodes are primaries. ioredis learns of a failover only when a command meets MOVED:
 * until then `nodes("master")` lacks the promoted replica (the dead primary's connection is dropped),
 * and a scan over it missed every key that node now holds — stale cache entries that survived
 * their invalidation (topology suite, scenario 4).
 */
export function refreshTopology(client: Cluster): Promise<void> {
  return new Promise((resolve, reject) => client.refreshSlotsCache((err) => (err ? reject(err) : resolve())));
}

/**
 * SCAN MATCH page by page on every node that holds data (each primary of a Cluster). The count is a
 * hint per page; pages may repeat keys, which is harmless for deletion.
 */
export async function* scanKeys(client: RedisClient, match: string, count = 1000): AsyncGenerator<string[]> {
  if (isCluster(client)) await refreshTopology(client);
  const nodes: Redis[] = isCluster(client) ? client.nodes("master") : [client];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", match, "COUNT", count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }
}
