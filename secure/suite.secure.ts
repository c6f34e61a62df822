import { afterAll, beforeAll, describe } from "bun:test";
import { postgresBinariesPresent } from "../chaos/lib/private-postgres";
import { REDIS_SERVER_BIN } from "../test/helpers/redis-server";
import { measured, setWorld } from "./lib/context";
import { PGBOUNCER_BIN } from "./lib/pgbouncer";
import { createWorld, type World } from "./lib/world";
import { bouncerFlowsScenario, flowsScenario } from "./scenarios/flows";
import { pgbouncerScenario } from "./scenarios/pgbouncer";
import { postgresTlsScenario } from "./scenarios/postgres-tls";
import { redisScenario } from "./scenarios/redis";
import { rolesScenario } from "./scenarios/roles";

// `bun run test:secure`: encrypted and least-privileged connections, proven against real servers —
// PostgreSQL with TLS and a runtime role, PgBouncer in transaction mode, Redis over mutual TLS with an
// ACL user per client and Redis with a password only. One set of servers for the whole run, on free
// loopback ports in temporary directories (see lib/world.ts).

const missing = [
  ...(postgresBinariesPresent() ? [] : ["PostgreSQL server binaries (initdb, pg_ctl)"]),
  ...(REDIS_SERVER_BIN ? [] : ["redis-server"]),
  ...(PGBOUNCER_BIN ? [] : ["pgbouncer (apt-get install pgbouncer)"]),
  ...(Bun.which("openssl") ? [] : ["openssl"]),
];
if (missing.length > 0) {
  process.stderr.write(`\n!!! secure suite needs ${missing.join(", ")}\n\n`);
  if (process.env.CI) process.exit(1);
}

let w: World | null = null;
beforeAll(async () => {
  if (missing.length > 0) return;
  const t0 = performance.now();
  w = await createWorld();
  measured["world set-up (certs, TLS PostgreSQL, migrate, db:roles, seed, PgBouncer, 2 Redis), ms"] =
    Math.round(performance.now() - t0);
  setWorld(w);
});

afterAll(async () => {
  await w?.destroy();
  setWorld(null);
  if (Object.keys(measured).length) {
    process.stdout.write("\nsecure suite measurements\n");
    for (const [k, v] of Object.entries(measured)) process.stdout.write(`  ${k}: ${v}\n`);
  }
});

(missing.length ? describe.skip : describe)("secure", () => {
  postgresTlsScenario();
  rolesScenario();
  pgbouncerScenario();
  redisScenario();
  flowsScenario();
  bouncerFlowsScenario();
});
