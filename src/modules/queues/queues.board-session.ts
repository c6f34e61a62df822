import { createHmac, timingSafeEqual } from "node:crypto";

// The bull-board UI is a browser page whose own requests carry no Authorization header, so an admin
// opens it with a short-lived cookie: POST /api/system/queues/board-session (Bearer, admin) sets it.
// The cookie names the session and is signed (HMAC-SHA256 with a key derived from JWT_SECRET), and
// every request re-checks that the session still exists and is an admin's, so logout or a role
// change closes the board at once. HttpOnly, SameSite=Strict (no cross-site use: the board's
// mutating calls are safe from CSRF), Path=/admin/queues, Secure over HTTPS.

export const BOARD_COOKIE = "cf_board";
export const BOARD_PATH = "/admin/queues";
export const BOARD_TTL_S = 15 * 60;

function key(secret: string): Buffer {
  return createHmac("sha256", secret).update("courtflow:bull-board-cookie").digest();
}

function mac(secret: string, payload: string): string {
  return createHmac("sha256", key(secret)).update(payload).digest("base64url");
}

export function signBoardCookie(secret: string, sessionId: string, now = Date.now()): string {
  const payload = `${sessionId}.${Math.floor(now / 1000) + BOARD_TTL_S}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** The session id of a valid, unexpired cookie value, else null. */
export function verifyBoardCookie(secret: string, value: string, now = Date.now()): string | null {
  const parts = value.split(".");
  if (parts.length !== 3) return null;
  const [sessionId, exp, sig] = parts as [string, string, string];
  const expected = Buffer.from(mac(secret, `${sessionId}.${exp}`));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (!/^\d+$/.test(exp) || Number(exp) * 1000 <= now) return null;
  return sessionId;
}

export function boardCookieHeader(value: string, secure: boolean): string {
  return `${BOARD_COOKIE}=${value}; Path=${BOARD_PATH}; Max-Age=${BOARD_TTL_S}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

export function clearBoardCookieHeader(secure: boolean): string {
  return `${BOARD_COOKIE}=; Path=${BOARD_PATH}; Max-Age=0; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
