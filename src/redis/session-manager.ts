import type { Logger } from "../lib/logger";
import { sessionKeys } from "./keys";
import { commandTimer, type RedisMetrics } from "./metrics";
import {
  indexAdd,
  runScript,
  sessionExtend,
  sessionPatch,
  sessionRemove,
  sessionRotateRefresh,
  sessionTouch,
} from "./scripts";
import {
  decodeSession,
  encodeFields,
  isSessionId,
  newSession,
  pairsToRecord,
  type SessionPatch,
  sessionPatchSchema,
  sessionTtlMs,
} from "./session-codec";
import { type CommandArgs, isDisconnected, type RedisClient, runAll, unlinkMany } from "./topology";
import { type Session, type SessionManager, StoreUnavailableError } from "./types";

/**
 * Sessions in Redis: one hash per session (`cf:sess:id:<id>`, expiring with the session), a per-user
 * sorted set of ids scored by expiry, and one sorted set of every live id for counting. Every script
 * touches one key, so this also runs on Cluster. Any failure to reach Redis is a StoreUnavailableError:
 * sessions are security state and never guessed.
 */
export function createRedisSessionManager(
  client: RedisClient,
  deps: { metrics: RedisMetrics; logger: Logger },
): SessionManager {
  async function store<T>(fn: () => Promise<T>): Promise<T> {
    if (isDisconnected(client)) throw new StoreUnavailableError();
    const done = commandTimer(deps.metrics, "session");
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError("session store unavailable", { cause: err });
    } finally {
      done();
    }
  }

  /**
   * An answer that needs no Redis (a malformed id cannot exist) still fails while Redis is not
   * ready, so callers meet one rule: store down → StoreUnavailableError.
   */
  function known<T>(value: T): Promise<T> {
    return client.status === "ready" ? Promise.resolve(value) : Promise.reject(new StoreUnavailableError());
  }

  async function index(userId: number, id: string, expiresAtMs: number): Promise<void> {
    const now = Date.now();
    await runScript(client, indexAdd, sessionKeys.user(userId), [id, expiresAtMs, now]);
    await runScript(client, indexAdd, sessionKeys.active(), [id, expiresAtMs, now]);
  }

  async function unindex(userId: number | null, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const commands: CommandArgs[] = [["ZREM", sessionKeys.active(), ...ids]];
    if (userId !== null) commands.push(["ZREM", sessionKeys.user(userId), ...ids]);
    await runAll(client, commands);
  }

  /** Decodes a stored session; a damaged one is deleted (and unindexed) and reads as absent. */
  async function readOrDiscard(id: string, reply: unknown): Promise<Session | null> {
    if (reply === null) return null;
    const fields = pairsToRecord(reply);
    const session = decodeSession(id, fields);
    if (session) return session;
    const parsedUserId = Number(fields.userId);
    const userId = Number.isSafeInteger(parsedUserId) ? parsedUserId : null;
    // Never the session id itself in a log line: it names a live credential's session.
    deps.logger.warn({ userId }, "corrupt session data removed");
    await client.unlink(sessionKeys.session(id));
    await unindex(userId, [id]);
    return null;
  }

  return {
    async create(userId, data, ttlSeconds) {
      const { id, stored, ttlMs, expiresAtMs } = newSession(userId, data, ttlSeconds);
      return store(async () => {
        // Index first: a session missing from its user's index would survive "log out everywhere".
        await index(userId, id, expiresAtMs);
        const key = sessionKeys.session(id);
        const results = await client.multi().hset(key, encodeFields(stored)).pexpire(key, ttlMs).exec();
        const failed = results?.find(([err]) => err);
        if (!results || failed) throw failed?.[0] ?? new Error("session write was discarded");
        return { id, ...stored };
      });
    },

    get: (id) =>
      isSessionId(id)
        ? store(async () => {
            const at = JSON.stringify(new Date().toISOString());
            return readOrDiscard(id, await runScript(client, sessionTouch, sessionKeys.session(id), [at]));
          })
        : known(null),

    async update(id, partial: SessionPatch) {
      const patch = sessionPatchSchema.parse(partial);
      if (!isSessionId(id)) return known(null);
      const args = Object.entries(encodeFields(patch)).flat();
      return store(async () => {
        const reply = await runScript(client, sessionPatch, sessionKeys.session(id), args);
        return readOrDiscard(id, reply);
      });
    },

    rotateRefresh: (id, expected, next) =>
      isSessionId(id)
        ? store(async () => {
            const args = [JSON.stringify(expected), JSON.stringify(next)];
            const reply = await runScript(client, sessionRotateRefresh, sessionKeys.session(id), args);
            return reply === null ? "missing" : Number(reply) === 1 ? "rotated" : "mismatch";
          })
        : known("missing" as const),

    delete: (id) =>
      isSessionId(id)
        ? store(async () => {
            const uid = await runScript(client, sessionRemove, sessionKeys.session(id), []);
            if (uid === null) return false;
            const userId = Number(uid);
            await unindex(uid !== "" && Number.isSafeInteger(userId) ? userId : null, [id]);
            return true;
          })
        : known(false),

    deleteAllForUser: (userId) =>
      store(async () => {
        const ids = await client.zrange(sessionKeys.user(userId), "0", "-1");
        const removed = await unlinkMany(
          client,
          ids.map((id) => sessionKeys.session(id)),
        );
        await client.unlink(sessionKeys.user(userId));
        await unindex(null, ids);
        return removed;
      }),

    listForUser: (userId) =>
      store(async () => {
        const ids = await client.zrangebyscore(sessionKeys.user(userId), Date.now(), "+inf");
        const replies = await runAll(
          client,
          ids.map((id): CommandArgs => ["HGETALL", sessionKeys.session(id)]),
        );
        const sessions: Session[] = [];
        const gone: string[] = [];
        for (const [i, id] of ids.entries()) {
          const fields = replies[i] as Record<string, string> | string[] | null;
          const record = Array.isArray(fields) ? pairsToRecord(fields) : (fields ?? {});
          if (Object.keys(record).length === 0) {
            gone.push(id);
            continue;
          }
          const s = await readOrDiscard(id, Object.entries(record).flat());
          if (s) sessions.push(s);
        }
        // Ids whose session has expired or been deleted since: tidy the index on the way.
        await unindex(userId, gone);
        return sessions.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      }),

    extend: (id, ttlSeconds) =>
      isSessionId(id)
        ? store(async () => {
            const ttlMs = sessionTtlMs(ttlSeconds);
            const expiresAtMs = Date.now() + ttlMs;
            const expiresAt = JSON.stringify(new Date(expiresAtMs).toISOString());
            const uid = await runScript(client, sessionExtend, sessionKeys.session(id), [ttlMs, expiresAt]);
            if (uid === null) return false;
            const userId = Number(uid);
            if (uid !== "" && Number.isSafeInteger(userId)) await index(userId, id, expiresAtMs);
            return true;
          })
        : known(false),

    countActive: () => store(() => client.zcount(sessionKeys.active(), Date.now(), "+inf")),
  };
}
