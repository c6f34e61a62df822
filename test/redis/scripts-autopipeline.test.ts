import { afterAll, expect, test } from "bun:test";
import { Redis } from "ioredis";
import { rateLimitHit, runScript } from "../../src/redis/scripts";
import { describeRedis } from "../helpers/guards";
import { TEST_REDIS_URL } from "../helpers/services";

// The session, cache and main clients auto-pipeline (enableAutoPipelining): a script must run in the
// same tick as other commands on a client that has pipelined before. ioredis's defineCommand failed
// exactly here ("pipeline[functionName] is not a function") when tried in place of runScript.

describeRedis("Redis scripts on an auto-pipelining client", () => {
  const client = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
  const key = `cf:test:scripts-autopipeline:${process.pid}`;
  afterAll(async () => {
    await client.del(key);
    client.disconnect();
  });

  test("a script issued in the same tick as other commands, on a client that has pipelined before", async () => {
    await Promise.all([client.get(`${key}:x`), client.get(`${key}:y`)]);
    const [a, hit, b] = await Promise.all([
      client.get(`${key}:x`),
      runScript(client, rateLimitHit, key, [60_000]),
      client.get(`${key}:y`),
    ]);
    expect([a, b]).toEqual([null, null]);
    expect((hit as [number, number])[0]).toBe(1);
  });
});
