import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import type { Queue } from "bullmq";
import type { Hono, MiddlewareHandler } from "hono";
import { serveStatic } from "hono/bun";
import { getCookie } from "hono/cookie";
import { bearerAccessToken } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import type { BullDispatcher } from "../../jobs/bullmq";
import { AppError } from "../../lib/errors";
import type { AuthService } from "../auth/auth.service";
import { BOARD_COOKIE, BOARD_PATH, verifyBoardCookie } from "./queues.board-session";

// bull-board (the BullMQ UI) at /admin/queues, for admins only: a bearer access token of an admin,
// or the board cookie (see queues.board-session.ts). Services mode only; embedded mode has no BullMQ.

/** Admins only, by bearer token or board cookie; the session and its account must still be good either way. */
export function boardAuth(deps: Pick<AppDeps, "config">, auth: AuthService): MiddlewareHandler {
  return async (c, next) => {
    // A StoreUnavailableError from here becomes 503 AUTH_UNAVAILABLE in the error handler.
    const bearer = bearerAccessToken(c.req.header("authorization"));
    let role: string | null = null;
    if (bearer) {
      role = (await auth.authenticateAccessToken(bearer)).role;
    } else {
      const cookie = getCookie(c, BOARD_COOKIE);
      const sessionId = cookie ? verifyBoardCookie(deps.config.jwtSecret, cookie) : null;
      const caller = sessionId ? await auth.authenticateSession(sessionId) : null;
      role = caller?.role ?? null;
      if (!caller)
        throw new AppError(
          "UNAUTHENTICATED",
          "Open the queue board with POST /api/system/queues/board-session first",
        );
    }
    if (role !== "admin") throw new AppError("FORBIDDEN", "The queue board is for admins");
    await next();
  };
}

/** The bull-board app over the queues (mounted at BOARD_PATH). */
export function createBoardApp(queues: Queue[]): Hono {
  const adapter = new HonoAdapter(serveStatic);
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: "CourtFlow queues" } },
  });
  return adapter.registerPlugin() as unknown as Hono;
}

export function bullQueuesOf(jobs: AppDeps["jobs"]): Queue[] | null {
  return jobs?.mode === "bullmq" ? (jobs as BullDispatcher).bullQueues() : null;
}
