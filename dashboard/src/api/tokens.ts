// The session's tokens, in this module's memory only: never in localStorage, sessionStorage, cookies
// or the page. A reload or a closed tab ends the session (sign in again); see docs/dashboard.md.

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

let current: Tokens | null = null;

export function tokens(): Tokens | null {
  return current;
}

export function setTokens(next: Tokens | null): void {
  current = next;
}
