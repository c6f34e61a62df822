import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/env";
import type { Logger } from "../lib/logger";
import { type LinkState, watchClient } from "./client-state";
import type { RedisMetrics } from "./metrics";
import { connectionSpec, openConnection } from "./options";
import type { RedisClients, RedisRole } from "./types";

const ROLES: RedisRole[] = ["main", "session", "cache", "queue"];

/** Quit politely, but never let shutdown hang on a server that is gone. */
async function closeClient(client: Redis | Cluster): Promise<void> {
  if (client.status === "end") return;
  const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
  await Promise.race([client.quit().catch(() => {}), Bun.sleep(1000)]);
  client.disconnect();
  await Promise.race([ended, Bun.sleep(1000)]);
}

/**
 * Opens the process's Redis connections (they connect in the background: start-up never waits for
 * Redis, because the API must serve from PostgreSQL while Redis is away).
 */
export function createRedisClients(
  config: Config,
  deps: { logger: Logger; metrics: RedisMetrics },
): RedisClients {
  const watchers = new Map<RedisRole, ReturnType<typeof watchClient>>();
  const clients = {} as Record<RedisRole, Redis | Cluster>;
  for (const role of ROLES) {
    const spec = connectionSpec(config, role);
    const client = openConnection(spec);
    clients[role] = client;
    watchers.set(role, watchClient(client, { role, target: spec.target, ...deps }));
  }
  const main = connectionSpec(config, "main");
  deps.logger.info({ topology: main.topology, target: main.target }, "redis clients created");

  const workerConnections = new Set<Redis | Cluster>();

  return {
    ...clients,
    createWorkerConnection() {
      const connection = openConnection(connectionSpec(config, "worker"));
      // BullMQ reports its own connection problems; this only keeps ioredis from printing them raw.
      connection.on("error", () => {});
      connection.once("end", () => workerConnections.delete(connection));
      workerConnections.add(connection);
      return connection;
    },
    state() {
      const out = {} as Record<RedisRole, LinkState>;
      for (const role of ROLES) out[role] = watchers.get(role)!.state();
      return out;
    },
    async close() {
      for (const w of watchers.values()) w.closing();
      await Promise.all([
        ...ROLES.map((r) => closeClient(clients[r])),
        ...[...workerConnections].map(closeClient),
      ]);
    },
  };
}
