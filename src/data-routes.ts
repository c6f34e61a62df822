import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import type { AppDeps } from "./deps";
import { casesRoutes } from "./modules/cases/cases.routes";
import { courtsRoutes } from "./modules/courts/courts.routes";
import { judgesRoutes } from "./modules/judges/judges.routes";
import { measuresRoutes } from "./modules/measures/measures.routes";
import { timeStandardsRoutes } from "./modules/time-standards/time-standards.routes";
import type { Services } from "./services";

/**
 * The dashboard's data routes. Each router chains its `.openapi()` calls and the mounts below are
 * chained too, so the returned type carries every route, its inputs and its responses: that type is
 * AppType, which the dashboard gives to hono/client (`hc<AppType>`). A router added here without
 * chaining would still work but would vanish from the typed client.
 */
export function mountDataRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, services: Services) {
  return app
    .route("/api/courts", courtsRoutes(deps, services))
    .route("/api/judges", judgesRoutes(deps, services))
    .route("/api/cases", casesRoutes(deps, services))
    .route("/api/time-standards", timeStandardsRoutes(deps, services))
    .route("/api/measures", measuresRoutes(deps, services));
}
