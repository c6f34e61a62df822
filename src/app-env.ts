import type { PinoLogger } from "hono-pino";
import type { CourtIds } from "./auth/scope";
import type { UserRole } from "./db/schema/enums";

/** The authenticated caller, set by the authenticate middleware. */
export interface AuthUser {
  id: number;
  role: UserRole;
  courtId: number | null;
  sessionId: string;
}

/** Hono environment shared by every router. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: PinoLogger;
    /** The matched route's template, once computed (see routeLabel in http-metrics.ts). */
    routeLabel?: string;
    user?: AuthUser;
    /** Courts the caller may see (null = all), resolved once per request by authenticate. */
    scope?: CourtIds;
  };
}
