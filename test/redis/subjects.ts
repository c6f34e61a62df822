import { Redis } from "ioredis";
import { loadConfig } from "../../src/config/env";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { buildRedisDeps, type RedisDeps } from "../../src/redis/build";
import type { Clock } from "../../src/redis/types";
import { TEST_REDIS_URL } from "../helpers/services";

/** Config for the Redis layer alone, pointed at the test Redis (or nowhere, for embedded mode). */
export function redisTestConfig(env: Record<string, string> = {}, redisUrl: string | null = TEST_REDIS_URL) {
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    ...env,
  });
}

/** Cache, sessions and rate limiter as the app builds them, with their own metrics registry. */
export async function openRedisLayer(
  kind: "redis" | "memory",
  env: Record<string, string> = {},
  opts: { now?: Clock } = {},
): Promise<RedisDeps & { registry: ReturnType<typeof createMetricsRegistry> }> {
  const config = redisTestConfig(env, kind === "redis" ? TEST_REDIS_URL : null);
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const deps = buildRedisDeps(config, createLogger({ level: "silent" }), registry, { now: opts.now });
  if (deps.redis) await waitUntilUp(deps);
  return { ...deps, registry };
}

export async function waitUntilUp(deps: Pick<RedisDeps, "redis">, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Object.values(deps.redis!.state()).some((s) => s !== "up")) {
    if (Date.now() > deadline) throw new Error(`redis not up: ${JSON.stringify(deps.redis!.state())}`);
    await Bun.sleep(10);
  }
}

/** A plain client on the test Redis, to look at keys the way an operator would. */
export function rawTestRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
}
