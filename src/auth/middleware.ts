import type { MiddlewareHandler } from "hono";
import type { AppEnv, AuthUser } from "../app-env";
import type { UserRole } from "../db/schema/enums";
import { AppError } from "../lib/errors";
import { StoreUnavailableError } from "../redis/types";
import type { AuthService } from "./auth.service";

/**
 * Requires a valid access token whose session still exists (so logout and revocation act at once),
 * counts the caller's API rate limit, then resolves the caller's court scope. Fails closed with 503
 * when the session store is down.
 */
export function authenticate(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
    if (!match) throw new AppError("UNAUTHENTICATED", "A bearer access token is required");
    try {
      const admitted = await auth.authenticateRequest(match[1]!);
      const user = admitted.user;
      c.set("user", user);
      auth.refuseOverLimit(admitted.rate);
      c.set("scope", await auth.scopeOf(user));
    } catch (err) {
      if (err instanceof StoreUnavailableError) {
        throw new AppError("AUTH_UNAVAILABLE", "Authentication is temporarily unavailable", undefined, {
          cause: err,
        });
      }
      throw err;
    }
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
