import { afterAll, beforeAll, expect, test } from "bun:test";
import { type SessionManager, StoreUnavailableError } from "../../src/redis/types";
import type { TimeSource } from "../helpers/clock";
import type { Describe } from "./cache.contract";

export interface SessionSubject {
  sessions: SessionManager;
  /** Damages a stored session the way a bad deploy or a hand edit would: a field no longer valid. */
  corrupt(id: string): Promise<void>;
  /** Whether anything is still stored for the id. */
  stored(id: string): Promise<boolean>;
  /** How time passes for this store (a moved clock in process; real waiting on Redis). */
  time: TimeSource;
  close(): Promise<void>;
}

const data = {
  role: "court_admin" as const,
  courtId: 12,
  ip: "10.0.0.7",
  userAgent: "Mozilla/5.0 (dashboard)",
  refreshJti: null,
};

/** User ids no earlier run against the same Redis db has used. */
let next = Math.floor(Math.random() * 1e9);
const freshUser = () => 1_000_000_000 + next++;

/** The behaviour every SessionManager must show; run against Redis and in-process alike. */
export function sessionContract(describeFn: Describe, name: string, open: () => Promise<SessionSubject>) {
  describeFn(`SessionManager contract: ${name}`, () => {
    let s: SessionSubject;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(async () => {
      await s.close();
    });

    test("create returns the session under an unguessable 256-bit base64url id", async () => {
      const userId = freshUser();
      const before = s.time.now();
      const a = await s.sessions.create(userId, data, 3600);
      const b = await s.sessions.create(userId, data, 3600);
      expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(a.id, "base64url")).toHaveLength(32);
      expect(a.id).not.toBe(b.id);
      expect(a).toMatchObject({ userId, ...data });
      expect(Date.parse(a.createdAt)).toBeGreaterThanOrEqual(before - 5);
      expect(a.lastAccessedAt).toBe(a.createdAt);
      expect(Date.parse(a.expiresAt) - Date.parse(a.createdAt)).toBe(3600_000);
    });

    test("get returns the session and records the access time", async () => {
      const created = await s.sessions.create(freshUser(), data, 3600);
      await s.time.advance(15);
      const read = await s.sessions.get(created.id);
      // Everything but the access time is as created. (Not toMatchObject with expect.any: Bun 1.4.5
      // writes the matcher into the received object.)
      expect({ ...read!, lastAccessedAt: created.lastAccessedAt }).toEqual(created);
      expect(Date.parse(read!.lastAccessedAt)).toBeGreaterThan(Date.parse(created.lastAccessedAt));
      const again = await s.sessions.get(created.id);
      expect(Date.parse(again!.lastAccessedAt)).toBeGreaterThanOrEqual(Date.parse(read!.lastAccessedAt));
    });

    test("unknown and malformed ids read as absent", async () => {
      expect(await s.sessions.get("A".repeat(43))).toBeNull();
      expect(await s.sessions.get("*")).toBeNull();
      expect(await s.sessions.get("")).toBeNull();
      expect(await s.sessions.delete("../x")).toBe(false);
      expect(await s.sessions.extend("nope", 60)).toBe(false);
    });

    test("update changes only the given fields and never recreates a deleted session", async () => {
      const created = await s.sessions.create(freshUser(), data, 3600);
      const updated = await s.sessions.update(created.id, { refreshJti: "jti-2", courtId: null });
      expect(updated).toMatchObject({ ...data, refreshJti: "jti-2", courtId: null, userId: created.userId });
      expect(await s.sessions.get(created.id)).toMatchObject({ refreshJti: "jti-2", courtId: null });
      await s.sessions.delete(created.id);
      expect(await s.sessions.update(created.id, { refreshJti: "jti-3" })).toBeNull();
      expect(await s.stored(created.id)).toBe(false);
      expect(await s.sessions.update("A".repeat(43), { ip: null })).toBeNull();
    });

    test("rotateRefresh is a compare-and-set: of two rotations from one token, one wins", async () => {
      const created = await s.sessions.create(freshUser(), data, 3600);
      await s.sessions.update(created.id, { refreshJti: "jti-a" });
      const results = await Promise.all([
        s.sessions.rotateRefresh(created.id, "jti-a", "jti-b"),
        s.sessions.rotateRefresh(created.id, "jti-a", "jti-c"),
      ]);
      expect([...results].sort()).toEqual(["mismatch", "rotated"]);
      const winner = results[0] === "rotated" ? "jti-b" : "jti-c";
      expect(await s.sessions.get(created.id)).toMatchObject({ refreshJti: winner });
      expect(await s.sessions.rotateRefresh(created.id, "jti-a", "jti-d")).toBe("mismatch");
      expect(await s.sessions.rotateRefresh(created.id, winner, "jti-e")).toBe("rotated");
      await s.sessions.delete(created.id);
      expect(await s.sessions.rotateRefresh(created.id, "jti-e", "jti-f")).toBe("missing");
      expect(await s.stored(created.id)).toBe(false);
      expect(await s.sessions.rotateRefresh("*", "x", "y")).toBe("missing");
    });

    test("bad session data is refused before it is stored", async () => {
      const userId = freshUser();
      const bad = { ...data, role: "superuser" } as unknown as typeof data;
      const attempt = s.sessions.create(userId, bad, 60);
      await expect(attempt).rejects.toThrow();
      await expect(attempt).rejects.not.toBeInstanceOf(StoreUnavailableError);
      expect(await s.sessions.listForUser(userId)).toEqual([]);
      const ok = await s.sessions.create(userId, data, 60);
      await expect(s.sessions.update(ok.id, { role: "root" } as never)).rejects.toThrow();
    });

    test("delete removes one session; deleting again reports false", async () => {
      const userId = freshUser();
      const a = await s.sessions.create(userId, data, 3600);
      const b = await s.sessions.create(userId, data, 3600);
      expect(await s.sessions.delete(a.id)).toBe(true);
      expect(await s.sessions.get(a.id)).toBeNull();
      expect(await s.sessions.delete(a.id)).toBe(false);
      expect((await s.sessions.listForUser(userId)).map((x) => x.id)).toEqual([b.id]);
    });

    test("listForUser returns the user's live sessions, oldest first, without counting as an access", async () => {
      const userId = freshUser();
      const a = await s.sessions.create(userId, data, 3600);
      await s.time.advance(5);
      const b = await s.sessions.create(userId, { ...data, ip: "10.0.0.8" }, 3600);
      await s.sessions.create(freshUser(), data, 3600);
      const list = await s.sessions.listForUser(userId);
      expect(list.map((x) => x.id)).toEqual([a.id, b.id]);
      expect(list[1]).toEqual(b);
      expect(await s.sessions.listForUser(freshUser())).toEqual([]);
    });

    test("deleteAllForUser ends every session of that user and no one else's", async () => {
      const userId = freshUser();
      const otherUser = freshUser();
      const mine = await Promise.all([1, 2, 3].map(() => s.sessions.create(userId, data, 3600)));
      const theirs = await s.sessions.create(otherUser, data, 3600);
      expect(await s.sessions.deleteAllForUser(userId)).toBe(3);
      for (const m of mine) expect(await s.sessions.get(m.id)).toBeNull();
      expect(await s.sessions.listForUser(userId)).toEqual([]);
      expect(await s.sessions.get(theirs.id)).not.toBeNull();
      expect(await s.sessions.deleteAllForUser(userId)).toBe(0);
    });

    test("sessions expire with their TTL, from get, the user's list and the active count", async () => {
      const userId = freshUser();
      const before = await s.sessions.countActive();
      const short = await s.sessions.create(userId, data, 0.3);
      const long = await s.sessions.create(userId, data, 3600);
      expect(await s.sessions.countActive()).toBe(before + 2);
      await s.time.advance(450);
      expect(await s.sessions.get(short.id)).toBeNull();
      expect((await s.sessions.listForUser(userId)).map((x) => x.id)).toEqual([long.id]);
      expect(await s.sessions.countActive()).toBe(before + 1);
      await s.sessions.delete(long.id);
      expect(await s.sessions.countActive()).toBe(before);
    });

    test("extend gives a session a new lifetime from now", async () => {
      const userId = freshUser();
      const created = await s.sessions.create(userId, data, 0.3);
      expect(await s.sessions.extend(created.id, 3600)).toBe(true);
      await s.time.advance(450);
      const read = await s.sessions.get(created.id);
      expect(read).not.toBeNull();
      expect(Date.parse(read!.expiresAt) - s.time.now()).toBeGreaterThan(3500_000);
      expect((await s.sessions.listForUser(userId)).map((x) => x.id)).toEqual([created.id]);
      // Shortening works too, and the user's index follows.
      expect(await s.sessions.extend(created.id, 0.2)).toBe(true);
      await s.time.advance(350);
      expect(await s.sessions.get(created.id)).toBeNull();
      expect(await s.sessions.listForUser(userId)).toEqual([]);
    });

    test("a corrupt stored session counts as absent and is removed", async () => {
      const userId = freshUser();
      const bad = await s.sessions.create(userId, data, 3600);
      const good = await s.sessions.create(userId, data, 3600);
      await s.corrupt(bad.id);
      expect(await s.sessions.get(bad.id)).toBeNull();
      expect(await s.stored(bad.id)).toBe(false);

      const listed = await s.sessions.create(userId, data, 3600);
      await s.corrupt(listed.id);
      expect((await s.sessions.listForUser(userId)).map((x) => x.id)).toEqual([good.id]);
      expect(await s.stored(listed.id)).toBe(false);
    });
  });
}
