import { describe, expect, test } from "bun:test";
import { createUserStateCache, sessionMatches, type UserState } from "../../src/auth/user-state";

const viewer: UserState = { active: true, role: "viewer", courtId: 3 };

function subject(ttlMs: number) {
  let now = 1_000_000;
  const reads: number[] = [];
  let state: UserState | null = viewer;
  const cache = createUserStateCache({
    ttlMs,
    now: () => now,
    maxEntries: 2,
    load: async (id) => {
      reads.push(id);
      return state;
    },
  });
  return {
    cache,
    reads,
    advance: (ms: number) => {
      now += ms;
    },
    set: (s: UserState | null) => {
      state = s;
    },
  };
}

describe("user state cache", () => {
  test("read once, then trusted for ttlMs and read again from the ms it runs out", async () => {
    const s = subject(5000);
    expect(await s.cache.get(7)).toEqual({ state: viewer, fresh: true });
    s.advance(4999);
    expect(await s.cache.get(7)).toEqual({ state: viewer, fresh: false });
    expect(s.reads).toEqual([7]);
    s.set({ ...viewer, active: false });
    s.advance(1);
    expect(await s.cache.get(7)).toEqual({ state: { ...viewer, active: false }, fresh: true });
    expect(s.reads).toEqual([7, 7]);
  });

  test("a deleted row (null) is remembered like any answer", async () => {
    const s = subject(5000);
    s.set(null);
    expect((await s.cache.get(7)).state).toBeNull();
    expect((await s.cache.get(7)).state).toBeNull();
    expect(s.reads).toEqual([7]);
  });

  test("ttl 0 reads on every call; concurrent calls for one user share one read", async () => {
    const s = subject(0);
    await s.cache.get(7);
    await s.cache.get(7);
    expect(s.reads).toEqual([7, 7]);
    await Promise.all([s.cache.get(8), s.cache.get(8), s.cache.reload(8)]);
    expect(s.reads).toEqual([7, 7, 8]);
  });

  test("reload and forget bypass and drop what is remembered; remember primes it", async () => {
    const s = subject(5000);
    s.cache.remember(7, viewer);
    expect(await s.cache.get(7)).toEqual({ state: viewer, fresh: false });
    expect(s.reads).toEqual([]);
    await s.cache.reload(7);
    s.cache.forget(7);
    await s.cache.get(7);
    expect(s.reads).toEqual([7, 7]);
  });

  test("bounded: past maxEntries the oldest user is forgotten", async () => {
    const s = subject(5000);
    await s.cache.get(1);
    await s.cache.get(2);
    await s.cache.get(3);
    await s.cache.get(1);
    expect(s.reads).toEqual([1, 2, 3, 1]);
  });

  test("a session matches only an active account with its role and court", () => {
    const session = { role: "viewer" as const, courtId: 3 };
    expect(sessionMatches(viewer, session)).toBe(true);
    expect(sessionMatches(null, session)).toBe(false);
    expect(sessionMatches({ ...viewer, active: false }, session)).toBe(false);
    expect(sessionMatches({ ...viewer, role: "analyst" }, session)).toBe(false);
    expect(sessionMatches({ ...viewer, courtId: 4 }, session)).toBe(false);
    expect(sessionMatches({ ...viewer, courtId: null }, session)).toBe(false);
  });
});
