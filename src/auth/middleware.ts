import type { MiddlewareHandler } from "hono";
import type { AppEnv, AuthUser } from "../app-env";
import type { UserRole } from "../db/schema/enums";
import { AppError } from "../lib/errors";
import type { RateLimitResult } from "../redis/types";
import type { CourtIds } from "./scope";

/** What authenticate() needs of the auth service (src/modules/auth/auth.service.ts). */
export interface RequestAuthenticator {
  authenticateRequest(token: string): Promise<{ user: AuthUser; rate: RateLimitResult }>;
  /** Throws 429 with Retry-After when the counted hit went over its limit. */
  refuseOverLimit(rate: RateLimitResult): void;
  scopeOf(user: Pick<AuthUser, "role" | "courtId">): Promise<CourtIds>;
}

/** The JWT of an `Authorization: Bearer <token>` header (token characters only), or undefined. */
export function bearerAccessToken(header: string | undefined): string | undefined {
  return header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header)?.[1] : undefined;
}

/**
 * Requires a valid access token whose session still exists (so logout and revocation act at once),
 * counts the caller's API rate limit, then resolves the caller's court scope. Fails closed with 503
 * when the session store is down.
 */
export function authenticate(auth: RequestAuthenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerAccessToken(c.req.header("authorization"));
    if (!token) throw new AppError("UNAUTHENTICATED", "A bearer access token is required");
    // A StoreUnavailableError from here becomes 503 AUTH_UNAVAILABLE in the error handler.
    const admitted = await auth.authenticateRequest(token);
    const user = admitted.user;
    c.set("user", user);
    auth.refuseOverLimit(admitted.rate);
    c.set("scope", await auth.scopeOf(user));
    await next();
  };
}

/** Lets only the given roles through (after authenticate). */
export function requireRole(...roles: UserRole[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (!user) throw new AppError("UNAUTHENTICATED", "A bearer access token is required");
    if (!roles.includes(user.role)) throw new AppError("FORBIDDEN", "Your role does not allow this action");
    await next();
  };
}

/** The authenticated caller; only valid behind authenticate(). */
export function currentUser(c: { get(key: "user"): AuthUser | undefined }): AuthUser {
  const user = c.get("user");
  if (!user) throw new AppError("UNAUTHENTICATED", "A bearer access token is required");
  return user;
}
