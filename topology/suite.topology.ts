import { afterAll, describe } from "bun:test";
import { replicationBinariesPresent } from "../chaos/lib/private-postgres";
import { printSummary } from "../chaos/lib/summary";
import { REDIS_SERVER_BIN } from "../test/helpers/redis-server";
import { manyProcessesScenario } from "./scenarios/many-processes";
import { pgFailoverScenario } from "./scenarios/pg-failover";
import { pgReplicaScenario } from "./scenarios/pg-replica";
import { redisClusterScenario } from "./scenarios/redis-cluster";
import { redisSentinelScenario } from "./scenarios/redis-sentinel";

// `bun run test:topology`: the deployment shapes beyond one machine, each built for real on loopback
// ports in temporary directories — a streaming replica, a failover, Redis Sentinel, Redis Cluster,
// several API and worker processes — with bounded load from the test. Runs in the order written;
// prints one summary table at the end (the same harness as `bun run test:chaos`).

const missing = [
  ...(replicationBinariesPresent() ? [] : ["PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)"]),
  ...(REDIS_SERVER_BIN ? [] : ["redis-server"]),
  ...(Bun.which("redis-cli") ? [] : ["redis-cli"]),
];
if (missing.length > 0) {
  process.stderr.write(`\n!!! topology suite needs ${missing.join(" and ")}\n\n`);
  if (process.env.CI) process.exit(1);
}

const only = process.env.TOPOLOGY_ONLY?.split(",").map((s) => s.trim());
const wanted = (n: string) => !only || only.includes(n);

(missing.length ? describe.skip : describe)("topology", () => {
  if (wanted("1")) pgReplicaScenario();
  if (wanted("2")) pgFailoverScenario();
  if (wanted("3")) redisSentinelScenario();
  if (wanted("4")) redisClusterScenario();
  if (wanted("5")) manyProcessesScenario();
});

afterAll(() => printSummary("topology summary"));
