// Headers of the dashboard's own responses, set by its handlers (not by a middleware, so API routes do
// no extra work). The request edge (src/lib/http-edge.ts) still adds the shared security headers.

/**
 * Nothing external: scripts, styles and requests only to this origin; no inline script or style
 * element (the bundle sets styles through the DOM, which CSP does not govern); the favicon is a data:
 * URL; no frames, plugins, base or form targets. CSV downloads are blob: URLs opened by a click.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page: always revalidated, so a new deployment's asset names are seen at once. */
export const PAGE_HEADERS: Record<string, string> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-cache",
  "Content-Security-Policy": DASHBOARD_CSP,
};

/** Hashed assets never change under their name. */
export const ASSET_CACHE = "public, max-age=31536000, immutable";
