import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { pinoLogger } from "hono-pino";
import type { AppEnv } from "./app-env";
import type { AppDeps } from "./deps";
import { createErrorHandler } from "./lib/error-handler";
import { AppError, envelope } from "./lib/errors";
import { validationHook } from "./lib/validation";
import { systemRoutes } from "./modules/system/system.routes";

/** Builds the HTTP app from its dependencies. No I/O happens here or at import time. */
export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(
    requestId({
      // Accept a caller's id only when it is short and plain, so it cannot inject into logs.
      generator: () => crypto.randomUUID(),
      limitLength: 128,
    }),
  );
  app.use(
    pinoLogger({
      pino: logger,
      nodeRuntime: true,
      http: {
        referRequestIdKey: "requestId",
        onReqBindings: (c) => ({ req: { method: c.req.method, url: c.req.path } }),
        onResBindings: (c) => ({
          res: { status: c.res.status },
          route: c.req.routePath,
          userId: (c as unknown as { get(k: "user"): AppEnv["Variables"]["user"] }).get("user")?.id ?? null,
        }),
        onResLevel: (c) => (c.res.status >= 500 ? "error" : c.res.status >= 400 ? "warn" : "info"),
      },
    }),
  );
  app.use(
    "/api/*",
    cors({
      origin: config.ALLOWED_ORIGINS.length > 0 ? config.ALLOWED_ORIGINS : [],
      allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "X-Request-Id"],
      exposeHeaders: ["X-Request-Id", "ETag", "Location", "Retry-After"],
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use(secureHeaders());
  app.use(
    "*",
    bodyLimit({
      maxSize: config.BODY_LIMIT_BYTES,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds ${config.BODY_LIMIT_BYTES} bytes`);
      },
    }),
  );

  app.route("/api/system", systemRoutes(deps));

  app.notFound((c) =>
    c.json(
      envelope(new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`), c.get("requestId")),
      404,
    ),
  );
  app.onError(createErrorHandler(logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
