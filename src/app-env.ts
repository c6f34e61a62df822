import type { PinoLogger } from "hono-pino";

/** The authenticated caller, set by the auth middleware. */
export interface AuthUser {
  id: number;
  role: "admin" | "court_admin" | "analyst" | "viewer";
  courtId: number | null;
  sessionId: string;
}

/** Hono environment shared by every router. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: PinoLogger;
    user?: AuthUser;
  };
}
