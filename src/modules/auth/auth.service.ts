import type { AuthUser } from "../../app-env";
import { durationSeconds } from "../../auth/durations";
import { verifyAgainstDummy, verifyPassword } from "../../auth/passwords";
import type { CourtIds } from "../../auth/scope";
import { createSessionCaller, SessionRefusedError } from "../../auth/session-caller";
import { createTokenSigner, InvalidTokenError } from "../../auth/tokens";
import type { Config } from "../../config/env";
import type { Database } from "../../db/client";
import type { User } from "../../db/schema";
import { AppError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import { type RequestGate, sequentialGate } from "../../redis/request-gate";
import type { CacheManager, RateLimiter, RateLimitResult, Session, SessionManager } from "../../redis/types";
import { insertAudit } from "../audit/audit.repo";
import { courtSubtreeIds } from "../courts/courts.tree.repo";
import { findUserAuthState, findUserByEmail, findUserById, updateUser } from "../users/users.repo";
import { changeOwnPassword } from "./auth.password-change";

export interface AuthDeps {
  config: Config;
  db: Database;
  sessions: SessionManager;
  rateLimiter: RateLimiter;
  cache: CacheManager;
  logger: Logger;
  /** Session check + API rate-limit hit per request; defaults to the two stores one after the other. */
  gate?: RequestGate;
}

export interface RequestMeta {
  ip: string;
  userAgent: string | null;
  requestId: string | null;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

export function publicUser(u: Pick<User, "id" | "email" | "name" | "role" | "courtId">) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, courtId: u.courtId };
}

/** Public handle of a session: a digest, so the list never shows the session id itself. */
export function sessionHandle(sessionId: string): string {
  return new Bun.CryptoHasher("sha256").update(sessionId).digest("hex").slice(0, 24);
}

const invalidCredentials = () => new AppError("INVALID_CREDENTIALS", "Invalid email or password");
const invalidToken = () => new AppError("UNAUTHENTICATED", "Invalid or expired token");

export function createAuthService(deps: AuthDeps) {
  const { config, db, sessions, rateLimiter, logger } = deps;
  const signer = createTokenSigner(config.jwtSecret);
  const accessTtl = durationSeconds(config.JWT_EXPIRES_IN);
  const refreshTtl = durationSeconds(config.JWT_REFRESH_EXPIRES_IN);
  const scopeCache = deps.cache.withNamespace("scope");
  const gate = deps.gate ?? sequentialGate(sessions, rateLimiter);
  const accounts = createSessionCaller({
    sessions,
    logger,
    loadState: async (id) => (await findUserAuthState(db, id)) ?? null,
    stateTtlMs: config.AUTH_USER_STATE_TTL_MS,
  });

  /** The caller behind a session whose account still agrees with it (session-caller.ts); else 401. */
  async function callerOf(session: Session, opts?: { reread?: boolean }): Promise<AuthUser> {
    try {
      return await accounts.callerOf(session, opts);
    } catch (err) {
      if (err instanceof SessionRefusedError) throw invalidToken();
      throw err;
    }
  }

  function refuseOver(r: RateLimitResult): void {
    if (!r.allowed) {
      throw new AppError("RATE_LIMITED", "Too many requests; try again later", undefined, {
        headers: { "Retry-After": String(Math.max(1, r.retryAfterSeconds)) },
      });
    }
  }

  async function limit(key: string, max: number, windowSeconds: number): Promise<void> {
    refuseOver(await rateLimiter.hit(key, max, windowSeconds));
  }

  /** One attempt on the login counters: per client IP and per account (email). */
  async function limitLogin(ip: string, email: string): Promise<void> {
    await limit(`login:ip:${ip}`, config.LOGIN_RATE_LIMIT_PER_MIN, config.RATE_LIMIT_WINDOW_S);
    await limit(`login:email:${email}`, config.LOGIN_RATE_LIMIT_PER_MIN, config.RATE_LIMIT_WINDOW_S);
  }

  async function accessClaims(token: string) {
    try {
      return await signer.verify(token, "access");
    } catch (err) {
      if (err instanceof InvalidTokenError) throw invalidToken();
      throw err;
    }
  }

  async function signPair(session: Pick<Session, "id" | "userId" | "role">) {
    const base = { userId: session.userId, sessionId: session.id, role: session.role };
    const access = await signer.sign({ ...base, type: "access", ttlSeconds: accessTtl });
    const refresh = await signer.sign({ ...base, type: "refresh", ttlSeconds: refreshTtl });
    return { access, refresh };
  }

  async function tokenPair(
    sessionId: string,
    { access, refresh }: Awaited<ReturnType<typeof signPair>>,
  ): Promise<TokenPair> {
    await sessions.extend(sessionId, refreshTtl);
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      tokenType: "Bearer",
      expiresIn: accessTtl,
    };
  }

  /** Signs a new pair and records the refresh token's jti as the only one the session accepts. */
  async function issueTokens(session: Pick<Session, "id" | "userId" | "role">): Promise<TokenPair> {
    const pair = await signPair(session);
    await sessions.update(session.id, { refreshJti: pair.refresh.jti });
    return tokenPair(session.id, pair);
  }

  /**
   * The same for a refresh presenting the token `from`, as a compare-and-set: of two refreshes
   * presenting one token only one rotates; the other gets null (a reuse).
   */
  async function rotateTokens(session: Pick<Session, "id" | "userId" | "role">, from: string) {
    const pair = await signPair(session);
    if ((await sessions.rotateRefresh(session.id, from, pair.refresh.jti)) !== "rotated") return null;
    return tokenPair(session.id, pair);
  }

  /** Revokes every session of a user except `keep` (password change, deactivation, role change). */
  async function revokeUserSessions(userId: number, keep?: string): Promise<number> {
    if (!keep) return sessions.deleteAllForUser(userId);
    const list = await sessions.listForUser(userId);
    let removed = 0;
    for (const s of list) if (s.id !== keep && (await sessions.delete(s.id))) removed++;
    return removed;
  }

  return {
    async login(email: string, password: string, meta: RequestMeta) {
      const normalized = email.trim().toLowerCase();
      await limitLogin(meta.ip, normalized);
      const user = await findUserByEmail(db, normalized);
      // Same work whether or not the user exists, so timing does not reveal registered emails.
      const passwordOk = user
        ? await verifyPassword(password, user.passwordHash)
        : await verifyAgainstDummy(password);
      if (!user || !passwordOk || !user.active) {
        await insertAudit(db, {
          userId: user?.id ?? null,
          action: "auth.login_failed",
          entity: "user",
          entityId: user?.id ?? null,
          changes: {
            email: normalized,
            reason: !user ? "unknown_email" : !passwordOk ? "wrong_password" : "inactive",
          },
          requestId: meta.requestId,
          ip: meta.ip,
        });
        throw invalidCredentials();
      }
      accounts.remember(user.id, { active: user.active, role: user.role, courtId: user.courtId });
      const session = await sessions.create(
        user.id,
        { role: user.role, courtId: user.courtId, ip: meta.ip, userAgent: meta.userAgent, refreshJti: null },
        refreshTtl,
      );
      const tokens = await issueTokens(session);
      await updateUser(db, user.id, { lastLoginAt: new Date() });
      await insertAudit(db, {
        userId: user.id,
        action: "auth.login",
        entity: "session",
        entityId: sessionHandle(session.id),
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return { ...tokens, user: publicUser(user) };
    },

    /** Rotation: each refresh token works once; a reused one revokes the whole session. */
    async refresh(refreshToken: string, meta: RequestMeta) {
      let claims: Awaited<ReturnType<typeof signer.verify>>;
      try {
        claims = await signer.verify(refreshToken, "refresh");
      } catch (err) {
        if (err instanceof InvalidTokenError) throw invalidToken();
        throw err;
      }
      const session = await sessions.get(claims.sessionId);
      if (!session || session.userId !== claims.userId) throw invalidToken();
      // Refreshing is rare: the account is read from the database, never from the cache.
      await callerOf(session, { reread: true });
      const rotated = session.refreshJti === claims.jti ? await rotateTokens(session, claims.jti) : null;
      if (rotated === null) {
        await sessions.delete(session.id);
        logger.warn(
          { userId: session.userId, requestId: meta.requestId },
          "refresh token reuse: session revoked",
        );
        await insertAudit(db, {
          userId: session.userId,
          action: "auth.refresh_reuse",
          entity: "session",
          entityId: sessionHandle(session.id),
          requestId: meta.requestId,
          ip: meta.ip,
        });
        throw invalidToken();
      }
      return rotated;
    },

    /** The caller of a token whose session still exists (no rate limit counted). */
    async authenticateAccessToken(token: string): Promise<AuthUser> {
      const claims = await accessClaims(token);
      const session = await sessions.get(claims.sessionId);
      if (!session || session.userId !== claims.userId) throw invalidToken();
      return callerOf(session);
    },

    /** The caller behind a session id known by other means (the queue board's cookie), or null. */
    async authenticateSession(sessionId: string): Promise<AuthUser | null> {
      const session = await sessions.get(sessionId);
      if (!session) return null;
      try {
        return await callerOf(session);
      } catch (err) {
        if (err instanceof AppError && err.code === "UNAUTHENTICATED") return null;
        throw err;
      }
    },

    /**
     * An API request's caller: the token (signature and claims), its session (read and touched, so
     * revocation acts at once) and one hit of the caller's API rate limit — the last two in one Redis
     * round trip where sessions and rate limits share a server (request-gate.ts) — and the account
     * behind the session, still active with the same role and court (user-state.ts: read from
     * PostgreSQL at most once per AUTH_USER_STATE_TTL_MS per user and process, not per request).
     */
    async authenticateRequest(token: string): Promise<{ user: AuthUser; rate: RateLimitResult }> {
      const claims = await accessClaims(token);
      const { session, rate } = await gate.admit(claims.sessionId, claims.userId, {
        key: `api:user:${claims.userId}`,
        max: config.API_RATE_LIMIT_PER_MIN,
        windowSeconds: config.RATE_LIMIT_WINDOW_S,
      });
      if (!session || session.userId !== claims.userId || !rate) throw invalidToken();
      if (!rate.allowed) {
        // Refused with 429 anyway: named for the log line, without spending a database read.
        return {
          user: { id: session.userId, role: session.role, courtId: session.courtId, sessionId: session.id },
          rate,
        };
      }
      return { user: await callerOf(session), rate };
    },

    /** After a change to a user made through the API: this process reads the account again. */
    forgetUserState(userId: number): void {
      accounts.forget(userId);
    },

    /** 429 with Retry-After when a counted hit went over its limit. */
    refuseOverLimit(rate: RateLimitResult): void {
      refuseOver(rate);
    },

    /**
     * Courts the user may see; scoped roles see their court's subtree (cached, invalidated on court
     * writes). Fails closed: a scoped role without a court (a row from before courts were required)
     * sees nothing.
     */
    async scopeOf(user: Pick<AuthUser, "role" | "courtId">): Promise<CourtIds> {
      if (user.role === "admin" || user.role === "analyst") return null;
      if (user.courtId === null) return [];
      const courtId = user.courtId;
      return scopeCache.getOrSet(`court:${courtId}`, 300, () => courtSubtreeIds(db, courtId), {
        tags: ["courts"],
      });
    },

    async logout(user: AuthUser, meta: RequestMeta): Promise<void> {
      await sessions.delete(user.sessionId);
      await insertAudit(db, {
        userId: user.id,
        action: "auth.logout",
        entity: "session",
        entityId: sessionHandle(user.sessionId),
        requestId: meta.requestId,
        ip: meta.ip,
      });
    },

    async logoutAll(user: AuthUser, meta: RequestMeta): Promise<number> {
      const removed = await sessions.deleteAllForUser(user.id);
      await insertAudit(db, {
        userId: user.id,
        action: "auth.logout_all",
        entity: "user",
        entityId: user.id,
        changes: { sessionsRevoked: removed },
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return removed;
    },

    async me(user: AuthUser) {
      const row = await findUserById(db, user.id);
      if (!row) throw invalidToken();
      return { ...publicUser(row), active: row.active, lastLoginAt: row.lastLoginAt };
    },

    async listSessions(user: AuthUser) {
      const list = await sessions.listForUser(user.id);
      return list
        .map((s) => ({
          id: sessionHandle(s.id),
          createdAt: s.createdAt,
          lastAccessedAt: s.lastAccessedAt,
          expiresAt: s.expiresAt,
          ip: s.ip,
          userAgent: s.userAgent,
          current: s.id === user.sessionId,
        }))
        .sort((a, b) => b.lastAccessedAt.localeCompare(a.lastAccessedAt));
    },

    async revokeSession(user: AuthUser, handle: string, meta: RequestMeta): Promise<void> {
      const list = await sessions.listForUser(user.id);
      const target = list.find((s) => sessionHandle(s.id) === handle);
      if (!target) throw AppError.notFound("Session");
      await sessions.delete(target.id);
      await insertAudit(db, {
        userId: user.id,
        action: "auth.session_revoked",
        entity: "session",
        entityId: handle,
        requestId: meta.requestId,
        ip: meta.ip,
      });
    },

    revokeUserSessions,

    /** A user changes their own password, proving the current one (auth.password-change.ts). */
    changePassword: (
      user: AuthUser,
      input: { currentPassword: string; newPassword: string },
      meta: RequestMeta,
    ) => changeOwnPassword({ db, limitLogin, revokeUserSessions }, user, input, meta),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
