import { afterAll, describe } from "bun:test";
import { REDIS_SERVER_BIN } from "../test/helpers/redis-server";
import { postgresBinariesPresent } from "./lib/private-postgres";
import { printSummary } from "./lib/summary";
import { abuseScenario } from "./scenarios/abuse";
import { postgresRestartScenario } from "./scenarios/postgres-restart";
import { redisOutageScenario } from "./scenarios/redis-outage";
import { sigtermDrainScenario } from "./scenarios/sigterm-drain";
import { slowUploadsScenario } from "./scenarios/slow-uploads";
import { workerKillScenario } from "./scenarios/worker-kill";

// `bun run test:chaos`: fault and abuse scenarios, each on its own PostgreSQL cluster and
// redis-server (free loopback ports, temporary directories), with bounded load from the test.
// Runs in the order written; prints one summary table at the end.

const missing = [
  ...(postgresBinariesPresent() ? [] : ["PostgreSQL server binaries (initdb, pg_ctl)"]),
  ...(REDIS_SERVER_BIN ? [] : ["redis-server"]),
];
if (missing.length > 0) {
  process.stderr.write(`\n!!! chaos suite needs ${missing.join(" and ")}\n\n`);
  if (process.env.CI) process.exit(1);
}

(missing.length ? describe.skip : describe)("chaos", () => {
  redisOutageScenario();
  postgresRestartScenario();
  workerKillScenario();
  sigtermDrainScenario();
  abuseScenario();
  slowUploadsScenario();
});

afterAll(() => printSummary());
