// Content-Security-Policy of what the API serves. JSON and CSV answers render nothing, so they get a
// policy that allows nothing (a stored value that ever reached a browser as HTML could run nothing).
// The two HTML pages, the Scalar API reference and bull-board, get what they need and no more: their
// own scripts (Scalar's one inline start-up script by nonce), inline styles (both set style attributes
// at run time), data: images and fonts, requests to this origin only. No CDN, no font service.

const BASE = ["frame-ancestors 'none'", "form-action 'none'"];

export const API_CSP = ["default-src 'none'", "base-uri 'none'", ...BASE].join("; ");

export function docsCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // The OpenAPI document, and the "try it" requests to this API.
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    ...BASE,
  ].join("; ");
}

/** bull-board: a React app under <base href="/admin/queues/">; its forms post to its own API. */
export const BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

/** 128 random bits, base64: a fresh nonce per page. */
export function cspNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
