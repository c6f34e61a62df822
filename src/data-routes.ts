import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import type { AppDeps } from "./deps";
import type { AuthService } from "./modules/auth/auth.service";
import { casesRoutes } from "./modules/cases/cases.routes";
import { courtsRoutes } from "./modules/courts/courts.routes";
import { judgesRoutes } from "./modules/judges/judges.routes";
import { measuresRoutes } from "./modules/measures/measures.routes";
import { timeStandardsRoutes } from "./modules/time-standards/time-standards.routes";

/**
 * The dashboard's data routes. Each router chains its `.openapi()` calls and the mounts below are
 * chained too, so the returned type carries every route, its inputs and its responses: that type is
 * AppType, which the dashboard gives to hono/client (`hc<AppType>`). A router added here without
 * chaining would still work but would vanish from the typed client.
 */
export function mountDataRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, auth: AuthService) {
  return app
    .route("/api/courts", courtsRoutes(deps, auth))
    .route("/api/judges", judgesRoutes(deps, auth))
    .route("/api/cases", casesRoutes(deps, auth))
    .route("/api/time-standards", timeStandardsRoutes(deps, auth))
    .route("/api/measures", measuresRoutes(deps, auth));
}
