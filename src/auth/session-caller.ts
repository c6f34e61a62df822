import type { AuthUser } from "../app-env";
import type { Logger } from "../lib/logger";
import type { Session, SessionManager } from "../redis/types";
import { createUserStateCache, sessionMatches, type UserState } from "./user-state";

/** Why a session was refused: its account is gone or inactive, or no longer has the session's role or court. */
export class SessionRefusedError extends Error {
  constructor(readonly reason: "account_gone" | "account_changed") {
    super(`session refused: ${reason}`);
    this.name = "SessionRefusedError";
  }
}

/**
 * The caller behind a live session, once the account agrees with it: the row exists, is active, and
 * holds the role and court the session was opened with (see user-state.ts for the cache). A
 * remembered state that disagrees is read again before judging: it may predate a change made through
 * the API on another replica, which then also ended the old sessions. A deleted or deactivated
 * account loses every session; a session whose role or court changed behind the API's back loses
 * itself (the user logs in again and gets the new ones).
 */
export function createSessionCaller(deps: {
  sessions: SessionManager;
  logger: Logger;
  loadState(userId: number): Promise<UserState | null>;
  stateTtlMs: number;
}) {
  const states = createUserStateCache({ load: deps.loadState, ttlMs: deps.stateTtlMs });

  return {
    /** `reread`: judge on the database's answer, never on a remembered one (refresh, rare). */
    async callerOf(session: Session, { reread = false } = {}): Promise<AuthUser> {
      let state: UserState | null;
      if (reread) state = await states.reload(session.userId);
      else {
        const cached = await states.get(session.userId);
        state = cached.state;
        if (!sessionMatches(state, session) && !cached.fresh) state = await states.reload(session.userId);
      }
      if (!sessionMatches(state, session)) {
        const gone = state === null || !state.active;
        if (gone) await deps.sessions.deleteAllForUser(session.userId);
        else await deps.sessions.delete(session.id);
        deps.logger.warn(
          { userId: session.userId },
          gone
            ? "session refused: the account is deleted or inactive; its sessions are revoked"
            : "session refused: the account's role or court changed since login",
        );
        throw new SessionRefusedError(gone ? "account_gone" : "account_changed");
      }
      return { id: session.userId, role: session.role, courtId: session.courtId, sessionId: session.id };
    },
    remember: states.remember,
    forget: states.forget,
  };
}
