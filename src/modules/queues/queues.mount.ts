import type { OpenAPIHono } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../app-env";
import type { AppDeps } from "../../deps";
import { BOARD_CSP } from "../../lib/csp";
import { AppError } from "../../lib/errors";
import type { Services } from "../../services";
import { boardAuth, bullQueuesOf, createBoardApp } from "./queues.board";
import { BOARD_PATH } from "./queues.board-session";
import { queuesRoutes } from "./queues.routes";

/** GET /api/system/queues (+ board cookie) and, in services mode, bull-board at /admin/queues. */
export function mountQueueAdmin(app: OpenAPIHono<AppEnv>, deps: AppDeps, services: Services): void {
  app.route("/api/system/queues", queuesRoutes(deps, services));
  const guard = boardAuth(deps, services.auth);
  app.use(BOARD_PATH, guard);
  app.use(`${BOARD_PATH}/*`, guard);
  const queues = bullQueuesOf(deps.jobs);
  if (queues) {
    // A separate app, reached through one catch-all: the UI and its private API are not part of the
    // API's contract (the OpenAPI document), and their routes stay out of the app's route table.
    const board = new Hono().route(BOARD_PATH, createBoardApp(queues));
    const forward = async (c: Context) => {
      let res = await board.fetch(c.req.raw);
      if ((res.headers.get("content-type") ?? "").startsWith("text/html")) {
        // bull-board's page asks Google for its fonts: an admin's address stays with us (system fonts).
        const html = (await res.text()).replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, "");
        res = new Response(html, res);
        res.headers.delete("Content-Length");
      } else {
        res = new Response(res.body, res);
      }
      res.headers.set("Content-Security-Policy", BOARD_CSP);
      return res;
    };
    app.all(BOARD_PATH, forward);
    app.all(`${BOARD_PATH}/*`, forward);
  } else {
    const embedded = () => {
      throw new AppError("NOT_FOUND", "The queue board needs Redis (BullMQ); see GET /api/system/queues");
    };
    app.all(BOARD_PATH, embedded);
    app.all(`${BOARD_PATH}/*`, embedded);
  }
}
