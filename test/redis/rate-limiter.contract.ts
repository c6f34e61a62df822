import { afterAll, beforeAll, expect, test } from "bun:test";
import type { RateLimiter } from "../../src/redis/types";
import type { TimeSource } from "../helpers/clock";
import type { Describe } from "./cache.contract";

export interface RateLimiterSubject {
  limiter: RateLimiter;
  /** How time passes for this store (a moved clock in process; real waiting on Redis). */
  time: TimeSource;
  close(): Promise<void>;
}

let n = 0;
const freshKey = () => `test:${Date.now().toString(36)}:${n++}`;

/** The behaviour every RateLimiter must show; run against Redis and in-process alike. */
export function rateLimiterContract(
  describeFn: Describe,
  name: string,
  open: () => Promise<RateLimiterSubject>,
) {
  describeFn(`RateLimiter contract: ${name}`, () => {
    let r: RateLimiterSubject;
    beforeAll(async () => {
      r = await open();
    });
    afterAll(async () => {
      await r.close();
    });

    test("allows `limit` hits in a window, then refuses with the time until it resets", async () => {
      const key = freshKey();
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await r.limiter.hit(key, 3, 60));
      expect(results.map((x) => x.allowed)).toEqual([true, true, true, false]);
      expect(results.map((x) => x.remaining)).toEqual([2, 1, 0, 0]);
      expect(results[3]).toMatchObject({ limit: 3 });
      expect(results[3]!.retryAfterSeconds).toBeGreaterThan(0);
      expect(results[3]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    test("a new window starts when the old one ends", async () => {
      const key = freshKey();
      await r.limiter.hit(key, 1, 0.3);
      expect((await r.limiter.hit(key, 1, 0.3)).allowed).toBe(false);
      await r.time.advance(400);
      expect(await r.limiter.hit(key, 1, 0.3)).toMatchObject({ allowed: true, remaining: 0 });
    });

    test("concurrent hits are counted exactly: 50 at once against a limit of 10 let 10 through", async () => {
      const key = freshKey();
      const results = await Promise.all(Array.from({ length: 50 }, () => r.limiter.hit(key, 10, 60)));
      expect(results.filter((x) => x.allowed)).toHaveLength(10);
    });

    test("reset clears a key's window; keys do not share counts", async () => {
      const a = freshKey();
      const b = freshKey();
      await r.limiter.hit(a, 1, 60);
      expect((await r.limiter.hit(a, 1, 60)).allowed).toBe(false);
      expect((await r.limiter.hit(b, 1, 60)).allowed).toBe(true);
      await r.limiter.reset(a);
      expect((await r.limiter.hit(a, 1, 60)).allowed).toBe(true);
    });
  });
}
