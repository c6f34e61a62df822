import { z } from "zod";
import { authenticate, currentUser, requireRole } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { AppError } from "../../lib/errors";
import { TimeoutError, withTimeout } from "../../lib/timeout";
import { createRouter, validate } from "../../lib/validation";
import type { Services } from "../../services";
import {
  BOARD_PATH,
  BOARD_TTL_S,
  boardCookieHeader,
  clearBoardCookieHeader,
  signBoardCookie,
} from "./queues.board-session";

const QueuesQuery = z.object({ failed: z.coerce.number().int().min(0).max(100).default(20) });

/**
 * Queue administration for admins: GET /api/system/queues and the bull-board cookie. Like the rest of
 * /api/system, operators' routes outside the API's documented contract (the OpenAPI document).
 */
export function queuesRoutes(deps: AppDeps, { auth }: Pick<Services, "auth">) {
  const guard = [authenticate(auth), requireRole("admin")] as const;
  const secure = (url: string) => url.startsWith("https:") || deps.config.NODE_ENV === "production";

  return createRouter()
    .get("/", ...guard, validate("query", QueuesQuery), async (c) => {
      // Counts by state, recent failed jobs with their reasons, schedulers and their next run.
      if (!deps.jobs) return c.json({ mode: "none" as const, queues: [] }, 200);
      try {
        const queues = await withTimeout(
          deps.jobs.report(c.req.valid("query").failed),
          3000,
          "the queue store",
        );
        return c.json({ mode: deps.jobs.mode, queues }, 200);
      } catch (err) {
        if (err instanceof TimeoutError || deps.jobs.mode === "bullmq") {
          throw new AppError("SERVICE_UNAVAILABLE", "The queues (Redis) are not answering", undefined, {
            cause: err,
          });
        }
        throw err;
      }
    })
    .post("/board-session", ...guard, (c) => {
      // Sets the short-lived cookie that opens the bull-board UI in a browser (queues.board-session.ts).
      // bull-board reads BullMQ's queues in Redis: without Redis there is no board to open.
      if (deps.jobs?.mode !== "bullmq") {
        throw new AppError(
          "CONFLICT",
          "The queue board needs Redis (BullMQ), and this API runs its jobs in-process (no REDIS_URL): GET /api/system/queues shows the queues",
        );
      }
      const user = currentUser(c);
      const value = signBoardCookie(deps.config.jwtSecret, user.sessionId);
      c.header("Set-Cookie", boardCookieHeader(value, secure(c.req.url)));
      c.header("Cache-Control", "no-store");
      return c.json({ url: BOARD_PATH, expiresIn: BOARD_TTL_S }, 200);
    })
    .delete("/board-session", ...guard, (c) => {
      c.header("Set-Cookie", clearBoardCookieHeader(secure(c.req.url)));
      return c.body(null, 204);
    });
}
