import { afterAll, setSystemTime } from "bun:test";
import { todayIso } from "../../src/lib/dates";

/**
 * Stops the clock of the calling test file at this instant and returns today's date (UTC), so fixtures
 * built from "today" and the answers the app computes from its own "today" agree even when the file
 * runs across UTC midnight. The clock runs again after the file. Call it at the top of the file, before
 * any fixture: Date.now() then stands still for the file, so nothing in it may wait on Date.now().
 */
export function freezeToday(): string {
  const now = new Date();
  setSystemTime(now);
  afterAll(() => {
    setSystemTime();
  });
  return todayIso(now);
}

/**
 * The clock of the in-process stores (buildRedisDeps' `now`), moved by hand: a TTL or a rate-limit
 * window ends when the test says so, not after a real wait.
 */
export class TestClock {
  private t = Date.now();
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * How a test lets time pass for a store: the in-process stores' TestClock moves at once; Redis keeps
 * its own time, so there the test really waits.
 */
export interface TimeSource {
  now(): number;
  advance(ms: number): Promise<void>;
}

export const realTime: TimeSource = { now: () => Date.now(), advance: (ms) => Bun.sleep(ms) };

export function movedTime(clock: TestClock): TimeSource {
  return {
    now: clock.now,
    advance: async (ms) => clock.advance(ms),
  };
}
