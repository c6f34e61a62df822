// Preloaded once per `bun test` run: finds the real services, creates and migrates the test database.
import { setDefaultTimeout } from "bun:test";
import { migratePostgres } from "../src/db/migrate";
import {
  ensureTestDatabase,
  IN_CI,
  redisReachable,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from "./helpers/services";

const postgresUp = await ensureTestDatabase();
const redisUp = await redisReachable();

const missing: string[] = [];
if (!postgresUp) missing.push(`PostgreSQL at ${new URL(TEST_DATABASE_URL).host}`);
if (!redisUp) missing.push(`Redis at ${new URL(TEST_REDIS_URL).host}`);

if (missing.length > 0) {
  const line = `!!! UNREACHABLE: ${missing.join(" and ")} — tests that need ${missing.length > 1 ? "them" : "it"} are SKIPPED`;
  if (IN_CI) {
    process.stderr.write(`${line.replace("are SKIPPED", "cannot run")}; CI requires every service\n`);
    process.exit(1);
  }
  process.stderr.write(`\n${line}\n\n`);
}

if (postgresUp) await migratePostgres(TEST_DATABASE_URL);

globalThis.__courtflowServices = { postgres: postgresUp, redis: redisUp };
// Integration tests hash passwords, spawn processes and talk to real servers: 5 s is too tight on a
// busy 2-core machine (bunfig's [test] timeout is not honoured by this Bun version).
setDefaultTimeout(30_000);
process.env.NODE_ENV ??= "test";
