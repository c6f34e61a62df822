import { z } from "zod";
import type { Session, SessionData } from "./types";

// How a session is stored, in Redis (a hash) and in memory alike: one field per property, each value
// JSON-encoded, so a field can be updated on its own and a damaged value is caught on read.

/** A stored session (everything but its id). */
export const storedSession = z.object({
  userId: z.number().int().positive(),
  role: z.enum(["admin", "court_admin", "analyst", "viewer"]),
  courtId: z.number().int().positive().nullable(),
  ip: z.string().max(200).nullable(),
  userAgent: z.string().max(1000).nullable(),
  refreshJti: z.string().max(200).nullable(),
  createdAt: z.iso.datetime(),
  lastAccessedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});

/** What `update` may change; checked before writing so bad input never reaches the store. */
export const sessionPatchSchema = storedSession
  .pick({ role: true, courtId: true, ip: true, userAgent: true, refreshJti: true })
  .partial()
  .strict();

export type SessionPatch = Partial<Omit<SessionData, "userId">>;

const ID = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits, base64url (43 characters). */
export function newSessionId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Ids that could not have come from newSessionId never reach the store (no key injection). */
export function isSessionId(id: string): boolean {
  return ID.test(id);
}

export function encodeFields(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)]));
}

/** The session, or null when any field is missing or malformed (the caller removes it). */
export function decodeSession(id: string, fields: Record<string, string>): Session | null {
  const values: Record<string, unknown> = {};
  try {
    for (const [k, v] of Object.entries(fields)) values[k] = JSON.parse(v);
  } catch {
    return null;
  }
  const parsed = storedSession.safeParse(values);
  return parsed.success ? { id, ...parsed.data } : null;
}

/** A Redis HGETALL reply as an array (from Lua) → field map. */
export function pairsToRecord(pairs: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(pairs)) return out;
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = String(pairs[i + 1]);
  return out;
}

/** Seconds → milliseconds for session lifetimes (at least 1 ms). */
export const sessionTtlMs = (seconds: number) => Math.max(1, Math.round(seconds * 1000));

/**
 * A new session as both stores write it: a fresh id and the validated record, created and last
 * accessed now, expiring after `ttlSeconds`. Checked before writing: a session that would read back
 * as corrupt is a bug in the caller.
 */
export function newSession(
  userId: number,
  data: Omit<SessionData, "userId">,
  ttlSeconds: number,
  now = Date.now(),
) {
  const ttlMs = sessionTtlMs(ttlSeconds);
  const iso = new Date(now).toISOString();
  const stored = storedSession.parse({
    ...data,
    userId,
    createdAt: iso,
    lastAccessedAt: iso,
    expiresAt: new Date(now + ttlMs).toISOString(),
  });
  return { id: newSessionId(), stored, ttlMs, expiresAtMs: now + ttlMs };
}
