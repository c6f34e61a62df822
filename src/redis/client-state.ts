import type { Cluster, Redis } from "ioredis";
import type { Logger } from "../lib/logger";
import type { RedisMetrics } from "./metrics";
import { describeRedisTlsError } from "./tls";

export type LinkState = "up" | "down";

/**
 * Follows one client's connection events and reports each change of state once (a log line and the
 * `courtflow_redis_up` gauge), never once per command or per reconnect attempt. The log names the
 * role and a credential-free target; the error message is kept as the reason for going down.
 */
export function watchClient(
  client: Redis | Cluster,
  opts: { role: string; target: string; logger: Logger; metrics: RedisMetrics },
): { state(): LinkState; closing(): void } {
  const { role, target, logger, metrics } = opts;
  let state: LinkState = "down";
  let announced = false;
  let lastError: string | undefined;
  let shuttingDown = false;
  metrics.redisUp.set({ client: role }, 0);

  const change = (next: LinkState) => {
    if (announced && next === state) return;
    state = next;
    announced = true;
    metrics.redisUp.set({ client: role }, next === "up" ? 1 : 0);
    if (shuttingDown) return;
    if (next === "up") logger.info({ client: role, target }, "redis up");
    else logger.warn({ client: role, target, reason: lastError ?? "connection closed" }, "redis down");
  };

  client.on("ready", () => {
    lastError = undefined;
    change("up");
  });
  // Connection errors arrive once per reconnect attempt; they only feed the reason of the next change.
  // A TLS refusal is said in words: ioredis itself only reports "Connection is closed." for it.
  client.on("error", (err: Error) => {
    lastError = describeRedisTlsError(err) ?? err.message;
  });
  client.on("close", () => change("down"));
  client.on("end", () => {
    change("down");
    if (!shuttingDown) revive();
  });

  // ioredis ends a client for good ("end": no more reconnects) when a connection attempt is given up
  // rather than failed — e.g. the Sentinel race in sentinel-connector.ts. Nothing but close() may end
  // these clients, so an end outside shutdown is a defect to log and undo, not a state to live in:
  // sessions would answer 503 until a restart.
  const revive = () => {
    logger.error(
      { client: role, target, reason: lastError ?? "client ended" },
      "redis client gave up; reconnecting",
    );
    setTimeout(() => {
      if (!shuttingDown && client.status === "end") client.connect().catch(() => {});
    }, 1000).unref();
  };

  return {
    state: () => state,
    closing() {
      shuttingDown = true;
    },
  };
}
