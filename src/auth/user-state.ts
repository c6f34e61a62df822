import type { UserRole } from "../db/schema/enums";

// The facts about a user that every authenticated request depends on, as the users table holds them.
// A session carries a copy of role and court from its login; the table is the truth, so each request
// compares the two. Reading the table on every request would add a PostgreSQL round trip to the hot
// path, so each process keeps what it read for a few seconds (AUTH_USER_STATE_TTL_MS, at most 5 s).
// Changes made through the API act at once anyway: they revoke the user's sessions in Redis, which
// every process reads on every request; the cache only bounds how long a change written directly
// into the database (a deleted or deactivated row) takes to be noticed.

export interface UserState {
  active: boolean;
  role: UserRole;
  courtId: number | null;
}

export interface UserStateCacheOptions {
  /** The user's state from the database; null when the row does not exist. */
  load(userId: number): Promise<UserState | null>;
  /** How long a read stays good; 0 reads the database on every call. */
  ttlMs: number;
  /** Bound on remembered users; past it the least recently stored goes first. */
  maxEntries?: number;
  now?: () => number;
}

export interface UserStateCache {
  /** The state as read within the last ttlMs, else read now; `fresh` says which. */
  get(userId: number): Promise<{ state: UserState | null; fresh: boolean }>;
  /** Reads the database now (and remembers the answer). */
  reload(userId: number): Promise<UserState | null>;
  /** Stores a state just read elsewhere (login reads the row anyway). */
  remember(userId: number, state: UserState | null): void;
  /** Drops what this process remembers (after a change through the API). */
  forget(userId: number): void;
}

export const USER_STATE_CACHE_MAX_ENTRIES = 50_000;

export function createUserStateCache(opts: UserStateCacheOptions): UserStateCache {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? USER_STATE_CACHE_MAX_ENTRIES;
  const entries = new Map<number, { state: UserState | null; at: number }>();
  // One database read per user at a time, however many of their requests arrive together.
  const loading = new Map<number, Promise<UserState | null>>();

  function remember(userId: number, state: UserState | null): void {
    if (opts.ttlMs <= 0) return;
    entries.delete(userId);
    if (entries.size >= max) entries.delete(entries.keys().next().value!);
    entries.set(userId, { state, at: now() });
  }

  function reload(userId: number): Promise<UserState | null> {
    const pending = loading.get(userId);
    if (pending) return pending;
    const started = opts
      .load(userId)
      .then((state) => {
        remember(userId, state);
        return state;
      })
      .finally(() => loading.delete(userId));
    loading.set(userId, started);
    return started;
  }

  return {
    async get(userId) {
      const hit = entries.get(userId);
      if (hit && now() - hit.at < opts.ttlMs) return { state: hit.state, fresh: false };
      return { state: await reload(userId), fresh: true };
    },
    reload,
    remember,
    forget(userId) {
      entries.delete(userId);
    },
  };
}

/** True when a session's copy of role and court is the account's current one, and the account is active. */
export function sessionMatches(
  state: UserState | null,
  session: { role: UserRole; courtId: number | null },
): boolean {
  return state?.active === true && state.role === session.role && state.courtId === session.courtId;
}
