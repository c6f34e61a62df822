import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { Config } from "../config/env";
import { FailoverSafeSentinelConnector } from "./sentinel-connector";
import { redisTlsOptions } from "./tls";
import type { RedisRole } from "./types";

/** A role's connection, or a BullMQ worker's blocking connection. */
export type ConnectionRole = RedisRole | "worker";

export interface UrlParts {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

export function parseRedisUrl(url: string): UrlParts {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, "") || 0);
  if (!Number.isInteger(db) || db < 0) throw new Error(`Redis URL database "${u.pathname}" is not a number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
    port: Number(u.port || 6379),
    // WHATWG URL keeps credentials percent-encoded; `user:p%40ss@` means the password `p@ss`.
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === "rediss:",
  };
}

/**
 * Delay before reconnect attempt `attempt` (1-based): 100 ms doubling to a 5 s cap, plus jitter so
 * many replicas do not reconnect in lock step after an outage. Never gives up: Redis coming back
 * must bring caching back without a restart.
 */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(5000, 100 * 2 ** Math.max(0, attempt - 1));
  return base + Math.floor(Math.random() * 100);
}

/** Failover: a demoted primary answers writes with READONLY; reconnect (to the new one) and resend. */
export function reconnectOnError(err: Error): 2 | false {
  return err.message.includes("READONLY") ? 2 : false;
}

/**
 * Per-role behaviour. The cache and the BullMQ producer refuse commands while disconnected instead of
 * queueing them (a cache read must become a miss now, an enqueue must fail fast). Workers block on
 * queues, so they retry forever and have no command timeout.
 */
function roleOptions(config: Config, role: ConnectionRole): RedisOptions {
  const worker = role === "worker";
  return {
    connectionName: `courtflow:${role}`,
    keepAlive: 30_000,
    connectTimeout: config.REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: worker ? undefined : config.REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: worker ? null : 3,
    enableOfflineQueue: !(role === "cache" || role === "queue"),
    // Commands issued in the same tick (concurrent requests' session checks, cache reads) go out in
    // one write: per-command socket writes were a quarter of an authenticated request's CPU (profiled
    // in `bun run bench`). Not for BullMQ's connections, which manage their own pipelines.
    enableAutoPipelining: !(role === "queue" || worker),
    retryStrategy: retryDelayMs,
    reconnectOnError,
  };
}

function urlForRole(config: Config, role: ConnectionRole): string | undefined {
  if (role === "cache") return config.CACHE_REDIS_URL;
  if (role === "session") return config.SESSION_REDIS_URL;
  if (role === "queue" || role === "worker") return config.QUEUE_REDIS_URL;
  return undefined;
}

export type ConnectionSpec = { target: string } & (
  | { topology: "standalone" | "sentinel"; options: RedisOptions }
  | { topology: "cluster"; nodes: { host: string; port: number }[]; options: ClusterOptions }
);

const hostList = (nodes: { host: string; port: number }[]) =>
  nodes.map((n) => `${n.host}:${n.port}`).join(",");

/**
 * How a role connects. A role with its own URL (`CACHE_REDIS_URL`…) connects to that server directly;
 * the others follow `REDIS_URL` and the topology: Cluster when `REDIS_CLUSTER_NODES` is set, else
 * Sentinel when `REDIS_SENTINELS` is set, else standalone. For Sentinel and Cluster, `REDIS_URL`
 * still supplies TLS (`rediss://`), credentials and (Sentinel only) the database; its host is unused.
 * `target` names where it connects and is safe to log: it never carries credentials.
 */
export function connectionSpec(config: Config, role: ConnectionRole): ConnectionSpec {
  const own = urlForRole(config, role);
  const base = own ?? config.REDIS_URL;
  if (!base) throw new Error("Redis is not configured (REDIS_URL is not set)");
  const url = parseRedisUrl(base);
  const common = roleOptions(config, role);
  const auth = {
    username: url.username,
    password: url.password,
    tls: url.tls ? redisTlsOptions(config) : undefined,
  };
  const tlsMark = url.tls ? " (tls)" : "";

  if (!own && config.REDIS_CLUSTER_NODES.length > 0) {
    const nodes = config.REDIS_CLUSTER_NODES;
    const { retryStrategy: _perNode, enableOfflineQueue, ...nodeOptions } = common;
    return {
      topology: "cluster",
      target: `cluster ${hostList(nodes)}${tlsMark}`,
      nodes,
      options: {
        enableOfflineQueue,
        clusterRetryStrategy: retryDelayMs,
        // Cluster has a single database; `db` from the URL does not apply.
        redisOptions: { ...nodeOptions, ...auth },
      },
    };
  }
  if (!own && config.REDIS_SENTINELS.length > 0) {
    const sentinels = config.REDIS_SENTINELS;
    return {
      topology: "sentinel",
      target: `sentinel ${config.REDIS_SENTINEL_NAME}@${hostList(sentinels)}/${url.db}${tlsMark}`,
      // failoverDetector: the client also listens to the sentinels' +switch-master, so it follows a
      // failover when the old primary hangs instead of closing its socket (ioredis's default waits for
      // that socket to close, and writes meanwhile go to a server Sentinel is about to demote).
      options: {
        ...common,
        ...auth,
        sentinels,
        name: config.REDIS_SENTINEL_NAME,
        db: url.db,
        failoverDetector: true,
        // …with the race in ioredis's detector closed (see sentinel-connector.ts). Options travel with
        // duplicate(), so BullMQ's own connections get it too.
        Connector: FailoverSafeSentinelConnector,
      },
    };
  }
  return {
    topology: "standalone",
    target: `${url.host}:${url.port}/${url.db}${tlsMark}`,
    options: { ...common, ...auth, host: url.host, port: url.port, db: url.db },
  };
}

/** Opens the connection (ioredis connects in the background and keeps reconnecting). */
export function openConnection(spec: ConnectionSpec): Redis | Cluster {
  return spec.topology === "cluster" ? new Cluster(spec.nodes, spec.options) : new Redis(spec.options);
}
