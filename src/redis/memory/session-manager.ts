import {
  decodeSession,
  encodeFields,
  isSessionId,
  newSession,
  type SessionPatch,
  sessionPatchSchema,
  sessionTtlMs,
} from "../session-codec";
import type { Clock, Session, SessionManager } from "../types";

/** A stored session: the same JSON-per-field encoding as the Redis hash. */
export interface MemorySessionRecord {
  fields: Record<string, string>;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Sessions in this process (embedded mode: one API process, so nothing is shared). Reads validate
 * exactly as the Redis store does. Not LRU-bounded on purpose: evicting a session would log someone
 * out; expired sessions are swept instead. `store` may be passed in to inspect or damage records.
 */
export function createMemorySessionManager(
  opts: {
    store?: Map<string, MemorySessionRecord>;
    /** After every change that must outlive the process (see session-file.ts); not after a read. */
    onChange?: () => void;
    /** The time sessions are created, touched and expired at. */
    now?: Clock;
  } = {},
): SessionManager {
  const store = opts.store ?? new Map<string, MemorySessionRecord>();
  const byUser = new Map<number, Set<string>>();
  const changed = opts.onChange ?? (() => {});
  const clock = opts.now ?? Date.now;
  let sweptAt = clock();

  const userIdOf = (rec: MemorySessionRecord): number | null => {
    try {
      const uid = JSON.parse(rec.fields.userId ?? "null");
      return Number.isSafeInteger(uid) ? uid : null;
    } catch {
      return null;
    }
  };

  function remove(id: string): boolean {
    const rec = store.get(id);
    if (!rec) return false;
    store.delete(id);
    const uid = userIdOf(rec);
    if (uid !== null) {
      byUser.get(uid)?.delete(id);
      if (byUser.get(uid)?.size === 0) byUser.delete(uid);
    }
    return true;
  }

  function sweep(force = false): void {
    const now = clock();
    if (!force && now - sweptAt < SWEEP_INTERVAL_MS) return;
    sweptAt = now;
    for (const [id, rec] of store) if (rec.expiresAt <= now) remove(id);
  }

  function live(id: string): MemorySessionRecord | undefined {
    const rec = store.get(id);
    if (rec && rec.expiresAt <= clock()) {
      remove(id);
      return undefined;
    }
    return rec;
  }

  // A store handed in with sessions (loaded from a file) gets its per-user index.
  for (const [id, rec] of store) {
    const uid = userIdOf(rec);
    if (uid === null) continue;
    const ids = byUser.get(uid);
    if (ids) ids.add(id);
    else byUser.set(uid, new Set([id]));
  }

  /** Decodes; a damaged record is removed and reads as absent. */
  function read(id: string, rec: MemorySessionRecord): Session | null {
    const session = decodeSession(id, rec.fields);
    if (!session) remove(id);
    return session;
  }

  return {
    async create(userId, data, ttlSeconds) {
      sweep();
      const { id, stored, expiresAtMs } = newSession(userId, data, ttlSeconds, clock());
      store.set(id, { fields: encodeFields(stored), expiresAt: expiresAtMs });
      const ids = byUser.get(userId);
      if (ids) ids.add(id);
      else byUser.set(userId, new Set([id]));
      changed();
      return { id, ...stored };
    },

    async get(id) {
      const rec = isSessionId(id) ? live(id) : undefined;
      if (!rec) return null;
      rec.fields.lastAccessedAt = JSON.stringify(new Date(clock()).toISOString());
      return read(id, rec);
    },

    async update(id, partial: SessionPatch) {
      const patch = sessionPatchSchema.parse(partial);
      const rec = isSessionId(id) ? live(id) : undefined;
      if (!rec) return null;
      Object.assign(rec.fields, encodeFields(patch));
      changed();
      return read(id, rec);
    },

    async rotateRefresh(id, expected, next) {
      const rec = isSessionId(id) ? live(id) : undefined;
      if (!rec) return "missing";
      if (rec.fields.refreshJti !== JSON.stringify(expected)) return "mismatch";
      rec.fields.refreshJti = JSON.stringify(next);
      changed();
      return "rotated";
    },

    async delete(id) {
      const removed = live(id) !== undefined && remove(id);
      if (removed) changed();
      return removed;
    },

    async deleteAllForUser(userId) {
      let removed = 0;
      for (const id of [...(byUser.get(userId) ?? [])]) if (live(id) && remove(id)) removed++;
      byUser.delete(userId);
      if (removed > 0) changed();
      return removed;
    },

    async listForUser(userId) {
      const sessions: Session[] = [];
      for (const id of [...(byUser.get(userId) ?? [])]) {
        const rec = live(id);
        const s = rec ? read(id, rec) : null;
        if (s) sessions.push(s);
      }
      return sessions.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async extend(id, ttlSeconds) {
      const rec = isSessionId(id) ? live(id) : undefined;
      if (!rec) return false;
      rec.expiresAt = clock() + sessionTtlMs(ttlSeconds);
      rec.fields.expiresAt = JSON.stringify(new Date(rec.expiresAt).toISOString());
      changed();
      return true;
    },

    async countActive() {
      sweep(true);
      return store.size;
    },
  };
}
