import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { pinoLogger } from "hono-pino";
import type { AppEnv } from "./app-env";
import { authenticate, requireRole } from "./auth/middleware";
import { mountDataRoutes } from "./data-routes";
import { readYourWrites } from "./db/read-your-writes";
import type { AppDeps } from "./deps";
import { allowedMethodsOf } from "./lib/allowed-methods";
import { mountDocs } from "./lib/docs";
import { createErrorHandler } from "./lib/error-handler";
import { AppError, envelope } from "./lib/errors";
import { httpEdge, requestIdMiddleware } from "./lib/http-edge";
import { strictJsonBody } from "./lib/json-body";
import { listenerGate } from "./lib/listener";
import { validationHook } from "./lib/validation";
import { auditRoutes } from "./modules/audit/audit.routes";
import { authRoutes } from "./modules/auth/auth.routes";
import { mountDashboard } from "./modules/dashboard/dashboard.routes";
import { importsRoutes } from "./modules/imports/imports.routes";
import { mountQueueAdmin } from "./modules/queues/queues.mount";
import { registerQueueDocs } from "./modules/queues/queues.openapi";
import { createHttpObservability, routeLabel } from "./modules/system/http-metrics";
import { registerSystemDocs } from "./modules/system/system.openapi";
import { systemRoutes } from "./modules/system/system.routes";
import { usersRoutes } from "./modules/users/users.routes";
import { createServices } from "./services";

/** Builds the HTTP app from its dependencies. No I/O happens here or at import time. */
export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const http = createHttpObservability(deps.metrics);

  // First the request id, which the log line and every answer carry.
  app.use(requestIdMiddleware);
  // Then logging and metrics, so that every answer (preflights and errors included) is logged and counted.
  app.use(
    pinoLogger({
      pino: logger,
      nodeRuntime: true,
      http: {
        referRequestIdKey: "requestId",
        // Nothing bound per request: pino runs every binding of a child logger through the redaction
        // paths, which cost a third of GET /api/system/health's CPU (profiled in `bun run bench`).
        // The request goes on the response line instead.
        onReqBindings: () => ({}),
        onResBindings: (c) => ({
          req: { method: c.req.method, url: c.req.path },
          res: { status: c.res.status },
          route: routeLabel(c as Context<AppEnv>),
          userId: (c as Context<AppEnv>).get("user")?.id ?? null,
        }),
        onResLevel: (c) => (c.res.status >= 500 ? "error" : c.res.status >= 400 ? "warn" : "info"),
      },
    }),
  );
  app.use(http.middleware);
  app.use(
    httpEdge({
      corsPrefix: "/api/",
      cors: {
        origins: config.ALLOWED_ORIGINS,
        // Production keeps the explicit list (empty: no browser origin at all).
        allowLocalhost: config.NODE_ENV === "development" && config.ALLOWED_ORIGINS.length === 0,
        allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "X-Request-Id"],
        exposeHeaders: ["X-Request-Id", "ETag", "Location", "Retry-After"],
        allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "QUERY"],
        maxAgeSeconds: 600,
      },
    }),
  );
  // With METRICS_PORT, metrics and the detailed report move to that listener (src/lib/listener.ts).
  if (config.METRICS_PORT !== undefined) app.use(listenerGate());
  const limitBody = bodyLimit({
    maxSize: config.BODY_LIMIT_BYTES,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds ${config.BODY_LIMIT_BYTES} bytes`);
    },
  });
  // Import uploads have their own limit (IMPORT_MAX_BYTES), counted while they stream into PostgreSQL.
  app.use("*", (c, next) =>
    // No body (GET, HEAD, most DELETEs): nothing to limit.
    c.req.raw.body === null || (c.req.method === "POST" && c.req.path === "/api/imports")
      ? next()
      : limitBody(c, next),
  );
  // After the limit: a JSON body is read whole here, as UTF-8 or refused (400 naming the body).
  app.use("*", strictJsonBody);

  // With read replicas: which server each request's reads may use (a no-op without replicas).
  app.use("/api/*", readYourWrites(deps));

  // Every service, built once here and handed to the routers that use it (src/services.ts).
  const services = createServices(deps);
  const { auth } = services;
  app.route(
    "/api/system",
    systemRoutes(deps, {
      responseTimes: http.responseTimes,
      adminGuard: every(authenticate(auth), requireRole("admin")),
    }),
  );
  app.route("/api/auth", authRoutes(deps, services));
  app.route("/api/users", usersRoutes(deps, services));
  app.route("/api/audit", auditRoutes(deps, services));
  app.route("/api/imports", importsRoutes(deps, services));
  // GET /api/system/queues and bull-board at /admin/queues (admins).
  mountQueueAdmin(app, deps, services);
  mountDataRoutes(app, deps, services);
  // The plain (non-validated) routes' OpenAPI descriptions, then GET /api/openapi.json, the Scalar
  // reference at /api/docs and the index at / and /api (after every router is mounted).
  registerSystemDocs(app.openAPIRegistry);
  registerQueueDocs(app.openAPIRegistry);
  mountDocs(app);
  // The reference dashboard at /dashboard (DASHBOARD_ENABLED): its page and assets, no middleware.
  mountDashboard(app, deps);

  const allowedMethods = allowedMethodsOf(() => app.routes);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      const err = new AppError(
        "METHOD_NOT_ALLOWED",
        `${c.req.method} is not allowed on ${c.req.path}; it answers ${allowed.join(", ")}`,
      );
      return c.json(envelope(err, c.get("requestId")), 405);
    }
    return c.json(
      envelope(new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`), c.get("requestId")),
      404,
    );
  });
  app.onError(createErrorHandler(logger));
  return app;
}

export type App = ReturnType<typeof createApp>;

/** The typed surface of the data routes, for the dashboard's `hc<AppType>` (see src/data-routes.ts). */
export type AppType = ReturnType<typeof mountDataRoutes>;
