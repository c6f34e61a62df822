import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { describeUrl } from "../../src/db/client";
import { isRetryableTransactionError } from "../../src/db/errors";
import { DatabaseDeadlineError } from "../../src/db/instrument";
import { peekUserId } from "../../src/db/read-your-writes";
import { fenceOf, formatLsn, parseLsn, ReplicaSet } from "../../src/db/replicas";
import { fenceKeys } from "../../src/redis/keys";
import { createMemoryReadFences, createRedisReadFences } from "../../src/redis/read-fences";
import { describeRedis } from "../helpers/guards";
import { TEST_REDIS_URL } from "../helpers/services";

// The small parts of read replicas and failover; the topology suite (`bun run test:topology`)
// runs them against a real replica, a failover, Sentinel and Cluster.

describe("WAL positions and fences", () => {
  test("LSNs parse to numbers that order as the WAL does, and format to strings that order the same", () => {
    const a = parseLsn("0/16B3748");
    const b = parseLsn("0/FFFFFFFF");
    const c = parseLsn("1/0");
    expect(a < b && b < c).toBe(true);
    expect(formatLsn(b) < formatLsn(c)).toBe(true);
    expect(fenceOf(formatLsn(c))).toBe(c);
    expect(fenceOf(null)).toBeNull();
    expect(() => parseLsn("garbage")).toThrow();
  });

  test("the caller's user id is read from a bearer token without trusting it; anything else is null", () => {
    const payload = Buffer.from(JSON.stringify({ sub: "42" })).toString("base64url");
    expect(peekUserId(`Bearer aaa.${payload}.sig`)).toBe(42);
    expect(peekUserId("Bearer not-a-jwt")).toBeNull();
    expect(peekUserId(`Bearer aaa.${Buffer.from('{"sub":"-1"}').toString("base64url")}.x`)).toBeNull();
    expect(peekUserId(`Basic ${payload}`)).toBeNull();
    expect(peekUserId(undefined)).toBeNull();
  });

  test("in-process fences: never lowered, the highest of the user's and the global one, gone after their TTL", async () => {
    let now = 0;
    const fences = createMemoryReadFences(5, () => now);
    await fences.raise({ userId: 1 }, formatLsn(200n));
    await fences.raise({ userId: 1 }, formatLsn(100n));
    expect(await fences.lookup(1)).toBe(formatLsn(200n));
    await fences.raise("global", formatLsn(300n));
    expect(await fences.lookup(1)).toBe(formatLsn(300n));
    expect(await fences.lookup(2)).toBe(formatLsn(300n));
    now = 6000;
    expect(await fences.lookup(1)).toBeNull();
  });
});

describeRedis("fences in Redis", () => {
  let client: Redis;
  beforeAll(async () => {
    client = new Redis(TEST_REDIS_URL);
    await client.unlink(fenceKeys.user(7), fenceKeys.global());
  });
  afterAll(async () => {
    await client.unlink(fenceKeys.user(7), fenceKeys.global());
    client.disconnect();
  });

  test("a fence is never lowered (two writes finishing out of order) and expires with its TTL", async () => {
    const fences = createRedisReadFences(client, 30);
    await fences.raise({ userId: 7 }, formatLsn(0x2000n));
    await fences.raise({ userId: 7 }, formatLsn(0x1000n));
    expect(await fences.lookup(7)).toBe(formatLsn(0x2000n));
    expect(await client.pttl(fenceKeys.user(7))).toBeGreaterThan(29_000);
    await fences.raise("global", formatLsn(0x3000n));
    expect(await fences.lookup(7)).toBe(formatLsn(0x3000n));
    expect(await fences.lookup(null)).toBe(formatLsn(0x3000n));
  });
});

describe("failover details", () => {
  test("a multi-host DATABASE_URL is described host by host, never with its password", () => {
    expect(describeUrl("postgres://u:secret@db1:5433,db2/courtflow?target_session_attrs=primary")).toBe(
      "db1:5433,db2:5432/courtflow",
    );
    expect(describeUrl("postgres://u:secret@db1/courtflow")).toBe("db1:5432/courtflow");
  });

  test("a connect timeout is not retried inside a request; a lost connection is", () => {
    expect(isRetryableTransactionError(new DatabaseDeadlineError("a query", 2000))).toBe(false);
    expect(isRetryableTransactionError({ code: "ECONNRESET" })).toBe(true);
    expect(isRetryableTransactionError({ code: "57P01" })).toBe(true);
  });

  test("what counts as a replica's connection lost (its reads then go to the primary)", () => {
    for (const code of ["08006", "57P01", "ECONNREFUSED", "CONNECTION_CLOSED", "CONNECT_TIMEOUT"])
      expect(ReplicaSet.connectionLost(code)).toBe(true);
    for (const code of ["57014", "40001", "42P01", null]) expect(ReplicaSet.connectionLost(code)).toBe(false);
  });
});
