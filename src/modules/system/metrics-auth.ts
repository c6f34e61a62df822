import { createHash, timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { AppError } from "../../lib/errors";

/**
 * Constant-time comparison: both sides are hashed first so the lengths match and the time taken
 * says nothing about how much of the token was right.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `Authorization: Bearer <token>` → the token, else null. */
export function bearerToken(header: string | undefined | null): string | null {
  const m = header ? /^Bearer[ \t]+(\S+)\s*$/i.exec(header) : null;
  return m?.[1] ?? null;
}

/** True when no token is configured, or the request carries the right one. */
export function metricsAuthorized(
  token: string | undefined,
  authorization: string | undefined | null,
): boolean {
  if (!token) return true;
  const presented = bearerToken(authorization);
  return presented !== null && tokenMatches(presented, token);
}

/** Guards metrics and the detailed report: open when METRICS_TOKEN is unset, Bearer-protected when set. */
export function requireMetricsToken(token: string | undefined) {
  return createMiddleware(async (c, next) => {
    if (!metricsAuthorized(token, c.req.header("authorization"))) {
      throw new AppError("UNAUTHENTICATED", "A valid metrics token is required", undefined, {
        headers: { "WWW-Authenticate": 'Bearer realm="courtflow-metrics"' },
      });
    }
    await next();
  });
}
