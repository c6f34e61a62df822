import { api, onUnauthenticated } from "./client";
import { apiErrorOf } from "./errors";
import type { components } from "./schema.gen";
import { setTokens, tokens } from "./tokens";

// Sign-in, token refresh and sign-out. The access token is short-lived; it is renewed a minute before
// it expires, and on a 401 (another tab's refresh, a server restart) through the same single refresh.
// Each refresh token works once, so concurrent refreshes share one request.

export type User = components["schemas"]["PublicUser"];
type TokenPair = components["schemas"]["TokenPair"];

export interface SessionState {
  user: User | null;
  /** Why the session ended, when it was not the user's choice. */
  endedReason: string | null;
}

let state: SessionState = { user: null, endedReason: null };
const listeners = new Set<(s: SessionState) => void>();
let timer: ReturnType<typeof setTimeout> | null = null;
let refreshing: Promise<boolean> | null = null;

export function session(): SessionState {
  return state;
}

export function subscribe(listener: (s: SessionState) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish(next: SessionState): void {
  state = next;
  for (const l of listeners) l(state);
}

function keep(pair: TokenPair): void {
  setTokens({
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
  });
  if (timer) clearTimeout(timer);
  const renewIn = Math.max(5, pair.expiresIn - 60) * 1000;
  timer = setTimeout(() => void refreshSession(), renewIn);
}

function end(reason: string | null): void {
  setTokens(null);
  if (timer) clearTimeout(timer);
  timer = null;
  publish({ user: null, endedReason: reason });
}

export async function signIn(email: string, password: string): Promise<void> {
  const { data, error, response } = await api.POST("/api/auth/login", { body: { email, password } });
  if (!data) throw apiErrorOf(response, error);
  const { user, ...pair } = data;
  keep(pair);
  publish({ user, endedReason: null });
}

/** Rotates the token pair; false (and the session ended) when the refresh token is no longer good. */
export function refreshSession(): Promise<boolean> {
  const t = tokens();
  if (!t) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const { data, response } = await api.POST("/api/auth/refresh", {
        body: { refreshToken: t.refreshToken },
      });
      if (data) {
        keep(data);
        return true;
      }
      // A store outage (503) is not the end of the session: the next call tries again.
      if (response.status >= 500) return false;
      end("Your session has ended. Please sign in again.");
      return false;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

onUnauthenticated(refreshSession);

/** Ends the session on the server (best effort) and forgets everything here. */
export async function signOut(): Promise<void> {
  try {
    if (tokens()) await api.POST("/api/auth/logout");
  } catch {
    // Offline: the tokens are dropped all the same and expire on their own.
  }
  end(null);
}
