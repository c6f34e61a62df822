import type { Cluster, Redis } from "ioredis";
import type { RedisClients, RedisRole } from "../../../redis/types";
import type { CheckOutcome, HealthCheck } from "../health.types";

export const NO_REDIS_REASON = "no REDIS_URL: in-process cache and sessions";

const ROLES: RedisRole[] = ["main", "session", "cache", "queue"];

/** `used_memory:123\r\n…` → fields of INFO. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

async function memoryInfo(client: Redis | Cluster): Promise<Record<string, string>> {
  // A Cluster answers INFO per node; the first master stands for the memory policy of all of them.
  const node = "nodes" in client ? (client.nodes("master")[0] ?? null) : client;
  if (!node) return {};
  return parseInfo(await node.info("memory"));
}

function roleCheck(role: RedisRole, client: Redis | Cluster): HealthCheck {
  return {
    name: `redis.${role}`,
    timeoutMs: 1500,
    async run(): Promise<CheckOutcome> {
      // Not connected: say so at once rather than queue a PING behind the reconnect.
      if (client.status !== "ready") return { status: "down", message: `not connected (${client.status})` };
      const started = performance.now();
      await client.ping();
      const pingMs = Math.round((performance.now() - started) * 10) / 10;
      const info = await memoryInfo(client);
      const policy = info.maxmemory_policy ?? "unknown";
      const details = {
        pingMs,
        usedMemoryBytes: Number(info.used_memory ?? Number.NaN),
        maxmemoryBytes: Number(info.maxmemory ?? Number.NaN),
        maxmemoryPolicy: policy,
      };
      if (role === "queue" && policy !== "noeviction") {
        return {
          status: "warn",
          message: `maxmemory-policy is ${policy}; BullMQ needs noeviction (an evicted key is a lost job)`,
          details,
        };
      }
      return { status: "ok", details };
    },
  };
}

/**
 * One check per Redis role. `null` is embedded mode (no REDIS_URL): the app works on in-process
 * stores, which is degraded for a multi-replica deployment. `undefined` means the deps carry no
 * Redis layer at all (a process that does not use one), so there is nothing to check.
 */
export function redisChecks(redis: RedisClients | null | undefined): HealthCheck[] {
  if (redis === undefined) return [];
  if (redis === null) {
    return [{ name: "redis", run: async () => ({ status: "warn", message: NO_REDIS_REASON }) }];
  }
  return ROLES.map((role) => roleCheck(role, redis[role]));
}
